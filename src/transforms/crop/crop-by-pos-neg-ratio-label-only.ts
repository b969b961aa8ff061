import { defineTransform } from '../types.js';
import { batchingPosNeg } from './batching-pos-neg.js';

/**
 * CropByPosNegRatioLabelOnly: the PosNeg crop for a sample where only the
 * label is cropped (Clara lists it among the batching transforms; its docs
 * do not say more). `fields`/`image_field` are optional here: without them
 * only `label_field` is cropped; with them they are cropped too, as by
 * FastCropByPosNegRatio. It uses the cached fg/bg index when present.
 */
export const CropByPosNegRatioLabelOnly = defineTransform({
  name: 'CropByPosNegRatioLabelOnly',
  family: 'crop',
  summary: 'PosNeg crops of the label field alone (image fields optional); batched output',
  monai: 'RandCropByPosNegLabeld(keys=[label])',
  isRandom: true,
  example: { label_field: 'label', size: [96, 96, 96], batch_size: 4 },
  ...batchingPosNeg('CropByPosNegRatioLabelOnly', { fast: true, requireImage: false }),
});
