import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { spatialRank, type ChainImage, type Sample } from '../transforms/image.js';
import { isLazyImage, type BoxReader, type LazyImage } from '../transforms/lazy/lazy-image.js';
import { materialiseImage } from '../transforms/lazy/materialise.js';
import type { PointwiseStage } from '../transforms/lazy/pointwise.js';
import { ChunkedStore, type ChunkedItem, type ChunkedImageInfo, type ChunkedStoreOptions } from './chunked/index.js';

/**
 * The persistent cache of prefix outputs (a chain's deterministic part) on
 * the chunked store: a lazy image is kept as its source voxels in their own
 * type (int16 CT) and its value map (the ScaleIntensityRange it still owes),
 * and comes back either
 *
 *   - `open`: still on disk, a lazy image whose voxels are read box by box
 *     when a crop is materialised (only the chunks the crop touches), or
 *   - `load`: in memory (shared for Smart Cache), for whole-volume chains.
 *
 * Both give the prefix output the chain would compute, so the batches equal
 * the uncached ones bit for bit.
 */

/** What the chunked store keeps beside a lazy image's source: its maps and its own geometry's meta. */
interface StoredMap {
  v: 1;
  pre: SerialStage[];
  dtype: ArrayDType;
  meta: ChainImage['meta'];
}

type SerialStage = Omit<PointwiseStage, 'lo' | 'hi'> & { lo?: number | string; hi?: number | string };

// JSON has no Infinity: an unclipped stage's bounds travel as strings.
const toJsonNumber = (v: number) => (Number.isFinite(v) ? v : String(v));
const fromJsonNumber = (v: number | string | undefined) => (typeof v === 'number' ? v : Number(v));

function serialStages(stages: readonly PointwiseStage[]): SerialStage[] {
  return stages.map((s) => (s.op === 'affine' ? { ...s, lo: toJsonNumber(s.lo), hi: toJsonNumber(s.hi) } : { ...s }));
}

function parseStages(stages: readonly SerialStage[]): PointwiseStage[] {
  return stages.map((s) => (s.op === 'affine' ? ({ ...s, lo: fromJsonNumber(s.lo), hi: fromJsonNumber(s.hi) } as PointwiseStage) : (s as PointwiseStage)));
}

function isStoredMap(m: unknown): m is StoredMap {
  return typeof m === 'object' && m !== null && (m as StoredMap).v === 1 && Array.isArray((m as StoredMap).pre);
}

/** A recycled array per element type: box reads of one worker land here (valid until the next read). */
class BoxBuffers {
  private readonly arrays = new Map<ArrayDType, VoxelArray>();

  get(dtype: ArrayDType, n: number): VoxelArray {
    let a = this.arrays.get(dtype);
    if (!a || a.length < n) this.arrays.set(dtype, (a = new ARRAY_CTORS[dtype](Math.ceil(n * 1.0625))));
    return a;
  }
}

export class PrefixStore {
  readonly store: ChunkedStore;
  private readonly buffers = new BoxBuffers();

  constructor(options: ChunkedStoreOptions) {
    this.store = new ChunkedStore(options);
  }

  has(key: string): boolean {
    return this.store.has(key);
  }

  /** Stores a prefix output (lazy images as source + map; views or later maps, never in a prefix, are made first). */
  put(key: string, sample: Sample): void {
    const out: Sample = {};
    const maps: Record<string, StoredMap> = {};
    for (const [k, v] of Object.entries(sample)) {
      if (!isLazyImage(v)) {
        out[k] = v;
        continue;
      }
      if (v.view || v.post.length || v.reader) {
        out[k] = materialiseImage(v);
        continue;
      }
      out[k] = v.source;
      maps[k] = { v: 1, pre: serialStages(v.pre), dtype: v.dtype, meta: v.meta };
    }
    this.store.put(key, out, { maps });
  }

  /** The stored prefix output with its images left on disk (read box by box), or undefined (a miss). */
  open(key: string): Sample | undefined {
    const item = this.store.open(key);
    if (!item) return undefined;
    return this.sampleOf(item, (field, info) => this.reader(item, field, info));
  }

  /** The stored prefix output with its images in memory (SharedArrayBuffers when `shared`), or undefined (a miss or a bad item). */
  load(key: string, shared: boolean): Sample | undefined {
    const item = this.store.open(key);
    if (!item) return undefined;
    const data: Record<string, VoxelArray> = {};
    for (const [field, info] of Object.entries(item.images)) {
      const n = info.shape.reduce((a, b) => a * b, 1);
      const Ctor = ARRAY_CTORS[info.array];
      const out = shared ? new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT), 0, n) : new Ctor(n);
      const read = item.readAll(field, out);
      if (!read) return undefined;
      data[field] = read;
    }
    return this.sampleOf(item, (field) => data[field]);
  }

  close(): void {
    this.store.close();
  }

  /** The item as a prefix output: each image made from `voxels` (an array, or a reader for lazy ones on disk). */
  private sampleOf(item: ChunkedItem, voxels: (field: string, info: ChunkedImageInfo) => VoxelArray | BoxReader): Sample {
    const extra = item.extra();
    const out: Sample = {};
    for (const field of item.fields) {
      const info = item.images[field];
      if (!info) {
        out[field] = field in extra ? extra[field] : item.fgBgIndices(field);
        continue;
      }
      const v = voxels(field, info);
      const reader = ArrayBuffer.isView(v) ? undefined : v;
      const data = reader ? new ARRAY_CTORS[info.array](0) : (v as VoxelArray);
      const source: ChainImage = { data, shape: info.shape.slice(), dtype: info.dtype, spacing: info.spacing.slice(), affine: info.affine.map((r) => r.slice()), meta: info.meta, batched: info.batched };
      const map = isStoredMap(info.map) ? info.map : undefined;
      if (!map && !reader) {
        out[field] = source;
        continue;
      }
      const { data: _d, ...geometry } = source;
      const lazy: LazyImage = {
        ...geometry,
        lazy: true,
        source,
        pre: map ? parseStages(map.pre) : [],
        post: [],
        dtype: map ? map.dtype : info.array,
        meta: map ? map.meta : info.meta,
        ...(reader ? { reader } : {}),
      };
      out[field] = lazy;
    }
    return out;
  }

  private reader(item: ChunkedItem, field: string, info: ChunkedImageInfo): BoxReader {
    const rank = spatialRank({ shape: info.shape as number[], batched: info.batched });
    const channels = info.shape.slice(rank).reduce((a, b) => a * b, 1);
    return {
      readBox: (lo, hi) => {
        let n = channels;
        for (let a = 0; a < rank; a++) n *= hi[a] - lo[a];
        const out = item.readBox(field, lo.slice(0, rank), hi.slice(0, rank), this.buffers.get(info.array, n));
        // The store reported the bad item once and removed it: the sample is recomputed from its sources.
        if (!out) throw new VoxelpipeError('ERR_CACHE_CORRUPT', `persistent cache item ${item.key} (${item.file}) went bad while it was read`);
        return out;
      },
    };
  }
}
