import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { flip } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { gridOf, withData } from './spatial-image.js';

/** MONAI's `spatial_axis`: null flips every spatial axis, else one axis or a list. */
export const spatialAxisArg = z.union([z.number().int(), z.array(z.number().int()).min(1)]).nullable().default(null);

/** The image flipped along `axes` (null: all spatial axes; negative axes count from the end), data only. */
export function flipImage(img: ChainImage, axes: number | readonly number[] | null): ChainImage {
  const rank = spatialRank(img);
  const list = axes === null ? Array.from({ length: rank }, (_, a) => a) : (typeof axes === 'number' ? [axes] : axes).map((a) => (a < 0 ? a + rank : a));
  return withData(img, flip(gridOf(img), list));
}

/** MONAI's Flipd: the deterministic twin of RandFlipd and RandAxisFlipd (the Clara flips' kernel). */
export const Flipd = defineTransform({
  name: 'Flipd',
  family: 'spatial',
  summary: 'MONAI Flipd: flip along spatial_axis (null: all axes)',
  monai: 'Flipd',
  ...monaiSpellings('Flipd'),
  args: z.strictObject({ keys: keysArg, spatial_axis: spatialAxisArg, allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: ['image', 'label'], spatial_axis: 0 },
  create(a) {
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, 'Flipd', (img) => flipImage(img, a.spatial_axis)) };
  },
});
