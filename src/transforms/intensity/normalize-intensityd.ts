import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { channelCount, voxelsPerChannel, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiDTypeArg, monaiSpellings } from '../monai-dict.js';
import { convertImage } from '../load/loader.js';
import { centerData } from './center-data.js';
import { normalizeNonzero } from './normalize-nonzero-intensities.js';
import { storedScaling, withData } from './scaled-values.js';

export interface NormalizeIntensityParams {
  subtrahend: number[] | null;
  divisor: number[] | null;
  nonzero: boolean;
  channel_wise: boolean;
}

/**
 * The pure kernel (MONAI's NormalizeIntensity): `(v - sub) / div` over the
 * whole image or each channel, sub and div the mean and std (ddof 0) unless
 * given, computed over the non-zero voxels with `nonzero` (zeros then stay
 * zero); a std of 0 divides by 1. Channel-wise statistics are the Clara
 * kernels (NormalizeNonzeroIntensities, CenterData); the rest is here.
 */
export function normalizeIntensity(img: ChainImage, p: NormalizeIntensityParams): ChainImage {
  const C = channelCount(img);
  if ((p.channel_wise || C === 1) && !p.subtrahend && !p.divisor) return p.nonzero ? normalizeNonzero(img) : centerData(img);
  const { slope, inter } = storedScaling(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  const block = p.channel_wise ? voxelsPerChannel(img) : src.length;
  const groups = src.length / block;
  for (const [arg, v] of [['subtrahend', p.subtrahend], ['divisor', p.divisor]] as const)
    if (v && v.length !== 1 && v.length !== groups)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `NormalizeIntensityd: ${arg} has ${v.length} values for ${groups} channel group(s) (channel_wise ${p.channel_wise})`);
  for (let g = 0, from = 0; g < groups; g++, from += block) {
    const to = from + block;
    let n = 0, s = 0, s2 = 0;
    for (let i = from; i < to; i++) {
      const v = src[i] * slope + inter;
      if (p.nonzero && v === 0) continue;
      n++;
      s += v;
      s2 += v * v;
    }
    if (n === 0) {
      for (let i = from; i < to; i++) out[i] = src[i] * slope + inter;
      continue;
    }
    const mean = s / n;
    const sub = p.subtrahend ? p.subtrahend[p.subtrahend.length === 1 ? 0 : g] : mean;
    let div = p.divisor ? p.divisor[p.divisor.length === 1 ? 0 : g] : Math.sqrt(Math.max(0, s2 / n - mean * mean));
    if (div === 0) div = 1;
    for (let i = from; i < to; i++) {
      const v = src[i] * slope + inter;
      out[i] = p.nonzero && v === 0 ? 0 : (v - sub) / div;
    }
  }
  return withData(img, out, 'float32');
}

const numberOrList = z
  .union([z.number(), z.array(z.number()).min(1)])
  .nullable()
  .default(null)
  .transform((v) => (v === null ? null : typeof v === 'number' ? [v] : v));

/** MONAI's NormalizeIntensityd (after a `num_samples` crop, each crop on its own statistics). */
export const NormalizeIntensityd = defineTransform({
  name: 'NormalizeIntensityd',
  family: 'intensity',
  summary: 'MONAI NormalizeIntensityd: (v - mean) / std (or given subtrahend/divisor), whole image or channel-wise, optionally non-zero voxels only',
  monai: 'NormalizeIntensityd',
  ...monaiSpellings('NormalizeIntensityd'),
  args: z.strictObject({
    keys: keysArg,
    subtrahend: numberOrList,
    divisor: numberOrList,
    nonzero: z.boolean().default(false),
    channel_wise: z.boolean().default(false),
    dtype: monaiDTypeArg.default('float32'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'image', nonzero: true, channel_wise: true },
  create(a) {
    const name = 'NormalizeIntensityd';
    return {
      fields: a.keys,
      apply: (sample, ctx) => eachCrop(sample, ctx, name, (s) => mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => convertImage(normalizeIntensity(img, a), a.dtype))),
    };
  },
});
