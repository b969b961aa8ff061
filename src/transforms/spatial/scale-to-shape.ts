import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, sizeArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, resampleImage } from './spatial-image.js';
import { isLabelArg } from './schema.js';
import type { AxisMap } from '../kernels/index.js';

/**
 * Corner-aligned map of n input voxels onto m: o reads o (n-1)/(m-1). A
 * single output voxel reads the centre (and spans the whole axis); a single
 * input voxel is spread over the m outputs (spacing / m), so the affine
 * never degenerates.
 */
function cornerMap(n: number, m: number): AxisMap {
  if (m === 1) return { scale: n, offset: (n - 1) / 2 };
  if (n === 1) return { scale: 1 / m, offset: 0 };
  return { scale: (n - 1) / (m - 1), offset: 0 };
}

/**
 * Resizes to a fixed spatial shape with the corners aligned: output voxel o
 * reads input coordinate o (in-1)/(out-1), so the first and last voxels keep
 * their world positions and the spacing becomes spacing (in-1)/(out-1).
 * Linear for images, nearest for labels (`is_label`).
 */
export const ScaleToShape = defineTransform({
  name: 'ScaleToShape',
  family: 'spatial',
  summary: 'resize to a fixed shape, corners aligned',
  monai: 'Resized(spatial_size, mode="trilinear", align_corners=True)',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    target_shape: sizeArg,
    is_label: isLabelArg,
  }),
  example: { fields: 'image', target_shape: [64, 64, 64] },
  create(args) {
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'ScaleToShape', (img, field) => {
          const out = perAxis(args.target_shape, spatialRank(img), 'ScaleToShape', 'target_shape', field);
          const maps = spatialShape(img).map((n, a) => cornerMap(n, out[a]));
          return resampleImage(img, out, maps, args.is_label ? 'nearest' : 'linear');
        }),
    };
  },
});
