import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { VoxelpipeError } from '../util/errors.js';
import type { Batch } from './batch.js';
import { assembleBatch, splitCropBatches, type BatchLayout } from './assemble.js';
import type { ChainEntry, PipelineOptions } from './options.js';
import { WorkerPool, type PoolStats } from './pool.js';
import { createProcessor, itemSource, type PrefixResult, type Processor, type ProcessorConfig, type SampleResult, type SampleTask, type WorkerTask } from './sample-processor.js';
import { createSampler, globalPosition, resolveRank, type Sampler, type SamplingItem, type SamplingOptions } from '../sampling/index.js';
import { SmartCache } from '../cache/smart-cache.js';
import { DiskCache } from '../cache/disk-cache.js';
import type { Sample } from '../transforms/image.js';
import type { ApplyOptions } from '../transforms/chain.js';

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

export interface PipelineMetrics {
  epoch: number;
  samples: number;
  batches: number;
  skipped: number;
  retried: number;
  /** Samples finished and waiting to be batched or consumed. */
  queueDepth: number;
  inFlight: number;
  elapsedMs: number;
  samplesPerSecond: number;
  /** Mean time per sample of each transform of the chain, in ms. */
  transformMs: { name: string; meanMs: number }[];
  pool?: PoolStats;
  /** Smart Cache: items held, voxel bytes, items computed, time spent waiting for items. */
  cache?: { items: number; bytes: number; computed: number; stallMs: number; fillMs?: number };
  /** Persistent cache: prefix outputs read from it (hits) or computed and stored (misses). */
  diskCache?: { hits: number; misses: number };
}

export interface EpochOptions {
  signal?: AbortSignal;
}

export interface Pipeline {
  /** The batches of one epoch, in order; bit-identical for a given seed whatever the worker count. */
  epoch(e: number, options?: EpochOptions): AsyncIterable<Batch>;
  /** Epochs `start`, `start + 1`, ...: `epochs` of them, or endless when `repeat` (one when not). */
  batches(options?: EpochOptions & { start?: number; epochs?: number }): AsyncIterable<Batch>;
  /** Item indices processed in epoch `e`, in order. */
  order(e: number): number[];
  /**
   * The chain's output (before the network layout) for the sample at
   * `index` of epoch `e`'s order (`order(e)[index]`): the same item and the
   * same random draws as `epoch(e)` uses there (with Smart Cache, the same
   * window), computed on the calling thread. Previews and profiling.
   */
  sample(e: number, index: number, options?: ApplyOptions): Promise<Sample>;
  /** One line: "LoadNifti -> ... -> MergeBatchDims | batch 2 x 4, 2 workers". */
  describe(): string;
  metrics(): PipelineMetrics;
  /**
   * Fills the persistent cache with every item's prefix output (needs
   * `cacheDir`), on the workers; `onProgress(done, total)` after each item.
   */
  warmCache(options?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<{ items: number; hits: number; misses: number }>;
  /** How many items have a valid persistent-cache entry for this chain (needs `cacheDir`). */
  cacheStatus(): Promise<{ items: number; cached: number }>;
  /** 'warning' (string): skipped samples, retries; 'cache-progress' ({ ready, total }): Smart Cache filling. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

type Runner = (task: SampleTask) => Promise<SampleResult>;


const WORKER_ENTRY = (() => {
  const js = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker.ts', import.meta.url);
})();

export function createPipeline(options: PipelineOptions): Pipeline {
  const o = { ...PIPELINE_DEFAULTS, ...stripUndefined(options), items: options.items, transforms: options.transforms };
  validate(o);
  const fields = o.fields ?? ['image', 'label'];
  const labelField = o.labelField ?? 'label';
  const merge = new Set<string>();
  for (const bt of o.batchTransforms ?? []) {
    const name = entryName(bt);
    if (name.split('#')[0] !== 'MergeBatchDims')
      throw new VoxelpipeError('ERR_CONFIG', `${bt.jsonPath ?? 'batch_transforms'}: batch transform "${name}" is not supported (supported: MergeBatchDims)`);
    const f = bt.args?.fields;
    for (const name of typeof f === 'string' ? [f] : Array.isArray(f) ? (f as string[]) : fields) merge.add(name);
  }
  // Clara's batches_to_gen_at_once: one volume yields g crop batches in one
  // call; they are served as g consecutive samples of batch_size crops.
  const crops = o.transforms.find((t) => !t.disabled && Number(t.args?.batches_to_gen_at_once) > 1);
  const cropBatch = crops ? Number(crops.args?.batch_size ?? 1) : 0;
  const cfg: ProcessorConfig = {
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
  };

  let pool: WorkerPool | undefined;
  // The chain on this thread: runs everything when workers = 0, and tells the
  // prefix length (what Smart Cache keeps) either way.
  let local: Promise<Processor> | undefined;
  const localProcessor = () => {
    local ??= createProcessor(cfg);
    return local;
  };
  if (o.workers > 0) pool = new WorkerPool({ filename: WORKER_ENTRY, size: o.workers, workerData: cfg, taskTimeoutMs: o.sampleTimeoutMs });
  const runTask = async (task: WorkerTask): Promise<unknown> => {
    // Cache filling is background work: samples the consumer waits for go first.
    if (pool) return pool.run(task, { priority: task.kind === 'prefix' ? 'low' : 'normal' });
    const p = await localProcessor();
    if (task.kind === 'prefix') return p.prefix(task.item, false);
    if (task.kind === 'warm') {
      const { hit, warnings } = p.prefix(task.item, false);
      return { hit, warnings };
    }
    return (task.kind === 'sample' ? p.sample(task) : p.tail(task, task.cached)).result;
  };
  const runner: Runner = async (task) => {
    if (cache) {
      const cached = await cache.get(task.itemIndex);
      return (await runTask({ kind: 'tail', cached, ...task })) as SampleResult;
    }
    const r = (await runTask({ kind: 'sample', ...task })) as SampleResult;
    if (r.cacheHit !== undefined) noteDisk(r.cacheHit, r.warnings ?? []);
    return r;
  };
  const disk = { hits: 0, misses: 0 };
  const noteDisk = (hit: boolean, warnings: string[]) => {
    if (!o.cacheDir) return;
    hit ? disk.hits++ : disk.misses++;
    for (const w of warnings) events.emit('warning', w);
  };

  const { rank, worldSize } = resolveRank({ rank: o.rank, worldSize: o.worldSize });
  const categoryField = o.categoryField ?? labelField;
  const samplingItems: SamplingItem[] = o.items.map((it) => ({
    weight: typeof it.weight === 'number' ? it.weight : undefined,
    category: categoryOf(it[categoryField]),
    name: itemSource(it),
  }));
  const samplingOptions: SamplingOptions = {
    seed: o.seed,
    shuffle: o.shuffle,
    duplicateCount: o.duplicateCount,
    sampling: o.sampling,
    itemsPerCategory: o.itemsPerCategory,
    categoryWeights: o.categoryWeights,
    rank,
    worldSize,
  };
  // Checks the sampling options up front (one-line errors naming the option).
  const fullSampler = createSampler(samplingItems, samplingOptions);

  const cache = o.cache
    ? new SmartCache({
        items: o.items.length,
        size: o.cache.numCacheObjects,
        replacePercent: o.cache.replacePercent,
        maxBytes: o.cache.maxBytes,
        seed: o.seed,
        shuffle: o.shuffle,
        describe: (i) => itemSource(o.items[i]),
        compute: async (i) => {
          const p = (await runTask({ kind: 'prefix', item: o.items[i] })) as PrefixResult;
          noteDisk(p.hit, p.warnings);
          return p.sample;
        },
      })
    : undefined;

  cache?.events.on('progress', (p) => events.emit('cache-progress', p));

  /**
   * Epoch e's items and the positions that key their random streams. Without
   * a cache the epoch covers the datalist; with Smart Cache it covers the
   * window's items (Clara: an epoch is a pass over the cache). With N >= M the
   * window is the whole datalist, so cached and uncached runs match bit for bit.
   */
  const plan = (e: number): { items: number[]; positions: number[] } => {
    let sampler: Sampler = fullSampler;
    let map: number[] | undefined;
    if (cache) {
      map = cache.window.itemsAt(e);
      if (map.length !== o.items.length) sampler = createSampler(map.map((i) => samplingItems[i]), samplingOptions);
      else map = undefined;
    }
    const ord = sampler.order(e);
    return {
      items: map ? ord.map((i) => map![i]) : ord,
      positions: ord.map((_, j) => globalPosition(j, sampler.rank, sampler.worldSize)),
    };
  };
  const order = (e: number): number[] => plan(e).items;

  // The prefix is deterministic, so the full chain on this thread equals a
  // cached prefix finished by the tail, bit for bit (chain.ts).
  async function sample(e: number, index: number, ao?: ApplyOptions): Promise<Sample> {
    if (closed) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline is closed');
    const { items: ord, positions } = plan(e);
    if (!Number.isInteger(index) || index < 0 || index >= ord.length)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `pipeline: sample ${index} of epoch ${e} does not exist (the epoch has ${ord.length}: 0..${ord.length - 1})`);
    const itemIndex = ord[index];
    const p = await localProcessor();
    return p.chainOutput({ epoch: e, position: positions[index], itemIndex, item: o.items[itemIndex] }, ao);
  }

  const events = new EventEmitter();
  const stats = { epoch: 0, samples: 0, batches: 0, skipped: 0, retried: 0, queueDepth: 0, inFlight: 0, start: 0, transformNs: [] as number[], transformNames: [] as string[] };
  let closed = false;
  const layout: BatchLayout = { fields, merge, batchedByTransforms: o.batchedByTransforms ?? false, source: (i) => itemSource(o.items[i]) };
  const assemble = (samples: SampleResult[], e: number, index: number) => assembleBatch(samples, layout, e, index);

  async function runWithRetry(task: SampleTask): Promise<SampleResult> {
    try {
      return await runner(task);
    } catch (e) {
      if (e instanceof VoxelpipeError && (e.code === 'ERR_WORKER_DIED' || e.code === 'ERR_TIMEOUT')) {
        stats.retried++;
        events.emit('warning', `${itemSource(task.item)}: ${e.message}; retrying the sample once`);
        try {
          return await runner(task);
        } catch (e2) {
          throw e2 instanceof VoxelpipeError
            ? new VoxelpipeError(e2.code, `${itemSource(task.item)}: ${e2.message} (after one retry)`, { cause: e2 })
            : e2;
        }
      }
      throw e;
    }
  }

  async function* epoch(e: number, eo: EpochOptions = {}): AsyncGenerator<Batch> {
    if (closed) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline is closed');
    const { items: ord, positions } = plan(e);
    const n = ord.length;
    cache?.enter(e, ord);
    const perBatch = o.batchedByTransforms ? 1 : o.batchSize;
    // Positions dispatched ahead of the oldest unconsumed one: enough to keep
    // every worker busy and `prefetch` batches ready, and no more (memory bound).
    const window = Math.max(o.workers, 1, (o.prefetch + 1) * perBatch);
    const settled = new Map<number, { ok: true; r: SampleResult } | { ok: false; error: unknown }>();
    let dispatched = 0;
    let cursor = 0;
    let wake: (() => void) | undefined;
    stats.epoch = e;
    if (!stats.start) stats.start = performance.now();

    const pump = () => {
      while (dispatched < n && dispatched < cursor + window && !eo.signal?.aborted) {
        const slot = dispatched++;
        const itemIndex = ord[slot];
        stats.inFlight++;
        runWithRetry({ epoch: e, position: positions[slot], itemIndex, item: o.items[itemIndex] }).then(
          (r) => settled.set(slot, { ok: true, r }),
          (error) => settled.set(slot, { ok: false, error }),
        ).finally(() => {
          stats.inFlight--;
          stats.queueDepth = settled.size;
          wake?.();
        });
      }
    };

    let batchIndex = 0;
    let pending: SampleResult[] = [];
    while (cursor < n) {
      pump();
      if (eo.signal?.aborted) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline was aborted');
      const s = settled.get(cursor);
      if (!s) {
        await new Promise<void>((res) => {
          wake = res;
          eo.signal?.addEventListener('abort', () => res(), { once: true });
        });
        wake = undefined;
        continue;
      }
      settled.delete(cursor);
      stats.queueDepth = settled.size;
      const position = positions[cursor++];
      if (!s.ok) {
        if (!o.skipBadSamples) throw s.error;
        stats.skipped++;
        events.emit('warning', `skipped sample ${position} of epoch ${e}: ${(s.error as Error)?.message ?? String(s.error)}`);
        continue;
      }
      stats.samples++;
      s.r.timings.forEach((t, i) => (stats.transformNs[i] = (stats.transformNs[i] ?? 0) + t));
      stats.transformNames = s.r.names;
      for (const part of cropBatch ? splitCropBatches(s.r, cropBatch) : [s.r]) {
        pending.push(part);
        if (pending.length === perBatch) {
          const batch = assemble(pending, e, batchIndex++);
          pending = [];
          stats.batches++;
          yield batch;
        }
      }
    }
    if (pending.length) {
      stats.batches++;
      yield assemble(pending, e, batchIndex++);
    }
  }

  async function* batches(bo: EpochOptions & { start?: number; epochs?: number } = {}): AsyncGenerator<Batch> {
    const start = bo.start ?? 0;
    const count = bo.epochs ?? (o.repeat ? Infinity : 1);
    for (let e = start; e < start + count; e++) yield* epoch(e, bo);
  }

  const needDir = () => {
    if (!o.cacheDir) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'no persistent cache folder: set cache_dir in the image_pipeline args or pass --cache-dir');
  };

  async function warmCache(wo: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}) {
    needDir();
    const total = o.items.length;
    const out = { items: total, hits: 0, misses: 0 };
    let next = 0;
    let done = 0;
    // A few items in flight per worker keeps them busy without holding many volumes.
    const lanes = Array.from({ length: Math.max(1, o.workers) * 2 }, async () => {
      while (next < total && !wo.signal?.aborted) {
        const item = o.items[next++];
        const r = (await runTask({ kind: 'warm', item })) as { hit: boolean; warnings: string[] };
        r.hit ? out.hits++ : out.misses++;
        for (const w of r.warnings) events.emit('warning', w);
        wo.onProgress?.(++done, total);
      }
    });
    await Promise.all(lanes);
    if (wo.signal?.aborted) throw new VoxelpipeError('ERR_ABORTED', 'cache warming was aborted');
    return out;
  }

  async function cacheStatus() {
    needDir();
    const p = await localProcessor();
    const disk = new DiskCache({ dir: o.cacheDir! });
    let cached = 0;
    for (const item of o.items) if (disk.has(p.prefixKey(item)!)) cached++;
    return { items: o.items.length, cached };
  }

  const names = o.transforms.filter((t) => !t.disabled).map(entryName);
  return {
    epoch,
    batches,
    warmCache,
    cacheStatus,
    order,
    sample,
    events,
    describe: () =>
      `${names.join(' -> ') || '(no transforms)'}${merge.size ? ' | MergeBatchDims' : ''} | batch ${o.batchedByTransforms ? 'by transform' : o.batchSize}, ${o.workers} worker${o.workers === 1 ? '' : 's'}` +
      (cache ? `, Smart Cache ${cache.window.size} items (replace ${cache.window.replace} per epoch)` : '') +
      (o.cacheDir ? `, persistent cache ${o.cacheDir}` : '') +
      (worldSize > 1 ? `, rank ${rank} of ${worldSize}` : ''),
    metrics: () => {
      const elapsedMs = stats.start ? performance.now() - stats.start : 0;
      return {
        epoch: stats.epoch,
        samples: stats.samples,
        batches: stats.batches,
        skipped: stats.skipped,
        retried: stats.retried,
        queueDepth: stats.queueDepth,
        inFlight: stats.inFlight,
        elapsedMs,
        samplesPerSecond: elapsedMs > 0 ? (stats.samples * 1000) / elapsedMs : 0,
        // Named by the chain that ran (it may hold inserted steps, e.g. the cached fg/bg index).
        transformMs: stats.transformNames.map((name, i) => ({ name, meanMs: stats.samples ? (stats.transformNs[i] ?? 0) / stats.samples / 1e6 : 0 })),
        ...(pool ? { pool: pool.stats } : {}),
        ...(cache ? { cache: cache.stats() } : {}),
        ...(o.cacheDir ? { diskCache: { ...disk } } : {}),
      };
    },
    close: async () => {
      closed = true;
      cache?.clear();
      await pool?.close();
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(o: PipelineOptions & { batchSize: number; workers: number; prefetch: number; duplicateCount: number }): void {
  const bad = (what: string) => new VoxelpipeError('ERR_INVALID_ARGUMENT', `pipeline: ${what}`);
  if (!Array.isArray(o.items) || o.items.length === 0) throw bad('the datalist has no items');
  if (!o.batchedByTransforms && (!Number.isInteger(o.batchSize) || o.batchSize < 1))
    throw bad(`output_batch_size must be a positive integer (or use batched_by_transforms), got ${o.batchSize}`);
  if (!Number.isInteger(o.workers) || o.workers < 0) throw bad(`num_workers must be an integer >= 0, got ${o.workers}`);
  if (!Number.isInteger(o.prefetch) || o.prefetch < 0) throw bad(`prefetch_size must be an integer >= 0, got ${o.prefetch}`);
  if (!Number.isInteger(o.duplicateCount) || o.duplicateCount < 1) throw bad(`duplicate_count must be a positive integer, got ${o.duplicateCount}`);
}

/** How an entry is named in logs: its catalogue name, or a custom module's path. */
function entryName(e: ChainEntry): string {
  return 'name' in e && typeof e.name === 'string' ? e.name : (e as { path: string }).path;
}

/** An item's category for balanced sampling: a class index, a name, or the index of a one-hot vector. */
function categoryOf(v: unknown): string | number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && (typeof v[0] === 'number' || typeof v[0] === 'string')) return v[0];
  if (Array.isArray(v) && v.length > 1 && v.every((x) => x === 0 || x === 1) && v.filter((x) => x === 1).length === 1) return v.indexOf(1);
  return undefined;
}


