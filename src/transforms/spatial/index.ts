import type { TransformDefinition } from '../types.js';

/** The spatial family of the catalogue (one transform per file in this folder). */
export const spatialTransforms: TransformDefinition[] = [];
