import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { channelCount, spatialRank, voxelsPerChannel, batchCount, type ChainImage } from '../image.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { convertImage } from '../load/loader.js';
import { thresholdValues } from '../intensity/threshold-values.js';
import { argmaxChannels } from './argmax-across-channels.js';
import { labelMasks } from './split-based-on-label.js';

/** The largest double below `t`: `v >= t` is exactly `v > below(t)` for doubles (how MONAI's `>=` runs on the ThresholdValues kernel's `>`). */
function below(t: number): number {
  if (t === -Infinity || Number.isNaN(t)) return t;
  if (t === 0) return -Number.MIN_VALUE;
  const b = new Float64Array([t]);
  const u = new BigInt64Array(b.buffer);
  u[0] += t > 0 ? -1n : 1n;
  return b[0];
}

/** A 1-channel label map as `classes` 0/1 channels (per crop when batched). */
export function oneHot(img: ChainImage, classes: number): ChainImage {
  const n = voxelsPerChannel(img);
  const b = batchCount(img);
  const out = new Uint8Array(n * classes * b);
  for (let j = 0; j < b; j++) {
    const masks = labelMasks({ ...img, data: img.data.subarray(j * n, (j + 1) * n) as ChainImage['data'] }, classes);
    masks.forEach((m, c) => out.set(m.data as Uint8Array, (j * classes + c) * n));
  }
  const shape = img.shape.slice();
  shape[spatialRank(img)] = classes;
  return { ...img, data: out, dtype: 'uint8', shape };
}

/** torch.round: half to even. */
function roundHalfEven(img: ChainImage): ChainImage {
  const src = img.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    const r = Math.round(v);
    out[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  return { ...img, data: out, dtype: 'float32' };
}

/**
 * MONAI's AsDiscreted, in MONAI's order: `argmax` over channels, then
 * `to_onehot` (N classes), then `threshold` (`v >= threshold`), then
 * `rounding` ("torchrounding", half to even); each arg one value or one per
 * key; float32 output as MONAI's default dtype. Kernels: ArgmaxAcrossChannels,
 * SplitBasedOnLabel's masks, ThresholdValues.
 */
export const AsDiscreted = defineTransform({
  name: 'AsDiscreted',
  family: 'post',
  summary: 'MONAI AsDiscreted: argmax, to_onehot, threshold (>=), rounding, per key; float32',
  monai: 'AsDiscreted',
  ...monaiSpellings('AsDiscreted'),
  args: z.strictObject({
    keys: keysArg,
    argmax: oneOrPerKey(z.boolean()).default(false),
    to_onehot: oneOrPerKey(z.number().int().positive().nullable()).default(null),
    threshold: oneOrPerKey(z.number().nullable()).default(null),
    rounding: oneOrPerKey(z.literal('torchrounding').nullable()).default(null),
    dim: z.literal(0, { error: 'voxelpipe applies AsDiscreted over the channel axis (dim 0)' }).default(0),
    keepdim: z.literal(true, { error: 'voxelpipe keeps the channel axis (keepdim true)' }).default(true),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: 'pred', argmax: true, to_onehot: 2 },
  create(a) {
    const name = 'AsDiscreted';
    const argmax = perKey(a.argmax, a.keys, name, 'argmax');
    const onehot = perKey(a.to_onehot, a.keys, name, 'to_onehot');
    const threshold = perKey(a.threshold, a.keys, name, 'threshold');
    const rounding = perKey(a.rounding, a.keys, name, 'rounding');
    return {
      fields: a.keys,
      apply: (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => {
          let x = img;
          if (argmax[i]) x = argmaxChannels(x);
          const k = onehot[i];
          if (k !== null) {
            if (channelCount(x) !== 1)
              throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: to_onehot needs a 1-channel label map, key "${_k}" has ${channelCount(x)} channels (add argmax)`);
            x = oneHot(x, k);
          }
          const t = threshold[i];
          if (t !== null) x = thresholdValues(x, { threshold: below(t), above_value: 1, below_value: 0, dtype: 'float32' });
          if (rounding[i]) x = roundHalfEven(x);
          return convertImage(x, 'float32');
        }),
    };
  },
});
