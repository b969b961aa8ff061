import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, sizeArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, resampleImage } from './spatial-image.js';
import { isLabelArg } from './schema.js';

/**
 * Resizes to `output_shape` the way skimage.transform.resize / cv2.resize do
 * (voxel centres aligned, not corners): output voxel o reads input
 * coordinate (o + 0.5) in/out - 0.5, edge-clamped; spacing becomes
 * spacing in/out. Clara documents no more than "numpy resize" for 2D
 * classification; this half-voxel grid is what its numpy/scipy users get
 * from the common resize functions, and it differs from ScaleToShape
 * (corners aligned). Linear for images, nearest for labels (`is_label`),
 * no anti-aliasing.
 */
export const NPResize = defineTransform({
  name: 'NPResize',
  family: 'spatial',
  summary: 'resize to a fixed shape, voxel centres aligned (skimage resize grid)',
  monai: 'Resized(spatial_size, mode="bilinear", align_corners=False)',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    output_shape: sizeArg,
    is_label: isLabelArg,
  }),
  example: { fields: 'image', output_shape: [64, 64, 64] },
  create(args) {
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'NPResize', (img, field) => {
          const out = perAxis(args.output_shape, spatialRank(img), 'NPResize', 'output_shape', field);
          const maps = spatialShape(img).map((n, a) => {
            const s = n / out[a];
            return { scale: s, offset: 0.5 * s - 0.5 };
          });
          return resampleImage(img, out, maps, args.is_label ? 'nearest' : 'linear');
        }),
    };
  },
});
