import { z } from 'zod';
import { defineTransform } from '../types.js';
import { imageFieldsOf, posNegArgs, posNegCrop, posNegRatioRefinement } from './pos-neg.js';
import { needsImageField } from './batching-pos-neg.js';

/**
 * FastPosNegRatioCropROI: the non-batching PosNeg ROI crop (Clara's
 * replacement of TLT's TransformVolumeCropROIFastPosNegRatio), with
 * optional on-the-fly warps of the ROI, one draw per crop:
 * `rotation` (angles uniform in ±rotation_degree about each axis, in-plane
 * in 2D), `scale` (per-axis factor uniform in 1 ± scale_factor), `deform`
 * (elastic: 4 control points per axis, displacements N(0, (0.02 size)^2)
 * voxels, trilinear in between). Images are sampled trilinearly (float32
 * output), labels nearest-neighbour; coordinates outside the volume clamp
 * to its edge. With batch_size 1 the output is an ordinary unbatched image
 * `[...size, C]`; with more it is batched `[...size, C, b]`. `fast_crop`
 * uses the cached fg/bg index (same crops either way).
 */
export const FastPosNegRatioCropROI = defineTransform({
  name: 'FastPosNegRatioCropROI',
  family: 'crop',
  summary: 'PosNeg ROI crop with optional random rotation / scaling / elastic deformation of the ROI; unbatched when batch_size is 1',
  monai: 'RandCropByPosNegLabeld + Rand3DElasticd / RandAffined',
  args: z
    .strictObject({
      ...posNegArgs,
      fast_crop: z.boolean().default(true),
      deform: z.boolean().default(false),
      rotation: z.boolean().default(false),
      rotation_degree: z.number().min(0).max(180).default(20),
      scale: z.boolean().default(false),
      scale_factor: z.number().min(0).lt(1).default(0.1),
    })
    .superRefine(posNegRatioRefinement)
    .superRefine(needsImageField),
  isRandom: true,
  example: { image_field: 'image', label_field: 'label', size: [96, 96, 96], rotation: true, scale: true },
  create(a) {
    return posNegCrop({
      name: 'FastPosNegRatioCropROI',
      size: a.size,
      imageFields: imageFieldsOf(a),
      labelField: a.label_field,
      pos: a.pos,
      neg: a.neg,
      count: a.batch_size,
      batched: a.batch_size > 1,
      fast: a.fast_crop,
      warp: { deform: a.deform, rotation: a.rotation, rotation_degree: a.rotation_degree, scale: a.scale, scale_factor: a.scale_factor },
    });
  },
});
