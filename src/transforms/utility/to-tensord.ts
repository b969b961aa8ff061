import { z } from 'zod';
import { defineTransform } from '../types.js';
import { monaiSpellings } from '../monai-dict.js';
import { conversionArgs, conversionImpl } from './type-conversion.js';

/** MONAI's ToTensord: nothing to convert in voxelpipe's data path (a cast when `dtype` is given). */
export const ToTensord = defineTransform({
  name: 'ToTensord',
  family: 'utility',
  summary: 'MONAI ToTensord: no-op for the data path (batches become tensors in the adapters); casts when dtype is given',
  monai: 'ToTensord',
  ...monaiSpellings('ToTensord'),
  args: z.strictObject(conversionArgs),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create: (a) => conversionImpl('ToTensord', a),
});
