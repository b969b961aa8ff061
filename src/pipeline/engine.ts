import { EventEmitter } from 'node:events';
import { VoxelpipeError } from '../util/errors.js';
import type { Batch } from './batch.js';
import { BatchLifetimes } from './batch-lifetime.js';
import { BatchRing, type RingLayout, type RingStats } from './batch-ring.js';
import type { Dispatcher } from './dispatcher.js';
import { EpochPlanner, samplingItemsOf } from './epoch-plan.js';
import { runEpoch, type RunStats } from './epoch-run.js';
import { Executor } from './executor.js';
import { MemoryBudget, budgetBytes, type MemoryEstimate } from './memory-budget.js';
import type { PipelineOptions } from './options.js';
import type { PoolStats } from './pool.js';
import type { SampleResult } from './sample-processor.js';
import { entryName, resolveSettings } from './settings.js';
import { UnitSource } from './unit-source.js';
import { resolveRank, type SamplingOptions } from '../sampling/index.js';
import { SmartCache } from '../cache/smart-cache.js';
import { PrefixStore } from '../cache/prefix-store.js';
import type { Sample } from '../transforms/image.js';
import type { ApplyOptions } from '../transforms/chain.js';

export { PIPELINE_DEFAULTS } from './settings.js';

/**
 * The pipeline facade. A batch's way through the code, in order:
 *
 *   EpochPlanner (epoch-plan.ts)   which items, in which order, as which units of work
 *   runEpoch (epoch-run.ts)        the epoch's loop, which wires the next four:
 *   Dispatcher (dispatcher.ts)     starts units ahead of the consumer, each once its batch has a slot
 *   UnitSource (unit-source.ts)    runs a unit from its cached prefix or its files, on a worker
 *                                  (executor.ts) that writes the unit's rows straight into the
 *                                  batch's slot (sample-processor.ts, unit-output.ts)
 *   BatchAssembler                 takes units in order: a full slot is a batch (batch-assembler.ts)
 *   BatchLifetimes                 hands the batch over; frees its slot on release or after
 *                                  prefetch + 1 more batches (batch-lifetime.ts)
 *
 * The slots are a BatchRing (batch-ring.ts) of SharedArrayBuffers: the main
 * thread copies no voxel. Smart Cache and the persistent cache give units
 * their deterministic prefix; everything else is here only to wire those
 * pieces together.
 */

export interface PipelineMetrics {
  epoch: number;
  samples: number;
  batches: number;
  skipped: number;
  retried: number;
  /** Units finished and waiting to be taken. */
  queueDepth: number;
  inFlight: number;
  elapsedMs: number;
  samplesPerSecond: number;
  /** Mean time per sample of each transform of the chain, in ms. */
  transformMs: { name: string; meanMs: number }[];
  pool?: PoolStats;
  /** The batch slots: how many were made, their bytes, how many are in use. */
  ring: RingStats;
  /** Units whose rows the main thread copied into their slot (the first units of a run, shifted ones after a skip): the rest were written in place. */
  copiedUnits: number;
  /** Smart Cache: items held, voxel bytes, items computed, time spent waiting for items. */
  cache?: { items: number; bytes: number; computed: number; stallMs: number; fillMs?: number };
  /** Persistent cache: prefix outputs read from it (hits) or computed and stored (misses). */
  diskCache?: { hits: number; misses: number };
  /** What the pipeline holds against its memory budget (known once the first unit is made). */
  memory?: MemoryEstimate;
}

export interface EpochOptions {
  signal?: AbortSignal;
  /** Batches with arrays of their own, valid forever (default: the pipeline's `copyBatches`). */
  copy?: boolean;
}

export interface Pipeline {
  /**
   * The batches of one epoch, in order; bit-identical for a given seed
   * whatever the worker count. A batch's arrays are views of shared memory,
   * valid until `batch.release()` or until the consumer has asked for
   * prefetch + 1 more batches; pass `copy: true` to keep batches longer.
   */
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
  /** 'warning' (string): skipped samples, retries, capped workers; 'cache-progress' ({ ready, total }): Smart Cache filling. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const st = resolveSettings(options);
  const { o } = st;
  const events = new EventEmitter();
  if (st.workersNote) process.nextTick(() => events.emit('warning', st.workersNote));
  const exec = new Executor(st.processor, st.workers, o.sampleTimeoutMs);

  const { rank, worldSize } = resolveRank({ rank: o.rank, worldSize: o.worldSize });
  const sampling: SamplingOptions = {
    seed: o.seed,
    shuffle: o.shuffle,
    duplicateCount: o.duplicateCount,
    sampling: o.sampling,
    itemsPerCategory: o.itemsPerCategory,
    categoryWeights: o.categoryWeights,
    rank,
    worldSize,
  };
  const P = st.unitsPerBatch;
  const budget = new MemoryBudget({
    maxMemory: o.maxMemory,
    workers: st.workers,
    wantSlots: o.prefetch + 2,
    cacheBytes: () => cache?.projectedBytes(),
    // Samples whose parts are in flight at once: the dispatch window spans that many volumes.
    sharedPrefixes: st.splitParts ? Math.ceil((P * (o.prefetch + 2)) / st.cropBatches) + 1 : 0,
  });
  const units: UnitSource = new UnitSource({ exec, items: o.items, budget, events, persistent: o.cacheDir !== undefined, get cache() { return cache; } });
  // Without its own cache_max_bytes, the cache may take most of the budget; batches and workers need the rest.
  const cache = o.cache
    ? new SmartCache({
        items: o.items.length,
        size: o.cache.numCacheObjects,
        replacePercent: o.cache.replacePercent,
        maxBytes: o.cache.maxBytes ?? Math.floor(budgetBytes(o.maxMemory) * 0.9),
        seed: o.seed,
        shuffle: o.shuffle,
        describe: units.describe,
        compute: units.prefix,
      })
    : undefined;
  cache?.events.on('progress', (p) => events.emit('cache-progress', p));

  const planner = new EpochPlanner({
    items: samplingItemsOf(o.items, o.categoryField ?? st.labelField, units.describe),
    sampling,
    window: cache?.window,
    parts: st.splitParts ? st.cropBatches : 1,
  });
  // Consumers hold up to prefetch batches while asking for the next; two more slots are being filled.
  const ring = new BatchRing(o.prefetch + 2);
  const lifetimes = new BatchLifetimes(ring, o.prefetch + 1);
  /** Sizes the ring from the budget once the first unit tells a slot's size (and again when a worker needs more). */
  const fitRing = (layout: RingLayout | undefined = ring.layout) => {
    if (!layout) return;
    ring.limit(budget.slotsFor(layout));
    // A batch stays valid for as many asks as the other slots allow.
    lifetimes.lifetime = Math.max(1, Math.min(o.prefetch + 1, ring.maxSlots - 1));
  };

  const stats: RunStats = { epoch: 0, samples: 0, batches: 0, skipped: 0, retried: 0, start: 0, transformNs: [], transformNames: [], placed: 0 };
  let closed = false;
  let dispatcher: Dispatcher<SampleResult> | undefined;
  const deps = { st, ring, lifetimes, budget, fitRing, units, stats, events, onDispatcher: (d: Dispatcher<SampleResult> | undefined) => (dispatcher = d) };
  const checkOpen = () => {
    if (closed) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline is closed');
  };

  async function* epoch(e: number, eo: EpochOptions = {}): AsyncGenerator<Batch> {
    checkOpen();
    const plan = planner.plan(e);
    cache?.enter(e, plan.items);
    stats.epoch = e;
    if (!stats.start) stats.start = performance.now();
    yield* runEpoch(deps, plan, { signal: eo.signal, copy: eo.copy ?? o.copyBatches ?? false });
  }

  async function* batches(bo: EpochOptions & { start?: number; epochs?: number } = {}): AsyncGenerator<Batch> {
    const start = bo.start ?? 0;
    const count = bo.epochs ?? (o.repeat ? Infinity : 1);
    for (let e = start; e < start + count; e++) yield* epoch(e, bo);
  }

  // The prefix is deterministic, so the full chain on this thread equals a
  // cached prefix finished by the tail, bit for bit (chain.ts).
  async function sample(e: number, index: number, ao?: ApplyOptions): Promise<Sample> {
    checkOpen();
    const { items, positions } = planner.plan(e);
    if (!Number.isInteger(index) || index < 0 || index >= items.length)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `pipeline: sample ${index} of epoch ${e} does not exist (the epoch has ${items.length}: 0..${items.length - 1})`);
    const p = await exec.local();
    return p.chainOutput({ epoch: e, position: positions[index], itemIndex: items[index], item: o.items[items[index]] }, ao);
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
    const lanes = Array.from({ length: Math.max(1, st.workers) * 2 }, async () => {
      while (next < total && !wo.signal?.aborted) {
        const item = o.items[next++];
        const r = (await exec.run({ kind: 'warm', item })) as { hit: boolean; warnings: string[] };
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
    const p = await exec.local();
    const store = new PrefixStore({ dir: o.cacheDir! });
    let cached = 0;
    for (const item of o.items) if (store.has(p.prefixKey(item)!)) cached++;
    store.close();
    return { items: o.items.length, cached };
  }

  const names = o.transforms.filter((t) => !t.disabled).map(entryName);
  return {
    epoch,
    batches,
    warmCache,
    cacheStatus,
    order: (e) => planner.plan(e).items,
    sample,
    events,
    describe: () =>
      `${names.join(' -> ') || '(no transforms)'}${st.merge.size ? ' | MergeBatchDims' : ''} | batch ${o.batchedByTransforms ? 'by transform' : o.batchSize}, ${st.workers} worker${st.workers === 1 ? '' : 's'}` +
      (cache ? `, Smart Cache ${cache.window.size} items (replace ${cache.window.replace} per epoch)` : '') +
      (o.cacheDir ? `, persistent cache ${o.cacheDir}` : '') +
      (worldSize > 1 ? `, rank ${rank} of ${worldSize}` : ''),
    metrics: () => {
      const elapsedMs = stats.start ? performance.now() - stats.start : 0;
      const pool = exec.stats;
      return {
        epoch: stats.epoch,
        samples: stats.samples,
        batches: stats.batches,
        skipped: stats.skipped,
        retried: stats.retried,
        queueDepth: dispatcher?.ready ?? 0,
        inFlight: dispatcher?.inFlight ?? 0,
        elapsedMs,
        samplesPerSecond: elapsedMs > 0 ? (stats.samples * 1000) / elapsedMs : 0,
        // Named by the chain that ran (it may hold inserted steps, e.g. the cached fg/bg index).
        transformMs: stats.transformNames.map((name, i) => ({ name, meanMs: stats.samples ? (stats.transformNs[i] ?? 0) / stats.samples / 1e6 : 0 })),
        ...(pool ? { pool } : {}),
        ring: ring.stats(),
        copiedUnits: stats.placed,
        ...(cache ? { cache: cache.stats() } : {}),
        ...(o.cacheDir ? { diskCache: { ...units.disk } } : {}),
        ...(budget.estimate() ? { memory: budget.estimate() } : {}),
      };
    },
    close: async () => {
      closed = true;
      cache?.clear();
      await exec.close();
      ring.clear();
    },
  };
}
