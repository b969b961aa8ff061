import { EventEmitter } from 'node:events';
import { VoxelpipeError } from '../util/errors.js';
import type { Batch } from './batch.js';
import { BatchAssembler, splitUnit, type Assembled } from './batch-assembler.js';
import { BatchLifetimes } from './batch-lifetime.js';
import { BatchRing, type RingStats } from './batch-ring.js';
import { Dispatcher } from './dispatcher.js';
import { EpochPlanner, type WorkUnit } from './epoch-plan.js';
import { Executor } from './executor.js';
import { MemoryBudget, budgetBytes, type MemoryEstimate } from './memory-budget.js';
import type { PipelineOptions } from './options.js';
import type { PoolStats } from './pool.js';
import { itemSource, type PrefixResult, type SampleResult, type SampleTask, type UnitDest } from './sample-processor.js';
import { entryName, resolveSettings } from './settings.js';
import { resolveRank, type SamplingItem, type SamplingOptions } from '../sampling/index.js';
import { SmartCache, sampleBytes } from '../cache/smart-cache.js';
import { PrefixStore } from '../cache/prefix-store.js';
import type { Sample } from '../transforms/image.js';
import type { ApplyOptions } from '../transforms/chain.js';

export { PIPELINE_DEFAULTS } from './settings.js';

/**
 * The pipeline facade. A batch's way through the code, in order:
 *
 *   EpochPlanner (epoch-plan.ts)   which items, in which order, as which units of work
 *   Dispatcher (dispatcher.ts)     starts units ahead of the consumer, each once its batch has a slot
 *   Executor (executor.ts)         runs a unit's chain on a worker: it writes the unit's rows
 *                                  straight into the batch's slot (sample-processor.ts, unit-output.ts)
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

  const disk = { hits: 0, misses: 0 };
  const noteDisk = (hit: boolean, warnings: readonly string[]) => {
    if (!o.cacheDir) return;
    hit ? disk.hits++ : disk.misses++;
    for (const w of warnings) events.emit('warning', w);
  };
  const prefixOf = async (item: number): Promise<Sample> => {
    const p = (await exec.run({ kind: 'prefix', item: o.items[item] })) as PrefixResult;
    noteDisk(p.hit, p.warnings);
    return p.sample;
  };

  const { rank, worldSize } = resolveRank({ rank: o.rank, worldSize: o.worldSize });
  const categoryField = o.categoryField ?? st.labelField;
  const samplingItems: SamplingItem[] = o.items.map((it) => ({
    weight: typeof it.weight === 'number' ? it.weight : undefined,
    category: categoryOf(it[categoryField]),
    name: itemSource(it),
  }));
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

  // Without its own cache_max_bytes, the cache may take most of the budget; batches and workers need the rest.
  const cache = o.cache
    ? new SmartCache({
        items: o.items.length,
        size: o.cache.numCacheObjects,
        replacePercent: o.cache.replacePercent,
        maxBytes: o.cache.maxBytes ?? Math.floor(budgetBytes(o.maxMemory) * 0.9),
        seed: o.seed,
        shuffle: o.shuffle,
        describe: (i) => itemSource(o.items[i]),
        compute: prefixOf,
      })
    : undefined;
  cache?.events.on('progress', (p) => events.emit('cache-progress', p));

  const planner = new EpochPlanner({ items: samplingItems, sampling, window: cache?.window, parts: st.splitParts ? st.cropBatches : 1 });
  const P = st.unitsPerBatch;
  // Consumers hold up to prefetch batches while asking for the next; two more slots are being filled.
  const ring = new BatchRing(o.prefetch + 2);
  const lifetimes = new BatchLifetimes(ring, o.prefetch + 1);
  // A chain that cannot be split into parts makes all of a volume's crop batches in one unit, split after.
  const expand = st.cropBatches > 1 && !st.splitParts ? st.cropBatches : 1;
  const budget = new MemoryBudget({
    maxMemory: o.maxMemory,
    workers: st.workers,
    wantSlots: o.prefetch + 2,
    cacheBytes: () => cache?.projectedBytes(),
    // Samples whose parts are in flight at once: the dispatch window spans that many volumes.
    sharedPrefixes: st.splitParts ? Math.ceil((P * (o.prefetch + 2)) / st.cropBatches) + 1 : 0,
  });
  /** Sizes the ring from the budget once the first unit tells a slot's size (and again when a worker needs more). */
  const fitRing = (layout = ring.layout) => {
    if (!layout) return;
    ring.limit(budget.slotsFor(layout));
    // A batch stays valid for as many asks as the other slots allow.
    lifetimes.lifetime = Math.max(1, Math.min(o.prefetch + 1, ring.maxSlots - 1));
  };

  const stats = { epoch: 0, samples: 0, batches: 0, skipped: 0, retried: 0, start: 0, transformNs: [] as number[], transformNames: [] as string[] };
  const counters = { placed: 0 };
  let closed = false;
  let dispatcher: Dispatcher<SampleResult> | undefined;

  /** The prefix output the parts of one sample share: computed once, kept until its last part is taken. */
  const partPrefixes = new Map<string, Promise<Sample>>();

  async function runUnit(e: number, unit: WorkUnit, dest: UnitDest | undefined): Promise<SampleResult> {
    const item = o.items[unit.itemIndex];
    const task: SampleTask = { epoch: e, position: unit.position, itemIndex: unit.itemIndex, item, ...(unit.part ? { part: unit.part } : {}), ...(dest ? { dest } : {}) };
    let cached: Sample | undefined;
    if (cache) cached = await cache.get(unit.itemIndex);
    else if (unit.part) {
      const key = `${e}:${unit.sample}`;
      let p = partPrefixes.get(key);
      if (!p)
        partPrefixes.set(
          key,
          (p = prefixOf(unit.itemIndex).then((s) => {
            budget.notePrefix(sampleBytes(s));
            return s;
          })),
        );
      cached = await p;
    }
    if (cached) return (await exec.run({ kind: 'tail', cached, ...task })) as SampleResult;
    const r = (await exec.run({ kind: 'sample', ...task })) as SampleResult;
    if (r.cacheHit !== undefined) noteDisk(r.cacheHit, r.warnings ?? []);
    return r;
  }

  function noteUnit(r: SampleResult): void {
    r.timings.forEach((t, i) => (stats.transformNs[i] = (stats.transformNs[i] ?? 0) + t));
    stats.transformNames = r.names;
    if (!r.part || r.part.index === r.part.count - 1) stats.samples++;
  }

  async function* epoch(e: number, eo: EpochOptions = {}): AsyncGenerator<Batch> {
    if (closed) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline is closed');
    const copy = eo.copy ?? o.copyBatches ?? false;
    const plan = planner.plan(e);
    cache?.enter(e, plan.items);
    stats.epoch = e;
    if (!stats.start) stats.start = performance.now();
    const asm = new BatchAssembler(
      { ring, unitsPerBatch: P, fields: st.fields, merge: st.merge, batchedByTransforms: o.batchedByTransforms ?? false, source: (i) => itemSource(o.items[i]), onLayout: fitRing, counters },
      e,
    );
    const dests: (UnitDest | undefined)[] = [];
    const units = plan.units;
    const d = new Dispatcher<SampleResult>({
      count: units.length,
      // Before the first unit tells the slot size, units make rows of their own: the first few only
      // (counted from the epoch's start), whose batches the ring can hold beside one slot for the rest.
      window: (taken) =>
        expand > 1
          ? Math.max(1, st.workers)
          : ring.layout
            ? P * ring.maxSlots
            : Math.max(1, Math.min(Math.max(P, st.workers, 1), P * Math.max(1, ring.maxSlots - 1)) - taken),
      // A unit per worker: the next one is sent the moment one settles (a message costs ~0.1 ms,
      // a unit tens of ms), and no more batches are being filled, each holding a slot, than that needs.
      maxRunning: Math.max(1, st.workers),
      admit: (u) => {
        if (expand > 1) return;
        const dest = asm.admit(u);
        if (dest instanceof Promise) return dest.then((x) => void (dests[u] = x));
        dests[u] = dest;
      },
      run: (u) => runUnit(e, units[u], dests[u]),
      signal: eo.signal,
      onRetry: (u, err) => {
        stats.retried++;
        events.emit('warning', `${itemSource(o.items[units[u].itemIndex])}: ${err.message}; retrying the sample once`);
      },
      describe: (u) => itemSource(o.items[units[u].itemIndex]),
    });
    dispatcher = d;
    const hand = (a: Assembled): Batch => {
      stats.batches++;
      return lifetimes.hand(a, copy);
    };
    let finished = false;
    try {
      // A consumer's ask is counted when the generator resumes after a yield (the first ask holds nothing).
      for (let next = 0; ; ) {
        const s = await d.next();
        if (!s) break;
        const unit = units[s.index];
        dests[s.index] = undefined;
        if (unit.part && unit.part.index === unit.part.count - 1) partPrefixes.delete(`${e}:${unit.sample}`);
        if (!s.ok) {
          if (!o.skipBadSamples) throw s.error;
          stats.skipped++;
          events.emit('warning', `skipped sample ${unit.position} of epoch ${e}${unit.part ? ` (crop batch ${unit.part.index + 1} of ${unit.part.count})` : ''}: ${(s.error as Error)?.message ?? String(s.error)}`);
          continue;
        }
        noteUnit(s.value);
        // A bigger unit than any before: the ring may have to shrink to stay in budget.
        if (budget.noteWork(s.value.workBytes)) fitRing();
        for (const r of expand > 1 ? splitUnit(s.value, expand, st.cropsPerBatch) : [s.value]) {
          const a = await asm.add(expand > 1 ? next : s.index, r);
          next++;
          if (a) {
            yield hand(a);
            lifetimes.asked();
          }
        }
      }
      const last = asm.finish();
      if (last) {
        yield hand(last);
        lifetimes.asked();
      }
      finished = true;
    } finally {
      if (!finished) {
        // Left early (break, error, abort): no unit may still write into a slot given back.
        await d.stop();
        asm.releaseUnused();
        for (const k of [...partPrefixes.keys()]) if (k.startsWith(`${e}:`)) partPrefixes.delete(k);
      }
      if (dispatcher === d) dispatcher = undefined;
    }
  }

  async function* batches(bo: EpochOptions & { start?: number; epochs?: number } = {}): AsyncGenerator<Batch> {
    const start = bo.start ?? 0;
    const count = bo.epochs ?? (o.repeat ? Infinity : 1);
    for (let e = start; e < start + count; e++) yield* epoch(e, bo);
  }

  // The prefix is deterministic, so the full chain on this thread equals a
  // cached prefix finished by the tail, bit for bit (chain.ts).
  async function sample(e: number, index: number, ao?: ApplyOptions): Promise<Sample> {
    if (closed) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline is closed');
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
        copiedUnits: counters.placed,
        ...(cache ? { cache: cache.stats() } : {}),
        ...(o.cacheDir ? { diskCache: { ...disk } } : {}),
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

/** An item's category for balanced sampling: a class index, a name, or the index of a one-hot vector. */
function categoryOf(v: unknown): string | number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && (typeof v[0] === 'number' || typeof v[0] === 'string')) return v[0];
  if (Array.isArray(v) && v.length > 1 && v.every((x) => x === 0 || x === 1) && v.filter((x) => x === 1).length === 1) return v.indexOf(1);
  return undefined;
}
