import type { TransformDefinition } from '../types.js';
import { CropByPosNegRatio } from './crop-by-pos-neg-ratio.js';
import { FastCropByPosNegRatio } from './fast-crop-by-pos-neg-ratio.js';
import { CropByPosNegRatioLabelOnly } from './crop-by-pos-neg-ratio-label-only.js';
import { FastPosNegRatioCropROI } from './fast-pos-neg-ratio-crop-roi.js';
import { CropFixedSizeRandomCenter } from './crop-fixed-size-random-center.js';
import { CropRandomSizeWithDisplacement } from './crop-random-size-with-displacement.js';
import { RandCropByPosNegLabeld } from './rand-crop-by-pos-neg-labeld.js';
import { FgBgToIndicesd } from './fg-bg-to-indicesd.js';
import { RandCropByLabelClassesd } from './rand-crop-by-label-classesd.js';
import { RandSpatialCropd } from './rand-spatial-cropd.js';
import { RandSpatialCropSamplesd } from './rand-spatial-crop-samplesd.js';

export { cropAt, cropInto, croppedAffine, startForCentre } from './crop-at.js';
export {
  computeFgBgIndices,
  fgBgIndicesField,
  fgBgIndicesStep,
  drawCentre,
  foregroundTest,
  type FgBgIndices,
} from './fg-bg-indices.js';
export { drawWarp, warpCoordinates, sampleAt, type RoiWarp, type WarpOptions } from './roi-warp.js';

/** The crop family of the catalogue (one transform per file in this folder). */
export const cropTransforms: TransformDefinition[] = [
  CropByPosNegRatio,
  FastCropByPosNegRatio,
  CropByPosNegRatioLabelOnly,
  FastPosNegRatioCropROI,
  CropFixedSizeRandomCenter,
  CropRandomSizeWithDisplacement,
  // MONAI dictionary transforms
  RandCropByPosNegLabeld,
  FgBgToIndicesd,
  RandCropByLabelClassesd,
  RandSpatialCropd,
  RandSpatialCropSamplesd,
] as TransformDefinition[];
