import { resolve } from 'node:path';
import { VoxelpipeError } from '../util/errors.js';
import type { ConfigSpec, PipelineSpec } from '../config/load-config.js';
import type { TransformSpec } from '../config/components.js';
import { datalistOptionsFor, loadDatalist } from '../datalist/datalist.js';
import { jsonPath } from '../util/schema-errors.js';
import type { ChainEntry, PipelineOptions } from './options.js';
import { labelEncodingFor } from './class-label.js';

/** What a run may override on top of the config (command-line options). */
export interface RunOverrides {
  seed?: number;
  /** Worker threads, exactly (not capped to the cores); VOXELPIPE_WORKERS does the same from the environment. */
  workers?: number;
  /** Memory budget in bytes (overrides max_memory). */
  maxMemory?: number;
  /** Bound on the persistent cache's bytes on disk (overrides cache_max_disk). */
  cacheMaxBytesDisk?: number;
  prefetch?: number;
  cacheMaxBytes?: number;
  /** Persistent cache folder (overrides the config's `cache_dir`). */
  cacheDir?: string;
  skipBadSamples?: boolean;
  rank?: number;
  worldSize?: number;
}

/** A config entry as the chain runner takes it. */
export function chainEntry(t: TransformSpec): ChainEntry {
  if (t.known === 'custom' && t.path)
    return { path: t.exportName && t.exportName !== 'default' ? `${t.path}#${t.exportName}` : t.path, args: t.args, jsonPath: t.jsonPath };
  return { name: t.alias ? `${t.name}#${t.alias}` : t.name, args: t.args, jsonPath: t.jsonPath };
}

/** Extra fields to emit besides image and label (Clara's `extra_inputs`: a list of names or an object keyed by name). */
function extraFields(extra: unknown): string[] {
  if (Array.isArray(extra)) return extra.filter((x): x is string => typeof x === 'string');
  if (extra && typeof extra === 'object') return Object.keys(extra);
  return [];
}

/** The engine's options for one section of a loaded config (reads the datalist). */
export function pipelineOptionsFromSpec(config: ConfigSpec, spec: PipelineSpec, overrides: RunOverrides = {}): PipelineOptions {
  const a = spec.imagePipeline.args;
  const path = `${spec.imagePipeline.jsonPath}.args`;
  const listed = loadDatalist(datalistOptionsFor(spec));
  const items = listed.map((it) => ({ ...it.fields }));
  const task = spec.imagePipeline.task;
  const labelAt = (it: (typeof listed)[number]) => ({ value: it.fields.label, where: jsonPath(spec.datalist.key, it.index, 'label') });
  const withCache = spec.imagePipeline.withCache && a.num_cache_objects !== undefined;
  // Clara 4 / bundle sections (config/monai-section.ts): MONAI batches any shape, and the fields its chain loads.
  const monai = spec.imagePipeline.monai;
  return {
    items,
    transforms: spec.preTransforms.map(chainEntry),
    batchTransforms: spec.batchTransforms.map(chainEntry),
    root: config.root,
    task,
    cropSize: monai ? undefined : a.output_crop_size,
    dataFormat: a.output_data_format,
    imageChannels: a.output_image_channels,
    labelChannels: task === 'segmentation' ? a.output_label_channels : undefined,
    imageDtype: a.output_image_dtype,
    labelDtype: a.output_label_dtype ?? 'float32',
    labelEncoding: task === 'classification' ? labelEncodingFor(a.output_label_format, listed.map(labelAt), path, spec.datalist.file) : undefined,
    fields: monai?.fields ?? ['image', 'label', ...extraFields(a.extra_inputs)],
    batchSize: a.output_batch_size,
    batchedByTransforms: a.batched_by_transforms || a.output_batch_size === 0,
    ...workersOf(overrides.workers, a.num_workers),
    prefetch: overrides.prefetch ?? a.prefetch_size,
    seed: overrides.seed ?? 0,
    shuffle: a.shuffle,
    repeat: a.repeat,
    duplicateCount: a.duplicate_count,
    sampling: a.sampling ?? undefined,
    itemsPerCategory: a.items_per_category ?? undefined,
    categoryWeights: a.category_weights ?? undefined,
    skipBadSamples: overrides.skipBadSamples,
    rank: overrides.rank,
    worldSize: overrides.worldSize,
    cache: withCache
      ? { numCacheObjects: a.num_cache_objects!, replacePercent: a.replace_percent ?? 0, maxBytes: overrides.cacheMaxBytes ?? a.cache_max_bytes }
      : undefined,
    cacheDir: overrides.cacheDir ?? (a.cache_dir ? resolve(config.root, a.cache_dir) : undefined),
    cacheMaxBytesDisk: overrides.cacheMaxBytesDisk ?? a.cache_max_disk,
    maxMemory: overrides.maxMemory ?? a.max_memory,
  };
}

/**
 * Worker threads: `--workers N` or VOXELPIPE_WORKERS=N exactly; otherwise
 * the config's num_workers, which the engine caps to the machine's cores.
 */
function workersOf(cli: number | undefined, config: number): { workers: number; exactWorkers?: true } {
  if (cli !== undefined) return { workers: cli, exactWorkers: true };
  const env = process.env.VOXELPIPE_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isSafeInteger(n) || n < 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `VOXELPIPE_WORKERS: expected a whole number >= 0, got "${env}"`);
    return { workers: n, exactWorkers: true };
  }
  return { workers: config };
}
