import { z } from 'zod';
import { defineTransform } from '../types.js';
import { getImage } from '../image.js';
import { allowMissingArg, keysArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { posNegIndices } from './rand-crop-by-pos-neg-labeld.js';

/**
 * MONAI's FgBgToIndicesd: the foreground / background voxel index of each
 * key (background restricted to `image_key` above `image_threshold` when
 * given), deterministic, so caches keep it; RandCropByPosNegLabeld reads it
 * through `fg_indices_key`. voxelpipe's index is one compact record (the
 * smaller class listed, the larger drawn by rejection), stored under both
 * `<key><fg_postfix>` and `<key><bg_postfix>`.
 */
export const FgBgToIndicesd = defineTransform({
  name: 'FgBgToIndicesd',
  family: 'crop',
  summary: 'MONAI FgBgToIndicesd: cacheable fg/bg voxel index for RandCropByPosNegLabeld (fg_indices_key)',
  monai: 'FgBgToIndicesd',
  ...monaiSpellings('FgBgToIndicesd'),
  args: z.strictObject({
    keys: keysArg,
    fg_postfix: z.string().default('_fg_indices'),
    bg_postfix: z.string().default('_bg_indices'),
    image_key: z.string().min(1).nullable().default(null),
    image_threshold: z.number().default(0),
    output_shape: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'label', image_key: 'image', image_threshold: 0 },
  create(a) {
    const name = 'FgBgToIndicesd';
    return {
      fields: [...a.keys, ...(a.image_key ? [a.image_key] : [])],
      apply(sample) {
        const out = { ...sample };
        const image = a.image_key ? getImage(sample, a.image_key, name) : undefined;
        for (const k of presentKeys(sample, a.keys, a.allow_missing_keys, name)) {
          const ix = posNegIndices(getImage(sample, k, name), image, a.image_key, a.image_threshold);
          out[`${k}${a.fg_postfix}`] = ix;
          out[`${k}${a.bg_postfix}`] = ix;
        }
        return out;
      },
    };
  },
});
