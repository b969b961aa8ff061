import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, windowImage } from './spatial-image.js';
import { sizeOrKeepArg } from './schema.js';

/**
 * Offset of a centred window of `m` voxels on an axis of `n`: a crop starts
 * at floor((n-m)/2), a pad puts floor((m-n)/2) voxels in front (the rest
 * behind), as SymmetricPadderDiv does.
 */
export function centredOffset(n: number, m: number): number {
  return n >= m ? Math.floor((n - m) / 2) : -Math.floor((m - n) / 2);
}

/**
 * Brings every spatial axis to `size`, centred: axes that are too long are
 * cropped, axes that are too short are padded with zeros; -1 keeps an
 * axis. The affine's origin moves to the new voxel 0.
 */
export const PadCropWithFixedSize = defineTransform({
  name: 'PadCropWithFixedSize',
  family: 'spatial',
  summary: 'centre pad or crop each spatial axis to size (-1 keeps an axis)',
  monai: 'ResizeWithPadOrCropd(spatial_size)',
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
        mapFields(sample, args.fields, 'PadCropWithFixedSize', (img, field) => {
          const size = perAxis(args.size, spatialRank(img), 'PadCropWithFixedSize', 'size', field);
          const shape = spatialShape(img);
          const out = shape.map((n, a) => (size[a] === -1 ? n : size[a]));
          return windowImage(img, shape.map((n, a) => centredOffset(n, out[a])), out);
        }),
    };
  },
});
