import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { perAxis } from './spatial-image.js';
import { padModeArg } from './monai-spatial.js';
import { spatialPad } from './spatial-padd.js';

/** MONAI's DivisiblePadd: pad each axis up to a multiple of `k` (as SymmetricPadderDiv with method "symmetric"). */
export const DivisiblePadd = defineTransform({
  name: 'DivisiblePadd',
  family: 'spatial',
  summary: 'MONAI DivisiblePadd: pad each axis up to a multiple of k',
  monai: 'DivisiblePadd',
  ...monaiSpellings('DivisiblePadd'),
  args: z.strictObject({
    keys: keysArg,
    k: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1).max(3)]),
    method: z.enum(['symmetric', 'end']).default('symmetric'),
    mode: oneOrPerKey(padModeArg).default('constant'),
    value: z.number().default(0),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], k: 16 },
  create(a) {
    const name = 'DivisiblePadd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s) =>
          mapKeys(s, a.keys, a.allow_missing_keys, name, (img, key, i) => {
            const k = perAxis(a.k, spatialRank(img), name, 'k', key);
            return spatialPad(img, spatialShape(img).map((d, ax) => Math.ceil(d / k[ax]) * k[ax]), a.method, modes[i], a.value);
          }),
        ),
    };
  },
});
