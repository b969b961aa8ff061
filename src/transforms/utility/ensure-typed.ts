import { z } from 'zod';
import { defineTransform } from '../types.js';
import { monaiSpellings } from '../monai-dict.js';
import { conversionArgs, conversionImpl } from './type-conversion.js';

/** MONAI's EnsureTyped: nothing to convert in voxelpipe's data path (a cast when `dtype` is given). */
export const EnsureTyped = defineTransform({
  name: 'EnsureTyped',
  family: 'utility',
  summary: 'MONAI EnsureTyped: no-op for the data path; casts when dtype is given',
  monai: 'EnsureTyped',
  ...monaiSpellings('EnsureTyped'),
  args: z.strictObject({ ...conversionArgs, data_type: z.enum(['tensor', 'numpy']).default('tensor') }),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create: (a) => conversionImpl('EnsureTyped', a),
});
