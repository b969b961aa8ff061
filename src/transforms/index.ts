export * from './image.js';
export * from './types.js';
export * from './args.js';
export { TransformRegistry, type TransformEntry } from './registry.js';
export { CATALOGUE, createDefaultRegistry } from './catalogue.js';
