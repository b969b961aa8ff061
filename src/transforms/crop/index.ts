import type { TransformDefinition } from '../types.js';

/** The crop family of the catalogue (one transform per file in this folder). */
export const cropTransforms: TransformDefinition[] = [];
