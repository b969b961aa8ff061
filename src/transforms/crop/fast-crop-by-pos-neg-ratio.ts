import { defineTransform } from '../types.js';
import { batchingPosNeg } from './batching-pos-neg.js';

/**
 * FastCropByPosNegRatio: CropByPosNegRatio with the fg/bg voxel index of
 * the label computed once per volume. It reads the index from the sample
 * field `<label_field>_fg_bg_indices` (written by the deterministic
 * `fgBgIndicesStep`, which a pipeline caches with the rest of the
 * deterministic prefix); without it, it computes the index itself. Per
 * crop the cost is then O(crop). Same rng key -> the same crops as
 * CropByPosNegRatio.
 */
export const FastCropByPosNegRatio = defineTransform({
  name: 'FastCropByPosNegRatio',
  family: 'crop',
  summary: 'CropByPosNegRatio from a once-per-volume (cacheable) fg/bg index: O(crop) per crop',
  monai: 'FgBgToIndicesd + RandCropByPosNegLabeld(fg_indices_key, bg_indices_key)',
  isRandom: true,
  example: { fields: 'image', label_field: 'label', size: [96, 96, 96], pos: 1, neg: 1, batch_size: 4 },
  ...batchingPosNeg('FastCropByPosNegRatio', { fast: true, requireImage: true }),
});
