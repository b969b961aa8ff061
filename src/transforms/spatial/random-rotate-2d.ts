import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import { spatialRank } from '../image.js';
import { planeRotation } from '../kernels/index.js';
import { DEG, firstImage, rotateFields } from './rotation.js';

/**
 * Rotates in the plane of the first two spatial axes (every slice of a 3D
 * image alike) about the centre, keeping the shape. With `is_random`
 * (default) the angle is drawn uniformly in [-angle, angle] degrees,
 * otherwise it is exactly `angle`; `probability` (default 1, as Clara
 * configs that give none expect a rotation every time) gates it. Fields in
 * `label_fields` (default ["label"]) take the nearest voxel, others are
 * linear; outside is 0. With probability 0, or is_random false and
 * probability 1, the transform is deterministic (and cacheable).
 */
export const RandomRotate2D = defineTransform({
  name: 'RandomRotate2D',
  family: 'spatial',
  summary: 'rotate in the first two axes by a random angle in [-angle, angle] degrees',
  monai: 'RandRotated(range_x=angle in radians, prob)',
  isRandom: true,
  args: z.strictObject({
    fields: fieldsArg,
    angle: z.number().min(-180).max(180).default(15),
    is_random: z.boolean().default(true),
    probability: probabilityArg.default(1),
    label_fields: fieldsArg.default(['label']),
  }),
  example: { fields: ['image', 'label'], angle: 15 },
  create(args) {
    const fixed = !args.is_random && (args.probability === 0 || args.probability === 1);
    return {
      fields: args.fields,
      isRandom: args.probability > 0 && !fixed,
      apply: (sample, ctx) => {
        if (args.probability === 0) return sample;
        if (spatialRank(firstImage(sample, args.fields, 'RandomRotate2D')) < 2)
          throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `RandomRotate2D: field "${args.fields[0]}" needs at least 2 spatial axes`);
        const rotated = fixed || ctx.rng.bernoulli(args.probability);
        const a = Math.abs(args.angle);
        const degrees = args.is_random ? ctx.rng.uniform(-a, a) : args.angle;
        if (!fixed) ctx.record(rotated ? { degrees } : { rotated });
        if (!rotated || degrees === 0) return sample;
        return rotateFields(sample, args.fields, args.label_fields, planeRotation(degrees * DEG, [0, 1]), 'RandomRotate2D');
      },
    };
  },
});
