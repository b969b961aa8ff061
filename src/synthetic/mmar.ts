import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeClassificationDataset, makeSegmentationDataset } from './datasets.js';
import { thresholdSegmenterModel } from './onnx-models.js';

/**
 * The demo's synthetic MMAR, laid out as Clara users have theirs:
 *
 *     <dir>/config/config_train.json    the Clara config (train + validate sections):
 *                                       Clara 3.x names, or (flavor monai) a Clara 4 config of MONAI names
 *     <dir>/config/config_validation.json  the evaluation config (voxelpipe evaluate; Clara 3.x in both flavors)
 *     <dir>/models/model.onnx           segmentation: a tiny ONNX "network" to evaluate
 *     <dir>/config/environment.json     DATA_ROOT, DATASET_JSON, ...
 *     <dir>/config/dataset_0.json       the MSD-style datalist (with `labels`)
 *     <dir>/data/...                    the images (NIfTI volumes or PNGs)
 *
 * Paths in environment.json are relative to the MMAR root, so the folder
 * can be moved. Same options -> same bytes.
 */

export type DemoTask = 'segmentation' | 'classification';
/** `clara`: a Clara 3.x config (image_pipeline, Clara's transforms); `monai`: a Clara 4 config (MONAI's transforms, dataset + dataloader). */
export type DemoFlavor = 'clara' | 'monai';

/** Sizes of the demo: `full` for `npm run demo`, `small` for tests (a few seconds). */
export interface DemoSize {
  train: number;
  validation: number;
  /** Segmentation: in-plane size and slice range of the volumes; classification: image side. */
  size: number;
  slices: [number, number];
  /** Segmentation: crop side; crops per volume. */
  crop: number;
  cropsPerVolume: number;
  batch: number;
  /** Smart Cache: num_cache_objects and replace_percent. */
  cacheObjects: number;
  replacePercent: number;
  /** Classification: training images per class (imbalanced on purpose: automatic sampling balances them). */
  perClass: number[];
}

export const DEMO_SIZES: Record<'full' | 'small', DemoSize> = {
  full: { train: 10, validation: 2, size: 192, slices: [64, 80], crop: 64, cropsPerVolume: 4, batch: 2, cacheObjects: 8, replacePercent: 0.25, perClass: [60, 30, 10] },
  small: { train: 5, validation: 1, size: 48, slices: [24, 28], crop: 16, cropsPerVolume: 2, batch: 2, cacheObjects: 4, replacePercent: 0.5, perClass: [6, 3, 2] },
};

export interface DemoMmar {
  root: string;
  config: string;
  env: string;
  datalist: string;
  dataRoot: string;
  task: DemoTask;
  flavor: DemoFlavor;
  /** Items in the training list. */
  training: number;
  /** The evaluation config (Clara's config_validation.json). */
  validationConfig: string;
  /** Segmentation: an ONNX model for `voxelpipe evaluate --model` (a threshold, not a trained network). */
  model?: string;
}

/** Clara's spleen training chain (CLARA-3.1.md), at the demo's crop size, with Smart Cache. */
export function demoSegmentationConfig(s: DemoSize): Record<string, unknown> {
  const crop = [s.crop, s.crop, s.crop];
  return {
    epochs: 2,
    learning_rate: 1e-4,
    train: {
      loss: { name: 'Dice' },
      optimizer: { name: 'Adam', args: { learning_rate: '{learning_rate}' } },
      model: { name: 'SegAhnet', args: { num_classes: 2 } },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
        { name: 'FastCropByPosNegRatio', args: { size: crop, fields: ['image', 'label'], label_field: 'label', pos: 1, neg: 1, batch_size: s.cropsPerVolume } },
        { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.1 } },
        { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1 } },
      ],
      batch_transforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
      image_pipeline: {
        name: 'SegmentationImagePipelineWithCache',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: crop,
          output_batch_size: s.batch,
          num_workers: 2,
          prefetch_size: 4,
          num_cache_objects: s.cacheObjects,
          replace_percent: s.replacePercent,
        },
      },
    },
    validate: {
      metrics: [{ name: 'ComputeAverageDice', args: { name: 'val_mean_dice' } }],
      pre_transforms: [{ ref: 'LoadNifti' }, { ref: 'ConvertToChannelsFirst' }, { ref: 'ScaleIntensityRange' }],
      image_pipeline: {
        name: 'SegmentationImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'validation',
          output_crop_size: [-1, -1, -1],
          output_batch_size: 1,
          num_workers: 1,
          prefetch_size: 0,
        },
      },
    },
  };
}

/** The Clara 4 (MONAI names) twin of the segmentation demo: the same chain, SmartCacheDataset, DataLoader. */
export function demoMonaiSegmentationConfig(s: DemoSize): Record<string, unknown> {
  const keys = ['image', 'label'];
  return {
    epochs: 2,
    learning_rate: 1e-4,
    train: {
      loss: { name: 'DiceLoss', args: { to_onehot_y: true, softmax: true } },
      optimizer: { name: 'Adam', args: { lr: '{learning_rate}' } },
      model: { name: 'UNet', args: { dimensions: 3, in_channels: 1, out_channels: 2, channels: [16, 32, 64, 128, 256], strides: [2, 2, 2, 2], num_res_units: 2 } },
      pre_transforms: [
        { name: 'LoadImaged', args: { keys } },
        { name: 'EnsureChannelFirstd', args: { keys } },
        { name: 'ScaleIntensityRanged', args: { keys: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
        {
          name: 'RandCropByPosNegLabeld',
          args: { keys, label_key: 'label', spatial_size: [s.crop, s.crop, s.crop], pos: 1, neg: 1, num_samples: s.cropsPerVolume, image_key: 'image', image_threshold: 0 },
        },
        { name: 'RandAxisFlipd', args: { keys, prob: 0.1 } },
        { name: 'RandScaleIntensityd', args: { keys: 'image', factors: 0.1, prob: 1.0 } },
        { name: 'ToTensord', args: { keys } },
      ],
      dataset: {
        name: 'SmartCacheDataset',
        data_list_file_path: '{DATASET_JSON}',
        data_file_base_dir: '{DATA_ROOT}',
        data_list_key: 'training',
        args: { transform: '@pre_transforms', cache_num: s.cacheObjects, replace_rate: s.replacePercent, num_init_workers: 2, num_replace_workers: 2 },
      },
      dataloader: { name: 'DataLoader', args: { dataset: '@dataset', batch_size: s.batch, shuffle: true, num_workers: 2 } },
      handlers: [{ name: 'SmartCacheHandler' }],
      trainer: { name: 'SupervisedTrainer', args: { max_epochs: '{epochs}' } },
    },
    validate: {
      pre_transforms: [{ ref: 'LoadImaged' }, { ref: 'EnsureChannelFirstd' }, { ref: 'ScaleIntensityRanged' }, { ref: 'ToTensord' }],
      dataset: { name: 'Dataset', data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'validation' },
      dataloader: { name: 'DataLoader', args: { dataset: '@dataset', batch_size: 1, shuffle: false, num_workers: 1 } },
      metrics: [{ name: 'MeanDice', log_label: 'val_mean_dice', is_key_metric: true, args: { include_background: false } }],
      evaluator: { name: 'SupervisedEvaluator' },
    },
  };
}

/** The Clara 4 (MONAI names) classification demo over 2D PNGs: class-index labels, batches of 8. */
export function demoMonaiClassificationConfig(s: DemoSize): Record<string, unknown> {
  const classes = s.perClass.length;
  return {
    epochs: 2,
    train: {
      loss: { name: 'CrossEntropyLoss' },
      model: { name: 'DenseNet121', args: { spatial_dims: 2, in_channels: 1, out_channels: classes } },
      pre_transforms: [
        { name: 'LoadImaged', args: { keys: 'image' } },
        { name: 'EnsureChannelFirstd', args: { keys: 'image' } },
        { name: 'ScaleIntensityRanged', args: { keys: 'image', a_min: 0, a_max: 255, b_min: 0.0, b_max: 1.0, clip: true } },
        { name: 'RandRotated', args: { keys: 'image', range_x: 0.1745, prob: 0.5 } },
        { name: 'RandScaleIntensityd', args: { keys: 'image', factors: 0.1, prob: 1.0 } },
        { name: 'ToTensord', args: { keys: 'image' } },
      ],
      dataset: { name: 'CacheDataset', data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'training', args: { transform: '@pre_transforms', cache_rate: 1.0 } },
      dataloader: { name: 'DataLoader', args: { dataset: '@dataset', batch_size: 8, shuffle: true, num_workers: 2 } },
    },
    validate: {
      pre_transforms: [{ ref: 'LoadImaged' }, { ref: 'EnsureChannelFirstd' }, { ref: 'ScaleIntensityRanged' }, { ref: 'ToTensord' }],
      dataset: { name: 'Dataset', data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'validation' },
      dataloader: { name: 'DataLoader', args: { dataset: '@dataset', batch_size: 4, shuffle: false } },
    },
  };
}

/** A Keras classification pipeline over 2D PNGs with balanced ("automatic") sampling. */
export function demoClassificationConfig(s: DemoSize): Record<string, unknown> {
  const classes = s.perClass.length;
  return {
    epochs: 2,
    batch: 8,
    train: {
      loss: { name: 'CategoricalCrossentropy' },
      model: { name: 'DenseNet121', args: { num_classes: classes } },
      pre_transforms: [
        { name: 'LoadPng', args: { fields: 'image' } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 255, b_min: 0.0, b_max: 1.0, clip: true } },
        { name: 'RandomRotate2D', args: { fields: 'image', angle: 10, is_random: true } },
        { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1 } },
      ],
      image_pipeline: {
        name: 'ClassificationKerasImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: [s.size, s.size],
          output_batch_size: '{batch}',
          output_label_format: [classes],
          sampling: 'automatic',
          num_workers: 2,
          prefetch_size: 4,
        },
      },
    },
    validate: {
      metrics: [{ name: 'ComputeAUC' }],
      pre_transforms: [{ ref: 'LoadPng' }, { ref: 'ScaleIntensityRange' }],
      image_pipeline: {
        name: 'ClassificationImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'validation',
          output_crop_size: [s.size, s.size],
          output_batch_size: 4,
          output_label_format: [classes],
        },
      },
    },
  };
}

/**
 * Clara's evaluation config for the segmentation demo (the layout of the
 * config_validation.json of Clara's GettingStarted MMAR): the image and the
 * label chains apart, scan-window inference, argmax and per-class split of
 * the output, Dice of the spleen, the predictions written to eval/.
 */
export function demoSegmentationValidationConfig(s: DemoSize): Record<string, unknown> {
  return {
    batch_size: 1,
    multi_gpu: false,
    inferer: { name: 'TFScanWindowInferer', args: { roi_size: [s.crop, s.crop, s.crop], batch_size: 2 } },
    model_loader: { name: 'FrozenGraphModelLoader', args: { model_file_path: '{MMAR_CKPT_DIR}/model.trt.pb' } },
    pre_transforms: [
      { name: 'LoadNifti', args: { fields: ['image'] } },
      { name: 'ConvertToChannelsFirst', args: { fields: ['image'] } },
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
    ],
    label_transforms: [
      { name: 'LoadNifti', args: { fields: 'label' } },
      { name: 'ConvertToChannelsFirst', args: { fields: ['label'] } },
      { name: 'SplitBasedOnLabel', args: { field: 'label', label_names: ['label_class0', 'label_class1'] } },
    ],
    post_transforms: [
      { name: 'ArgmaxAcrossChannels', args: { fields: 'model' } },
      { name: 'SplitBasedOnLabel', args: { field: 'model', label_names: ['pred_class0', 'pred_class1'] } },
      { name: 'CopyProperties', args: { fields: ['pred_class0', 'pred_class1', 'model'], from_field: 'image', properties: ['affine'] } },
    ],
    val_metrics: [
      { name: 'ComputeAverageDice', args: { name: 'mean_dice_spleen', field: 'pred_class1', label_field: 'label_class1', report_path: '{MMAR_EVAL_OUTPUT_PATH}' } },
    ],
    writers: [{ name: 'WriteNifti', args: { field: 'model', dtype: 'uint8', write_path: '{MMAR_EVAL_OUTPUT_PATH}' } }],
  };
}

/** The classification demo's evaluation config: whole images, AUC over the classes. */
export function demoClassificationValidationConfig(): Record<string, unknown> {
  return {
    batch_size: 1,
    inferer: { name: 'TFSimpleInferer' },
    model_loader: { name: 'FrozenGraphModelLoader', args: { model_file_path: '{MMAR_CKPT_DIR}/model.trt.pb' } },
    pre_transforms: [
      { name: 'LoadPng', args: { fields: 'image' } },
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 255, b_min: 0.0, b_max: 1.0, clip: true } },
    ],
    val_metrics: [{ name: 'ComputeAUC', args: { name: 'auc', field: 'model', label_field: 'label', report_path: '{MMAR_EVAL_OUTPUT_PATH}' } }],
  };
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Writes the demo MMAR into `dir` (created; existing data files are kept). */
export function writeDemoMmar(dir: string, task: DemoTask, s: DemoSize, seed = 0, flavor: DemoFlavor = 'clara'): DemoMmar {
  const configDir = join(dir, 'config');
  const dataRoot = join(dir, 'data');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dataRoot, { recursive: true });
  const ds =
    task === 'segmentation'
      ? // gzip level 1: the demo's files are written once and read a few times; level 6 costs more than it saves here.
        makeSegmentationDataset({ dir: dataRoot, train: s.train, validation: s.validation, size: s.size, slices: s.slices, spacing: [1.5, 1.5, 2], gzipLevel: 1, seed })
      : makeClassificationDataset({ dir: dataRoot, perClass: s.perClass, validationPerClass: Math.max(1, Math.round(s.validation / 2)), size: Math.min(s.size, 64), seed });
  // Clara keeps the datalist beside the config (DATASET_JSON = config/dataset_0.json).
  const datalist = join(configDir, 'dataset_0.json');
  renameSync(ds.datalist, datalist);
  const env = join(configDir, 'environment.json');
  writeJson(env, {
    DATA_ROOT: 'data',
    DATASET_JSON: 'config/dataset_0.json',
    PROCESSING_TASK: task,
    MMAR_EVAL_OUTPUT_PATH: 'eval',
    MMAR_CKPT_DIR: 'models',
  });
  const config = join(configDir, 'config_train.json');
  const sized = task === 'classification' ? { ...s, size: Math.min(s.size, 64) } : s;
  const make = {
    clara: { segmentation: demoSegmentationConfig, classification: demoClassificationConfig },
    monai: { segmentation: demoMonaiSegmentationConfig, classification: demoMonaiClassificationConfig },
  }[flavor][task];
  writeJson(config, make(sized));
  const validationConfig = join(configDir, 'config_validation.json');
  writeJson(validationConfig, task === 'segmentation' ? demoSegmentationValidationConfig(sized) : demoClassificationValidationConfig());
  let model: string | undefined;
  if (task === 'segmentation') {
    mkdirSync(join(dir, 'models'), { recursive: true });
    model = join(dir, 'models', 'model.onnx');
    // ScaleIntensityRange maps -57..164 HU to 0..1; the spleen (110 +- 13 HU) is at 0.70..0.81. A lower
    // bound of 0.72 misses its darker voxels, so the Dice the demo reports (~0.9) is not trivially 1.
    writeFileSync(model, thresholdSegmenterModel(0.72, 0.9));
  }
  return { root: dir, config, env, datalist, dataRoot, task, flavor, training: ds.training.length, validationConfig, ...(model ? { model } : {}) };
}
