import { defineTransform } from '../types.js';
import { batchingPosNeg } from './batching-pos-neg.js';

/**
 * CropByPosNegRatio: `batch_size` crops of `size` centred on foreground with
 * probability pos/(pos+neg), image field(s) and label cropped at the same
 * places; output batched `[...size, C, b]`. Indexes the label on every call
 * (O(volume)); FastCropByPosNegRatio gives the same crops from a cached index.
 */
export const CropByPosNegRatio = defineTransform({
  name: 'CropByPosNegRatio',
  family: 'crop',
  summary: 'batch_size crops centred on foreground with probability pos/(pos+neg), else background; image and label alike; batched output',
  monai: 'RandCropByPosNegLabeld(spatial_size=size, pos, neg, num_samples=batch_size)',
  isRandom: true,
  example: { fields: 'image', label_field: 'label', size: [96, 96, 96], pos: 1, neg: 1, batch_size: 4 },
  ...batchingPosNeg('CropByPosNegRatio', { fast: false, requireImage: true }),
});
