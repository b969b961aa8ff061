import { join } from 'node:path';
import type { ChainEntry, PipelineOptions, SmartCacheSettings } from '../pipeline/options.js';
import type { SegmentationDatasetOptions } from '../synthetic/datasets.js';

/**
 * What `voxelpipe bench` measures (issue 9): the dataset, the Clara spleen
 * chain and the modes. Everything here is plain data so a mode child process
 * can rebuild the same pipeline from its name.
 */

export interface BenchProfile {
  /** Folder name under the data dir (encodes the size, so full and quick data coexist). */
  name: string;
  dataset: Omit<SegmentationDatasetOptions, 'dir'>;
  /** Crop side (96 for the spleen chain). */
  crop: number;
  /** Crops per volume (FastCropByPosNegRatio batch_size). */
  cropsPerVolume: number;
  /** Samples (volumes) per pipeline batch. */
  batchSize: number;
  /** Epochs run per uncached mode / measured after the fill in cached modes. */
  epochs: number;
  /** Repeats of each floor (median reported). */
  floorRuns: number;
}

/** The dataset: 12 CT-like int16 volumes 512x512xZ, Z in 80..120, spacing 0.8x0.8x2.5, gzip 6. */
export const FULL: BenchProfile = {
  name: 'spleen-12x512',
  dataset: { train: 12, size: 512, slices: [80, 120], spacing: [0.8, 0.8, 2.5], gzipLevel: 6, seed: 0 },
  crop: 96,
  cropsPerVolume: 4,
  batchSize: 2,
  epochs: 3,
  floorRuns: 3,
};

/** Small data for CI smoke runs: the same chain on 4 small volumes with 32^3 crops (seconds, not minutes). */
export const QUICK: BenchProfile = {
  name: 'spleen-4x64-quick',
  dataset: { train: 4, size: 64, slices: [36, 44], spacing: [0.8, 0.8, 2.5], gzipLevel: 6, seed: 0 },
  crop: 32,
  cropsPerVolume: 4,
  batchSize: 2,
  epochs: 2,
  floorRuns: 2,
};

export type ModeName = 'uncached-1' | 'uncached-2' | 'smart-r0' | 'smart-r25' | 'persistent' | 'bridge' | 'monai-names';

export interface ModeSpec {
  name: ModeName;
  label: string;
  workers: number;
  cache?: Omit<SmartCacheSettings, 'numCacheObjects'> & { numCacheObjects: 'all' };
  /** Reads every prefix from a warm persistent (disk) cache, warmed beforehand in its own process. */
  persistent?: boolean;
  /** Consumed from Python through `voxelpipe serve` (bridge.ts). */
  bridge?: boolean;
  /** `monai`: the same chain in MONAI's names (Clara 4 configs, bundles); default: Clara's. */
  chain?: 'monai';
}

export const MODES: readonly ModeSpec[] = [
  { name: 'uncached-1', label: 'uncached, 1 worker', workers: 1 },
  { name: 'uncached-2', label: 'uncached, 2 workers', workers: 2 },
  { name: 'smart-r0', label: 'Smart Cache N=all r=0, 2 workers', workers: 2, cache: { numCacheObjects: 'all', replacePercent: 0 } },
  { name: 'smart-r25', label: 'Smart Cache N=all r=0.25, 2 workers', workers: 2, cache: { numCacheObjects: 'all', replacePercent: 0.25 } },
  { name: 'persistent', label: 'warm persistent cache, 2 workers', workers: 2, persistent: true },
  { name: 'bridge', label: 'Smart Cache N=all r=0, 2 workers, to Python (numpy)', workers: 2, cache: { numCacheObjects: 'all', replacePercent: 0 }, bridge: true },
  // smart-r0 with MONAI's names: the same work, so the same speed is the expectation.
  { name: 'monai-names', label: 'MONAI names, Smart Cache N=all r=0, 2 workers', workers: 2, cache: { numCacheObjects: 'all', replacePercent: 0 }, chain: 'monai' },
];

export function modeSpec(name: string): ModeSpec | undefined {
  return MODES.find((m) => m.name === name);
}

/** The Clara spleen training chain (CLARA-3.1.md; the MMAR's config_train.json). */
export function spleenChain(p: BenchProfile): ChainEntry[] {
  const size = [p.crop, p.crop, p.crop];
  return [
    { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
    { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
    { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
    { name: 'FastCropByPosNegRatio', args: { size, fields: ['image', 'label'], label_field: 'label', pos: 1, neg: 1, batch_size: p.cropsPerVolume } },
    { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.1 } },
    { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1 } },
  ];
}

/**
 * The spleen chain in MONAI's names. MONAI's RandCropByPosNegLabeld refuses
 * a volume shorter than the crop (the bench's have 80..120 slices for 96^3
 * crops) where Clara's crop pads it, so the volumes are first padded to the
 * crop size with SpatialPadd, as a MONAI user does: the same work, other draws.
 */
export function monaiSpleenChain(p: BenchProfile): ChainEntry[] {
  const keys = ['image', 'label'];
  return [
    { name: 'LoadImaged', args: { keys } },
    { name: 'EnsureChannelFirstd', args: { keys } },
    { name: 'ScaleIntensityRanged', args: { keys: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
    { name: 'SpatialPadd', args: { keys, spatial_size: [p.crop, p.crop, p.crop] } },
    { name: 'RandCropByPosNegLabeld', args: { keys, label_key: 'label', spatial_size: [p.crop, p.crop, p.crop], pos: 1, neg: 1, num_samples: p.cropsPerVolume } },
    { name: 'RandAxisFlipd', args: { keys, prob: 0.1 } },
    { name: 'RandScaleIntensityd', args: { keys: 'image', factors: 0.1, prob: 0.5 } },
  ];
}

export function datasetDir(dataDir: string, p: BenchProfile): string {
  return join(dataDir, p.name);
}

/** The persistent cache of the persistent mode, beside the data (kept between runs, as the data). */
export function persistentCacheDir(dataDir: string, p: BenchProfile): string {
  return join(dataDir, `${p.name}-cache`);
}

/** The engine options of one mode over the generated items (absolute paths). */
export function pipelineOptions(p: BenchProfile, mode: ModeSpec, items: Record<string, unknown>[], cacheDir?: string): PipelineOptions {
  return {
    items,
    transforms: mode.chain === 'monai' ? monaiSpleenChain(p) : spleenChain(p),
    batchTransforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
    task: 'segmentation',
    cropSize: [p.crop, p.crop, p.crop],
    dataFormat: 'channels_first',
    imageDtype: 'float32',
    labelDtype: 'float32',
    batchSize: p.batchSize,
    workers: mode.workers,
    seed: 0,
    shuffle: true,
    repeat: false,
    cache: mode.cache ? { numCacheObjects: items.length, replacePercent: mode.cache.replacePercent } : undefined,
    cacheDir: mode.persistent ? cacheDir : undefined,
  };
}
