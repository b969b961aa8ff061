export * from './dtype.js';
export * from './affine.js';
export * from './volume.js';
export * from './stats.js';
