import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey, probArg } from '../monai-dict.js';
import { interpolateModeArg, padModeArg } from './monai-spatial.js';
import { zoomImage } from './zoomd.js';

const zoomLimit = z.union([z.number().positive(), z.array(z.number().positive()).min(1).max(3)]);

/**
 * MONAI's RandZoomd: with probability `prob` (default 0.1), zoom by factors
 * uniform in [min_zoom, max_zoom]: scalar limits draw one factor for every
 * axis (isotropic), per-axis limits one per axis; Zoomd's kernel, the same
 * factors for every key, per crop after a `num_samples` crop.
 */
export const RandZoomd = defineTransform({
  name: 'RandZoomd',
  family: 'spatial',
  summary: 'MONAI RandZoomd: with prob, zoom uniform in [min_zoom, max_zoom] (isotropic for scalar limits)',
  monai: 'RandZoomd',
  ...monaiSpellings('RandZoomd'),
  args: z.strictObject({
    keys: keysArg,
    prob: probArg(0.1),
    min_zoom: zoomLimit.default(0.9),
    max_zoom: zoomLimit.default(1.1),
    mode: oneOrPerKey(interpolateModeArg).default('area'),
    padding_mode: oneOrPerKey(padModeArg).default('edge'),
    align_corners: oneOrPerKey(z.boolean().nullable()).default(null),
    keep_size: z.boolean().default(true),
    dtype: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: ['image', 'label'], prob: 0.5, min_zoom: 0.9, max_zoom: 1.1, mode: ['area', 'nearest'] },
  create(a) {
    const name = 'RandZoomd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    const corners = perKey(a.align_corners, a.keys, name, 'align_corners');
    const lo = typeof a.min_zoom === 'number' ? [a.min_zoom] : a.min_zoom;
    const hi = typeof a.max_zoom === 'number' ? [a.max_zoom] : a.max_zoom;
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined || !c.rng.bernoulli(a.prob)) return s;
          const rank = spatialRank(s[first] as ChainImage);
          const n = Math.max(lo.length, hi.length);
          let zoom = Array.from({ length: n }, (_, i) => c.rng.uniform(lo[Math.min(i, lo.length - 1)], hi[Math.min(i, hi.length - 1)]));
          if (zoom.length === 1) zoom = new Array<number>(rank).fill(zoom[0]);
          c.record({ zoom });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => zoomImage(img, zoom, modes[i], pads[i], corners[i] ?? false, a.keep_size));
        }),
    };
  },
});
