import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey, probArg, symmetricRange } from '../monai-dict.js';
import { gridModeArg, gridPaddingArg } from './monai-spatial.js';
import { rotateImage } from './rotated.js';

/**
 * MONAI's RandRotated: with probability `prob` (default 0.1), rotate by
 * angles uniform in `range_x`, `range_y`, `range_z` (radians; r means
 * [-r, r]), the same angles for every key; per crop after a `num_samples`
 * crop. 2D images use range_x only.
 */
export const RandRotated = defineTransform({
  name: 'RandRotated',
  family: 'spatial',
  summary: 'MONAI RandRotated: with prob, rotate by angles uniform in range_x/y/z (radians)',
  monai: 'RandRotated',
  ...monaiSpellings('RandRotated'),
  args: z.strictObject({
    keys: keysArg,
    range_x: symmetricRange.default([0, 0]),
    range_y: symmetricRange.default([0, 0]),
    range_z: symmetricRange.default([0, 0]),
    prob: probArg(0.1),
    keep_size: z.boolean().default(true),
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(gridPaddingArg).default('border'),
    align_corners: oneOrPerKey(z.literal(false, { error: 'align_corners=True is not implemented' })).default(false),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: ['image', 'label'], range_x: 0.3, prob: 0.5, mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'RandRotated';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined || !c.rng.bernoulli(a.prob)) return s;
          const rank = spatialRank(s[first] as ChainImage);
          const angles = (rank === 2 ? [a.range_x] : [a.range_x, a.range_y, a.range_z]).map(([lo, hi]) => c.rng.uniform(lo, hi));
          c.record({ angles });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => rotateImage(img, angles, a.keep_size, modes[i], pads[i]));
        }),
    };
  },
});
