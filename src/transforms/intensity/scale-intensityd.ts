import { z } from 'zod';
import { defineTransform } from '../types.js';
import { getImage, voxelsPerChannel, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, monaiDTypeArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { convertImage } from '../load/loader.js';
import { linearMap } from './linear-map.js';
import { storedScaling } from './scaled-values.js';

/** Min and max of the true values of `img.data[from, to)`. */
function range(img: ChainImage, from: number, to: number): [number, number] {
  const { slope, inter } = storedScaling(img);
  const d = img.data;
  let mn = Infinity, mx = -Infinity;
  for (let i = from; i < to; i++) {
    const v = d[i];
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const a = mn * slope + inter, b = mx * slope + inter;
  return slope >= 0 ? [a, b] : [b, a];
}

/**
 * The pure kernel (MONAI's `rescale_array`): values mapped linearly from
 * their [min, max] (of the whole image, or of each channel) onto
 * [minv, maxv]; with only one of them given, onto [0, 1]; a constant image
 * becomes `v * minv`. float32 output.
 */
export function rescaleIntensity(img: ChainImage, minv: number | null, maxv: number | null, channelWise: boolean): ChainImage {
  const block = channelWise ? voxelsPerChannel(img) : img.data.length;
  const out = new Float32Array(img.data.length);
  for (let from = 0; from < img.data.length; from += block) {
    const [mn, mx] = range(img, from, from + block);
    let m: number, c: number;
    if (mn === mx) [m, c] = [minv ?? 1, 0];
    else {
      m = 1 / (mx - mn);
      c = -mn * m;
      if (minv !== null && maxv !== null) [m, c] = [m * (maxv - minv), c * (maxv - minv) + minv];
    }
    // linearMap folds deferred NIfTI scaling in itself: hand it the block's stored values.
    const part = linearMap({ ...img, data: img.data.subarray(from, from + block), shape: [block, 1] }, m, c, {});
    out.set(part.data as Float32Array, from);
  }
  return { ...img, data: out, dtype: 'float32', meta: { ...img.meta, scalingDeferred: false } };
}

/**
 * MONAI's ScaleIntensityd: rescale to [minv, maxv] (default [0, 1]) over the
 * whole image or each channel (`channel_wise`); with minv and maxv null and
 * a `factor`, `v * (1 + factor)`. After a `num_samples` crop, each crop is
 * rescaled on its own (MONAI's list of crops).
 */
export const ScaleIntensityd = defineTransform({
  name: 'ScaleIntensityd',
  family: 'intensity',
  summary: 'MONAI ScaleIntensityd: rescale to [minv, maxv] from the image (or channel) range, or v * (1 + factor)',
  monai: 'ScaleIntensityd',
  ...monaiSpellings('ScaleIntensityd'),
  args: z.strictObject({
    keys: keysArg,
    minv: z.number().nullable().default(0),
    maxv: z.number().nullable().default(1),
    factor: z.number().nullable().default(null),
    channel_wise: z.boolean().default(false),
    dtype: monaiDTypeArg.default('float32'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'image', minv: 0, maxv: 1 },
  create(a) {
    const name = 'ScaleIntensityd';
    const one = (img: ChainImage): ChainImage => {
      if (a.minv !== null || a.maxv !== null) return rescaleIntensity(img, a.minv, a.maxv, a.channel_wise);
      return a.factor !== null ? linearMap(img, 1 + a.factor, 0) : img;
    };
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s) => {
          const out = { ...s };
          for (const k of presentKeys(s, a.keys, a.allow_missing_keys, name)) out[k] = convertImage(one(getImage(s, k, name)), a.dtype);
          return out;
        }),
    };
  },
});
