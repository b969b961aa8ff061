import { z } from 'zod';
import { defineTransform } from '../types.js';
import { channelCount, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiDTypeArg, monaiSpellings, probArg, symmetricRange } from '../monai-dict.js';
import { perChannelLinear } from './rand-shift-intensityd.js';

/**
 * MONAI's RandScaleIntensityd: with probability `prob`, `v * (1 + factor)`,
 * the factor uniform in `factors` (a number f means [-f, f]), one for all
 * keys (one per channel with `channel_wise`); the ScaleIntensityOscillation
 * kernel. After a `num_samples` crop each crop draws its own.
 */
export const RandScaleIntensityd = defineTransform({
  name: 'RandScaleIntensityd',
  family: 'intensity',
  summary: 'MONAI RandScaleIntensityd: with prob, v * (1 + factor), factor uniform in factors',
  monai: 'RandScaleIntensityd',
  ...monaiSpellings('RandScaleIntensityd'),
  args: z.strictObject({
    keys: keysArg,
    factors: symmetricRange,
    prob: probArg(0.1),
    channel_wise: z.boolean().default(false),
    dtype: monaiDTypeArg.default('float32'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', factors: 0.1, prob: 0.5 },
  create(a) {
    const name = 'RandScaleIntensityd';
    const [lo, hi] = a.factors;
    return {
      fields: a.keys,
      isRandom: a.prob > 0 && (lo !== 0 || hi !== 0),
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          if (!c.rng.bernoulli(a.prob)) return s;
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined) return s;
          const C = a.channel_wise ? channelCount(s[first] as ChainImage) : 1;
          const factors = Array.from({ length: C }, () => c.rng.uniform(lo, hi));
          c.record({ factors });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => perChannelLinear(img, factors.map((f) => 1 + f), [0], c.alloc));
        }),
    };
  },
});
