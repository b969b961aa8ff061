import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { windowImage } from './spatial-image.js';
import { centreStart, fallBack, spatialSizeArg } from './monai-spatial.js';

/** MONAI's CenterSpatialCrop: start floor(n/2) - floor(m/2); axes shorter than the roi are kept whole (no padding). */
export function centerSpatialCrop(img: ChainImage, roi: readonly number[]): ChainImage {
  const dims = spatialShape(img);
  const start = dims.map((n, a) => centreStart(n, roi[a]));
  const size = dims.map((n, a) => Math.min(n, start[a] + roi[a]) - start[a]);
  return windowImage(img, start, size);
}

/** MONAI's CenterSpatialCropd (roi values <= 0 keep that axis). */
export const CenterSpatialCropd = defineTransform({
  name: 'CenterSpatialCropd',
  family: 'spatial',
  summary: 'MONAI CenterSpatialCropd: centre crop to roi_size (never pads)',
  monai: 'CenterSpatialCropd',
  ...monaiSpellings('CenterSpatialCropd'),
  args: z.strictObject({ keys: keysArg, roi_size: spatialSizeArg, allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: ['image', 'label'], roi_size: [96, 96, 64] },
  create(a) {
    const name = 'CenterSpatialCropd';
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s) => mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => centerSpatialCrop(img, fallBack(a.roi_size, spatialShape(img))))),
    };
  },
});
