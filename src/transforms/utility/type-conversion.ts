import { z } from 'zod';
import { getImage, isChainImage, type Sample } from '../image.js';
import { convertImage } from '../load/loader.js';
import { allowMissingArg, keysArg, monaiDTypeArg, presentKeys } from '../monai-dict.js';
import type { TransformImpl } from '../types.js';

/**
 * What ToTensord, EnsureTyped and ToNumpyd share. In MONAI they move data
 * between numpy and torch; voxelpipe's data path has one representation
 * (typed arrays, handed to TF.js / ONNX Runtime / the Python bridge as
 * tensors at the end), so they change nothing unless a `dtype` is given,
 * which casts as CastToTyped does. `device` is accepted and has no effect
 * here: the adapters place tensors.
 */
export const conversionArgs = {
  keys: keysArg,
  dtype: z.union([monaiDTypeArg, z.null()]).default(null),
  device: z.unknown().optional(),
  wrap_sequence: z.boolean().default(true),
  track_meta: z.union([z.boolean(), z.null()]).default(null),
  allow_missing_keys: allowMissingArg,
};

export function conversionImpl(name: string, a: { keys: string[]; dtype: ReturnType<typeof monaiDTypeArg.parse> | null; allow_missing_keys: boolean }): TransformImpl {
  return {
    fields: a.keys,
    apply(sample: Sample): Sample {
      const keys = presentKeys(sample, a.keys, a.allow_missing_keys, name);
      if (!a.dtype) return sample;
      const out = { ...sample };
      for (const k of keys) if (isChainImage(sample[k])) out[k] = convertImage(getImage(sample, k, name), a.dtype);
      return out;
    },
  };
}
