import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { VoxelpipeError } from '../util/errors.js';
import { rngFor } from '../util/rng.js';
import { ARRAY_CTORS } from '../volume/dtype.js';
import type { Batch, BatchField, BatchRow } from './batch.js';
import type { Item, PipelineOptions } from './options.js';
import { WorkerPool, type PoolStats } from './pool.js';
import { createProcessor, itemSource, type ProcessorConfig, type SampleResult, type SampleTask } from './sample-processor.js';

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
  /** One line: "LoadNifti -> ... -> MergeBatchDims | batch 2 x 4, 2 workers". */
  describe(): string;
  metrics(): PipelineMetrics;
  /** 'warning' (string) events: skipped samples, retries. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

type Runner = (task: SampleTask) => Promise<SampleResult>;

const WORKER_ENTRY = (() => {
  const js = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker.ts', import.meta.url);
})();

/** Sampler stream id: far from any chain position, so it never shares a stream with a transform. */
const SAMPLER_STREAM = 0xfffffff0;

export function createPipeline(options: PipelineOptions): Pipeline {
  const o = { ...PIPELINE_DEFAULTS, ...stripUndefined(options), items: options.items, transforms: options.transforms };
  validate(o);
  const fields = o.fields ?? (o.task === 'classification' ? ['image', 'label'] : ['image', 'label']);
  const labelField = o.labelField ?? 'label';
  const merge = new Set<string>();
  for (const bt of o.batchTransforms ?? []) {
    if (bt.name.split('#')[0] !== 'MergeBatchDims')
      throw new VoxelpipeError('ERR_CONFIG', `${bt.jsonPath ?? 'batch_transforms'}: batch transform "${bt.name}" is not supported (supported: MergeBatchDims)`);
    const f = bt.args?.fields;
    for (const name of typeof f === 'string' ? [f] : Array.isArray(f) ? (f as string[]) : fields) merge.add(name);
  }
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
  };

  let pool: WorkerPool | undefined;
  let runner: Runner;
  if (o.workers > 0) {
    pool = new WorkerPool({ filename: WORKER_ENTRY, size: o.workers, workerData: cfg, taskTimeoutMs: o.sampleTimeoutMs });
    const p = pool;
    runner = (task) => p.run<SampleResult>(task);
  } else {
    const processor = createProcessor(cfg);
    processor.catch(() => {});
    runner = async (task) => (await processor)(task).result;
  }

  const events = new EventEmitter();
  const stats = { epoch: 0, samples: 0, batches: 0, skipped: 0, retried: 0, queueDepth: 0, inFlight: 0, start: 0, transformNs: [] as number[] };
  let closed = false;

  const order = (e: number): number[] => epochOrderFallback(o.items.length, o, e);

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
    const ord = order(e);
    const n = ord.length;
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
        const position = dispatched++;
        const itemIndex = ord[position];
        stats.inFlight++;
        runWithRetry({ epoch: e, position, itemIndex, item: o.items[itemIndex] }).then(
          (r) => settled.set(position, { ok: true, r }),
          (error) => settled.set(position, { ok: false, error }),
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
      const position = cursor++;
      if (!s.ok) {
        if (!o.skipBadSamples) throw s.error;
        stats.skipped++;
        events.emit('warning', `skipped sample ${position} of epoch ${e}: ${(s.error as Error)?.message ?? String(s.error)}`);
        continue;
      }
      stats.samples++;
      s.r.timings.forEach((t, i) => (stats.transformNs[i] = (stats.transformNs[i] ?? 0) + t));
      pending.push(s.r);
      if (pending.length === perBatch || cursor === n) {
        const batch = assemble(pending, e, batchIndex++);
        pending = [];
        stats.batches++;
        yield batch;
      }
    }
    if (pending.length) yield assemble(pending, e, batchIndex++);
  }

  function assemble(samples: SampleResult[], e: number, index: number): Batch {
    const out: Record<string, BatchField> = {};
    for (const name of fields) {
      const first = samples[0].fields[name];
      for (const s of samples) {
        const f = s.fields[name];
        if (f.rowShape.join() !== first.rowShape.join() || f.rows !== first.rows)
          throw new VoxelpipeError(
            'ERR_SHAPE_MISMATCH',
            `${itemSource(o.items[s.itemIndex])}: field "${name}" has rows ${f.rows} x [${f.rowShape}], the batch's first sample (${itemSource(o.items[samples[0].itemIndex])}) has ${first.rows} x [${first.rowShape}]; set output_crop_size or a batch size of 1 for variable shapes`,
          );
      }
      const rowLen = first.rowShape.reduce((a, b) => a * b, 1);
      const total = samples.length * first.rows * rowLen;
      const data = new ARRAY_CTORS[first.dtype](total);
      let off = 0;
      for (const s of samples) {
        const buf = s.fields[name].buffer;
        const src = new ARRAY_CTORS[first.dtype](buf, 0, buf.byteLength / ARRAY_CTORS[first.dtype].BYTES_PER_ELEMENT);
        data.set(src, off);
        off += src.length;
      }
      let shape: number[];
      if (o.batchedByTransforms) shape = [first.rows, ...first.rowShape];
      else if (first.batched && !merge.has(name)) shape = [samples.length, first.rows, ...first.rowShape];
      else shape = [samples.length * first.rows, ...first.rowShape];
      out[name] = { data, shape, dtype: first.dtype };
    }
    const rows: BatchRow[] = [];
    const rowsPerSample = samples[0].fields[fields[0]]?.rows ?? 1;
    for (const s of samples)
      for (let c = 0; c < rowsPerSample; c++) rows.push({ position: s.position, item: s.itemIndex, crop: c, source: itemSource(o.items[s.itemIndex]) });
    return { epoch: e, index, fields: out, rows };
  }

  async function* batches(bo: EpochOptions & { start?: number; epochs?: number } = {}): AsyncGenerator<Batch> {
    const start = bo.start ?? 0;
    const count = bo.epochs ?? (o.repeat ? Infinity : 1);
    for (let e = start; e < start + count; e++) yield* epoch(e, bo);
  }

  const names = o.transforms.map((t) => t.name);
  return {
    epoch,
    batches,
    order,
    events,
    describe: () =>
      `${names.join(' -> ') || '(no transforms)'}${merge.size ? ' | MergeBatchDims' : ''} | batch ${o.batchedByTransforms ? 'by transform' : o.batchSize}, ${o.workers} worker${o.workers === 1 ? '' : 's'}`,
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
        transformMs: names.map((name, i) => ({ name, meanMs: stats.samples ? (stats.transformNs[i] ?? 0) / stats.samples / 1e6 : 0 })),
        ...(pool ? { pool: pool.stats } : {}),
      };
    },
    close: async () => {
      closed = true;
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

/** Seeded per-epoch order with duplicates (the sampling layer's full version replaces this). */
function epochOrderFallback(m: number, o: { seed: number; shuffle: boolean; duplicateCount: number }, epoch: number): number[] {
  const ord: number[] = [];
  for (let i = 0; i < m; i++) for (let d = 0; d < o.duplicateCount; d++) ord.push(i);
  if (o.shuffle) {
    const rng = rngFor(o.seed, epoch, 0, SAMPLER_STREAM);
    for (let i = ord.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [ord[i], ord[j]] = [ord[j], ord[i]];
    }
  }
  return ord;
}

export type { Item };
