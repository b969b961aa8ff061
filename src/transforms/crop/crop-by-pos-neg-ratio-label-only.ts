import { z } from 'zod';
import { defineTransform } from '../types.js';
import { imageFieldsOf, posNegArgs, posNegCrop, posNegRatioRefinement } from './pos-neg.js';
import { batchesToGenArg } from './crop-by-pos-neg-ratio.js';

/**
 * CropByPosNegRatioLabelOnly: the PosNeg crop for a sample where only the
 * label is cropped (Clara lists it among the batching transforms; its docs
 * do not say more). `fields`/`image_field` are optional here: without them
 * only `label_field` is cropped; with them they are cropped too, as by
 * FastCropByPosNegRatio. It uses the cached fg/bg index when present.
 */
export const CropByPosNegRatioLabelOnly = defineTransform({
  name: 'CropByPosNegRatioLabelOnly',
  family: 'crop',
  summary: 'PosNeg crops of the label field alone (image fields optional); batched output',
  monai: 'RandCropByPosNegLabeld(keys=[label])',
  args: z.strictObject({ ...posNegArgs, batches_to_gen_at_once: batchesToGenArg }).superRefine(posNegRatioRefinement),
  isRandom: true,
  example: { label_field: 'label', size: [96, 96, 96], batch_size: 4 },
  create(a) {
    return posNegCrop({
      name: 'CropByPosNegRatioLabelOnly',
      size: a.size,
      imageFields: imageFieldsOf(a),
      labelField: a.label_field,
      pos: a.pos,
      neg: a.neg,
      count: a.batch_size * a.batches_to_gen_at_once,
      batched: true,
      fast: true,
    });
  },
});
