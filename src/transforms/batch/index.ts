import type { TransformDefinition } from '../types.js';

/** The batch family of the catalogue (one transform per file in this folder). */
export const batchTransforms: TransformDefinition[] = [];
