import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiDTypeArg, monaiSpellings, probArg } from '../monai-dict.js';
import { convertImage } from '../load/loader.js';
import { addGaussianNoise } from './add-gaussian-noise.js';

/**
 * MONAI's RandGaussianNoised: with probability `prob`, add N(mean, s) noise,
 * s uniform in [0, std) (MONAI 1.4's `sample_std`, default true) or std. As
 * in MONAI every key gets the same noise (one draw of the noise, replayed per
 * key), on the AddGaussianNoise kernel; after a `num_samples` crop each crop
 * draws its own.
 */
export const RandGaussianNoised = defineTransform({
  name: 'RandGaussianNoised',
  family: 'intensity',
  summary: 'MONAI RandGaussianNoised: with prob, add N(mean, s) noise, s uniform in [0, std) (sample_std); same noise for every key',
  monai: 'RandGaussianNoised',
  ...monaiSpellings('RandGaussianNoised'),
  args: z.strictObject({
    keys: keysArg,
    prob: probArg(0.1),
    mean: z.number().default(0),
    std: z.number().min(0).default(0.1),
    dtype: monaiDTypeArg.default('float32'),
    sample_std: z.boolean().default(true),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', prob: 0.5, std: 0.1 },
  create(a) {
    const name = 'RandGaussianNoised';
    return {
      fields: a.keys,
      isRandom: a.prob > 0 && (a.std > 0 || a.mean !== 0),
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          if (!c.rng.bernoulli(a.prob)) return s;
          const std = a.sample_std ? c.rng.uniform(0, a.std) : a.std;
          // The noise stream's seed, drawn once and replayed for every key: the same noise everywhere.
          const seed = [c.rng.uint32(), c.rng.uint32(), c.rng.uint32(), c.rng.uint32()];
          c.record({ std });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => {
            let i = 0;
            return convertImage(addGaussianNoise(img, std, { uint32: () => seed[i++ % 4] }, a.mean), a.dtype);
          });
        }),
    };
  },
});
