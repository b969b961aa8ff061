import { z } from 'zod';
import type { TransformImpl } from '../types.js';
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

const batchingArgs = z.strictObject({ ...posNegArgs, batches_to_gen_at_once: batchesToGenArg }).superRefine(posNegRatioRefinement);

/**
 * The args schema and `create` shared by the three batching PosNeg crops
 * (CropByPosNegRatio, FastCropByPosNegRatio, CropByPosNegRatioLabelOnly):
 * they differ only in their name, whether an image field is required, and
 * whether the cached fg/bg index is used.
 */
export function batchingPosNeg(name: string, o: { fast: boolean; requireImage: boolean }) {
  return {
    args: o.requireImage ? batchingArgs.superRefine(needsImageField) : batchingArgs,
    create: (a: z.output<typeof batchingArgs>): TransformImpl =>
      posNegCrop({
        name,
        size: a.size,
        imageFields: imageFieldsOf(a),
        labelField: a.label_field,
        pos: a.pos,
        neg: a.neg,
        count: a.batch_size * a.batches_to_gen_at_once,
        batched: true,
        fast: o.fast,
        ...(a.batches_to_gen_at_once > 1 ? { partSize: a.batch_size } : {}),
      }),
  };
}
