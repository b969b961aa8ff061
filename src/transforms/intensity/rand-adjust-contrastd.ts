import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg } from '../monai-dict.js';
import { adjustContrastMonai } from './adjust-contrastd.js';

/**
 * MONAI's RandAdjustContrastd: with probability `prob`, the gamma curve of
 * AdjustContrastd with gamma uniform in `gamma` (a number g > 0.5 means
 * [0.5, g]; default [0.5, 4.5]); one gamma for all keys, per crop after a
 * `num_samples` crop.
 */
export const RandAdjustContrastd = defineTransform({
  name: 'RandAdjustContrastd',
  family: 'intensity',
  summary: 'MONAI RandAdjustContrastd: with prob, gamma curve, gamma uniform in gamma (default [0.5, 4.5])',
  monai: 'RandAdjustContrastd',
  ...monaiSpellings('RandAdjustContrastd'),
  args: z.strictObject({
    keys: keysArg,
    prob: probArg(0.1),
    gamma: z
      .union([z.number().gt(0.5, 'a single gamma must be > 0.5 (the range is [0.5, gamma])'), z.tuple([z.number().positive(), z.number().positive()])])
      .default([0.5, 4.5])
      .transform((g): [number, number] => (typeof g === 'number' ? [0.5, g] : [Math.min(...g), Math.max(...g)])),
    invert_image: z.boolean().default(false),
    retain_stats: z.boolean().default(false),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', prob: 0.5, gamma: [0.7, 1.5] },
  create(a) {
    const name = 'RandAdjustContrastd';
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          if (!c.rng.bernoulli(a.prob)) return s;
          const gamma = c.rng.uniform(a.gamma[0], a.gamma[1]);
          c.record({ gamma });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => adjustContrastMonai(img, gamma, a));
        }),
    };
  },
});
