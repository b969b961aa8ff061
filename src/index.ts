/**
 * voxelpipe: medical-image input pipelines for neural-network training.
 * The public API, layer by layer (see DESIGN.md).
 */
export * from './util/index.js';
export * from './volume/index.js';
export * from './io/index.js';
export * from './transforms/index.js';
export * from './config/index.js';
export * from './datalist/index.js';
export * from './sampling/index.js';
export * from './cache/index.js';
export * from './pipeline/index.js';
export * from './preview/index.js';
export * from './synthetic/index.js';
export * from './evaluate/index.js';
