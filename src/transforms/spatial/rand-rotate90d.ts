import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg } from '../monai-dict.js';
import { rotate90Image, spatialAxesArg } from './rotate90d.js';

/**
 * MONAI's RandRotate90d: with probability `prob` (default 0.1), k quarter
 * turns, k uniform in 1..max_k, in the plane of `spatial_axes`; per crop
 * after a `num_samples` crop (non-square crops then differ in shape, which a
 * batch refuses, as MONAI's collate does).
 */
export const RandRotate90d = defineTransform({
  name: 'RandRotate90d',
  family: 'spatial',
  summary: 'MONAI RandRotate90d: with prob, k in 1..max_k quarter turns in spatial_axes',
  monai: 'RandRotate90d',
  ...monaiSpellings('RandRotate90d'),
  args: z.strictObject({ keys: keysArg, prob: probArg(0.1), max_k: z.number().int().min(1).default(3), spatial_axes: spatialAxesArg, allow_missing_keys: allowMissingArg }),
  isRandom: true,
  example: { keys: ['image', 'label'], prob: 0.5, max_k: 3 },
  create(a) {
    const name = 'RandRotate90d';
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const k = c.rng.int(0, a.max_k) + 1;
          const rotated = c.rng.bernoulli(a.prob);
          c.record(rotated ? { k } : { rotated });
          return rotated ? mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => rotate90Image(img, k, a.spatial_axes)) : s;
        }),
    };
  },
});
