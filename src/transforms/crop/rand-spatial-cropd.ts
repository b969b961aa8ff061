import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage, type Sample } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, presentKeys } from '../monai-dict.js';
import { windowImage } from '../spatial/spatial-image.js';
import { centreStart, fallBack, spatialSizeArg } from '../spatial/monai-spatial.js';

export const randSpatialArgs = {
  keys: keysArg,
  roi_size: spatialSizeArg,
  max_roi_size: spatialSizeArg.nullable().default(null),
  random_center: z.boolean().default(true),
  random_size: z.boolean().default(false),
  allow_missing_keys: allowMissingArg,
  lazy: z.boolean().default(false),
};

export interface RandSpatialOptions {
  roi_size: number | number[];
  max_roi_size: number | number[] | null;
  random_center: boolean;
  random_size: boolean;
}

/** MONAI's RandSpatialCrop draw: the box (start, size) on a volume of `dims`; never larger than the volume. */
export function drawSpatialBox(dims: readonly number[], o: RandSpatialOptions, rng: Rng, transform: string): { start: number[]; size: number[] } {
  let size = fallBack(o.roi_size, dims);
  if (o.random_size) {
    const max = o.max_roi_size === null ? dims.slice() : fallBack(o.max_roi_size, dims);
    if (size.some((s, a) => s > max[a])) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: roi_size [${size}] exceeds max_roi_size [${max}]`);
    size = size.map((s, a) => rng.int(s, max[a] + 1));
  }
  const valid = size.map((s, a) => Math.min(s, dims[a]));
  if (o.random_center) return { start: dims.map((n, a) => (n > valid[a] ? rng.int(0, n - valid[a] + 1) : 0)), size: valid };
  const start = dims.map((n, a) => centreStart(n, size[a]));
  return { start, size: dims.map((n, a) => Math.min(n, start[a] + size[a]) - start[a]) };
}

/** Crops the present keys at the box. */
export function cropKeys(s: Sample, keys: readonly string[], allowMissing: boolean, box: { start: number[]; size: number[] }, transform: string): Sample {
  return mapKeys(s, keys, allowMissing, transform, (img: ChainImage) => windowImage(img, box.start, box.size));
}

/**
 * MONAI's RandSpatialCropd: one crop of `roi_size` (random size in
 * [roi_size, max_roi_size] with `random_size`) at a uniform position
 * (`random_center`) or the centre; never padded (a short axis is kept whole).
 */
export const RandSpatialCropd = defineTransform({
  name: 'RandSpatialCropd',
  family: 'crop',
  summary: 'MONAI RandSpatialCropd: one crop of roi_size (random_size up to max_roi_size) at a random or central position',
  monai: 'RandSpatialCropd',
  ...monaiSpellings('RandSpatialCropd'),
  args: z.strictObject(randSpatialArgs),
  isRandom: true,
  example: { keys: ['image', 'label'], roi_size: [64, 64, 64] },
  create(a) {
    const name = 'RandSpatialCropd';
    return {
      fields: a.keys,
      isRandom: a.random_center || a.random_size,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const first = presentKeys(s, a.keys, a.allow_missing_keys, name)[0];
          if (first === undefined) return s;
          const box = drawSpatialBox(spatialShape(s[first] as ChainImage), a, c.rng, name);
          c.record(box);
          return cropKeys(s, a.keys, a.allow_missing_keys, box, name);
        }),
    };
  },
});
