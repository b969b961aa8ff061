import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { fieldArg, probabilityArg } from '../args.js';
import { getImage, spatialRank } from '../image.js';
import { zoom } from '../kernels/index.js';
import { assertSameSpatialShape, gridOf, mapFields, perAxis, withData } from './spatial-image.js';
import { perAxisPositive } from './schema.js';

/** True when lower <= upper on every axis (a scalar stands for every axis). */
function limitsOrdered(lower: number | number[], upper: number | number[]): boolean {
  const lo = typeof lower === 'number' ? [lower] : lower;
  const hi = typeof upper === 'number' ? [upper] : upper;
  const n = Math.max(lo.length, hi.length);
  for (let i = 0; i < n; i++) {
    const l = lo[lo.length === 1 ? 0 : i];
    const h = hi[hi.length === 1 ? 0 : i];
    if (l !== undefined && h !== undefined && l > h) return false;
  }
  return true;
}

/**
 * Zooms image and label about the volume centre by a factor drawn
 * uniformly in [lower_limits, upper_limits] for each axis (independently),
 * keeping the shape: output o reads c + (o - c)/factor, positions outside
 * the input become 0. factor > 1 magnifies. The image is interpolated
 * linearly, the label takes the nearest voxel, both with the same factors.
 * `probability` (default 1: every sample, as Clara configs use it) gates
 * the zoom. Data only: the affine is kept (augmentation).
 */
export const RandomZoom = defineTransform({
  name: 'RandomZoom',
  family: 'spatial',
  summary: 'zoom image and label about the centre by random per-axis factors, keeping the shape',
  monai: 'RandZoomd(min_zoom, max_zoom, keep_size=True)',
  isRandom: true,
  args: z
    .strictObject({
      image_field: fieldArg,
      label_field: fieldArg.optional(),
      lower_limits: perAxisPositive.default(0.9),
      upper_limits: perAxisPositive.default(1.1),
      probability: probabilityArg.default(1),
    })
    .superRefine((a, ctx) => {
      if (!limitsOrdered(a.lower_limits, a.upper_limits))
        ctx.addIssue({ code: 'custom', message: 'expected >= lower_limits on every axis', path: ['upper_limits'], input: a.upper_limits });
    }),
  example: { image_field: 'image', label_field: 'label', lower_limits: [0.9, 0.9, 0.9], upper_limits: [1.1, 1.1, 1.1] },
  create(args) {
    const fields = args.label_field ? [args.image_field, args.label_field] : [args.image_field];
    return {
      fields,
      isRandom: args.probability > 0,
      apply: (sample, ctx) => {
        if (args.probability === 0) return sample;
        const images = fields.map((f) => getImage(sample, f, 'RandomZoom'));
        assertSameSpatialShape(images, fields, 'RandomZoom');
        const rank = spatialRank(images[0]);
        const lo = perAxis(args.lower_limits, rank, 'RandomZoom', 'lower_limits', args.image_field);
        const hi = perAxis(args.upper_limits, rank, 'RandomZoom', 'upper_limits', args.image_field);
        if (lo.some((l, a) => l > hi[a]))
          throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `RandomZoom: lower_limits [${lo}] exceed upper_limits [${hi}]`);
        const zoomed = ctx.rng.bernoulli(args.probability);
        const factors = lo.map((l, a) => ctx.rng.uniform(l, hi[a]));
        ctx.record(zoomed ? { factors } : { zoomed });
        if (!zoomed) return sample;
        return mapFields(sample, fields, 'RandomZoom', (img, f) =>
          withData(img, zoom(gridOf(img), factors, f === args.label_field ? 'nearest' : 'linear')),
        );
      },
    };
  },
});
