import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage } from '../image.js';
import type { PadMode } from '../kernels/index.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { windowImage } from './spatial-image.js';
import { fallBack, padModeArg, spatialSizeArg } from './monai-spatial.js';

/** MONAI's SpatialPad: each axis shorter than `size` padded to it, symmetrically (floor(d/2) in front) or at the end. */
export function spatialPad(img: ChainImage, size: readonly number[], method: 'symmetric' | 'end', mode: PadMode, value = 0): ChainImage {
  const dims = spatialShape(img);
  const out = dims.map((d, a) => Math.max(d, size[a]));
  const offset = dims.map((d, a) => (method === 'symmetric' ? -Math.floor((out[a] - d) / 2) : 0));
  return windowImage(img, offset, out, mode, value);
}

/** MONAI's SpatialPadd: pad each key up to `spatial_size` (values <= 0 keep that axis). */
export const SpatialPadd = defineTransform({
  name: 'SpatialPadd',
  family: 'spatial',
  summary: 'MONAI SpatialPadd: pad up to spatial_size, symmetric or at the end, numpy/torch pad modes',
  monai: 'SpatialPadd',
  ...monaiSpellings('SpatialPadd'),
  args: z.strictObject({
    keys: keysArg,
    spatial_size: spatialSizeArg,
    method: z.enum(['symmetric', 'end']).default('symmetric'),
    mode: oneOrPerKey(padModeArg).default('constant'),
    value: z.number().default(0),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], spatial_size: [96, 96, 96] },
  create(a) {
    const name = 'SpatialPadd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s) =>
          mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => spatialPad(img, fallBack(a.spatial_size, spatialShape(img)), a.method, modes[i], a.value)),
        ),
    };
  },
});
