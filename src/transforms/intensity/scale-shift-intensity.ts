import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { linearMap } from './linear-map.js';
import { mapLazy } from './scaled-values.js';

/** The pure kernel: `value * (1 + scale) + shift` (float32 output). */
export function scaleShiftIntensity(img: ChainImage, scale: number, shift: number): ChainImage {
  return linearMap(img, 1 + scale, shift);
}

/**
 * ScaleShiftIntensity: draw s uniform in [-scale, scale) and t uniform in
 * [-shift, shift), then `value * (1 + s) + t` on every listed field. Clara's
 * configs never set a probability: it defaults to 1 (always applied).
 */
export const ScaleShiftIntensity = defineTransform({
  name: 'ScaleShiftIntensity',
  family: 'intensity',
  summary: 'value * (1 + s) + t, s uniform in [-scale, scale), t uniform in [-shift, shift)',
  monai: 'RandScaleIntensityd(factors=scale) + RandShiftIntensityd(offsets=shift)',
  args: z.strictObject({
    fields: fieldsArg,
    scale: z.number().min(0).default(0.1),
    shift: z.number().min(0).default(0.1),
    probability: probabilityArg.default(1),
  }),
  isRandom: true,
  example: { fields: 'image', scale: 0.1, shift: 0.1 },
  create(a) {
    return {
      fields: a.fields,
      isRandom: a.probability > 0 && (a.scale > 0 || a.shift > 0),
      // A fixed map once drawn: lazy, as ScaleIntensityOscillation.
      lazy: true,
      apply(sample, ctx) {
        if (!ctx.rng.bernoulli(a.probability)) return sample;
        const scale = ctx.rng.uniform(-a.scale, a.scale);
        const shift = ctx.rng.uniform(-a.shift, a.shift);
        ctx.record({ scale, shift });
        return mapLazy(sample, a.fields, 'ScaleShiftIntensity', { op: 'affine', m: 1 + scale, c: shift, lo: -Infinity, hi: Infinity, dtype: 'float32' });
      },
    };
  },
});
