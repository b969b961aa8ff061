import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldsArg } from '../args.js';
import { spatialRank, type Sample } from '../image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import { defineTransform, type TransformImpl } from '../types.js';

/** The meta key recording the channel format a config asked for. */
export const CHANNEL_FORMAT = 'channelFormat';

/**
 * Marks `fields` as `format`. voxelpipe images always carry a planar channel
 * axis from loading (see image.ts), so there is nothing to move: the image is
 * checked (loaded, with 1 to 3 spatial axes) and the format is recorded in
 * `meta.channelFormat`. The voxels are shared, not copied. The layout a
 * network receives is the pipeline's `output_data_format`, applied once to
 * the batch.
 */
export function channelFormatImpl(name: string, fields: string[], format: 'channels_first' | 'channels_last'): TransformImpl {
  return {
    fields,
    // Only the meta changes: a lazy image stays lazy.
    lazy: true,
    apply(sample: Sample): Sample {
      const out: Sample = { ...sample };
      for (const f of fields) {
        const img = getAnyImage(sample, f, name);
        const rank = spatialRank(img);
        if (rank < 1 || rank > 3)
          throw new VoxelpipeError('ERR_INVALID_VOLUME', `${name}: field "${f}" has shape [${img.shape}], expected 1 to 3 spatial axes and a channel axis`);
        out[f] = { ...img, meta: { ...img.meta, [CHANNEL_FORMAT]: format } };
      }
      return out;
    },
  };
}

export const convertToChannelsFirst = defineTransform({
  name: 'ConvertToChannelsFirst',
  family: 'layout',
  summary: 'Marks images channels-first (images already carry a planar channel axis; no voxel moves)',
  monai: 'EnsureChannelFirstd / AddChanneld',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: 'image' },
  create: (a) => channelFormatImpl('ConvertToChannelsFirst', a.fields, 'channels_first'),
});
