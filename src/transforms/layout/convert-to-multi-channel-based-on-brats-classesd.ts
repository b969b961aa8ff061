import { z } from 'zod';
import { defineTransform } from '../types.js';
import { getImage } from '../image.js';
import { allowMissingArg, keysArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { bratsToMultiChannel } from './convert-to-multi-channel-based-on-brats-classes.js';

/**
 * MONAI's ConvertToMultiChannelBasedOnBratsClassesd: BraTS labels to the
 * three channels TC (1|4), WT (1|2|4), ET (4), in that order, with the
 * Clara transform's kernel (uint8 0/1 where MONAI has bool).
 */
export const ConvertToMultiChannelBasedOnBratsClassesd = defineTransform({
  name: 'ConvertToMultiChannelBasedOnBratsClassesd',
  family: 'layout',
  summary: 'MONAI: BraTS labels 1/2/4 -> uint8 channels TC, WT, ET',
  monai: 'ConvertToMultiChannelBasedOnBratsClassesd',
  ...monaiSpellings('ConvertToMultiChannelBasedOnBratsClassesd'),
  args: z.strictObject({ keys: keysArg, allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: 'label' },
  create(a) {
    const name = 'ConvertToMultiChannelBasedOnBratsClassesd';
    return {
      fields: a.keys,
      apply(sample) {
        const out = { ...sample };
        for (const k of presentKeys(sample, a.keys, a.allow_missing_keys, name)) out[k] = bratsToMultiChannel(getImage(sample, k, name), ['TC', 'WT', 'ET'], name);
        return out;
      },
    };
  },
});
