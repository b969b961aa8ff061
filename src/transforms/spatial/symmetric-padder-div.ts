import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import { spatialRank, spatialShape } from '../image.js';
import { PAD_MODES } from '../kernels/index.js';
import { mapFields, perAxis, windowImage } from './spatial-image.js';

const divisorArg = z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1).max(3)]);

/**
 * Pads each spatial axis up to the next multiple of the divisor (U-Nets
 * need sizes divisible by 2^depth): p = ceil(n/d) d - n voxels, floor(p/2)
 * in front, the rest behind. Clara configs spell the divisor `div_int`;
 * `divisor` is accepted too (not both); default 16. `mode` is numpy.pad's
 * (default 'constant' with `constant_values`, default 0). Never crops. The
 * affine's origin moves to the new voxel 0.
 */
export const SymmetricPadderDiv = defineTransform({
  name: 'SymmetricPadderDiv',
  family: 'spatial',
  summary: 'pad each spatial axis symmetrically up to a multiple of div_int',
  monai: 'DivisiblePadd(k, mode)',
  isRandom: false,
  args: z
    .strictObject({
      fields: fieldsArg,
      div_int: divisorArg.optional(),
      divisor: divisorArg.optional(),
      mode: z.enum(PAD_MODES).default('constant'),
      constant_values: z.number().default(0),
    })
    .superRefine((a, ctx) => {
      if (a.div_int !== undefined && a.divisor !== undefined)
        ctx.addIssue({ code: 'custom', message: 'give div_int or divisor, not both', path: ['divisor'], input: a.divisor });
    }),
  example: { fields: 'image', div_int: 16 },
  create(args) {
    const div = args.div_int ?? args.divisor ?? 16;
    return {
      fields: args.fields,
      apply: (sample) =>
        mapFields(sample, args.fields, 'SymmetricPadderDiv', (img, field) => {
          const d = perAxis(div, spatialRank(img), 'SymmetricPadderDiv', args.div_int !== undefined ? 'div_int' : 'divisor', field);
          const shape = spatialShape(img);
          const out = shape.map((n, a) => Math.ceil(n / d[a]) * d[a]);
          const offset = shape.map((n, a) => -Math.floor((out[a] - n) / 2));
          return windowImage(img, offset, out, args.mode, args.constant_values);
        }),
    };
  },
});
