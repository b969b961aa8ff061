import { z } from 'zod';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import { fieldsArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialRank, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/**
 * Each channel repeated `times` times in place, as numpy's `repeat` on the
 * channel axis (channels a, b -> a, a, b, b); a batched image per crop.
 * Typical use: a grey image made 3-channel for a network pretrained on RGB.
 */
export function repeatChannels(img: ChainImage, times: number): ChainImage {
  const n = voxelsPerChannel(img);
  const c = channelCount(img);
  const b = batchCount(img);
  const src = img.data;
  const out = allocArray(arrayDTypeOf(src), src.length * times);
  let o = 0;
  // Channels are planar blocks, so every repeat is one block copy.
  for (let k = 0; k < b * c; k++) {
    const block = src.subarray(k * n, (k + 1) * n);
    for (let r = 0; r < times; r++, o += n) out.set(block, o);
  }
  const shape = img.shape.slice();
  shape[spatialRank(img)] = c * times;
  return { ...img, data: out, shape };
}

export const repeatChannel = defineTransform({
  name: 'RepeatChannel',
  family: 'layout',
  summary: 'Repeats every channel repeat_times times (a, b -> a, a, b, b)',
  monai: 'RepeatChanneld(repeats)',
  args: z.strictObject({ fields: fieldsArg, repeat_times: z.number().int().min(1) }),
  isRandom: false,
  example: { fields: 'image', repeat_times: 3 },
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample): Sample {
      const out: Sample = { ...sample };
      for (const f of a.fields) out[f] = repeatChannels(getImage(sample, f, 'RepeatChannel'), a.repeat_times);
      return out;
    },
  }),
});
