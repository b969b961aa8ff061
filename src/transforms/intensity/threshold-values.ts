import { z } from 'zod';
import { defineTransform } from '../types.js';
import { dtypeArg, fieldsArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { ARRAY_CTORS, type ArrayDType } from '../../volume/dtype.js';
import { mapLazy, storedScaling, withData } from './scaled-values.js';

export interface ThresholdParams {
  threshold: number;
  above_value: number;
  below_value: number;
  dtype: ArrayDType;
}

/**
 * The pure kernel: `value > threshold ? above_value : below_value`. Clara's
 * configs only show `threshold` (0.5, on a "model" field of
 * probabilities): binarising with a strict `>` is what MONAI's
 * `AsDiscrete(threshold=0.5)` does too. NaN counts as below.
 */
export function thresholdValues(img: ChainImage, p: ThresholdParams): ChainImage {
  const { slope, inter } = storedScaling(img);
  const src = img.data;
  const out = new ARRAY_CTORS[p.dtype](src.length);
  const { above_value: hiV, below_value: loV } = p;
  if (slope === 1 && inter === 0) {
    const t = p.threshold;
    for (let i = 0; i < src.length; i++) out[i] = src[i] > t ? hiV : loV;
  } else {
    for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + inter > p.threshold ? hiV : loV;
  }
  return withData(img, out, p.dtype);
}

/** ThresholdValues: binarise against a threshold (post-processing of probabilities). */
export const ThresholdValues = defineTransform({
  name: 'ThresholdValues',
  family: 'intensity',
  summary: 'value > threshold -> above_value (1) else below_value (0)',
  monai: 'AsDiscreted(threshold=0.5)',
  args: z.strictObject({
    fields: fieldsArg,
    threshold: z.number().default(0.5),
    above_value: z.number().default(1),
    below_value: z.number().default(0),
    dtype: dtypeArg.default('float32'),
  }),
  isRandom: false,
  example: { fields: 'image', threshold: 0.5 },
  create(a) {
    const stage = { op: 'threshold', t: a.threshold, above: a.above_value, below: a.below_value, dtype: a.dtype } as const;
    // Lazy, as ScaleIntensityRange: the map runs when the voxels are materialised.
    return { fields: a.fields, lazy: true, apply: (sample) => mapLazy(sample, a.fields, 'ThresholdValues', stage) };
  },
});
