import { z } from 'zod';
import { defineTransform } from '../types.js';
import { getImage } from '../image.js';
import { convertImage } from '../load/loader.js';
import { allowMissingArg, keysArg, monaiDTypeArg, monaiSpellings, oneOrPerKey, perKey, presentWith } from '../monai-dict.js';

/**
 * MONAI's CastToTyped: each key's voxels converted to its dtype (one for
 * all keys or one per key), as numpy's astype: float to integer truncates
 * toward zero. 64-bit integer names give int32 (voxelpipe has no 64-bit
 * integer arrays; label values fit).
 */
export const CastToTyped = defineTransform({
  name: 'CastToTyped',
  family: 'utility',
  summary: 'MONAI CastToTyped: cast each key to its dtype (astype semantics; int64 held as int32)',
  monai: 'CastToTyped',
  ...monaiSpellings('CastToTyped'),
  args: z.strictObject({ keys: keysArg, dtype: oneOrPerKey(monaiDTypeArg).default('float32'), allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: ['image', 'label'], dtype: ['float32', 'uint8'] },
  create(a) {
    const dtypes = perKey(a.dtype, a.keys, 'CastToTyped', 'dtype');
    return {
      fields: a.keys,
      apply(sample) {
        const out = { ...sample };
        for (const [k, d] of presentWith(sample, a.keys, dtypes, a.allow_missing_keys, 'CastToTyped')) out[k] = convertImage(getImage(sample, k, 'CastToTyped'), d);
        return out;
      },
    };
  },
});
