import type { TransformDefinition } from '../types.js';

/** The post family of the catalogue (one transform per file in this folder). */
export const postTransforms: TransformDefinition[] = [];
