import type { TransformDefinition } from '../types.js';
import { loadNifti } from './load-nifti.js';

/** The load family of the catalogue (one transform per file in this folder). */
export const loadTransforms: TransformDefinition[] = [loadNifti];
