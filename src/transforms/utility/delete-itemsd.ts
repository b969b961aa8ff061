import { z } from 'zod';
import { defineTransform } from '../types.js';
import { keysArg, monaiSpellings } from '../monai-dict.js';

/**
 * MONAI's DeleteItemsd: removes the keys from the sample (with `use_re`,
 * each key is a regular expression and every matching key goes). A key not
 * in the sample is no error, as in MONAI.
 */
export const DeleteItemsd = defineTransform({
  name: 'DeleteItemsd',
  family: 'utility',
  summary: 'MONAI DeleteItemsd: remove keys (regular expressions with use_re)',
  monai: 'DeleteItemsd',
  ...monaiSpellings('DeleteItemsd'),
  args: z.strictObject({ keys: keysArg, sep: z.string().default('.'), use_re: z.boolean().default(false), allow_missing_keys: z.boolean().default(false) }),
  isRandom: false,
  example: { keys: 'label_meta_dict' },
  create(a) {
    const patterns = a.use_re ? a.keys.map((k) => new RegExp(`^(?:${k})$`)) : [];
    return {
      fields: a.keys,
      apply(sample) {
        const out = { ...sample };
        for (const k of Object.keys(sample)) if (a.use_re ? patterns.some((p) => p.test(k)) : a.keys.includes(k)) delete out[k];
        return out;
      },
    };
  },
});
