import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { voxelsPerChannel } from '../image.js';
import { mapImages, storedScaling, withData } from './scaled-values.js';

/**
 * The pure kernel: per channel (and per crop of a batched image), subtract
 * the mean and divide by the standard deviation (ddof 0) of the non-zero
 * voxels; zero voxels stay zero. Statistics are accumulated in float64.
 * A block with no non-zero voxel is left at zero; a constant one (std 0)
 * is only shifted, as MONAI's NormalizeIntensity does.
 */
export function normalizeNonzero(img: ChainImage): ChainImage {
  const { slope, inter } = storedScaling(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  const block = voxelsPerChannel(img);
  for (let start = 0; start < src.length; start += block) {
    const end = start + block;
    let n = 0, s = 0, s2 = 0;
    for (let i = start; i < end; i++) {
      const v = src[i] * slope + inter;
      if (v !== 0) {
        n++;
        s += v;
        s2 += v * v;
      }
    }
    if (n === 0) continue;
    const mean = s / n;
    const variance = Math.max(0, s2 / n - mean * mean);
    const std = Math.sqrt(variance);
    const k = std > 0 ? 1 / std : 1;
    for (let i = start; i < end; i++) {
      const v = src[i] * slope + inter;
      if (v !== 0) out[i] = (v - mean) * k;
    }
  }
  return withData(img, out, 'float32');
}

/** NormalizeNonzeroIntensities: z-score over the non-zero voxels (MRI, BraTS), channel by channel. */
export const NormalizeNonzeroIntensities = defineTransform({
  name: 'NormalizeNonzeroIntensities',
  family: 'intensity',
  summary: 'Z-score with the mean/std (ddof 0) of the non-zero voxels, per channel; zeros stay zero',
  monai: 'NormalizeIntensityd(nonzero=True, channel_wise=True)',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: 'image' },
  create(a) {
    return { fields: a.fields, apply: (sample) => mapImages(sample, a.fields, 'NormalizeNonzeroIntensities', normalizeNonzero) };
  },
});
