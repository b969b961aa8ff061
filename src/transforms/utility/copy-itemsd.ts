import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, monaiSpellings, presentKeys } from '../monai-dict.js';

/**
 * MONAI's CopyItemsd: each key copied `times` times under the new names
 * (`names` lists len(keys) x times names: key 0's copies first). Images are
 * never modified in place in voxelpipe, so a copy shares the voxels of its
 * source instead of duplicating them; later transforms write new arrays.
 */
export const CopyItemsd = defineTransform({
  name: 'CopyItemsd',
  family: 'utility',
  summary: 'MONAI CopyItemsd: copy keys under new names (times copies each); voxels shared, never modified in place',
  monai: 'CopyItemsd',
  ...monaiSpellings('CopyItemsd'),
  args: z
    .strictObject({ keys: keysArg, times: z.number().int().min(1).default(1), names: keysArg, allow_missing_keys: allowMissingArg })
    .superRefine((a, ctx) => {
      if (a.names.length !== a.keys.length * a.times)
        ctx.addIssue({ code: 'custom', path: ['names'], message: `expected len(keys) x times = ${a.keys.length * a.times} names`, input: a.names });
      else if (new Set(a.names).size !== a.names.length)
        ctx.addIssue({ code: 'custom', path: ['names'], message: 'expected different names (a name given twice would be overwritten)', input: a.names });
    }),
  isRandom: false,
  example: { keys: 'image', times: 1, names: 'image_copy' },
  create(a) {
    return {
      fields: [...a.keys, ...a.names],
      apply(sample) {
        const present = new Set(presentKeys(sample, a.keys, a.allow_missing_keys, 'CopyItemsd'));
        const out = { ...sample };
        a.keys.forEach((k, i) => {
          if (!present.has(k)) return;
          for (let t = 0; t < a.times; t++) out[a.names[i * a.times + t]] = sample[k];
        });
        return out;
      },
    };
  },
});
