import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import type { GridMode, GridPadding } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { gridModeArg, gridPaddingArg, monaiRotation, resampleCentred } from './monai-spatial.js';

/**
 * The pure kernel (MONAI's Rotate): output voxel o reads input
 * c_in + R (o - c_out), R = Rx Ry Rz of `angles` (radians; 2D: one angle),
 * through torch grid_sample semantics (`mode`, `padding`); `keepSize` false
 * grows the output to hold the rotated box (MONAI's int(extent + 0.5)).
 */
export function rotateImage(img: ChainImage, angles: readonly number[], keepSize: boolean, mode: GridMode, padding: GridPadding): ChainImage {
  const rank = spatialRank(img);
  const dims = spatialShape(img);
  const r = monaiRotation(rank, angles);
  let out = dims;
  if (!keepSize) {
    const corners: number[][] = [[]];
    for (const d of dims) corners.splice(0, corners.length, ...corners.flatMap((c) => [[...c, 0], [...c, d]]));
    out = dims.map((_, a) => {
      const v = corners.map((c) => c.reduce((s, x, b) => s + r[a][b] * x, 0));
      return Math.trunc(Math.max(...v) - Math.min(...v) + 0.5);
    });
  }
  return resampleCentred(img, r, [0, 0, 0], out, mode, padding);
}

/** MONAI's Rotated: the deterministic twin of RandRotated. */
export const Rotated = defineTransform({
  name: 'Rotated',
  family: 'spatial',
  summary: 'MONAI Rotated: rotate by angle (radians) about the centre, grid_sample modes, border padding',
  monai: 'Rotated',
  ...monaiSpellings('Rotated'),
  args: z.strictObject({
    keys: keysArg,
    angle: z.union([z.number(), z.array(z.number()).min(1).max(3)]),
    keep_size: z.boolean().default(true),
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(gridPaddingArg).default('border'),
    align_corners: oneOrPerKey(z.literal(false, { error: 'align_corners=True is not implemented' })).default(false),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], angle: [0.2, 0, 0], mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'Rotated';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    const angles = typeof a.angle === 'number' ? [a.angle] : a.angle;
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => rotateImage(img, angles, a.keep_size, modes[i], pads[i])) };
  },
});
