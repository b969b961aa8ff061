import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage, type Sample } from '../image.js';
import type { PadMode } from '../kernels/index.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey, presentKeys } from '../monai-dict.js';
import { padLazy, windowImage } from './spatial-image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import { materialiseSample } from '../lazy/materialise.js';
import type { TransformContext } from '../types.js';
import { fallBack, padModeArg, spatialSizeArg } from './monai-spatial.js';

/** MONAI's SpatialPad: each axis shorter than `size` padded to it, symmetrically (floor(d/2) in front) or at the end. */
export function spatialPad(img: ChainImage, size: readonly number[], method: 'symmetric' | 'end', mode: PadMode, value = 0): ChainImage {
  const { offset, size: out } = padBox(spatialShape(img), size, method);
  return windowImage(img, offset, out, mode, value);
}

/** The box SpatialPad makes: the padded extent and where the volume's voxel 0 lands in it (negative: padding in front). */
function padBox(dims: readonly number[], size: readonly number[], method: 'symmetric' | 'end'): { offset: number[]; size: number[] } {
  const out = dims.map((d, a) => Math.max(d, size[a]));
  return { offset: dims.map((d, a) => (method === 'symmetric' ? -Math.floor((out[a] - d) / 2) : 0)), size: out };
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
    const eager = (sample: Sample, ctx: TransformContext) =>
      eachCrop(sample, ctx, name, (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => spatialPad(img, fallBack(a.spatial_size, spatialShape(img)), a.method, modes[i], a.value)),
      );
    // Zero padding is a lazy view (padLazy): a crop after it reads the source directly.
    const zeros = modes.every((m) => m === 'constant') && a.value === 0;
    return {
      fields: a.keys,
      lazy: zeros,
      apply: (sample, ctx) => {
        if (!zeros) return eager(sample, ctx);
        const out: Sample = { ...sample };
        for (const k of presentKeys(sample, a.keys, a.allow_missing_keys, name)) {
          const img = getAnyImage(sample, k, name);
          const dims = spatialShape(img);
          const { offset, size } = padBox(dims, fallBack(a.spatial_size, dims), a.method);
          // Already as large: the image as it is (made or lazy).
          if (size.every((n, ax) => n === dims[ax])) continue;
          const lazy = padLazy(img, offset, size);
          // A batch of crops, or an image already viewed: the eager path, on made images.
          if (!lazy) return eager(materialiseSample(sample, undefined, ctx.alloc, ctx.luts), ctx);
          out[k] = lazy;
        }
        return out;
      },
    };
  },
});
