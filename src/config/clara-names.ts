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
 * Names users bring from elsewhere, with the Clara 3.x name to use instead:
 * Clara 2.x (TLT) names renamed in 3.x (§4.9) and MONAI / Clara 4 names (§4.10).
 */
export const NAME_HINTS: Readonly<Record<string, string>> = Object.freeze({
  LoadNifty: 'LoadNifti (renamed in Clara 3.x)',
  TransformVolumeCropROIFastPosNegRatio: 'FastPosNegRatioCropROI (renamed in Clara 3.x)',
  CropSubVolumeBatchPosNegRatio: 'CropByPosNegRatio (renamed in Clara 3.x)',
  VolumeTo4DArray: 'ConvertToChannelsFirst (renamed in Clara 3.x)',
  LoadImaged: 'LoadNifti (LoadImaged is a MONAI name)',
  LoadNiftid: 'LoadNifti (LoadNiftid is a MONAI name)',
  AddChanneld: 'ConvertToChannelsFirst (AddChanneld is a MONAI name)',
  EnsureChannelFirstd: 'ConvertToChannelsFirst (EnsureChannelFirstd is a MONAI name)',
  Spacingd: 'ScaleByResolution (Spacingd is a MONAI name)',
  ScaleIntensityRanged: 'ScaleIntensityRange (ScaleIntensityRanged is a MONAI name)',
  NormalizeIntensityd: 'NormalizeNonzeroIntensities (NormalizeIntensityd is a MONAI name)',
  RandCropByPosNegLabeld: 'FastCropByPosNegRatio (RandCropByPosNegLabeld is a MONAI name)',
  RandFlipd: 'RandomAxisFlip (RandFlipd is a MONAI name)',
  RandZoomd: 'RandomZoom (RandZoomd is a MONAI name)',
  RandScaleIntensityd: 'ScaleIntensityOscillation (RandScaleIntensityd is a MONAI name)',
  RandShiftIntensityd: 'ScaleShiftIntensity (RandShiftIntensityd is a MONAI name)',
  RandGaussianNoised: 'AddGaussianNoise (RandGaussianNoised is a MONAI name)',
  RandGaussianNoise: 'AddGaussianNoise (RandGaussianNoise is a MONAI name)',
  AsDiscreted: 'ArgmaxAcrossChannels (AsDiscreted is a MONAI name)',
});

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
