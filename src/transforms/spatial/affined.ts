import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import type { GridMode, GridPadding } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { affineMatrix, fallBack, gridModeArg, gridPaddingArg, resampleCentred, spatialSizeArg, type AffineParams } from './monai-spatial.js';

const params = z.union([z.number(), z.array(z.number()).min(1).max(6)]).nullable().default(null);

export function list(v: number | number[] | null): number[] {
  return v === null ? [] : typeof v === 'number' ? [v] : v;
}

/** The pure kernel (MONAI's Affine): input = c_in + M (o - c_out) + t, M = R Shear S, t = R Shear translate (voxels). */
export function affineImage(img: ChainImage, p: AffineParams, size: readonly number[], mode: GridMode, padding: GridPadding): ChainImage {
  const { m, t } = affineMatrix(spatialRank(img), p);
  return resampleCentred(img, m, t, size, mode, padding);
}

/** MONAI's Affined: the deterministic twin of RandAffined. */
export const Affined = defineTransform({
  name: 'Affined',
  family: 'spatial',
  summary: 'MONAI Affined: rotate, shear, translate (voxels), scale about the centre; reflection padding',
  monai: 'Affined',
  ...monaiSpellings('Affined'),
  args: z.strictObject({
    keys: keysArg,
    rotate_params: params,
    shear_params: params,
    translate_params: params,
    scale_params: params,
    spatial_size: spatialSizeArg.nullable().default(null),
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(gridPaddingArg).default('reflection'),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], rotate_params: [0.1, 0, 0], scale_params: [1.1, 1.1, 1.1], mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'Affined';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    const p: AffineParams = { rotate: list(a.rotate_params), shear: list(a.shear_params), translate: list(a.translate_params), scale: list(a.scale_params) };
    return {
      fields: a.keys,
      apply: (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) =>
          affineImage(img, p, a.spatial_size === null ? spatialShape(img) : fallBack(a.spatial_size, spatialShape(img)), modes[i], pads[i]),
        ),
    };
  },
});
