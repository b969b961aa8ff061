import type { TransformDefinition } from '../types.js';
import { loadImage } from './load-image.js';
import { loadJpg } from './load-jpg.js';
import { loadNifti } from './load-nifti.js';
import { loadNumpy } from './load-numpy.js';
import { loadPng } from './load-png.js';
import { LoadImaged } from './load-imaged.js';

/** The load family of the catalogue (one transform per file in this folder). */
export const loadTransforms: TransformDefinition[] = [loadNifti, loadPng, loadJpg, loadImage, loadNumpy,
  // MONAI dictionary transforms
  LoadImaged,
];
