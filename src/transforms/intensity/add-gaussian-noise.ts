import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import type { ChainImage } from '../image.js';
import type { Rng } from '../../util/rng.js';
import { mapImages, storedScaling, withData } from './scaled-values.js';

/**
 * The pure kernel: `value + std * n[i]` where `n` is a standard-normal
 * stream drawn from `rng` in memory order (float32 output). Deterministic
 * given the rng's key.
 */
export function addGaussianNoise(img: ChainImage, std: number, rng: Rng): ChainImage {
  const { slope, inter } = storedScaling(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + inter + std * rng.normal();
  return withData(img, out, 'float32');
}

/**
 * AddGaussianNoise (signature from Clara's docs): with probability
 * `probability`, add N(0, variance) noise — `variance` is the variance, so
 * the noise's standard deviation is sqrt(variance). Each listed field gets
 * its own noise (drawn one after the other from the same stream); the
 * decision to apply is drawn once for all of them.
 */
export const AddGaussianNoise = defineTransform({
  name: 'AddGaussianNoise',
  family: 'intensity',
  summary: 'With probability p, add zero-mean Gaussian noise of the given variance',
  monai: 'RandGaussianNoised(prob, std=sqrt(variance))',
  args: z.strictObject({
    fields: fieldsArg,
    probability: probabilityArg.default(0.5),
    variance: z.number().min(0).default(0.1),
  }),
  isRandom: true,
  example: { fields: 'image', probability: 1, variance: 0.1 },
  create(a) {
    const std = Math.sqrt(a.variance);
    return {
      fields: a.fields,
      isRandom: a.probability > 0 && a.variance > 0,
      apply(sample, ctx) {
        if (!ctx.rng.bernoulli(a.probability)) return sample;
        ctx.record({ std });
        return mapImages(sample, a.fields, 'AddGaussianNoise', (img) => addGaussianNoise(img, std, ctx.rng));
      },
    };
  },
});
