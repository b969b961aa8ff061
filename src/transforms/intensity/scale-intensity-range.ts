import { z } from 'zod';
import { defineTransform } from '../types.js';
import { dtypeArg, fieldsArg } from '../args.js';
import type { ChainImage } from '../image.js';
import type { ArrayDType } from '../../volume/dtype.js';
import { linearMap, type LinearMapOptions } from './linear-map.js';
import { mapLazy } from './scaled-values.js';
import type { PointwiseStage } from '../lazy/pointwise.js';

export interface ScaleIntensityRangeParams {
  a_min: number;
  a_max: number;
  b_min: number;
  b_max: number;
  clip: boolean;
  dtype: ArrayDType;
  a_offset: number;
}

/**
 * The pure kernel: `(value + a_offset - a_min) / (a_max - a_min) * (b_max - b_min) + b_min`,
 * clipped to [min(b), max(b)] when `clip`. int16/uint8 inputs (e.g. CT read
 * with `scaling: 'defer'`) go through a lookup table with the NIfTI
 * slope/inter folded in (see linear-map.ts).
 */
export function scaleIntensityRange(img: ChainImage, p: ScaleIntensityRangeParams, alloc?: LinearMapOptions['alloc']): ChainImage {
  const s = scaleIntensityRangeStage(p);
  return linearMap(img, s.m, s.c, { clip: p.clip ? [s.lo, s.hi] : undefined, dtype: p.dtype, alloc });
}

/** The same map as a lazy stage (transforms/lazy): applied when the voxels are materialised. */
export function scaleIntensityRangeStage(p: ScaleIntensityRangeParams): PointwiseStage & { op: 'affine' } {
  const m = (p.b_max - p.b_min) / (p.a_max - p.a_min);
  const c = (p.a_offset - p.a_min) * m + p.b_min;
  const [lo, hi] = p.clip ? [Math.min(p.b_min, p.b_max), Math.max(p.b_min, p.b_max)] : [-Infinity, Infinity];
  return { op: 'affine', m, c, lo, hi, dtype: p.dtype };
}

const args = z
  .strictObject({
    fields: fieldsArg,
    a_min: z.number(),
    a_max: z.number(),
    b_min: z.number().default(0),
    b_max: z.number().default(1),
    clip: z.boolean().default(false),
    dtype: dtypeArg.default('float32'),
    /** Seen in real configs; added to every value before the window is applied (Clara's docs are silent). */
    a_offset: z.number().default(0),
  })
  .superRefine((a, ctx) => {
    if (a.a_max === a.a_min) ctx.addIssue({ code: 'custom', path: ['a_max'], message: 'must differ from a_min (the window would be empty)', input: a.a_max });
  });

/**
 * ScaleIntensityRange: CT windowing, [a_min, a_max] -> [b_min, b_max].
 * `a_offset` (seen in real configs, undocumented) is added to the values
 * first; `a_min == a_max` is refused at construction instead of dividing by 0.
 */
export const ScaleIntensityRange = defineTransform({
  name: 'ScaleIntensityRange',
  family: 'intensity',
  summary: 'Linear map of [a_min, a_max] to [b_min, b_max] (CT window), optional clip; int16/uint8 input via a lookup table',
  monai: 'ScaleIntensityRanged(a_min, a_max, b_min, b_max, clip)',
  args,
  isRandom: false,
  example: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true },
  create(a) {
    const stage = scaleIntensityRangeStage(a);
    return {
      fields: a.fields,
      // Lazy: the whole-volume float32 output would be the biggest array of a CT chain.
      // The map travels with the source volume and runs on the crops' voxels only.
      lazy: true,
      apply: (sample) => mapLazy(sample, a.fields, 'ScaleIntensityRange', stage),
    };
  },
});
