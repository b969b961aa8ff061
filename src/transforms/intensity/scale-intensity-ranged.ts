import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, monaiDTypeArg, monaiSpellings, onPresentKeys } from '../monai-dict.js';
import { ScaleIntensityRange } from './scale-intensity-range.js';

/**
 * MONAI's ScaleIntensityRanged on the ScaleIntensityRange kernel (its lookup
 * table for 8/16-bit data, its lazy map where the pipeline has one):
 * `(v - a_min) / (a_max - a_min)`, then `* (b_max - b_min) + b_min` when both
 * b's are given, clipped to [b_min, b_max] when `clip` (MONAI clips only when
 * the b's are given). a_min == a_max is refused (MONAI warns and subtracts).
 */
export const ScaleIntensityRanged = defineTransform({
  name: 'ScaleIntensityRanged',
  family: 'intensity',
  summary: 'MONAI ScaleIntensityRanged: [a_min, a_max] -> [b_min, b_max], optional clip (the ScaleIntensityRange kernel)',
  monai: 'ScaleIntensityRanged',
  ...monaiSpellings('ScaleIntensityRanged'),
  args: z
    .strictObject({
      keys: keysArg,
      a_min: z.number(),
      a_max: z.number(),
      b_min: z.number().nullable().default(null),
      b_max: z.number().nullable().default(null),
      clip: z.boolean().default(false),
      dtype: monaiDTypeArg.default('float32'),
      allow_missing_keys: allowMissingArg,
    })
    .superRefine((a, ctx) => {
      if (a.a_max === a.a_min) ctx.addIssue({ code: 'custom', path: ['a_max'], message: 'must differ from a_min (the window would be empty)', input: a.a_max });
    }),
  isRandom: false,
  example: { keys: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true },
  create(a) {
    const bs = a.b_min !== null && a.b_max !== null;
    const clara = (keys: string[]) =>
      ScaleIntensityRange.create(
        ScaleIntensityRange.args.parse({
          fields: keys,
          a_min: a.a_min,
          a_max: a.a_max,
          b_min: bs ? a.b_min : 0,
          b_max: bs ? a.b_max : 1,
          clip: bs && a.clip,
          dtype: a.dtype,
        }),
      );
    return { fields: a.keys, apply: onPresentKeys(a.keys, a.allow_missing_keys, 'ScaleIntensityRanged', clara) };
  },
});
