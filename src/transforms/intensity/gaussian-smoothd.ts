import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { gaussianSmooth } from '../kernels/index.js';
import { gridOf } from '../spatial/spatial-image.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { linearMap } from './linear-map.js';
import { withData } from './scaled-values.js';

/** The image smoothed by MONAI's GaussianFilter (erf kernel, zero padding), float32. */
export function smoothImage(img: ChainImage, sigma: number | readonly number[]): ChainImage {
  const rank = spatialRank(img);
  const s = typeof sigma === 'number' ? new Array<number>(rank).fill(sigma) : sigma;
  // Deferred NIfTI scaling: materialise the true values first (smoothing does not commute with the intercept at zero-padded borders).
  const x = img.meta.scalingDeferred === true ? linearMap(img, 1, 0) : img;
  return withData(x, gaussianSmooth(gridOf(x), s), 'float32');
}

/** MONAI's GaussianSmoothd: the deterministic twin of RandGaussianSmoothd. */
export const GaussianSmoothd = defineTransform({
  name: 'GaussianSmoothd',
  family: 'intensity',
  summary: 'MONAI GaussianSmoothd: Gaussian smoothing (erf kernel, zero padding), sigma per axis',
  monai: 'GaussianSmoothd',
  ...monaiSpellings('GaussianSmoothd'),
  args: z.strictObject({
    keys: keysArg,
    sigma: z.union([z.number().min(0), z.array(z.number().min(0)).min(1).max(3)]),
    approx: z.literal('erf', { error: 'voxelpipe implements approx "erf" (MONAI\'s default)' }).default('erf'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'image', sigma: 1 },
  create(a) {
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, 'GaussianSmoothd', (img) => smoothImage(img, a.sigma)) };
  },
});
