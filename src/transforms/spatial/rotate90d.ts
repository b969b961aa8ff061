import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { rot90 } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { gridOf, withData } from './spatial-image.js';

export const spatialAxesArg = z.tuple([z.number().int(), z.number().int()]).default([0, 1]);

/** `k` quarter turns in the plane of `axes` (numpy/torch rot90), data and shape; the affine is kept (augmentation). */
export function rotate90Image(img: ChainImage, k: number, axes: readonly [number, number]): ChainImage {
  const rank = spatialRank(img);
  const ax = axes.map((a) => (a < 0 ? a + rank : a)) as [number, number];
  const r = rot90(gridOf(img), k, ax);
  return { ...withData(img, r.data), shape: [...r.shape, ...img.shape.slice(rank)] };
}

/** MONAI's Rotate90d: the deterministic twin of RandRotate90d (the Clara rot90 kernel). */
export const Rotate90d = defineTransform({
  name: 'Rotate90d',
  family: 'spatial',
  summary: 'MONAI Rotate90d: k quarter turns in the plane of spatial_axes',
  monai: 'Rotate90d',
  ...monaiSpellings('Rotate90d'),
  args: z.strictObject({ keys: keysArg, k: z.number().int().default(1), spatial_axes: spatialAxesArg, allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: ['image', 'label'], k: 1, spatial_axes: [0, 1] },
  create(a) {
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, 'Rotate90d', (img) => rotate90Image(img, a.k, a.spatial_axes)) };
  },
});
