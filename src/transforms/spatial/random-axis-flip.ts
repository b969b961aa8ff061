import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg, probabilityArg } from '../args.js';
import { spatialRank } from '../image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import { flipFields } from './spatial-image.js';

/**
 * With `probability`, flips every field along one spatial axis drawn
 * uniformly (the same axis for all fields); otherwise leaves them as they
 * are. Flips change data only, not the affine: an augmentation presents the
 * network with a mirrored anatomy, as Clara and MONAI's RandFlip do, rather
 * than the same anatomy stored in another order.
 */
export const RandomAxisFlip = defineTransform({
  name: 'RandomAxisFlip',
  family: 'spatial',
  summary: 'with probability, flip along one randomly chosen spatial axis',
  monai: 'RandAxisFlipd(prob)',
  isRandom: true,
  args: z.strictObject({
    fields: fieldsArg,
    probability: probabilityArg.default(0.5),
  }),
  example: { fields: ['image', 'label'], probability: 0.5 },
  create(args) {
    return {
      fields: args.fields,
      lazy: true,
      isRandom: args.probability > 0,
      apply: (sample, ctx) => {
        if (args.probability === 0) return sample;
        const rank = spatialRank(getAnyImage(sample, args.fields[0], 'RandomAxisFlip'));
        const flipped = ctx.rng.bernoulli(args.probability);
        const axis = ctx.rng.int(0, rank);
        ctx.record(flipped ? { flipped, axis } : { flipped });
        if (!flipped) return sample;
        return flipFields(sample, args.fields, 'RandomAxisFlip', [axis]);
      },
    };
  },
});
