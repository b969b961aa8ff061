import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, windowImage } from './spatial-image.js';
import { sizeOrKeepArg } from './schema.js';
import { centredOffset } from './pad-crop-with-fixed-size.js';

/**
 * Centre crop to `size` (start floor((n - size)/2)). Only crops: an axis
 * shorter than `size` (or given as -1) is kept whole, as MONAI's
 * CenterSpatialCrop does; use PadCropWithFixedSize to also pad. The
 * affine's origin moves to the new voxel 0.
 */
export const CropSubVolumeCenter = defineTransform({
  name: 'CropSubVolumeCenter',
  family: 'spatial',
  summary: 'centre crop to size (axes shorter than size are kept whole)',
  monai: 'CenterSpatialCropd(roi_size)',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    size: sizeOrKeepArg,
  }),
  example: { fields: 'image', size: [64, 64, 64] },
  create(args) {
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'CropSubVolumeCenter', (img, field) => {
          const size = perAxis(args.size, spatialRank(img), 'CropSubVolumeCenter', 'size', field);
          const shape = spatialShape(img);
          const out = shape.map((n, a) => (size[a] === -1 || size[a] > n ? n : size[a]));
          return windowImage(img, shape.map((n, a) => centredOffset(n, out[a])), out);
        }),
    };
  },
});
