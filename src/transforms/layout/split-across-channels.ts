import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import { fieldArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialRank, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/** Channel `c` of an image as a 1-channel image of its own (every crop of a batched image). */
export function takeChannel(img: ChainImage, c: number): ChainImage {
  const n = voxelsPerChannel(img);
  const channels = channelCount(img);
  const b = batchCount(img);
  const out = allocArray(arrayDTypeOf(img.data), n * b);
  // A copy, not a view: each output owns its buffer, so fields can be transferred between threads independently.
  for (let k = 0; k < b; k++) out.set(img.data.subarray((k * channels + c) * n, (k * channels + c + 1) * n), k * n);
  const shape = img.shape.slice();
  shape[spatialRank(img)] = 1;
  return { ...img, data: out, shape };
}

/**
 * Clara's SplitAcrossChannels: channel i of `field` goes to the field
 * `channel_names[i]`. Fewer names than channels take the first channels
 * (real configs split only "TC_label" from a 3-channel label); the source
 * field is kept.
 */
export const splitAcrossChannels = defineTransform({
  name: 'SplitAcrossChannels',
  family: 'layout',
  summary: 'Copies channel i of field into field channel_names[i] (source field kept)',
  monai: 'SplitDimd(dim=0) / SplitChanneld',
  args: z.strictObject({ field: fieldArg, channel_names: z.array(z.string().min(1)).min(1) }),
  isRandom: false,
  example: { field: 'image', channel_names: ['image_c0'] },
  create: (a) => ({
    fields: [a.field, ...a.channel_names],
    apply(sample: Sample): Sample {
      const img = getImage(sample, a.field, 'SplitAcrossChannels');
      const c = channelCount(img);
      if (a.channel_names.length > c)
        throw new VoxelpipeError(
          'ERR_INVALID_ARGUMENT',
          `SplitAcrossChannels: ${a.channel_names.length} channel_names for field "${a.field}", which has ${c} channel${c === 1 ? '' : 's'}`,
        );
      const out: Sample = { ...sample };
      a.channel_names.forEach((name, i) => (out[name] = takeChannel(img, i)));
      return out;
    },
  }),
});
