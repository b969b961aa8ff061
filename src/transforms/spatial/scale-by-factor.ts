import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { mapFields, perAxis, resampleImage } from './spatial-image.js';
import { isLabelArg, perAxisPositive } from './schema.js';

/**
 * Resamples by a zoom factor (scalar or per axis): output shape
 * round(shape * factor), output voxel o reads input coordinate o / factor,
 * spacing becomes spacing / factor — ScaleByResolution with target =
 * spacing / factor. Linear for images, nearest for labels (`is_label`).
 */
export const ScaleByFactor = defineTransform({
  name: 'ScaleByFactor',
  family: 'spatial',
  summary: 'resample by a fixed zoom factor (scalar or per axis)',
  monai: 'Zoomd(zoom, keep_size=False) / Spacingd',
  isRandom: false,
  args: z.strictObject({
    fields: fieldsArg,
    factor: perAxisPositive,
    is_label: isLabelArg,
  }),
  example: { fields: 'image', factor: 0.5 },
  create(args) {
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'ScaleByFactor', (img, field) => {
          const f = perAxis(args.factor, spatialRank(img), 'ScaleByFactor', 'factor', field);
          const out = spatialShape(img).map((n, a) => Math.max(1, Math.round(n * f[a])));
          return resampleImage(img, out, f.map((x) => ({ scale: 1 / x, offset: 0 })), args.is_label ? 'nearest' : 'linear');
        }),
    };
  },
});
