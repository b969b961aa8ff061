import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { getImage, spatialShape } from '../image.js';
import type { Sample } from '../image.js';
import { VoxelpipeError } from '../../util/errors.js';
import { checkCroppable, cropAt, startForCentre } from './crop-at.js';

/**
 * CropRandomSizeWithDisplacement (2D classification): a crop of random size
 * near the centre. Per axis the size is uniform in [lower, dim], where a
 * `lower_size` entry <= 1 is a fraction of the dimension (configs write
 * [0.9, 0.9]) and a larger one is voxels ([64, 64, 64]); the crop centre
 * is the volume centre moved by an integer uniform in ±max_displacement per
 * axis, then shifted so the box stays inside. It never pads: a lower size
 * above the volume is an error.
 */
export const CropRandomSizeWithDisplacement = defineTransform({
  name: 'CropRandomSizeWithDisplacement',
  family: 'crop',
  summary: 'Crop of random size in [lower_size, volume] near the centre (± max_displacement voxels), same box for every field',
  monai: 'RandSpatialCropd(roi_size=lower_size, random_size=True, random_center=True)',
  args: z.strictObject({
    fields: fieldsArg,
    lower_size: z
      .array(z.number().positive())
      .min(1)
      .max(3)
      .refine((v) => v.every((x) => x <= 1 || Number.isInteger(x)), 'expected fractions <= 1 or whole voxel counts'),
    max_displacement: z.number().int().min(0).default(0),
  }),
  isRandom: true,
  example: { fields: 'image', lower_size: [0.9, 0.9, 0.9], max_displacement: 10 },
  create(a) {
    const name = 'CropRandomSizeWithDisplacement';
    return {
      fields: a.fields,
      apply(sample, ctx) {
        const imgs = a.fields.map((f) => getImage(sample, f, name));
        imgs.forEach((img, k) => checkCroppable(img, a.lower_size, name, a.fields[k], 'lower_size'));
        const dims = spatialShape(imgs[0]);
        for (let k = 1; k < imgs.length; k++) {
          const s = spatialShape(imgs[k]);
          if (s.some((d, ax) => d !== dims[ax]))
            throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: field "${a.fields[k]}" has spatial shape [${s}] but "${a.fields[0]}" has [${dims}]`);
        }
        const lower = a.lower_size.map((l, ax) => (l <= 1 ? Math.max(1, Math.round(l * dims[ax])) : l));
        const ax = lower.findIndex((l, i) => l > dims[i]);
        if (ax >= 0)
          throw new VoxelpipeError(
            'ERR_INVALID_ARGUMENT',
            `${name}: lower_size [${a.lower_size}] is larger than field "${a.fields[0]}" (spatial shape [${dims}]) on axis ${ax}; this crop does not pad`,
            { context: { transform: name, arg: 'lower_size' } },
          );
        const size = lower.map((l, i) => ctx.rng.int(l, dims[i] + 1));
        const centre = dims.map((d) => Math.floor(d / 2) + ctx.rng.int(-a.max_displacement, a.max_displacement + 1));
        const start = startForCentre(centre, size, dims);
        ctx.record({ size, start });
        const out: Sample = { ...sample };
        imgs.forEach((img, k) => (out[a.fields[k]] = cropAt(img, start, size)));
        return out;
      },
    };
  },
});
