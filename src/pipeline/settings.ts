import { availableParallelism } from 'node:os';
import { VoxelpipeError } from '../util/errors.js';
import type { ChainEntry, PipelineOptions } from './options.js';
import type { ProcessorConfig } from './sample-processor.js';

/** Frozen defaults, Clara's where Clara had one (CLARA-3.1.md §1.3). */
export const PIPELINE_DEFAULTS = Object.freeze({
  task: 'segmentation' as const,
  dataFormat: 'channels_first' as const,
  imageDtype: 'float32' as const,
  labelDtype: 'float32' as const,
  batchSize: 10,
  workers: 4,
  prefetch: 20,
  seed: 0,
  shuffle: true,
  repeat: true,
  duplicateCount: 1,
  skipBadSamples: false,
  sampleTimeoutMs: 0,
});

/**
 * Transforms that may follow a batches_to_gen_at_once crop when the
 * pipeline makes its crop batches as separate units: each draws once per
 * call (the same draw for every crop) and treats each crop on its own, so a
 * call on one batch of crops equals that batch of a call on all of them.
 */
const PART_SAFE = new Set([
  'RandomAxisFlip',
  'RandomSpatialFlip',
  'ScaleIntensityOscillation',
  'ScaleShiftIntensity',
  'ConvertToChannelsFirst',
  'ConvertToChannelsLast',
  'RandomZoom',
  'RandomRotate2D',
  'RandomRotate3D',
]);

/** Everything the engine derives from its options, checked once. */
/** The options with every default filled in. */
export type ResolvedOptions = ReturnType<typeof withDefaults>;

function withDefaults(options: PipelineOptions) {
  return { ...PIPELINE_DEFAULTS, ...stripUndefined(options), items: options.items, transforms: options.transforms };
}

export interface Settings {
  o: ResolvedOptions;
  fields: string[];
  labelField: string;
  /** Fields whose crop axis MergeBatchDims folds into the batch axis. */
  merge: Set<string>;
  /** Units of work per batch. */
  unitsPerBatch: number;
  /** Crop batches one sample makes at once (batches_to_gen_at_once; 1 when none). */
  cropBatches: number;
  /** Crops per crop batch of that transform. */
  cropsPerBatch: number;
  /** The chain can make those crop batches as separate units (else one unit makes all and is split after). */
  splitParts: boolean;
  /** Worker threads to start, and why that differs from what was asked, if it does. */
  workers: number;
  workersNote?: string;
  processor: ProcessorConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** How an entry is named in logs: its catalogue name, or a custom module's path. */
export function entryName(e: ChainEntry): string {
  return 'name' in e && typeof e.name === 'string' ? e.name : (e as { path: string }).path;
}

export function resolveSettings(options: PipelineOptions): Settings {
  const o = withDefaults(options);
  validate(o);
  const fields = o.fields ?? ['image', 'label'];
  const labelField = o.labelField ?? 'label';
  const merge = new Set<string>();
  for (const bt of o.batchTransforms ?? []) {
    const name = entryName(bt);
    if (name.split('#')[0] !== 'MergeBatchDims')
      throw new VoxelpipeError('ERR_CONFIG', `${bt.jsonPath ?? 'batch_transforms'}: batch transform "${name}" is not supported (supported: MergeBatchDims)`);
    const f = bt.args?.fields;
    for (const n of typeof f === 'string' ? [f] : Array.isArray(f) ? (f as string[]) : fields) merge.add(n);
  }
  // Clara's batches_to_gen_at_once: one volume yields g batches of b crops.
  const active = o.transforms.filter((t) => !t.disabled);
  const at = active.findIndex((t) => Number(t.args?.batches_to_gen_at_once) > 1);
  const cropBatches = at >= 0 ? Number(active[at].args?.batches_to_gen_at_once) : 1;
  const cropsPerBatch = at >= 0 ? Number(active[at].args?.batch_size ?? 1) : 1;
  const splitParts = at >= 0 && o.cropBatchParts !== false && active.slice(at + 1).every((t) => PART_SAFE.has(entryName(t).split('#')[0]));
  const cores = availableParallelism();
  // Output never depends on the worker count, so more threads than cores only cost memory.
  const workers = o.exactWorkers || o.workers <= cores ? o.workers : cores;
  const workersNote =
    workers !== o.workers
      ? `num_workers ${o.workers} is more than this machine's ${cores} cores: using ${workers} worker threads (the batches are the same; --workers N or VOXELPIPE_WORKERS=N forces a number)`
      : undefined;
  const processor: ProcessorConfig = {
    transforms: o.transforms,
    root: o.root,
    seed: o.seed,
    fields,
    labelField,
    task: o.task,
    cropSize: o.cropSize,
    dataFormat: o.dataFormat,
    imageChannels: o.imageChannels,
    labelChannels: o.labelChannels,
    imageDtype: o.imageDtype,
    labelDtype: o.labelDtype,
    labelEncoding: o.labelEncoding,
    extraTransforms: o.extraTransforms,
    cacheDir: o.cacheDir,
    cacheIdentity: o.cacheIdentity,
    cacheMaxBytesDisk: o.cacheMaxBytesDisk,
  };
  return {
    o,
    fields,
    labelField,
    merge,
    unitsPerBatch: o.batchedByTransforms ? 1 : o.batchSize,
    cropBatches,
    cropsPerBatch,
    splitParts,
    workers,
    workersNote,
    processor,
  };
}

function validate(o: PipelineOptions & { batchSize: number; workers: number; prefetch: number; duplicateCount: number }): void {
  const bad = (what: string) => new VoxelpipeError('ERR_INVALID_ARGUMENT', `pipeline: ${what}`);
  if (!Array.isArray(o.items) || o.items.length === 0) throw bad('the datalist has no items');
  if (!o.batchedByTransforms && (!Number.isInteger(o.batchSize) || o.batchSize < 1))
    throw bad(`output_batch_size must be a positive integer (or use batched_by_transforms), got ${o.batchSize}`);
  if (!Number.isInteger(o.workers) || o.workers < 0) throw bad(`num_workers must be an integer >= 0, got ${o.workers}`);
  if (!Number.isInteger(o.prefetch) || o.prefetch < 0) throw bad(`prefetch_size must be an integer >= 0, got ${o.prefetch}`);
  if (!Number.isInteger(o.duplicateCount) || o.duplicateCount < 1) throw bad(`duplicate_count must be a positive integer, got ${o.duplicateCount}`);
  if (o.maxMemory !== undefined && !(Number.isFinite(o.maxMemory) && o.maxMemory > 0)) throw bad(`max_memory must be a positive number of bytes, got ${o.maxMemory}`);
}
