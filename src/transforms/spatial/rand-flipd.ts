import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg } from '../monai-dict.js';
import { flipImage, spatialAxisArg } from './flipd.js';

/**
 * MONAI's RandFlipd: with probability `prob` (default 0.1), flip every key
 * along `spatial_axis` (null: all axes at once); one draw per sample, per
 * crop after a `num_samples` crop.
 */
export const RandFlipd = defineTransform({
  name: 'RandFlipd',
  family: 'spatial',
  summary: 'MONAI RandFlipd: with prob, flip along spatial_axis (null: all axes)',
  monai: 'RandFlipd',
  ...monaiSpellings('RandFlipd'),
  args: z.strictObject({ keys: keysArg, prob: probArg(0.1), spatial_axis: spatialAxisArg, allow_missing_keys: allowMissingArg }),
  isRandom: true,
  example: { keys: ['image', 'label'], prob: 0.5, spatial_axis: 0 },
  create(a) {
    const name = 'RandFlipd';
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const flipped = c.rng.bernoulli(a.prob);
          c.record({ flipped });
          return flipped ? mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => flipImage(img, a.spatial_axis)) : s;
        }),
    };
  },
});
