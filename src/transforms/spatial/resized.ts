import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage } from '../image.js';
import { interpolate, type InterpolateMode } from '../kernels/index.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { smoothImage } from '../intensity/gaussian-smoothd.js';
import { gridOf, regrid } from './spatial-image.js';
import { fallBack, interpolateModeArg, spatialSizeArg } from './monai-spatial.js';

/**
 * The pure kernel (MONAI's Resize): torch interpolate onto `size` with
 * `mode`; with `antiAliasing` on a shrinking axis, Gaussian smoothing first
 * (sigma (n/m - 1)/2, skimage's default, or the given sigma). The affine
 * follows the grid (align_corners false: voxel centres spaced n/m apart,
 * true: corners kept).
 */
export function resize(img: ChainImage, size: readonly number[], mode: InterpolateMode, alignCorners: boolean, antiAliasing = false, sigma: number | number[] | null = null): ChainImage {
  const dims = spatialShape(img);
  if (dims.every((d, a) => d === size[a])) return img;
  let x = img;
  if (antiAliasing && dims.some((d, a) => size[a] < d)) {
    const f = dims.map((d, a) => d / size[a]);
    const s = f.map((fa, a) => (sigma === null ? Math.max(0, (fa - 1) / 2) : (typeof sigma === 'number' ? sigma : sigma[a] ?? 0) * (fa > 1 ? 1 : 0)));
    x = smoothImage(img, s);
  }
  const data = interpolate(gridOf(x), size, mode, alignCorners);
  const corners = alignCorners && mode === 'linear';
  const scale = dims.map((n, a) => (corners ? (size[a] > 1 ? (n - 1) / (size[a] - 1) : 1) : n / size[a]));
  const offset = scale.map((s) => (corners ? 0 : 0.5 * s - 0.5));
  return regrid(x, data, size.slice(), scale, offset, undefined);
}

/** MONAI's Resized (mode per key, default "area"; size_mode "longest" scales the longest axis to spatial_size). */
export const Resized = defineTransform({
  name: 'Resized',
  family: 'spatial',
  summary: 'MONAI Resized: torch interpolate to spatial_size (area / nearest / linear modes, align_corners, anti_aliasing)',
  monai: 'Resized',
  ...monaiSpellings('Resized'),
  args: z.strictObject({
    keys: keysArg,
    spatial_size: spatialSizeArg,
    size_mode: z.enum(['all', 'longest']).default('all'),
    mode: oneOrPerKey(interpolateModeArg).default('area'),
    align_corners: oneOrPerKey(z.boolean().nullable()).default(null),
    anti_aliasing: oneOrPerKey(z.boolean()).default(false),
    anti_aliasing_sigma: z.union([z.number().min(0), z.array(z.number().min(0))]).nullable().default(null),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], spatial_size: [96, 96, 96], mode: ['area', 'nearest'] },
  create(a) {
    const name = 'Resized';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const corners = perKey(a.align_corners, a.keys, name, 'align_corners');
    const aa = perKey(a.anti_aliasing, a.keys, name, 'anti_aliasing');
    const target = (img: ChainImage): number[] => {
      const dims = spatialShape(img);
      if (a.size_mode === 'all') return fallBack(a.spatial_size, dims);
      const longest = typeof a.spatial_size === 'number' ? a.spatial_size : a.spatial_size[0];
      const scale = longest / Math.max(...dims);
      return dims.map((d) => Math.round(d * scale));
    };
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s) =>
          mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => resize(img, target(img), modes[i], corners[i] ?? false, aa[i], a.anti_aliasing_sigma)),
        ),
    };
  },
});
