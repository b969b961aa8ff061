import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { VoxelpipeError, formatBytes, fromFsError } from '../../util/errors.js';
import { isChainImage, spatialRank, type ChainImage, type Sample } from '../../transforms/image.js';
import type { ArrayDType, VoxelArray } from '../../volume/dtype.js';
import type { FgBgIndices } from '../../transforms/crop/fg-bg-indices.js';
import { encodeSample, type Encoded } from '../codec.js';
import { CODEC_IDS, isConstant, lz4Available, lz4Compress, type CodecChoice } from './codecs.js';
import { deltaEncode, isFgBgIndices } from './fg-bg.js';
import { ChunkGrid, gatherChunk } from './grid.js';
import {
  CHUNKED_FORMAT_VERSION,
  CHUNKED_HEADER_BYTES,
  MAX_TRAILER_BYTES,
  TABLE_ENTRY_BYTES,
  alignTo8,
  encodeChunkedHeader,
  writeTableEntry,
  type ChunkRef,
  type ImageEntry,
  type IndexEntry,
  type ItemDescriptor,
} from './format.js';

/** How images are cut and compressed. */
export interface ChunkingOptions {
  /**
   * Chunk extent along the spatial axes, used for images of that many
   * spatial axes (other ranks use DEFAULT_CHUNK_SHAPES).
   */
  chunkShape?: readonly number[];
  /** What to do with non-constant chunks (constant ones are always `fill`). */
  codec?: CodecChoice;
  /** 'auto' uses lz4 when a sample of chunks shrinks to this fraction of its size or less. */
  autoRatio?: number;
  /**
   * fsync each item before its rename (default false). A killed process
   * never needs it (the rename publishes whole files); what a power loss can
   * leave without it (a renamed item whose blocks never reached the disk:
   * short, or reading as zeros) fails the checks (length, header and trailer
   * CRC at open, each chunk's CRC at its first read) and is recomputed, as
   * MONAI's and nnU-Net's caches are. It cost 10-110 ms per 512x512x100
   * item in bench/chunked-cache.ts runs.
   */
  fsync?: boolean;
}

/**
 * Chosen by bench/chunked-cache.ts (table in docs/cache-disk.md) for
 * 64^3-128^3 crops of 512x512x~100 CT volumes: 128x64x32 read 96^3 and
 * 128^3 crops fastest and 64^3 within 5 % of the best (rows of 128 voxels
 * make few copies; 32 slices keep a crop to 4 chunks deep).
 */
export const DEFAULT_CHUNK_SHAPES: Readonly<Record<number, readonly number[]>> = Object.freeze({
  1: Object.freeze([65536]),
  2: Object.freeze([256, 256]),
  3: Object.freeze([128, 64, 32]),
});
export const DEFAULT_CODEC: CodecChoice = 'auto';
export const DEFAULT_AUTO_RATIO = 0.5;
/** Chunks the 'auto' trial compresses, spread over the field. */
const AUTO_TRIAL_CHUNKS = 8;

const ARRAY_DTYPES = new Map<Function, ArrayDType>([
  [Uint8Array, 'uint8'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Uint16Array, 'uint16'],
  [Int32Array, 'int32'],
  [Uint32Array, 'uint32'],
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
]);

export interface WriteResult {
  /** Bytes of the item file. */
  bytes: number;
  /** Bytes the stored voxels and indices take uncompressed, in their own dtypes. */
  rawBytes: number;
}

export interface ItemInput {
  sample: Sample;
  /** Per image field: the lazy pointwise map description (any JSON value), handed back verbatim. */
  maps?: Readonly<Record<string, unknown>>;
}

/** Appends payloads to a file through a buffer, so that tiny `fill` chunks do not each cost a write. */
class Appender {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Bytes written or buffered so far (the file offset of the next byte). */
  at: number;

  constructor(private readonly fd: number, start: number) {
    this.at = start;
  }

  /** Writes `bytes` at the next multiple of 8; returns its offset. */
  append(bytes: Uint8Array): number {
    this.pad();
    return this.put(bytes);
  }

  pad(): void {
    const to = alignTo8(this.at);
    if (to > this.at) this.put(new Uint8Array(to - this.at));
  }

  private put(bytes: Uint8Array): number {
    const offset = this.at;
    if (bytes.byteLength > this.buf.length / 4) {
      this.flush();
      writeAll(this.fd, bytes, offset);
    } else {
      if (this.used + bytes.byteLength > this.buf.length) this.flush();
      this.buf.set(bytes, this.used);
      this.used += bytes.byteLength;
    }
    this.at += bytes.byteLength;
    return offset;
  }

  flush(): void {
    if (this.used === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.used), this.at - this.used);
    this.used = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off, position + off);
}

/**
 * Writes one item to `file` atomically: a temporary file beside it (named
 * `.<name>.<pid>.<random>.tmp`), fsynced if asked, then renamed over `file`. A crash
 * at any point leaves the old item or none, plus at worst a temporary file.
 */
export function writeItem(file: string, key: string, input: ItemInput, options: ChunkingOptions = {}): WriteResult {
  const plan = planItem(key, input);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const result = writeBody(fd, key, plan, options);
    if (options.fsync === true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    return result;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof VoxelpipeError) throw e;
    throw fromFsError(e, file, 'write');
  }
}

interface Plan {
  order: string[];
  images: [string, ChainImage, string | null][];
  indices: [string, FgBgIndices][];
  /** The other fields and the image headers, as src/cache/codec.ts encodes them. */
  restEncoded: Encoded;
}

/** Sorts the sample's fields into chunked images, fg/bg indices and the rest, checking what can be stored. */
function planItem(key: string, input: ItemInput): Plan {
  const sample = input.sample;
  if (typeof sample !== 'object' || sample === null) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: the sample must be an object`);
  const plan: Omit<Plan, 'restEncoded'> & { restEncoded?: Encoded } = { order: Object.keys(sample), images: [], indices: [] };
  const rest: Sample = {};
  const maps = input.maps ?? {};
  for (const name of Object.keys(maps))
    if (!isChainImage(sample[name])) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: a map is given for "${name}", which is not an image field of the sample`);
  for (const name of plan.order) {
    const v = sample[name];
    if (isChainImage(v)) {
      if (!ARRAY_DTYPES.has(v.data.constructor)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: image "${name}" holds a ${v.data.constructor.name}, not a voxel array`);
      const expected = v.shape.reduce((p, s) => p * s, 1);
      if (v.data.length !== expected) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: image "${name}" has ${v.data.length} voxels, its shape [${v.shape}] says ${expected}`);
      let map: string | null = null;
      if (Object.hasOwn(maps, name) && maps[name] !== undefined) {
        const text = JSON.stringify(maps[name]);
        if (typeof text !== 'string') throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: the map of "${name}" is not a JSON value`);
        map = text;
      }
      plan.images.push([name, v, map]);
    } else if (isFgBgIndices(v)) plan.indices.push([name, v]);
    else rest[name] = v;
  }
  // The rest, with each image's header (everything but the voxels) beside it; checked before any byte is written.
  const headers: Record<string, unknown> = {};
  for (const [name, img] of plan.images) headers[name] = { dtype: img.dtype, spacing: img.spacing, affine: img.affine, meta: img.meta, batched: img.batched };
  try {
    plan.restEncoded = encodeSample(key, { fields: rest, headers }, (b) => crc32(b));
  } catch (e) {
    if (e instanceof VoxelpipeError) throw new VoxelpipeError(e.code, e.message.replace(/^disk cache: cannot store "(fields|headers)\./, `chunked cache: item ${key}: cannot store "`));
    throw e;
  }
  return plan as Plan;
}

function writeBody(fd: number, key: string, plan: Plan, options: ChunkingOptions): WriteResult {
  const out = new Appender(fd, CHUNKED_HEADER_BYTES);
  writeAll(fd, new Uint8Array(CHUNKED_HEADER_BYTES), 0);
  const refs: ChunkRef[] = [];
  const images: Record<string, ImageEntry> = {};
  let rawBytes = 0;
  for (const [name, img, map] of plan.images) {
    images[name] = writeImage(out, img, map, refs, options);
    rawBytes += images[name].rawBytes;
  }
  const indices: Record<string, IndexEntry> = {};
  for (const [name, ix] of plan.indices) {
    indices[name] = writeIndex(out, ix);
    rawBytes += ix.indices.byteLength;
  }
  const enc = plan.restEncoded;
  out.pad();
  const arraysStart = out.at;
  // encodeSample lays arrays out at multiples of 8 one after the other, as append does.
  enc.descriptor.arrays.forEach((a, i) => {
    const at = out.append(enc.bytes[i]);
    if (at !== arraysStart + a.offset) throw new Error('chunked cache: array layout out of step');
  });
  out.pad();
  const descriptor: ItemDescriptor = {
    format: 'voxelpipe-chunked',
    version: CHUNKED_FORMAT_VERSION,
    key,
    order: plan.order,
    images,
    indices,
    rest: { fields: enc.descriptor.fields, arrays: enc.descriptor.arrays, arraysStart },
  };
  const json = Buffer.from(JSON.stringify(descriptor), 'utf8');
  const tableAt = 8 + alignTo8(json.length);
  const trailer = Buffer.alloc(tableAt + refs.length * TABLE_ENTRY_BYTES);
  if (trailer.length > MAX_TRAILER_BYTES)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: item ${key}: its descriptor takes ${formatBytes(trailer.length)} (limit ${formatBytes(MAX_TRAILER_BYTES)}); hold large numeric data in typed arrays`);
  trailer.writeUInt32LE(json.length, 0);
  json.copy(trailer, 8);
  const tableView = trailer.subarray(tableAt);
  refs.forEach((r, i) => writeTableEntry(tableView, i, r));
  const trailerOffset = out.at;
  out.flush();
  writeAll(fd, trailer, trailerOffset);
  const totalBytes = trailerOffset + trailer.length;
  writeAll(fd, encodeChunkedHeader({ version: CHUNKED_FORMAT_VERSION, trailerOffset, trailerBytes: trailer.length, trailerCrc: crc32(trailer), totalBytes }), 0);
  return { bytes: totalBytes, rawBytes };
}

/** The chunk extent for an image: the asked-for shape if it has the image's spatial rank, else the default; 1 on other axes. */
export function chunkShapeFor(img: Pick<ChainImage, 'shape' | 'batched'>, asked?: readonly number[]): number[] {
  const rank = img.shape.length - (img.batched ? 2 : 1);
  const spatial = asked && asked.length === rank ? asked : (DEFAULT_CHUNK_SHAPES[rank] ?? new Array(rank).fill(64));
  return img.shape.map((_, a) => (a < rank ? spatial[a] : 1));
}

function writeImage(out: Appender, img: ChainImage, map: string | null, refs: ChunkRef[], options: ChunkingOptions): ImageEntry {
  const data = img.data as VoxelArray;
  const array = ARRAY_DTYPES.get(data.constructor)!;
  const chunk = chunkShapeFor(img, options.chunkShape);
  if (spatialRank(img) < 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunked cache: image of shape [${img.shape}] has no spatial axis`);
  const grid = new ChunkGrid(img.shape, chunk);
  const es = data.BYTES_PER_ELEMENT;
  const Ctor = data.constructor as new (n: number) => VoxelArray;
  const scratch = new Ctor(grid.chunk.reduce((p, c) => p * c, 1));
  const gather = (n: number): Uint8Array => {
    const { lo, hi } = grid.box(n);
    const view = scratch.subarray(0, grid.voxels(n));
    gatherChunk(data, img.shape, lo, hi, view);
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  };
  const codec = chooseCodec(grid, gather, es, options);
  const table = refs.length;
  let storedBytes = 0;
  for (let n = 0; n < grid.size; n++) {
    const bytes = gather(n);
    let id: number = CODEC_IDS.raw;
    let payload: Uint8Array = bytes;
    if (isConstant(bytes, es)) {
      // The value lives in the table entry itself: a constant chunk costs no read.
      const value = bytes.slice(0, es);
      refs.push({ offset: 0, fill: value, bytes: es, crc: crc32(value), codec: CODEC_IDS.fill });
      continue;
    } else if (codec === 'lz4') {
      const c = lz4Compress(bytes);
      if (c.length < bytes.length) {
        id = CODEC_IDS.lz4;
        payload = c;
      }
    }
    const offset = out.append(payload);
    refs.push({ offset, bytes: payload.byteLength, crc: crc32(payload), codec: id });
    storedBytes += payload.byteLength;
  }
  return { shape: [...img.shape], array, chunk: [...grid.chunk], table, chunks: grid.size, codec, rawBytes: data.byteLength, storedBytes, map };
}

/**
 * 'auto': lz4 if a sample of the non-constant chunks, spread over the
 * field, shrinks to `autoRatio` or less. Chunks are visited with a stride
 * coprime to their count (every chunk once, far apart), until
 * AUTO_TRIAL_CHUNKS non-constant ones were tried: a mostly empty label
 * still finds its few foreground chunks.
 */
function chooseCodec(grid: ChunkGrid, gather: (n: number) => Uint8Array, es: number, options: ChunkingOptions): 'raw' | 'lz4' {
  const choice = options.codec ?? DEFAULT_CODEC;
  if (choice !== 'auto') return choice;
  if (!lz4Available()) return 'raw';
  const ratio = options.autoRatio ?? DEFAULT_AUTO_RATIO;
  const size = grid.size;
  let stride = Math.max(1, Math.floor(size / AUTO_TRIAL_CHUNKS) + 1);
  while (gcd(stride, size) !== 1) stride++;
  let raw = 0;
  let packed = 0;
  let tried = 0;
  for (let k = 0, n = Math.floor(stride / 2) % size; k < size && tried < AUTO_TRIAL_CHUNKS; k++, n = (n + stride) % size) {
    const bytes = gather(n);
    if (isConstant(bytes, es)) continue;
    tried++;
    raw += bytes.length;
    packed += Math.min(bytes.length, lz4Compress(bytes).length);
  }
  return raw > 0 && packed <= ratio * raw ? 'lz4' : 'raw';
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function writeIndex(out: Appender, ix: FgBgIndices): IndexEntry {
  const d = deltaEncode(ix.indices);
  const raw = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  let payload: Uint8Array = raw;
  let codec: IndexEntry['codec'] = 'delta-raw';
  if (raw.length > 0 && lz4Available()) {
    const c = lz4Compress(raw);
    if (c.length < raw.length) {
      payload = c;
      codec = 'delta-lz4';
    }
  }
  const offset = out.append(payload);
  return { shape: [...ix.shape], nFg: ix.nFg, nBg: ix.nBg, listed: ix.listed, length: ix.indices.length, offset, bytes: payload.byteLength, crc: crc32(payload), codec };
}

