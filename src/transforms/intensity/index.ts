import type { TransformDefinition } from '../types.js';

/** The intensity family of the catalogue (one transform per file in this folder). */
export const intensityTransforms: TransformDefinition[] = [];
