import { z } from 'zod';
import { defineTransform } from '../types.js';
import { crossCheck, imageFieldsOf, posNegArgs, posNegCrop, posNegRatioRefinement } from './pos-neg.js';

/**
 * `batches_to_gen_at_once` in voxelpipe: transforms are pure and keyed (no
 * state survives between calls), so instead of serving precomputed crops
 * over later calls, one call emits batch_size x batches_to_gen_at_once
 * crops of the volume as ONE batched image; the pipeline splits it into
 * batches of batch_size. The IO saving Clara wanted is the same: one loaded
 * volume feeds that many batches.
 */
export const batchesToGenArg = z.number().int().positive().default(1);

export const needsImageField = crossCheck<{ fields?: string[]; image_field?: string }>(
  (a) => (a.fields?.length ?? 0) > 0 || a.image_field !== undefined,
  'fields',
  'expected the image field(s) to crop in `fields` (or `image_field`)',
);

/**
 * CropByPosNegRatio: `batch_size` crops of `size` centred on foreground with
 * probability pos/(pos+neg), image field(s) and label cropped at the same
 * places; output batched `[...size, C, b]`. Indexes the label on every call
 * (O(volume)); FastCropByPosNegRatio gives the same crops from a cached index.
 */
export const CropByPosNegRatio = defineTransform({
  name: 'CropByPosNegRatio',
  family: 'crop',
  summary: 'batch_size crops centred on foreground with probability pos/(pos+neg), else background; image and label alike; batched output',
  monai: 'RandCropByPosNegLabeld(spatial_size=size, pos, neg, num_samples=batch_size)',
  args: z
    .strictObject({ ...posNegArgs, batches_to_gen_at_once: batchesToGenArg })
    .superRefine(posNegRatioRefinement)
    .superRefine(needsImageField),
  isRandom: true,
  example: { fields: 'image', label_field: 'label', size: [96, 96, 96], pos: 1, neg: 1, batch_size: 4 },
  create(a) {
    return posNegCrop({
      name: 'CropByPosNegRatio',
      size: a.size,
      imageFields: imageFieldsOf(a),
      labelField: a.label_field,
      pos: a.pos,
      neg: a.neg,
      count: a.batch_size * a.batches_to_gen_at_once,
      batched: true,
      fast: false,
    });
  },
});
