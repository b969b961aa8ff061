import type { TransformDefinition } from '../types.js';

/** The layout family of the catalogue (one transform per file in this folder). */
export const layoutTransforms: TransformDefinition[] = [];
