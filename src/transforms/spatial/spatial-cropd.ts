import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { windowImage } from './spatial-image.js';

const ints = z.union([z.number().int(), z.array(z.number().int()).min(1).max(3)]).nullable().default(null);

export interface CropBox {
  roi_center: number | number[] | null;
  roi_size: number | number[] | null;
  roi_start: number | number[] | null;
  roi_end: number | number[] | null;
}

/** MONAI's SpatialCrop box: by centre and size (start = centre - floor(size/2)) or by start and end, clipped to the image. */
export function spatialCrop(img: ChainImage, b: CropBox): ChainImage {
  const dims = spatialShape(img);
  const at = (v: number | number[], a: number) => (typeof v === 'number' ? v : v[a] ?? 0);
  let start: number[], end: number[];
  if (b.roi_center !== null && b.roi_size !== null) {
    start = dims.map((_, a) => Math.max(0, at(b.roi_center!, a) - Math.floor(at(b.roi_size!, a) / 2)));
    end = dims.map((_, a) => Math.max(start[a], start[a] + at(b.roi_size!, a)));
  } else if (b.roi_start !== null && b.roi_end !== null) {
    start = dims.map((_, a) => Math.max(0, at(b.roi_start!, a)));
    end = dims.map((_, a) => Math.max(start[a], at(b.roi_end!, a)));
  } else throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'SpatialCropd: give roi_center and roi_size, or roi_start and roi_end');
  const s = start.map((v, a) => Math.min(v, dims[a]));
  const size = end.map((e, a) => Math.min(e, dims[a]) - s[a]);
  return windowImage(img, s, size);
}

/** MONAI's SpatialCropd (roi_slices is not supported: give start/end). */
export const SpatialCropd = defineTransform({
  name: 'SpatialCropd',
  family: 'spatial',
  summary: 'MONAI SpatialCropd: crop to roi_center+roi_size or roi_start..roi_end, clipped to the image',
  monai: 'SpatialCropd',
  ...monaiSpellings('SpatialCropd'),
  args: z
    .strictObject({ keys: keysArg, roi_center: ints, roi_size: ints, roi_start: ints, roi_end: ints, allow_missing_keys: allowMissingArg })
    .superRefine((a, ctx) => {
      const byCentre = a.roi_center !== null && a.roi_size !== null;
      const byEnds = a.roi_start !== null && a.roi_end !== null;
      if (!byCentre && !byEnds) ctx.addIssue({ code: 'custom', path: ['roi_size'], message: 'give roi_center and roi_size, or roi_start and roi_end', input: a.roi_size });
    }),
  isRandom: false,
  example: { keys: ['image', 'label'], roi_start: [0, 0, 0], roi_end: [64, 64, 32] },
  create(a) {
    const name = 'SpatialCropd';
    return { fields: a.keys, apply: (sample, ctx) => eachCrop(sample, ctx, name, (s) => mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => spatialCrop(img, a))) };
  },
});
