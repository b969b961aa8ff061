import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeNifti } from '../../src/io/index.js';
import type { Volume } from '../../src/volume/volume.js';
import type { VoxelArray } from '../../src/volume/dtype.js';
import { makeClassificationDataset } from '../../src/synthetic/datasets.js';

/**
 * Real-shaped Clara MMARs for tests: config/config_train.json,
 * config/environment.json, a dataset_0.json datalist and small NIfTI files,
 * laid out as Clara 3.x users have them.
 */

const IDENTITY = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

export function volume(shape: number[], data: VoxelArray, affine: number[][] = IDENTITY): Volume {
  return { data, shape, dtype: 'float32', spacing: shape.map(() => 1), affine, meta: {} };
}

/** A small CT-like int16 volume and an ellipsoid uint8 label. */
export function writeCase(image: string, label: string | undefined, shape = [16, 16, 8], labelShape = shape): void {
  mkdirSync(dirname(image), { recursive: true });
  const n = shape.reduce((a, b) => a * b, 1);
  const img = new Int16Array(n);
  for (let i = 0; i < n; i++) img[i] = (i % 200) - 100;
  writeNifti(image, volume(shape, img));
  if (label) {
    mkdirSync(dirname(label), { recursive: true });
    const m = labelShape.reduce((a, b) => a * b, 1);
    const lab = new Uint8Array(m);
    for (let i = 0; i < m; i++) lab[i] = i % 7 === 0 ? 1 : 0;
    writeNifti(label, volume(labelShape, lab));
  }
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/** The Clara spleen config (NVIDIA's trn_BT_cache.json shape) with the chain the brief names. */
export function spleenConfig(): Record<string, unknown> {
  return {
    epochs: 1260,
    num_training_epoch_per_valid: 20,
    learning_rate: 1e-4,
    multi_gpu: false,
    train: {
      loss: { name: 'Dice' },
      optimizer: { name: 'Adam', args: { learning_rate: '{learning_rate}' } },
      model: { name: 'SegAhnet', args: { num_classes: 2 } },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
        {
          name: 'FastCropByPosNegRatio',
          args: { size: [96, 96, 96], fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 3, batches_to_gen_at_once: 48 },
        },
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
          output_crop_size: [96, 96, 96],
          output_batch_size: 4,
          batched_by_transforms: false,
          num_workers: 2,
          prefetch_size: 0,
          num_cache_objects: 32,
          replace_percent: 0.25,
        },
      },
    },
    validate: {
      metrics: [{ name: 'ComputeAverageDice', args: { name: 'val_mean_dice', report_path: '{MMAR_EVAL_OUTPUT_PATH}' } }],
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
      inferer: { name: 'TFScanWindowInferer', args: { roi_size: [96, 96, 96] } },
    },
  };
}

export interface Mmar {
  root: string;
  config: string;
  env: string;
  datalist: string;
  dataRoot: string;
}

/**
 * A spleen-like segmentation MMAR: data under <dir>/data (imagesTr,
 * labelsTr), the datalist at <root>/config/dataset_0.json, DATASET_JSON
 * relative to the MMAR root and DATA_ROOT absolute.
 */
export function writeSpleenMmar(dir: string, train = 4, validation = 2, config = spleenConfig()): Mmar {
  const root = join(dir, 'mmar');
  const dataRoot = join(dir, 'data');
  const cases = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ image: `imagesTr/spleen_${from + i}.nii.gz`, label: `labelsTr/spleen_${from + i}.nii.gz` }));
  const datalist = { description: 'Spleen segmentation', labels: { '0': 'background', '1': 'spleen' }, training: cases(1, train), validation: cases(100, validation) };
  for (const c of [...datalist.training, ...datalist.validation]) writeCase(join(dataRoot, c.image), join(dataRoot, c.label));
  const mmar: Mmar = {
    root,
    config: join(root, 'config', 'config_train.json'),
    env: join(root, 'config', 'environment.json'),
    datalist: join(root, 'config', 'dataset_0.json'),
    dataRoot,
  };
  writeJson(mmar.datalist, datalist);
  writeJson(mmar.env, {
    DATA_ROOT: dataRoot,
    DATASET_JSON: 'config/dataset_0.json',
    PROCESSING_TASK: 'segmentation',
    MMAR_EVAL_OUTPUT_PATH: 'eval',
    MMAR_CKPT_DIR: 'models',
  });
  writeJson(mmar.config, config);
  return mmar;
}

/** A 2D classification MMAR: 32x32 images, class-index labels, a `weight` per item, Keras pipeline with element sampling. */
export function writeClassificationMmar(dir: string): Mmar {
  const root = join(dir, 'mmar');
  const dataRoot = join(dir, 'xray');
  const training = [0, 1, 2, 3, 4, 5].map((i) => ({ image: `train/img_${i}.nii.gz`, label: i % 3, weight: i % 3 === 2 ? 4 : 1 }));
  const validation = [6, 7].map((i) => ({ image: `val/img_${i}.nii.gz`, label: [i % 2, 1 - (i % 2), 0] }));
  for (const c of [...training, ...validation]) {
    const f = join(dataRoot, c.image);
    mkdirSync(dirname(f), { recursive: true });
    const px = new Uint8Array(32 * 32);
    px.fill(100);
    writeNifti(f, volume([32, 32], px));
  }
  const mmar: Mmar = {
    root,
    config: join(root, 'config', 'config_train.json'),
    env: join(root, 'config', 'environment.json'),
    datalist: join(dataRoot, 'datalist.json'),
    dataRoot,
  };
  writeJson(mmar.datalist, { training, validation });
  writeJson(mmar.env, { DATA_ROOT: dataRoot, DATASET_JSON: mmar.datalist, PROCESSING_TASK: 'classification' });
  writeJson(mmar.config, {
    epochs: 40,
    batch: 8,
    train: {
      loss: { name: 'BinaryClassificationLoss' },
      model: { name: 'DenseNet121', args: { num_classes: 3 } },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: 'image' } },
        { name: 'ConvertToChannelsFirst', args: { fields: 'image' } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 255, b_min: 0.0, b_max: 1.0, clip: true } },
        { name: 'RandomRotate2D', args: { fields: 'image', angle: 7, is_random: true } },
        { name: 'AddGaussianNoise', args: { fields: 'image', probability: 0.1 }, disabled: true },
      ],
      image_pipeline: {
        name: 'ClassificationKerasImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: [32, 32],
          output_batch_size: '{batch}',
          output_label_format: 3,
          sampling: 'element',
          num_workers: 4,
          prefetch_size: 8,
        },
      },
    },
    validate: {
      metrics: [{ name: 'ComputeAUC' }],
      pre_transforms: [{ ref: 'LoadNifti' }, { ref: 'ConvertToChannelsFirst' }, { ref: 'ScaleIntensityRange' }],
      image_pipeline: {
        name: 'ClassificationImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'validation',
          output_crop_size: [32, 32],
          output_batch_size: 2,
          output_data_format: 'channels_last',
        },
      },
    },
  });
  return mmar;
}

/**
 * A BraTS-like MMAR: four modality files per case (one channel each) and a
 * label of BraTS classes 0/1/2/4. The chain turns the label into 3 binary
 * channels (TC, WT, ET) with ConvertToMultiChannelBasedOnBratsClasses; the
 * pipelines state output_image_channels 4 and, as real configs do, no
 * output_label_channels.
 */
export function writeBratsMmar(dir: string, cases = 2, shape = [16, 16, 8]): Mmar {
  const root = join(dir, 'mmar');
  const dataRoot = join(dir, 'brats');
  const n = shape.reduce((a, b) => a * b, 1);
  const modalities = ['flair', 't1', 't1ce', 't2'];
  const items = Array.from({ length: cases }, (_, c) => {
    const image = modalities.map((m) => `imagesTr/BraTS_${c}_${m}.nii.gz`);
    image.forEach((f, k) => {
      mkdirSync(dirname(join(dataRoot, f)), { recursive: true });
      const px = new Int16Array(n);
      for (let i = 0; i < n; i++) px[i] = (i * (k + 3) + c) % 500;
      writeNifti(join(dataRoot, f), volume(shape, px));
    });
    const label = `labelsTr/BraTS_${c}.nii.gz`;
    mkdirSync(dirname(join(dataRoot, label)), { recursive: true });
    const lab = new Uint8Array(n);
    for (let i = 0; i < n; i++) lab[i] = [0, 0, 1, 2, 4][(i + c) % 5];
    writeNifti(join(dataRoot, label), volume(shape, lab));
    return { image, label };
  });
  const mmar: Mmar = {
    root,
    config: join(root, 'config', 'config_train.json'),
    env: join(root, 'config', 'environment.json'),
    datalist: join(root, 'config', 'dataset_0.json'),
    dataRoot,
  };
  writeJson(mmar.datalist, { training: items, validation: items });
  writeJson(mmar.env, { DATA_ROOT: dataRoot, DATASET_JSON: 'config/dataset_0.json', PROCESSING_TASK: 'segmentation' });
  const pipeline = (key: string, crop: number[]) => ({
    name: 'SegmentationImagePipeline',
    args: {
      data_list_file_path: '{DATASET_JSON}',
      data_file_base_dir: '{DATA_ROOT}',
      data_list_key: key,
      output_crop_size: crop,
      output_batch_size: 1,
      output_image_channels: 4,
      num_workers: 0,
      prefetch_size: 0,
    },
  });
  writeJson(mmar.config, {
    epochs: 300,
    train: {
      loss: { name: 'Dice' },
      model: { name: 'SegResnet', args: { num_classes: 3 } },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToMultiChannelBasedOnBratsClasses', args: { fields: 'label' } },
        { name: 'NormalizeNonzeroIntensities', args: { fields: 'image' } },
        { name: 'CropFixedSizeRandomCenter', args: { fields: ['image', 'label'], size: [8, 8, 8] } },
      ],
      image_pipeline: pipeline('training', [8, 8, 8]),
    },
    validate: {
      metrics: [{ name: 'ComputeAverageDice', args: { name: 'val_mean_dice' } }],
      pre_transforms: [{ ref: 'LoadNifti' }, { ref: 'ConvertToChannelsFirst' }, { ref: 'ConvertToMultiChannelBasedOnBratsClasses' }, { ref: 'NormalizeNonzeroIntensities' }],
      image_pipeline: pipeline('validation', [-1, -1, -1]),
    },
  });
  return mmar;
}

/** CheXpert-style 0/1 finding vectors: item i has finding k when (i + k) % 3 === 0. */
export function findings(i: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => ((i + j) % 3 === 0 ? 1 : 0));
}

/**
 * A chest-X-ray-like multi-label MMAR: 8-bit PNGs (the synthetic
 * classification set) whose datalist labels are 0/1 vectors of `findingsCount`
 * findings, and a ClassificationImagePipeline with no output_label_format.
 */
export function writeMultiLabelPngMmar(dir: string, findingsCount = 14): Mmar & { labels: number[][] } {
  const root = join(dir, 'mmar');
  const data = makeClassificationDataset({ dir: join(dir, 'cxr'), perClass: [2, 2, 2], size: 32 });
  const training = data.training.map((e, i) => ({ image: e.image, label: findings(i, findingsCount) }));
  const mmar: Mmar = {
    root,
    config: join(root, 'config', 'config_train.json'),
    env: join(root, 'config', 'environment.json'),
    datalist: data.datalist,
    dataRoot: data.dataRoot,
  };
  writeJson(mmar.datalist, { training, validation: training.slice(0, 2) });
  writeJson(mmar.env, { DATA_ROOT: data.dataRoot, DATASET_JSON: data.datalist, PROCESSING_TASK: 'classification' });
  const pipeline = (key: string) => ({
    name: 'ClassificationImagePipeline',
    args: {
      data_list_file_path: '{DATASET_JSON}',
      data_file_base_dir: '{DATA_ROOT}',
      data_list_key: key,
      output_crop_size: [32, 32],
      output_batch_size: 3,
      shuffle: false,
      num_workers: 1,
      prefetch_size: 2,
    },
  });
  writeJson(mmar.config, {
    epochs: 10,
    train: {
      loss: { name: 'BinaryClassificationLoss' },
      model: { name: 'DenseNet121', args: { num_classes: findingsCount } },
      pre_transforms: [
        { name: 'LoadPng', args: { fields: 'image' } },
        { name: 'ConvertToChannelsFirst', args: { fields: 'image' } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 255, b_min: 0.0, b_max: 1.0, clip: true } },
      ],
      image_pipeline: pipeline('training'),
    },
    validate: { pre_transforms: [{ ref: 'LoadPng' }, { ref: 'ConvertToChannelsFirst' }, { ref: 'ScaleIntensityRange' }], image_pipeline: pipeline('validation') },
  });
  return { ...mmar, labels: training.map((t) => t.label) };
}
