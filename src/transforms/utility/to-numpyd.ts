import { z } from 'zod';
import { defineTransform } from '../types.js';
import { monaiSpellings } from '../monai-dict.js';
import { conversionArgs, conversionImpl } from './type-conversion.js';

/** MONAI's ToNumpyd: nothing to convert in voxelpipe's data path (a cast when `dtype` is given). */
export const ToNumpyd = defineTransform({
  name: 'ToNumpyd',
  family: 'utility',
  summary: 'MONAI ToNumpyd: no-op for the data path; casts when dtype is given',
  monai: 'ToNumpyd',
  ...monaiSpellings('ToNumpyd'),
  args: z.strictObject(conversionArgs),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create: (a) => conversionImpl('ToNumpyd', a),
});
