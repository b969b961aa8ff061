import { z } from 'zod';
import { defineTransform } from '../types.js';
import type { ChainImage } from '../image.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { adjustContrast } from './adjust-contrast.js';
import { linearMap } from './linear-map.js';

export interface ContrastOptions {
  invert_image: boolean;
  retain_stats: boolean;
}

/** Mean and std (ddof 1, as torch's `Tensor.std()`) of the values. */
function meanStd(data: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  const mean = s / data.length;
  let ss = 0;
  for (let i = 0; i < data.length; i++) ss += (data[i] - mean) ** 2;
  return [mean, Math.sqrt(ss / Math.max(1, data.length - 1))];
}

/**
 * The pure kernel (MONAI's AdjustContrast): over the whole image (all
 * channels together), `((v - min) / (max - min + 1e-7)) ** gamma * (max - min) + min`;
 * `invert_image` applies it to -v and negates back, `retain_stats` restores
 * the input's mean and std afterwards. The gamma curve is the AdjustContrast
 * kernel on the image seen as one channel (a reshape, no copy).
 */
export function adjustContrastMonai(img: ChainImage, gamma: number, o: ContrastOptions): ChainImage {
  let x = o.invert_image ? linearMap(img, -1, 0) : img;
  const [mn, sd] = o.retain_stats ? meanStd(x.data) : [0, 0];
  const flat = adjustContrast({ ...x, shape: [x.data.length, 1], batched: false }, gamma);
  x = { ...flat, shape: img.shape.slice(), batched: img.batched };
  if (o.retain_stats) {
    const [m2, s2] = meanStd(x.data);
    const k = sd / (s2 + 1e-8);
    x = linearMap(x, k, mn - m2 * k);
  }
  return o.invert_image ? linearMap(x, -1, 0) : x;
}

/** MONAI's AdjustContrastd: the deterministic twin of RandAdjustContrastd. */
export const AdjustContrastd = defineTransform({
  name: 'AdjustContrastd',
  family: 'intensity',
  summary: 'MONAI AdjustContrastd: gamma curve over the image range',
  monai: 'AdjustContrastd',
  ...monaiSpellings('AdjustContrastd'),
  args: z.strictObject({
    keys: keysArg,
    gamma: z.number().positive(),
    invert_image: z.boolean().default(false),
    retain_stats: z.boolean().default(false),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'image', gamma: 1.5 },
  create(a) {
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, 'AdjustContrastd', (img) => adjustContrastMonai(img, a.gamma, a)) };
  },
});
