import type { TransformDefinition } from '../types.js';
import { convertToChannelsFirst } from './convert-to-channels-first.js';
import { convertToChannelsLast } from './convert-to-channels-last.js';
import { convertToMultiChannelBasedOnBratsClasses } from './convert-to-multi-channel-based-on-brats-classes.js';
import { repeatChannel } from './repeat-channel.js';
import { splitAcrossChannels } from './split-across-channels.js';
import { EnsureChannelFirstd } from './ensure-channel-firstd.js';
import { AddChanneld } from './add-channeld.js';
import { ConvertToMultiChannelBasedOnBratsClassesd } from './convert-to-multi-channel-based-on-brats-classesd.js';

/** The layout family of the catalogue (one transform per file in this folder). */
export const layoutTransforms: TransformDefinition[] = [
  convertToChannelsFirst,
  convertToChannelsLast,
  repeatChannel,
  splitAcrossChannels,
  convertToMultiChannelBasedOnBratsClasses,
  // MONAI dictionary transforms
  EnsureChannelFirstd,
  AddChanneld,
  ConvertToMultiChannelBasedOnBratsClassesd,
];
