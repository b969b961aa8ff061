import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg } from '../monai-dict.js';
import { smoothImage } from './gaussian-smoothd.js';

const sigmaRange = z.tuple([z.number().min(0), z.number().min(0)]).refine(([lo, hi]) => lo <= hi, 'expected [min, max] with min <= max');

/**
 * MONAI's RandGaussianSmoothd: with probability `prob`, Gaussian smoothing
 * with sigma uniform in `sigma_x`, `sigma_y`, `sigma_z` (one per spatial
 * axis, default [0.25, 1.5] each), the same sigmas for all keys; per crop
 * after a `num_samples` crop.
 */
export const RandGaussianSmoothd = defineTransform({
  name: 'RandGaussianSmoothd',
  family: 'intensity',
  summary: 'MONAI RandGaussianSmoothd: with prob, Gaussian smoothing, sigma per axis uniform in sigma_x/y/z',
  monai: 'RandGaussianSmoothd',
  ...monaiSpellings('RandGaussianSmoothd'),
  args: z.strictObject({
    keys: keysArg,
    sigma_x: sigmaRange.default([0.25, 1.5]),
    sigma_y: sigmaRange.default([0.25, 1.5]),
    sigma_z: sigmaRange.default([0.25, 1.5]),
    approx: z.literal('erf', { error: 'voxelpipe implements approx "erf" (MONAI\'s default)' }).default('erf'),
    prob: probArg(0.1),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', prob: 0.5 },
  create(a) {
    const name = 'RandGaussianSmoothd';
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          if (!c.rng.bernoulli(a.prob)) return s;
          const sigma = [a.sigma_x, a.sigma_y, a.sigma_z].map(([lo, hi]) => c.rng.uniform(lo, hi));
          c.record({ sigma });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img: ChainImage) => smoothImage(img, sigma.slice(0, spatialRank(img))));
        }),
    };
  },
});
