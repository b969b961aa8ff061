import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, sizeArg } from '../args.js';
import { spatialShape } from '../image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import type { Sample } from '../image.js';
import { VoxelpipeError } from '../../util/errors.js';
import { checkCroppable, cropLazy } from './crop-at.js';

/**
 * CropFixedSizeRandomCenter: one crop of `size` at a uniformly random
 * position (no label guidance), the same position for every field. The
 * start is uniform over the positions that keep the box inside; an axis
 * shorter than the box is zero-padded (volume centred), as the PosNeg crops do.
 */
export const CropFixedSizeRandomCenter = defineTransform({
  name: 'CropFixedSizeRandomCenter',
  family: 'crop',
  summary: 'One crop of size at a uniformly random position inside the volume, same place for every field',
  monai: 'RandSpatialCropd(roi_size=size, random_size=False)',
  args: z.strictObject({ fields: fieldsArg, size: sizeArg }),
  isRandom: true,
  example: { fields: ['image', 'label'], size: [96, 96, 96] },
  create(a) {
    const name = 'CropFixedSizeRandomCenter';
    return {
      fields: a.fields,
      // Lazy: the box is drawn here, the voxels copied when the crop is materialised.
      lazy: true,
      apply(sample, ctx) {
        const imgs = a.fields.map((f) => getAnyImage(sample, f, name));
        imgs.forEach((img, k) => checkCroppable(img, a.size, name, a.fields[k]));
        const dims = spatialShape(imgs[0]);
        for (let k = 1; k < imgs.length; k++) {
          const s = spatialShape(imgs[k]);
          if (s.some((d, ax) => d !== dims[ax]))
            throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: field "${a.fields[k]}" has spatial shape [${s}] but "${a.fields[0]}" has [${dims}]`);
        }
        const start = a.size.map((s, ax) => (dims[ax] < s ? -Math.floor((s - dims[ax]) / 2) : ctx.rng.int(0, dims[ax] - s + 1)));
        ctx.record({ start });
        const out: Sample = { ...sample };
        imgs.forEach((img, k) => (out[a.fields[k]] = cropLazy(img, [start], a.size, false, ctx.alloc, ctx.luts)));
        return out;
      },
    };
  },
});
