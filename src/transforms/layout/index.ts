import type { TransformDefinition } from '../types.js';
import { convertToChannelsFirst } from './convert-to-channels-first.js';
import { convertToChannelsLast } from './convert-to-channels-last.js';
import { convertToMultiChannelBasedOnBratsClasses } from './convert-to-multi-channel-based-on-brats-classes.js';
import { repeatChannel } from './repeat-channel.js';
import { splitAcrossChannels } from './split-across-channels.js';

/** The layout family of the catalogue (one transform per file in this folder). */
export const layoutTransforms: TransformDefinition[] = [
  convertToChannelsFirst,
  convertToChannelsLast,
  repeatChannel,
  splitAcrossChannels,
  convertToMultiChannelBasedOnBratsClasses,
];
