import { resolve } from 'node:path';
import { VoxelpipeError } from '../util/errors.js';
import type { ConfigSpec, PipelineSpec } from '../config/load-config.js';
import type { TransformSpec } from '../config/components.js';
import { datalistOptionsFor, loadDatalist } from '../datalist/datalist.js';
import type { ChainEntry, LabelEncoding, PipelineOptions } from './options.js';

/** What a run may override on top of the config (command-line options). */
export interface RunOverrides {
  seed?: number;
  workers?: number;
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

/**
 * Clara's `output_label_format` (class counts per label head, CLARA-3.1.md
 * §3.3) as a label encoding: none -> the class index ([B]); [K] with K > 1 ->
 * one-hot of K ([B, K]); [1, 1, ..., 1] (K heads of 1) or [1] -> a 0/1 vector
 * of K ([B, K]). Several multi-class heads are not supported.
 */
export function labelEncoding(format: readonly number[] | null | undefined, path: string): LabelEncoding {
  if (!format) return { kind: 'index' };
  if (format.length === 1 && format[0] > 1) return { kind: 'onehot', classes: format[0] };
  if (format.every((k) => k === 1)) return { kind: 'multilabel', classes: format.length };
  throw new VoxelpipeError(
    'ERR_CONFIG',
    `${path}.output_label_format: [${format}] mixes heads; voxelpipe takes [K] (K classes, one-hot) or [1, 1, ...] (multi-label)`,
  );
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
  const items = loadDatalist(datalistOptionsFor(spec)).map((it) => ({ ...it.fields }));
  const task = spec.imagePipeline.task;
  const withCache = spec.imagePipeline.withCache && a.num_cache_objects !== undefined;
  return {
    items,
    transforms: spec.preTransforms.map(chainEntry),
    batchTransforms: spec.batchTransforms.map(chainEntry),
    root: config.root,
    task,
    cropSize: a.output_crop_size,
    dataFormat: a.output_data_format,
    imageChannels: a.output_image_channels,
    labelChannels: task === 'segmentation' ? a.output_label_channels : undefined,
    imageDtype: a.output_image_dtype,
    labelDtype: a.output_label_dtype ?? 'float32',
    labelEncoding: task === 'classification' ? labelEncoding(a.output_label_format, path) : undefined,
    fields: ['image', 'label', ...extraFields(a.extra_inputs)],
    batchSize: a.output_batch_size,
    batchedByTransforms: a.batched_by_transforms || a.output_batch_size === 0,
    workers: overrides.workers ?? a.num_workers,
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
    maxMemory: a.max_memory,
  };
}
