import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { channelFormatImpl } from './convert-to-channels-first.js';

/**
 * MONAI's AddChanneld (removed in MONAI 1.3, still in many Clara 4 configs):
 * a 3D volume already has its channel axis of 1 in voxelpipe, so this checks
 * and marks channels-first, as ConvertToChannelsFirst.
 */
export const AddChanneld = defineTransform({
  name: 'AddChanneld',
  family: 'layout',
  summary: 'MONAI AddChanneld (pre-1.3): images already carry a channel axis of 1; checks and marks channels-first',
  monai: 'AddChanneld',
  ...monaiSpellings('AddChanneld'),
  args: z.strictObject({ keys: keysArg, allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create(a) {
    return {
      fields: a.keys,
      apply: (sample, ctx) =>
        channelFormatImpl('AddChanneld', presentKeys(sample, a.keys, a.allow_missing_keys, 'AddChanneld'), 'channels_first').apply(sample, ctx),
    };
  },
});
