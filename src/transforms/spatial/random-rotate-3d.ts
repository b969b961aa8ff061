import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import { spatialRank } from '../image.js';
import { matmul3, planeRotation } from '../kernels/index.js';
import { DEG, firstImage, rotateFields } from './rotation.js';
import { degreeRange, rangeOf } from './schema.js';

/**
 * With `probability` (default 0.5), rotates a 3D volume about its centre by
 * angles drawn uniformly from `angle_x`, `angle_y`, `angle_z` (degrees
 * about the first, second, third spatial axis; a number a means [-a, a], or
 * give [min, max]; default 15 each), applied x first, then y, then z
 * (M = Rz Ry Rx, batchgenerators' order, where Clara's rotation helpers come
 * from). The shape is kept; outside is 0. Fields in `label_fields` (default
 * ["label"]) take the nearest voxel, others are trilinear.
 */
export const RandomRotate3D = defineTransform({
  name: 'RandomRotate3D',
  family: 'spatial',
  summary: 'with probability, rotate a volume by random angles about each axis (default +-15 degrees)',
  monai: 'RandRotated(range_x, range_y, range_z, prob)',
  isRandom: true,
  args: z.strictObject({
    fields: fieldsArg,
    probability: probabilityArg.default(0.5),
    angle_x: degreeRange.default(15),
    angle_y: degreeRange.default(15),
    angle_z: degreeRange.default(15),
    label_fields: fieldsArg.default(['label']),
  }),
  example: { fields: ['image', 'label'], probability: 0.5 },
  create(args) {
    const ranges = [rangeOf(args.angle_x), rangeOf(args.angle_y), rangeOf(args.angle_z)];
    return {
      fields: args.fields,
      isRandom: args.probability > 0,
      apply: (sample, ctx) => {
        if (args.probability === 0) return sample;
        if (spatialRank(firstImage(sample, args.fields, 'RandomRotate3D')) !== 3)
          throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `RandomRotate3D: field "${args.fields[0]}" needs 3 spatial axes (use RandomRotate2D for 2D)`);
        const rotated = ctx.rng.bernoulli(args.probability);
        const degrees = ranges.map(([lo, hi]) => ctx.rng.uniform(lo, hi));
        ctx.record(rotated ? { degrees } : { rotated });
        if (!rotated) return sample;
        const [x, y, z] = degrees.map((d) => d * DEG);
        const m = matmul3(planeRotation(z, [0, 1]), matmul3(planeRotation(y, [2, 0]), planeRotation(x, [1, 2])));
        return rotateFields(sample, args.fields, args.label_fields, m, 'RandomRotate3D');
      },
    };
  },
});
