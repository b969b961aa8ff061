import { z } from 'zod';
import { fieldsArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialRank, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/**
 * The index of the largest channel at each voxel, as a 1-channel label map
 * (numpy's argmax: the first channel wins ties). uint8 when there are at most
 * 256 channels, else int32.
 */
export function argmaxChannels(img: ChainImage): ChainImage {
  const n = voxelsPerChannel(img);
  const c = channelCount(img);
  const b = batchCount(img);
  const src = img.data;
  const out = c <= 256 ? new Uint8Array(n * b) : new Int32Array(n * b);
  for (let k = 0; k < b; k++) {
    const base = k * c * n;
    for (let i = 0; i < n; i++) {
      let best = src[base + i];
      let arg = 0;
      for (let ch = 1, p = base + n + i; ch < c; ch++, p += n)
        if (src[p] > best) {
          best = src[p];
          arg = ch;
        }
      out[k * n + i] = arg;
    }
  }
  const shape = img.shape.slice();
  shape[spatialRank(img)] = 1;
  return { ...img, data: out, shape, dtype: c <= 256 ? 'uint8' : 'int32' };
}

export const argmaxAcrossChannels = defineTransform({
  name: 'ArgmaxAcrossChannels',
  family: 'post',
  summary: 'Channel index of the maximum at each voxel -> 1-channel label map (uint8; int32 above 256 channels)',
  monai: 'AsDiscreted(argmax=True)',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: 'model' },
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample): Sample {
      const out: Sample = { ...sample };
      for (const f of a.fields) out[f] = argmaxChannels(getImage(sample, f, 'ArgmaxAcrossChannels'));
      return out;
    },
  }),
});
