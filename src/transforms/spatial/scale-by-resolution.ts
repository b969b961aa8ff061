import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, resampleImage } from './spatial-image.js';
import { isLabelArg, perAxisPositive } from './schema.js';

/**
 * Resamples to a target voxel spacing (mm) read against the image's own
 * spacing (pixdim). Output shape is round(shape * spacing / target) (at least
 * 1); output voxel o reads input coordinate o * target / spacing, so voxel 0
 * stays at the same world position and the spacing becomes exactly the
 * target; coordinates past the last voxel read the edge voxel. Images are
 * interpolated linearly (float32 output), labels (`is_label`) take the
 * nearest voxel and keep their type. The affine's columns are rescaled.
 */
export const ScaleByResolution = defineTransform({
  name: 'ScaleByResolution',
  family: 'spatial',
  summary: 'resample to a target voxel spacing (linear, or nearest for labels)',
  monai: 'Spacingd(pixdim, mode="bilinear"|"nearest")',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    target_resolution: perAxisPositive,
    is_label: isLabelArg,
  }),
  example: { fields: 'image', target_resolution: [1, 1, 1] },
  create(args) {
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'ScaleByResolution', (img, field) => {
          const rank = spatialRank(img);
          const target = perAxis(args.target_resolution, rank, 'ScaleByResolution', 'target_resolution', field);
          const shape = spatialShape(img);
          for (let a = 0; a < rank; a++)
            if (!(img.spacing[a] > 0 && Number.isFinite(img.spacing[a])))
              throw new VoxelpipeError(
                'ERR_INVALID_ARGUMENT',
                `ScaleByResolution: field "${field}" has spacing [${img.spacing.slice(0, rank)}]; resampling needs positive voxel sizes (check the file's pixdim)`,
                { context: { field } },
              );
          const scale = target.map((t, a) => t / img.spacing[a]);
          const out = shape.map((n, a) => Math.max(1, Math.round((n * img.spacing[a]) / target[a])));
          return resampleImage(img, out, scale.map((s) => ({ scale: s, offset: 0 })), args.is_label ? 'nearest' : 'linear');
        }),
    };
  },
});
