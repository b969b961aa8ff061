import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import type { ChainImage } from '../image.js';
import { voxelsPerChannel } from '../image.js';
import { mapImages, storedScaling, withData } from './scaled-values.js';

/**
 * The pure kernel: per channel (and per crop of a batched image), subtract
 * the mean and divide by the standard deviation (ddof 0) of all voxels.
 * Clara's docs give only the name; "centre" over every voxel (background
 * included) is what distinguishes it from NormalizeNonzeroIntensities. A
 * constant block (std 0) is only shifted to zero.
 */
export function centerData(img: ChainImage): ChainImage {
  // A constant offset (NIfTI scl_inter) cancels in value - mean: only the slope matters.
  const { slope } = storedScaling(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  const block = voxelsPerChannel(img);
  for (let start = 0; start < src.length; start += block) {
    const end = start + block;
    let s = 0;
    for (let i = start; i < end; i++) s += src[i];
    // Work on stored values, then fold slope/inter into the result: mean and std scale linearly.
    const meanStored = s / block;
    let ss = 0;
    for (let i = start; i < end; i++) {
      const d = src[i] - meanStored;
      ss += d * d;
    }
    const std = Math.sqrt(ss / block) * Math.abs(slope);
    const k = std > 0 ? slope / std : slope;
    for (let i = start; i < end; i++) out[i] = (src[i] - meanStored) * k;
  }
  return withData(img, out, 'float32');
}

/** CenterData: global z-score (mean 0, std 1) of each channel. */
export const CenterData = defineTransform({
  name: 'CenterData',
  family: 'intensity',
  summary: 'Subtract the mean and divide by the std (ddof 0) of all voxels, per channel',
  monai: 'NormalizeIntensityd(nonzero=False, channel_wise=True)',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: 'image' },
  create(a) {
    return { fields: a.fields, apply: (sample) => mapImages(sample, a.fields, 'CenterData', centerData) };
  },
});
