import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldArg, fieldsArg } from '../args.js';
import { getImage, spatialRank, spatialShape } from '../image.js';
import { foregroundBox } from '../kernels/index.js';
import { assertSameSpatialShape, gridOf, imagesOf, mapFields, perAxis, windowImage } from './spatial-image.js';

const marginArg = z.union([z.number().int().min(0), z.array(z.number().int().min(0)).min(1).max(3)]);

/**
 * Crops every field to the bounding box of `source_field` > 0 (any channel),
 * grown by `margin` voxels per side and clipped to the volume. The same box
 * applies to every field (which must share the source's spatial shape); the
 * source is cropped only if it is listed in `fields`. When the source has no
 * foreground, fields are left as they are (MONAI does the same). The
 * affine's origin moves to the box's first voxel.
 */
export const CropForeground = defineTransform({
  name: 'CropForeground',
  family: 'spatial',
  summary: 'crop to the bounding box of source_field > 0, plus margin',
  monai: 'CropForegroundd(source_key, margin)',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    source_field: fieldArg,
    margin: marginArg.default(0),
  }),
  example: { fields: ['image', 'label'], source_field: 'label', margin: 2 },
  create(args) {
    return {
      fields: [...new Set([...args.fields, args.source_field])],
      apply: (sample) => {
        const source = getImage(sample, args.source_field, 'CropForeground');
        assertSameSpatialShape([source, ...imagesOf(sample, args.fields, 'CropForeground')], [args.source_field, ...args.fields], 'CropForeground');
        const box = foregroundBox(gridOf(source));
        if (!box) return sample;
        const shape = spatialShape(source);
        const m = perAxis(args.margin, spatialRank(source), 'CropForeground', 'margin', args.source_field);
        const start = box.start.map((s, a) => Math.max(0, s - m[a]));
        const size = box.end.map((e, a) => Math.min(shape[a], e + m[a]) - start[a]);
        return mapFields(sample, args.fields, 'CropForeground', (img) => windowImage(img, start, size));
      },
    };
  },
});
