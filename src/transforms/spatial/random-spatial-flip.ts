import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import { spatialRank } from '../image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import { flipFields } from './spatial-image.js';

/**
 * Flips each spatial axis independently with `probability` (default 0.5),
 * the same axes for every field: with the default, each of the 2^rank
 * mirror images (the input included) is equally likely, which is what the
 * many Clara configs that give only `fields` ask for. (RandomAxisFlip, by
 * contrast, flips at most one axis.) Data only, not the affine (see
 * RandomAxisFlip).
 */
export const RandomSpatialFlip = defineTransform({
  name: 'RandomSpatialFlip',
  family: 'spatial',
  summary: 'flip each spatial axis independently with probability (default 0.5)',
  monai: 'RandFlipd(prob, spatial_axis=a), one per axis',
  isRandom: true,
  args: z.strictObject({
    fields: fieldsArg,
    probability: probabilityArg.default(0.5),
  }),
  example: { fields: ['image', 'label'] },
  create(args) {
    return {
      fields: args.fields,
      lazy: true,
      isRandom: args.probability > 0 && args.probability < 1,
      apply: (sample, ctx) => {
        const rank = spatialRank(getAnyImage(sample, args.fields[0], 'RandomSpatialFlip'));
        const axes: number[] = [];
        for (let a = 0; a < rank; a++) if (ctx.rng.bernoulli(args.probability)) axes.push(a);
        ctx.record({ axes });
        if (axes.length === 0) return sample;
        return flipFields(sample, args.fields, 'RandomSpatialFlip', axes);
      },
    };
  },
});
