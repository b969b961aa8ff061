import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform, type TransformContext } from '../types.js';
import { channelCount, voxelsPerChannel, type ChainImage } from '../image.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, probArg, symmetricRange } from '../monai-dict.js';
import { linearMap } from './linear-map.js';

/** `v * m + c[channel]` with one offset per channel (float32): linearMap on each channel block. */
export function perChannelLinear(img: ChainImage, m: readonly number[], c: readonly number[], alloc?: TransformContext['alloc']): ChainImage {
  if (m.length === 1 && c.length === 1) return linearMap(img, m[0], c[0], { alloc });
  const block = voxelsPerChannel(img);
  const out = alloc ? (alloc('float32', img.data.length) as Float32Array) : new Float32Array(img.data.length);
  const C = channelCount(img);
  for (let from = 0, k = 0; from < img.data.length; from += block, k++) {
    const ch = k % C;
    const part = linearMap({ ...img, data: img.data.subarray(from, from + block), shape: [block, 1] }, m[m.length === 1 ? 0 : ch], c[c.length === 1 ? 0 : ch]);
    out.set(part.data as Float32Array, from);
  }
  return { ...img, data: out, dtype: 'float32', meta: { ...img.meta, scalingDeferred: false } };
}

/**
 * MONAI's RandShiftIntensityd: with probability `prob`, `v + offset`, the
 * offset uniform in `offsets` (a number o means [-o, o]), one for all keys
 * (one per channel with `channel_wise`). After a `num_samples` crop each
 * crop draws its own. `factor_key` (offsets scaled by a stored intensity
 * statistic) needs IntensityStatsd, which voxelpipe does not have: refused.
 */
export const RandShiftIntensityd = defineTransform({
  name: 'RandShiftIntensityd',
  family: 'intensity',
  summary: 'MONAI RandShiftIntensityd: with prob, v + offset, offset uniform in offsets',
  monai: 'RandShiftIntensityd',
  ...monaiSpellings('RandShiftIntensityd'),
  args: z.strictObject({
    keys: keysArg,
    offsets: symmetricRange,
    safe: z.boolean().default(false),
    factor_key: z.null({ error: 'factor_key needs IntensityStatsd, which voxelpipe does not have' }).default(null),
    meta_keys: z.unknown().optional(),
    meta_key_postfix: z.string().default('meta_dict'),
    prob: probArg(0.1),
    channel_wise: z.boolean().default(false),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', offsets: 0.1, prob: 0.5 },
  create(a) {
    const name = 'RandShiftIntensityd';
    const [lo, hi] = a.offsets;
    return {
      fields: a.keys,
      isRandom: a.prob > 0 && (lo !== 0 || hi !== 0),
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          if (!c.rng.bernoulli(a.prob)) return s;
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined) return s;
          const C = a.channel_wise ? channelCount(s[first] as ChainImage) : 1;
          const offsets = Array.from({ length: C }, () => c.rng.uniform(lo, hi));
          c.record({ offsets });
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img) => {
            if (a.channel_wise && channelCount(img) !== C)
              throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: channel_wise keys must have the same channel count`);
            return perChannelLinear(img, [1], offsets, c.alloc);
          });
        }),
    };
  },
});
