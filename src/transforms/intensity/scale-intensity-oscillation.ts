import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { linearMap, type LinearMapOptions } from './linear-map.js';
import { mapLazy } from './scaled-values.js';

/** The pure kernel: every value multiplied by `factor` (float32 output). */
export function scaleIntensity(img: ChainImage, factor: number, alloc?: LinearMapOptions['alloc']): ChainImage {
  return linearMap(img, factor, 0, { alloc });
}

/**
 * ScaleIntensityOscillation: with probability `probability`, multiply every
 * listed field by one factor drawn uniformly from [1 - magnitude, 1 + magnitude).
 * Clara's default probability is not public: 0.5 here (real configs set 0.1).
 */
export const ScaleIntensityOscillation = defineTransform({
  name: 'ScaleIntensityOscillation',
  family: 'intensity',
  summary: 'With probability p, multiply by a factor uniform in [1 - magnitude, 1 + magnitude)',
  monai: 'RandScaleIntensityd(factors=magnitude, prob)',
  args: z.strictObject({
    fields: fieldsArg,
    magnitude: z.number().min(0).default(0.1),
    probability: probabilityArg.default(0.5),
  }),
  isRandom: true,
  example: { fields: 'image', magnitude: 0.1, probability: 1 },
  create(a) {
    return {
      fields: a.fields,
      isRandom: a.probability > 0 && a.magnitude > 0,
      // The drawn factor is a fixed map for this sample: lazy, fused into the crop's materialisation.
      lazy: true,
      apply(sample, ctx) {
        if (!ctx.rng.bernoulli(a.probability)) return sample;
        const factor = 1 + ctx.rng.uniform(-a.magnitude, a.magnitude);
        ctx.record({ factor });
        return mapLazy(sample, a.fields, 'ScaleIntensityOscillation', { op: 'affine', m: factor, c: 0, lo: -Infinity, hi: Infinity, dtype: 'float32' });
      },
    };
  },
});
