import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg } from '../monai-dict.js';
import { flipImage } from './flipd.js';

/**
 * MONAI's RandAxisFlipd: with probability `prob` (default 0.1), flip every
 * key along one spatial axis drawn uniformly (RandomAxisFlip's semantics
 * with MONAI's default); per crop after a `num_samples` crop.
 */
export const RandAxisFlipd = defineTransform({
  name: 'RandAxisFlipd',
  family: 'spatial',
  summary: 'MONAI RandAxisFlipd: with prob, flip along one uniformly drawn spatial axis',
  monai: 'RandAxisFlipd',
  ...monaiSpellings('RandAxisFlipd'),
  args: z.strictObject({ keys: keysArg, prob: probArg(0.1), allow_missing_keys: allowMissingArg }),
  isRandom: true,
  example: { keys: ['image', 'label'], prob: 0.5 },
  create(a) {
    const name = 'RandAxisFlipd';
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined) return s;
          const flipped = c.rng.bernoulli(a.prob);
          const axis = c.rng.int(0, spatialRank(s[first] as ChainImage));
          c.record(flipped ? { flipped, axis } : { flipped });
          return flipped ? mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => flipImage(img, axis)) : s;
        }),
    };
  },
});
