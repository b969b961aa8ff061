import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { channelFormatImpl } from './convert-to-channels-first.js';

/**
 * MONAI's EnsureChannelFirstd: voxelpipe images carry their channel axis
 * from loading (trailing file axes, e.g. NIfTI's 4th, become channels, which
 * is MONAI's `channel_dim` -1 / "no_channel" reading of a NIfTI), so this
 * only checks the image and records the format, as ConvertToChannelsFirst.
 * A `channel_dim` naming another axis is refused: voxelpipe never reads a
 * leading file axis as channels.
 */
export const EnsureChannelFirstd = defineTransform({
  name: 'EnsureChannelFirstd',
  family: 'layout',
  summary: 'MONAI EnsureChannelFirstd: images are channel-first already (trailing file axes are channels); checks and marks',
  monai: 'EnsureChannelFirstd',
  ...monaiSpellings('EnsureChannelFirstd'),
  args: z.strictObject({
    keys: keysArg,
    strict_check: z.boolean().default(true),
    channel_dim: z
      .union([z.literal('no_channel'), z.literal(-1), z.null()], {
        error: 'voxelpipe reads channels from the trailing file axes: use null, -1 or "no_channel"',
      })
      .default(null),
    meta_keys: z.unknown().optional(),
    meta_key_postfix: z.string().default('meta_dict'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create(a) {
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        channelFormatImpl('EnsureChannelFirstd', presentKeys(sample, a.keys, a.allow_missing_keys, 'EnsureChannelFirstd'), 'channels_first').apply(sample, ctx),
    };
  },
});
