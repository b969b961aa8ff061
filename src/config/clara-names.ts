/**
 * The Clara Train 3.x names a config may use (CLARA-3.1.md §4 and §8),
 * the known-name list the config layer checks transform names against for
 * names the transform registry does not (yet) define. A Clara name without
 * a definition is accepted with its args unchecked; any other name is an
 * error with the closest known names.
 *
 * Names marked "inferred" in §4 are included: a user writing one of them
 * means the Clara transform, and rejecting it would be wrong twice if it
 * exists. User-code names seen in real configs (NumpyLoader, MyNumpyLoader,
 * NumpyTransformation, TresholdArgmax) are not Clara's and are not here:
 * such entries must use `path`.
 */
export const CLARA_TRANSFORM_NAMES: readonly string[] = Object.freeze([
  // §4.1 loaders and format conversion
  'LoadNifti',
  'LoadPng',
  'LoadJpg',
  'ConvertToChannelsFirst',
  'ConvertToChannelsLast',
  'SplitAcrossChannels',
  'RepeatChannel',
  'ConvertToMultiChannelBasedOnBratsClasses',
  // §4.2 spatial resampling / padding
  'ScaleByResolution',
  'ScaleByFactor',
  'ScaleToShape',
  'NPResize',
  'SymmetricPadderDiv',
  'PadCropWithFixedSize',
  'CropSubVolumeCenter',
  'RestoreOriginalShape',
  // §4.3 intensity
  'ScaleIntensityRange',
  'NormalizeNonzeroIntensities',
  'CenterData',
  'ThresholdValues',
  // §4.4 cropping / patch sampling
  'CropByPosNegRatio',
  'FastCropByPosNegRatio',
  'CropByPosNegRatioLabelOnly',
  'FastPosNegRatioCropROI',
  'CropFixedSizeRandomCenter',
  'CropRandomSizeWithDisplacement',
  // §4.5 augmentation
  'RandomSpatialFlip',
  'RandomAxisFlip',
  'RandomZoom',
  'RandomRotate2D',
  'RandomRotate3D',
  'ScaleIntensityOscillation',
  'ScaleShiftIntensity',
  'AddGaussianNoise',
  'AdjustContrast',
  // §4.6 annotation helpers
  'AddExtremePointsChannel',
  // §4.7 batch transforms
  'MergeBatchDims',
  // §4.8 post-transforms / debugging
  'ArgmaxAcrossChannels',
  'SplitBasedOnLabel',
  'CopyProperties',
  'ProcessMulticlassPreds',
  'SaveAsNifti',
]);

/**
 * Clara 2.x (Transfer Learning Toolkit) transform names and their Clara 3
 * names: NVIDIA's "Converting from previous TLT" table (CLARA-3.1.md §4.9)
 * and the renames real 2.x configs show. A 2.x config is refused at each
 * such name with the 3.x name, since the args changed too and running it
 * silently under the new name would be a guess.
 */
export const CLARA2_TRANSFORM_NAMES: Readonly<Record<string, string>> = Object.freeze({
  LoadNifty: 'LoadNifti',
  VolumeTo4DArray: 'ConvertToChannelsFirst',
  TransformVolumeCropROIFastPosNegRatio: 'FastPosNegRatioCropROI',
  CropSubVolumeBatchPosNegRatio: 'CropByPosNegRatio (FastCropByPosNegRatio for fast_crop: true)',
  CropSubVolumeRandomWithinBounds: 'CropFixedSizeRandomCenter',
  FlipAxisRandom: 'RandomAxisFlip',
  AugmentIntensityRandomScaleShift: 'ScaleShiftIntensity',
  BratsConvertLabels: 'ConvertToMultiChannelBasedOnBratsClasses',
});

/**
 * Clara 2.x image pipeline args (BaseImagePipeline's signature, CLARA-3.1.md
 * §1.2) and the Clara 3 arg that replaced each.
 */
export const CLARA2_PIPELINE_ARGS: Readonly<Record<string, string>> = Object.freeze({
  crop_size: 'output_crop_size',
  num_channels: 'output_image_channels',
  num_label_channels: 'output_label_channels',
  batch_size: 'output_batch_size',
  data_format: 'output_data_format',
  num_data_dims: 'output_data_dims',
  label_format: 'output_label_format',
});

/** `X is Clara 2.x; Clara 3 calls it Y`, the one line for a Clara 2.x name or arg. */
export function clara2Text(name: string, clara3: string): string {
  return `${name} is Clara 2.x; Clara 3 calls it ${clara3}`;
}

/**
 * Keys of a `train` / `validate` section that Clara used for training and
 * evaluation, not for the input pipeline: kept, reported once, never an error.
 */
export const IGNORED_SECTION_KEYS: readonly string[] = Object.freeze([
  'model',
  'loss',
  'optimizer',
  'lr_policy',
  'metrics',
  'val_metrics',
  'inferer',
  'handlers',
  'aux_ops',
  'post_transforms',
  'label_transforms',
  'writers',
  'model_loader',
  'model_saver',
  'trainer',
  'evaluator',
]);

/** The section keys voxelpipe acts on. */
export const SECTION_KEYS: readonly string[] = Object.freeze(['pre_transforms', 'batch_transforms', 'image_pipeline']);
