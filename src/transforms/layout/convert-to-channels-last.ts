import { z } from 'zod';
import { fieldsArg } from '../args.js';
import { defineTransform } from '../types.js';
import { channelFormatImpl } from './convert-to-channels-first.js';

/** The inverse marker of ConvertToChannelsFirst: records `channels_last` in meta (see there why no voxel moves). */
export const convertToChannelsLast = defineTransform({
  name: 'ConvertToChannelsLast',
  family: 'layout',
  summary: 'Marks images channels-last (the batch layout is output_data_format; no voxel moves)',
  monai: '(none: MONAI is channels-first)',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: 'image' },
  create: (a) => channelFormatImpl('ConvertToChannelsLast', a.fields, 'channels_last'),
});
