import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { makeSegmentationDataset } from '../synthetic/datasets.js';
import { gzipIsize } from '../io/gzip.js';
import { createPipeline } from '../pipeline/engine.js';
import { createProcessor } from '../pipeline/sample-processor.js';
import { resolveSettings } from '../pipeline/settings.js';
import { calibrate, type Calibration } from './calibrate.js';
import { ChunkedStore } from '../cache/chunked/store.js';
import { datasetDir, persistentCacheDir, pipelineOptions, type BenchProfile, type ModeSpec } from './spec.js';

/**
 * The measuring side of `voxelpipe bench`: each function runs in its own
 * child process (one per mode, one for the floors) so peak RSS and caches
 * never leak from one measurement into the next.
 */

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface BenchData {
  dir: string;
  items: { image: string; label: string }[];
  files: string[];
  compressedBytes: number;
  /** Files written by this call (0 when the data was already there). */
  written: number;
  generateMs: number;
}

/** Generates the dataset once (kept between runs) and lists its items with absolute paths. */
export function ensureData(dataDir: string, p: BenchProfile): BenchData {
  const dir = datasetDir(dataDir, p);
  const t = performance.now();
  const ds = makeSegmentationDataset({ dir, ...p.dataset });
  const generateMs = performance.now() - t;
  const items = ds.training.map((it) => ({ image: join(dir, String(it.image)), label: join(dir, String(it.label)) }));
  const files = items.flatMap((it) => [it.image, it.label]);
  const compressedBytes = files.reduce((a, f) => a + statSync(f).size, 0);
  return { dir, items, files, compressedBytes, written: ds.written, generateMs };
}

export interface ModeResult {
  mode: string;
  label: string;
  workers: number;
  /** Wall time of each measured epoch (cached modes: after the filling epoch). */
  epochMs: number[];
  medianEpochMs: number;
  cropsPerEpoch: number;
  cropsPerS: number;
  /** Pipeline creation (workers included) to the first batch in hand. */
  firstBatchMs: number;
  /** Pipeline creation to every cache item ready (null: no cache). */
  cacheFillMs: number | null;
  /** Epoch 0 of a cached mode (it fills the cache while serving). */
  fillEpochMs: number | null;
  peakRssMb: number;
  bytesCached: number;
  /** Batch bytes handed to the consumer per epoch (all fields). */
  outputBytesPerEpoch: number;
  transformMs: { name: string; meanMs: number }[];
  poolUtilization: number | null;
  /** Batch slots the ring made (and at most allowed), and units the main thread had to copy. */
  ringSlots?: number;
  ringMaxSlots?: number;
  copiedUnits?: number;
  /** Persistent mode: the warming run before it (its own process). */
  warm?: WarmResult;
}

/** One mode, in this process: builds the pipeline, runs its epochs, reports. */
export async function runMode(p: BenchProfile, mode: ModeSpec, data: BenchData, dataDir: string): Promise<ModeResult> {
  const t0 = performance.now();
  const cacheDir = persistentCacheDir(dataDir, p);
  const pipeline = createPipeline(pipelineOptions(p, mode, data.items, cacheDir));
  let cacheFillMs: number | null = null;
  pipeline.events.on('cache-progress', (ev: { ready: number; total: number }) => {
    if (cacheFillMs === null && ev.total > 0 && ev.ready >= ev.total) cacheFillMs = performance.now() - t0;
  });
  const cached = mode.cache !== undefined;
  const epochs = p.epochs + (cached ? 1 : 0);
  const epochMs: number[] = [];
  let firstBatchMs = NaN;
  let cropsPerEpoch = 0;
  let outputBytesPerEpoch = 0;
  try {
    for (let e = 0; e < epochs; e++) {
      const te = performance.now();
      let crops = 0;
      let bytes = 0;
      for await (const batch of pipeline.epoch(e)) {
        if (Number.isNaN(firstBatchMs)) firstBatchMs = performance.now() - t0;
        crops += batch.fields.image.shape[0];
        for (const f of Object.values(batch.fields)) bytes += f.data.byteLength;
        // A trainer would read the batch, then let it go: the slot takes the next rows.
        batch.release?.();
      }
      epochMs.push(performance.now() - te);
      cropsPerEpoch = crops;
      outputBytesPerEpoch = bytes;
    }
    const m = pipeline.metrics();
    if (mode.persistent && m.diskCache && m.diskCache.misses > 0)
      throw new Error(`bench: the persistent cache was not warm (${m.diskCache.misses} misses of ${m.diskCache.misses + m.diskCache.hits})`);
    const measured = cached ? epochMs.slice(1) : epochMs;
    const med = median(measured);
    return {
      mode: mode.name,
      label: mode.label,
      workers: mode.workers,
      epochMs: measured.map(round1),
      medianEpochMs: round1(med),
      cropsPerEpoch,
      cropsPerS: round1((cropsPerEpoch * 1000) / med),
      firstBatchMs: round1(firstBatchMs),
      cacheFillMs: cacheFillMs === null ? null : round1(cacheFillMs),
      fillEpochMs: cached ? round1(epochMs[0]) : null,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      bytesCached: m.cache?.bytes ?? 0,
      outputBytesPerEpoch,
      transformMs: m.transformMs.map((t) => ({ name: t.name, meanMs: round1(t.meanMs) })),
      poolUtilization: m.pool ? Math.round(m.pool.utilization * 100) / 100 : null,
      ringSlots: m.ring.slots,
      ringMaxSlots: m.ring.maxSlots,
      copiedUnits: m.copiedUnits,
    };
  } finally {
    await pipeline.close();
  }
}

export interface WarmResult {
  /** Time to warm the persistent cache (0 misses: it was already warm from an earlier run). */
  warmMs: number;
  hits: number;
  misses: number;
  bytes: number;
}

/** Warms the persistent cache of the persistent mode (its own process, before the mode runs). */
export async function warmPersistent(p: BenchProfile, mode: ModeSpec, data: BenchData, dataDir: string): Promise<WarmResult> {
  const dir = persistentCacheDir(dataDir, p);
  const pipeline = createPipeline(pipelineOptions(p, mode, data.items, dir));
  try {
    const t = performance.now();
    const r = await pipeline.warmCache();
    return { warmMs: round1(performance.now() - t), hits: r.hits, misses: r.misses, bytes: new ChunkedStore({ dir }).stats().bytes };
  } finally {
    await pipeline.close();
  }
}

export interface Floors {
  /** readFileSync + gunzipSync(chunk = ISIZE) of every image and label file, one pass. */
  gunzipMs: number;
  gunzipRuns: number[];
  /** Decompressed bytes of one pass. */
  voxelBytes: number;
  /** Copying the bytes one epoch outputs (every crop of every field, as float32) into a reused buffer. */
  memcpyMs: number;
  memcpyRuns: number[];
  memcpyBytes: number;
  /** Loading and preparing one volume on this thread: the whole chain for one item, then the network layout. */
  oneVolumeMs: number;
  oneVolumeRuns: number[];
  /** Where one volume's time goes (mean ms per step, over the runs). */
  oneVolumeSteps: { name: string; ms: number }[];
  /** Two threads of pure arithmetic against one, measured in this run (what 2-worker scaling is judged against). */
  calibration: Calibration;
}

/** The floors, in this process: nothing else runs meanwhile. */
export async function measureFloors(p: BenchProfile, data: BenchData): Promise<Floors> {
  let sink = 0;
  // Gunzip: the decompression every uncached epoch must do at least once.
  const gunzipRuns: number[] = [];
  let voxelBytes = 0;
  for (let r = 0; r < p.floorRuns; r++) {
    const t = performance.now();
    voxelBytes = 0;
    for (const f of data.files) {
      const buf = readFileSync(f);
      const out = gunzipSync(buf, { chunkSize: Math.max(64, gzipIsize(buf)) });
      voxelBytes += out.length;
      sink += out[out.length >> 1];
    }
    gunzipRuns.push(performance.now() - t);
  }

  // Memcpy: the bytes a cached epoch hands out, copied from a source larger
  // than the CPU caches (as crops are read from cached volumes).
  const cropElems = p.crop ** 3;
  const crops = data.items.length * p.cropsPerVolume;
  const fields = 2;
  const memcpyBytes = crops * fields * cropElems * 4;
  const src = new Float32Array(Math.max(cropElems * 8, 32 << 20));
  for (let i = 0; i < src.length; i += 1024) src[i] = i;
  const dst = new Float32Array(cropElems);
  const memcpyRuns: number[] = [];
  for (let r = 0; r < Math.max(3, p.floorRuns); r++) {
    const t = performance.now();
    let off = 0;
    for (let c = 0; c < crops * fields; c++) {
      if (off + cropElems > src.length) off = 0;
      dst.set(src.subarray(off, off + cropElems));
      off += cropElems;
      sink += dst[c];
    }
    memcpyRuns.push(performance.now() - t);
  }

  // One volume, loaded and prepared as a worker does its first one: a new
  // processor (nothing to recycle yet) runs the chain with the fg/bg index
  // step and lays both fields out for the network (fused with the crops).
  const settings = resolveSettings(pipelineOptions(p, { name: 'uncached-1', label: '', workers: 0 }, data.items));
  const oneVolumeRuns: number[] = [];
  const stepNs = new Map<string, number>();
  const runs = Math.min(3, data.items.length);
  for (let r = 0; r < runs; r++) {
    const processor = await createProcessor(settings.processor);
    const t = performance.now();
    const out = processor.sample({ epoch: 0, position: r, itemIndex: r, item: data.items[r] }).result;
    const ms = performance.now() - t;
    oneVolumeRuns.push(ms);
    let chainNs = 0;
    out.names.forEach((name, i) => {
      stepNs.set(name, (stepNs.get(name) ?? 0) + out.timings[i]);
      chainNs += out.timings[i];
    });
    const layout = 'materialise crops + network layout (image + label)';
    stepNs.set(layout, (stepNs.get(layout) ?? 0) + ms * 1e6 - chainNs);
    sink += out.workBytes;
  }
  const calibration = await calibrate();
  if (sink === 0.5) console.error('');
  return {
    gunzipMs: round1(median(gunzipRuns)),
    gunzipRuns: gunzipRuns.map(round1),
    voxelBytes,
    memcpyMs: round1(median(memcpyRuns)),
    memcpyRuns: memcpyRuns.map(round1),
    memcpyBytes,
    oneVolumeMs: round1(median(oneVolumeRuns)),
    oneVolumeRuns: oneVolumeRuns.map(round1),
    oneVolumeSteps: [...stepNs].map(([name, ns]) => ({ name, ms: round1(ns / runs / 1e6) })),
    calibration,
  };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
