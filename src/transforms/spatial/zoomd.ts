import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import { interpolate, type InterpolateMode, type PadMode } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { gridOf, withData } from './spatial-image.js';
import { interpolateModeArg, padModeArg } from './monai-spatial.js';
import { spatialPad } from './spatial-padd.js';
import { centerSpatialCrop } from './center-spatial-cropd.js';

/**
 * The pure kernel (MONAI's Zoom): torch interpolate to floor(n * zoom) per
 * axis, then with `keepSize` back to n by MONAI's ResizeWithPadOrCrop
 * (symmetric pad with `padMode`, centre crop). zoom > 1 magnifies. Data only
 * (augmentation keeps the affine).
 */
export function zoomImage(img: ChainImage, zoom: readonly number[], mode: InterpolateMode, padMode: PadMode, alignCorners: boolean, keepSize: boolean): ChainImage {
  const dims = spatialShape(img);
  const rank = spatialRank(img);
  const size = dims.map((d, a) => Math.floor(d * zoom[a]));
  let x: ChainImage = { ...withData(img, interpolate(gridOf(img), size, mode, alignCorners)), shape: [...size, ...img.shape.slice(rank)] };
  if (keepSize && size.some((s, a) => s !== dims[a])) x = centerSpatialCrop(spatialPad(x, dims, 'symmetric', padMode), dims);
  return x;
}

/** MONAI's Zoomd: the deterministic twin of RandZoomd. */
export const Zoomd = defineTransform({
  name: 'Zoomd',
  family: 'spatial',
  summary: 'MONAI Zoomd: interpolate by zoom (default mode area), keep_size pads (edge) or crops back',
  monai: 'Zoomd',
  ...monaiSpellings('Zoomd'),
  args: z.strictObject({
    keys: keysArg,
    zoom: z.union([z.number().positive(), z.array(z.number().positive()).min(1).max(3)]),
    mode: oneOrPerKey(interpolateModeArg).default('area'),
    padding_mode: oneOrPerKey(padModeArg).default('edge'),
    align_corners: oneOrPerKey(z.boolean().nullable()).default(null),
    keep_size: z.boolean().default(true),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], zoom: 1.2, mode: ['area', 'nearest'] },
  create(a) {
    const name = 'Zoomd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    const corners = perKey(a.align_corners, a.keys, name, 'align_corners');
    return {
      fields: a.keys,
      apply: (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => {
          const z = typeof a.zoom === 'number' ? new Array<number>(spatialRank(img)).fill(a.zoom) : a.zoom;
          return zoomImage(img, z, modes[i], pads[i], corners[i] ?? false, a.keep_size);
        }),
    };
  },
});
