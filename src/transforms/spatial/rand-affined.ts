import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey, probArg } from '../monai-dict.js';
import { fallBack, gridModeArg, gridPaddingArg, spatialSizeArg } from './monai-spatial.js';
import { affineImage } from './affined.js';
import { affineRangeArg, drawAffine } from './rand-affine-params.js';

/**
 * MONAI's RandAffined: with probability `prob` (default 0.1), Affined with
 * parameters uniform in the ranges (scale 1 + s); the same draw for every
 * key; output `spatial_size` (default: the input's; without a transform the
 * output is the centre of the input at that size, as MONAI resamples an
 * identity grid); per crop after a `num_samples` crop.
 */
export const RandAffined = defineTransform({
  name: 'RandAffined',
  family: 'spatial',
  summary: 'MONAI RandAffined: with prob, random rotate/shear/translate/scale; reflection padding',
  monai: 'RandAffined',
  ...monaiSpellings('RandAffined'),
  args: z.strictObject({
    keys: keysArg,
    spatial_size: spatialSizeArg.nullable().default(null),
    prob: probArg(0.1),
    rotate_range: affineRangeArg,
    shear_range: affineRangeArg,
    translate_range: affineRangeArg,
    scale_range: affineRangeArg,
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(gridPaddingArg).default('reflection'),
    cache_grid: z.boolean().default(false),
    device: z.unknown().optional(),
    lazy: z.boolean().default(false),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: ['image', 'label'], prob: 0.5, rotate_range: [0.26, 0.26, 0.26], scale_range: [0.1, 0.1, 0.1], mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'RandAffined';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const done = c.rng.bernoulli(a.prob);
          const p = done ? drawAffine(a, c.rng) : { rotate: [], shear: [], translate: [], scale: [] };
          c.record(done ? { ...p } : { transformed: false });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => {
            const dims = spatialShape(img);
            const size = a.spatial_size === null ? dims : fallBack(a.spatial_size, dims);
            if (!done && size.every((d, ax) => d === dims[ax])) return img;
            return affineImage(img, p, size, modes[i], pads[i]);
          });
        }),
    };
  },
});
