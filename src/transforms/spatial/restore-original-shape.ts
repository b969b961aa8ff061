import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { fieldArg } from '../args.js';
import { getImage, spatialShape } from '../image.js';
import { invertStep, SHAPE_HISTORY, shapeHistory } from './spatial-image.js';
import { isLabelArg } from './schema.js';

/**
 * Brings `field` back to the grid `src_field` was loaded on, by undoing, last
 * first, the grid changes recorded in `src_field`'s `meta.shapeHistory` by
 * the spatial transforms (ScaleBy*, ScaleToShape, NPResize, pads and crops):
 * a pad becomes a crop, a crop a zero pad, a resampling the inverse
 * resampling (nearest for `is_label`, else linear). Typical use: a
 * prediction (`field: "model"`) made on the resampled, padded image returns
 * to the original shape before it is written. `field` must currently have
 * the shape `src_field` has; `src_field` defaults to `field`. The output's
 * affine is updated by each undone step, and its history is cleared.
 */
export const RestoreOriginalShape = defineTransform({
  name: 'RestoreOriginalShape',
  family: 'spatial',
  summary: 'undo the recorded resampling/padding/cropping of src_field on field',
  monai: 'Invertd(keys, transform) / SaveImaged(resample=True)',
  isRandom: false,
  args: z.strictObject({
    field: fieldArg,
    src_field: fieldArg.optional(),
    is_label: isLabelArg,
  }),
  example: { field: 'label', src_field: 'image', is_label: true },
  create(args) {
    const srcField = args.src_field ?? args.field;
    return {
      fields: [...new Set([args.field, srcField])],
      apply: (sample) => {
        const src = getImage(sample, srcField, 'RestoreOriginalShape');
        let img = getImage(sample, args.field, 'RestoreOriginalShape');
        const history = shapeHistory(src);
        if (history.length === 0) return sample;
        const now = spatialShape(img);
        const expected = history[history.length - 1].outShape;
        if (now.length !== expected.length || now.some((n, a) => n !== expected[a]))
          throw new VoxelpipeError(
            'ERR_INVALID_ARGUMENT',
            `RestoreOriginalShape: field "${args.field}" has spatial shape [${now}] but "${srcField}" has [${expected}]; they must match`,
            { context: { field: args.field, src_field: srcField } },
          );
        for (let i = history.length - 1; i >= 0; i--) img = invertStep(img, history[i], args.is_label ? 'nearest' : 'linear');
        const meta = { ...img.meta };
        delete meta[SHAPE_HISTORY];
        return { ...sample, [args.field]: { ...img, meta } };
      },
    };
  },
});
