import type { Stats } from 'node:fs';
import { crc32 } from 'node:zlib';
import { VoxelpipeError } from '../../util/errors.js';
import type { ChainImage, Sample } from '../../transforms/image.js';
import type { ArrayDType, VoxelArray } from '../../volume/dtype.js';
import type { FgBgIndices } from '../../transforms/crop/fg-bg-indices.js';
import { CODEC_IDS, lz4Decompress, lz4DecompressInto } from './codecs.js';
import { deltaDecodeInPlace } from './fg-bg.js';
import { ChunkGrid, copyChunkToBox, fillBox } from './grid.js';
import { TABLE_ENTRY_BYTES, type IndexEntry, type ItemDescriptor } from './format.js';
import { openItemFile, type ItemFile } from './item-file.js';

type VoxelArrayCtor = {
  new (length: number): VoxelArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** The typed array of each stored element type. */
export const ARRAY_CTORS: Readonly<Record<ArrayDType, VoxelArrayCtor>> = Object.freeze({
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
});

/** What a stored image is, without its voxels. */
export interface ChunkedImageInfo {
  /** Full shape (spatial axes, then channels), first axis fastest: ChainImage.shape. */
  readonly shape: readonly number[];
  /** Element type of the stored voxels (what `readBox` fills): the source dtype. */
  readonly array: ArrayDType;
  /** The volume's own fields, as the prefix yielded them. */
  readonly dtype: ChainImage['dtype'];
  readonly spacing: readonly number[];
  readonly affine: ChainImage['affine'];
  readonly meta: ChainImage['meta'];
  readonly batched: boolean;
  /** The lazy pointwise map given to `put`, parsed (null: none), and its JSON text as stored. */
  readonly map: unknown;
  readonly mapJson: string | null;
  /** Chunk extent per axis, and the codec chosen for non-constant chunks. */
  readonly chunkShape: readonly number[];
  readonly codec: 'raw' | 'lz4';
  readonly rawBytes: number;
  readonly storedBytes: number;
}

/** Which chunks a box read touches and what it costs. */
export interface BoxCost {
  /** Chunk numbers touched (ascending: file order), constant ones included. */
  chunks: number[];
  /** Of those, chunks read from the file (not constant), and their stored bytes. */
  reads: number;
  bytes: number;
  /** Constant chunks: no read, no decompression. */
  fill: number;
  /** Chunks that are LZ4-compressed (each one decompression). */
  decompressions: number;
}

export interface ReadBoxOptions {
  /** Value of the box's voxels outside the volume (default 0). */
  pad?: number;
}

/** What an item tells its store as it reads (counters, and one report per bad item). */
export interface ItemHost {
  /** 'once': a chunk's CRC is checked the first time this item handle reads it; 'always': on every read. */
  readonly verify: 'once' | 'always';
  /** Scratch bytes of at least `n`, 8-aligned, reused across reads. */
  scratch(slot: 0 | 1, n: number): Uint8Array;
  /**
   * Decoded LZ4 chunks kept for reuse (bounded by the store's
   * `decodedCacheBytes`), by item serial and chunk table index: a sparse
   * label's few non-constant chunks are decoded once, not once per crop.
   */
  decoded(serial: number, entry: number): Uint8Array | undefined;
  keepDecoded(serial: number, entry: number, bytes: Uint8Array): void;
  /** A number unique to each item this store opened. */
  nextSerial(): number;
  count(what: 'boxReads' | 'chunksRead' | 'fillChunks' | 'decompressions' | 'decodedReuses', n?: number): void;
  countBytes(n: number): void;
  /** The item is bad: report once, remove it, never serve it again. */
  corrupt(item: ChunkedItem, what: string): void;
  /** The item's file went away under a closed handle (evicted, replaced): a miss, not an error. */
  lost(item: ChunkedItem): void;
}

/**
 * One cached item, open for reading. Get it from `ChunkedStore.open(key)`.
 *
 * Every read checks the CRC-32 of each chunk it uses. A read that finds a
 * bad chunk returns `undefined`: the store has then reported the item once
 * and removed it, and the caller recomputes the sample from its sources.
 */
export class ChunkedItem {
  readonly key: string;
  readonly file: string;
  /** The sample's field names in their order. */
  readonly fields: readonly string[];
  readonly images: Readonly<Record<string, ChunkedImageInfo>>;
  /** Bytes of the item file. */
  readonly bytes: number;
  private readonly grids = new Map<string, ChunkGrid>();
  private readonly table: Uint32Array;
  private handle: ItemFile | undefined;
  /** The file as opened: a later reopen must find the same file. */
  readonly fileStat: Stats;
  private bad = false;
  private readonly indexMemo = new Map<string, FgBgIndices>();
  private readonly serial: number;
  /** Chunks (table entries) whose CRC this handle has checked. */
  private readonly verified: Uint8Array;

  /** @internal: made by the store after `parseItem` checked the file. */
  constructor(
    private readonly host: ItemHost,
    handle: ItemFile,
    readonly descriptor: ItemDescriptor,
    tableBytes: Uint8Array,
    restHeaders: Record<string, Record<string, unknown>>,
    private readonly rest: Record<string, unknown>,
  ) {
    this.key = descriptor.key;
    this.file = handle.path;
    this.handle = handle;
    this.fileStat = handle.stat;
    this.serial = host.nextSerial();
    this.bytes = handle.stat.size;
    this.fields = descriptor.order;
    this.table = new Uint32Array(tableBytes.buffer, tableBytes.byteOffset, tableBytes.byteLength >> 2);
    this.verified = new Uint8Array(tableBytes.byteLength / TABLE_ENTRY_BYTES);
    const images: Record<string, ChunkedImageInfo> = {};
    for (const [name, e] of Object.entries(descriptor.images)) {
      const h = restHeaders[name];
      images[name] = Object.freeze({
        shape: e.shape,
        array: e.array,
        dtype: h.dtype as ChainImage['dtype'],
        spacing: h.spacing as number[],
        affine: h.affine as ChainImage['affine'],
        meta: h.meta as ChainImage['meta'],
        batched: h.batched === true,
        map: e.map === null ? null : JSON.parse(e.map),
        mapJson: e.map,
        chunkShape: e.chunk,
        codec: e.codec,
        rawBytes: e.rawBytes,
        storedBytes: e.storedBytes,
      });
      this.grids.set(name, new ChunkGrid(e.shape, e.chunk));
    }
    this.images = Object.freeze(images);
  }

  /** True once a read found the item bad (or its file gone): every read then returns undefined. */
  get failed(): boolean {
    return this.bad;
  }

  /** The stored image's description, or a one-line error naming the fields there are. */
  image(field: string): ChunkedImageInfo {
    const info = Object.hasOwn(this.images, field) ? this.images[field] : undefined;
    if (!info) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache item ${this.key}: no image field "${field}" (images: ${Object.keys(this.images).join(', ') || 'none'})`);
    return info;
  }

  /**
   * The chunks a read of box [lo, hi) of `field` touches, and the bytes it
   * reads: `reads` positioned reads of `bytes` bytes in all (the stored,
   * possibly compressed, chunks), `decompressions` LZ4 decodes; constant
   * chunks cost nothing. Nothing else is read (the chunk table is read once,
   * when the item is opened).
   */
  boxCost(field: string, lo: readonly number[], hi: readonly number[]): BoxCost {
    const { box } = this.checkBox(field, lo, hi);
    const chunks = this.grids.get(field)!.touched(box.lo, box.hi);
    const base = this.descriptor.images[field].table;
    const cost: BoxCost = { chunks, reads: 0, bytes: 0, fill: 0, decompressions: 0 };
    for (const n of chunks) {
      const t = (base + n) * (TABLE_ENTRY_BYTES >> 2);
      const codec = this.table[t + 4] & 0xff;
      if (codec === CODEC_IDS.fill) cost.fill++;
      else {
        cost.reads++;
        cost.bytes += this.table[t + 2];
        if (codec === CODEC_IDS.lz4) cost.decompressions++;
      }
    }
    return cost;
  }

  /**
   * Reads box [lo, hi) of `field` into `out` (an array of the stored element
   * type, `info.array`, with room for the box: its length may be larger, the
   * box fills the first voxels) and returns the box as a view of `out`.
   * `lo`/`hi` give every axis of the shape, or only the spatial axes (then
   * every channel is read). The box may reach outside the volume: those
   * voxels get `pad`. The box is laid out like the volume (first axis
   * fastest, channels last). Reads only the chunks the box touches.
   * Returns undefined when the item turned out bad (reported, removed).
   */
  readBox(field: string, lo: readonly number[], hi: readonly number[], out?: VoxelArray, options: ReadBoxOptions = {}): VoxelArray | undefined {
    const { box, voxels, inside } = this.checkBox(field, lo, hi);
    const info = this.images[field];
    const dst = this.destination(field, info, voxels, out);
    if (this.bad) return undefined;
    this.host.count('boxReads');
    const grid = this.grids.get(field)!;
    const touched = grid.touched(box.lo, box.hi);
    // A box inside one constant region (a background crop of a label): one fill, no row loop.
    if (inside && this.sameFill(field, touched, dst)) {
      this.host.count('fillChunks', touched.length);
      return dst;
    }
    if (!inside) dst.fill(options.pad ?? 0);
    for (const n of touched) if (!this.copyChunk(field, grid, n, dst, box.lo, box.hi)) return undefined;
    return dst;
  }

  /** If every chunk in `touched` is constant with one value, fills `dst` with it and says so. */
  private sameFill(field: string, touched: readonly number[], dst: VoxelArray): boolean {
    const base = this.descriptor.images[field].table;
    const W = TABLE_ENTRY_BYTES >> 2;
    const t0 = (base + touched[0]) * W;
    if ((this.table[t0 + 4] & 0xff) !== CODEC_IDS.fill) return false;
    for (let k = 1; k < touched.length; k++) {
      const t = (base + touched[k]) * W;
      if ((this.table[t + 4] & 0xff) !== CODEC_IDS.fill || this.table[t] !== this.table[t0] || this.table[t + 1] !== this.table[t0 + 1]) return false;
    }
    const Ctor = ARRAY_CTORS[this.descriptor.images[field].array];
    const one = new Uint8Array(8);
    one.set(new Uint8Array(this.table.buffer, this.table.byteOffset + t0 * 4, Ctor.BYTES_PER_ELEMENT));
    dst.fill(new Ctor(one.buffer, 0, 1)[0]);
    return true;
  }

  /** The whole stored image (`field`), into `out` if given (e.g. backed by a SharedArrayBuffer). */
  readAll(field: string, out?: VoxelArray): VoxelArray | undefined {
    const info = this.image(field);
    const lo = info.shape.map(() => 0);
    return this.readBox(field, lo, info.shape, out);
  }

  /**
   * The fg/bg index stored under sample field `field`, exactly as it was
   * put; undefined when bad. Read and decoded once per open item (the same
   * record is returned again: do not modify it).
   */
  fgBgIndices(field: string): FgBgIndices | undefined {
    const e = Object.hasOwn(this.descriptor.indices, field) ? this.descriptor.indices[field] : undefined;
    if (!e) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache item ${this.key}: no fg/bg index field "${field}" (have: ${Object.keys(this.descriptor.indices).join(', ') || 'none'})`);
    if (this.bad) return undefined;
    const known = this.indexMemo.get(field);
    if (known) return known;
    const indices = this.readIndex(field, e);
    if (!indices) return undefined;
    const ix: FgBgIndices = { shape: [...e.shape], nFg: e.nFg, nBg: e.nBg, listed: e.listed, indices };
    this.indexMemo.set(field, ix);
    return ix;
  }

  /** The sample's other fields (neither images nor fg/bg indices), as they were put (read and checked when the item was opened). */
  extra(): Record<string, unknown> {
    return this.rest;
  }

  /**
   * The whole item as the sample the prefix yielded (images read whole, as
   * ChainImages; fg/bg indices; other fields): what DiskCache.get returns,
   * for whole-volume chains and Smart Cache fills. The sample owns all its
   * values (copies). With `shared`, voxel arrays and fg/bg indices are
   * backed by SharedArrayBuffers.
   */
  toSample(options: { shared?: boolean } = {}): Sample | undefined {
    if (this.bad) return undefined;
    const rest = this.rest;
    const sample: Sample = {};
    for (const name of this.fields) {
      if (Object.hasOwn(this.images, name)) {
        const info = this.images[name];
        const Ctor = ARRAY_CTORS[info.array];
        const n = info.shape.reduce((p, s) => p * s, 1);
        const out = options.shared ? new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT)) : new Ctor(n);
        const data = this.readAll(name, out);
        if (!data) return undefined;
        const img: ChainImage = { data, shape: [...info.shape], dtype: info.dtype, spacing: [...info.spacing], affine: info.affine.map((r) => [...r]), meta: structuredClone(info.meta), batched: info.batched };
        sample[name] = img;
      } else if (Object.hasOwn(this.descriptor.indices, name)) {
        const ix = this.fgBgIndices(name);
        if (!ix) return undefined;
        // The sample owns its arrays (it may be transferred or edited): a copy of the remembered index.
        const indices = options.shared ? new Uint32Array(new SharedArrayBuffer(ix.indices.byteLength)) : new Uint32Array(ix.indices.length);
        indices.set(ix.indices);
        sample[name] = { ...ix, shape: [...ix.shape], indices };
      } else sample[name] = structuredClone(rest[name]);
    }
    return sample;
  }

  /** Closes the file (the store does this when it drops the handle); a later read reopens it if it is still the same file. */
  closeFile(): void {
    if (this.handle) this.handle.close();
    this.handle = undefined;
  }

  private checkBox(field: string, lo: readonly number[], hi: readonly number[]): { box: { lo: number[]; hi: number[] }; voxels: number; inside: boolean } {
    const info = this.image(field);
    const rank = info.shape.length;
    const spatial = rank - (info.batched ? 2 : 1);
    if (!Array.isArray(lo) || !Array.isArray(hi) || lo.length !== hi.length || (lo.length !== rank && lo.length !== spatial))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache item ${this.key}: box of "${field}" must give ${spatial} (spatial) or ${rank} axes as lo and hi, got [${lo}] and [${hi}]`);
    const bLo: number[] = [];
    const bHi: number[] = [];
    let voxels = 1;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      const l = a < lo.length ? lo[a] : 0;
      const h = a < hi.length ? hi[a] : info.shape[a];
      if (!Number.isSafeInteger(l) || !Number.isSafeInteger(h) || h <= l)
        throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache item ${this.key}: bad box of "${field}" on axis ${a}: [${l}, ${h}) (integers, lo < hi)`);
      if (l < 0 || h > info.shape[a]) inside = false;
      bLo.push(l);
      bHi.push(h);
      voxels *= h - l;
    }
    return { box: { lo: bLo, hi: bHi }, voxels, inside };
  }

  private destination(field: string, info: ChunkedImageInfo, voxels: number, out: VoxelArray | undefined): VoxelArray {
    const Ctor = ARRAY_CTORS[info.array];
    if (out === undefined) return new Ctor(voxels);
    if (out.constructor !== Ctor || out.length < voxels)
      throw new VoxelpipeError(
        'ERR_INVALID_ARGUMENT',
        `chunked cache item ${this.key}: the buffer for "${field}" must be a ${Ctor.name} of at least ${voxels} voxels, got a ${out.constructor.name} of ${out.length}`,
      );
    return out.length === voxels ? out : out.subarray(0, voxels);
  }

  /** Decodes chunk `n` of `field` and copies its part of the box. False when the item is bad. */
  private copyChunk(field: string, grid: ChunkGrid, n: number, dst: VoxelArray, bLo: number[], bHi: number[]): boolean {
    const e = this.descriptor.images[field];
    const Ctor = ARRAY_CTORS[e.array];
    const es = Ctor.BYTES_PER_ELEMENT;
    const t = (e.table + n) * (TABLE_ENTRY_BYTES >> 2);
    const stored = this.table[t + 2];
    const crc = this.table[t + 3];
    const codec = this.table[t + 4] & 0xff;
    const { lo, hi } = grid.box(n);
    if (codec === CODEC_IDS.fill) {
      // The table (checked by the trailer's CRC when the item was opened) holds the value.
      const value = new Uint8Array(this.table.buffer, this.table.byteOffset + t * 4, es);
      const one = new Uint8Array(8);
      one.set(value);
      this.host.count('fillChunks');
      fillBox(new Ctor(one.buffer, 0, 1)[0], lo, hi, dst, bLo, bHi);
      return true;
    }
    const offset = this.table[t] + this.table[t + 1] * 2 ** 32;
    const voxels = grid.voxels(n);
    const chunkBytes = voxels * es;
    const entry = e.table + n;
    const check = this.host.verify === 'always' || this.verified[entry] === 0;
    let bytes: Uint8Array;
    if (codec === CODEC_IDS.raw) {
      bytes = this.host.scratch(0, chunkBytes).subarray(0, chunkBytes);
      if (!this.read(bytes, offset)) return false;
      if (check && crc32(bytes) !== crc) return this.fail(`checksum mismatch in ${field} chunk ${n}`) !== undefined;
    } else {
      const kept = check ? undefined : this.host.decoded(this.serial, entry);
      if (kept) {
        this.host.count('decodedReuses');
        bytes = kept;
      } else {
        const payload = this.host.scratch(1, stored).subarray(0, stored);
        if (!this.read(payload, offset)) return false;
        if (check && crc32(payload) !== crc) return this.fail(`checksum mismatch in ${field} chunk ${n}`) !== undefined;
        const decoded = lz4Decompress(payload, chunkBytes);
        if (typeof decoded === 'string') return this.fail(`${field} chunk ${n}: ${decoded}`) !== undefined;
        this.host.count('decompressions');
        this.host.count('chunksRead');
        this.host.countBytes(stored);
        // A view of another element type needs an aligned start: copy into scratch when it is not.
        bytes = decoded.byteOffset % es === 0 ? decoded : this.host.scratch(0, chunkBytes).subarray(0, chunkBytes);
        if (bytes !== decoded) bytes.set(decoded);
        else if (this.host.verify === 'once') this.host.keepDecoded(this.serial, entry, decoded);
      }
      this.verified[entry] = 1;
      copyChunkToBox(new Ctor(bytes.buffer, bytes.byteOffset, voxels), lo, hi, dst, bLo, bHi);
      return true;
    }
    this.verified[entry] = 1;
    this.host.count('chunksRead');
    this.host.countBytes(stored);
    copyChunkToBox(new Ctor(bytes.buffer, bytes.byteOffset, voxels), lo, hi, dst, bLo, bHi);
    return true;
  }

  private readIndex(field: string, e: IndexEntry): Uint32Array | undefined {
    const stored = new Uint8Array(e.bytes);
    if (!this.read(stored, e.offset)) return undefined;
    if (crc32(stored) !== e.crc) return this.fail(`checksum mismatch in the fg/bg index ${field}`);
    const out = new Uint32Array(e.length);
    const bytes = new Uint8Array(out.buffer);
    if (e.codec === 'delta-raw') {
      if (stored.length !== bytes.length) return this.fail(`fg/bg index ${field}: ${stored.length} bytes stored for ${e.length} indices`);
      bytes.set(stored);
    } else {
      const problem = lz4DecompressInto(stored, bytes);
      if (problem) return this.fail(`fg/bg index ${field}: ${problem}`);
    }
    if (!deltaDecodeInPlace(out) || (e.length > 0 && out[e.length - 1] >= e.nFg + e.nBg)) return this.fail(`fg/bg index ${field}: not ascending voxel indices`);
    this.host.countBytes(stored.length);
    return out;
  }

  /** Reads `into.length` bytes at `position`, reopening the file if the store closed it. False (and the item lost or bad) on failure. */
  private read(into: Uint8Array, position: number): boolean {
    if (this.bad) return false;
    if (!this.handle) {
      const h = openItemFile(this.file);
      if (typeof h === 'string' || 'error' in h || h.stat.ino !== this.fileStat.ino || h.stat.dev !== this.fileStat.dev || h.stat.size !== this.fileStat.size) {
        if (typeof h !== 'string' && !('error' in h)) h.close();
        this.bad = true;
        this.host.lost(this);
        return false;
      }
      this.handle = h;
    }
    let got: number;
    try {
      got = this.handle.read(into, position);
    } catch (e) {
      this.fail(`read failed: ${(e as Error).message}`);
      return false;
    }
    if (got !== into.length) {
      this.fail(`truncated: ${into.length} bytes expected at offset ${position}, the file gave ${got}`);
      return false;
    }
    return true;
  }

  private fail(what: string): undefined {
    if (!this.bad) {
      this.bad = true;
      this.host.corrupt(this, what);
    }
    return undefined;
  }
}
