import type { TransformDefinition } from '../types.js';

/** The annotation family of the catalogue (one transform per file in this folder). */
export const annotationTransforms: TransformDefinition[] = [];
