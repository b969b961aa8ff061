import { crc32 } from 'node:zlib';
import type { ArrayEntry } from '../codec.js';
import type { ArrayDType } from '../../volume/dtype.js';

/**
 * The chunked item file (one per cached item), little-endian. Layout and
 * field meanings are documented for other readers in docs/cache-disk.md.
 *
 *     offset  size  field
 *          0     8  magic "VXPCHUNK"
 *          8     4  format version (CHUNKED_FORMAT_VERSION)
 *         12     4  flags (0)
 *         16     8  trailer offset T
 *         24     4  trailer length L
 *         28     4  CRC-32 of the trailer
 *         32     8  total file length (T + L)
 *         40    20  zero
 *         60     4  CRC-32 of bytes 0..59
 *         64     …  payloads: every chunk of every image, then the fg/bg
 *                   index blobs, then other typed arrays, each starting at a
 *                   multiple of 8
 *          T     4  descriptor length D
 *        T+4     4  zero
 *        T+8     D  descriptor (UTF-8 JSON, ItemDescriptor), zero-padded to 8
 *          …  24×n  chunk table: per chunk offset (u64; for a `fill` chunk its
 *                   value's bytes instead), stored length (u32), CRC-32 of
 *                   the stored bytes (u32), codec id (u8), 7 zero
 *
 * The writer streams payloads first and writes the trailer and then the
 * header last, into a temporary file that is renamed into place: a file
 * whose header is sound is complete.
 *
 * Bump CHUNKED_FORMAT_VERSION on any change of layout or meaning. Items
 * live under a folder named after the version (`chunked-v1/`), so another
 * version's items are never opened: they miss, `stats` counts them as
 * stale, eviction removes them first and `clear` removes them.
 */
export const CHUNKED_FORMAT_VERSION = 1;

export const CHUNKED_MAGIC = Buffer.from('VXPCHUNK', 'latin1');
export const CHUNKED_HEADER_BYTES = 64;
export const TABLE_ENTRY_BYTES = 24;
export const ITEM_SUFFIX = '.vxk';
export const VERSION_DIR_PREFIX = 'chunked-v';
/** A descriptor describes fields, not voxels: anything larger is not ours. */
export const MAX_TRAILER_BYTES = 64 << 20;

export function versionDir(version = CHUNKED_FORMAT_VERSION): string {
  return `${VERSION_DIR_PREFIX}${version}`;
}

export interface ChunkedHeader {
  version: number;
  trailerOffset: number;
  trailerBytes: number;
  trailerCrc: number;
  totalBytes: number;
}

export function encodeChunkedHeader(h: ChunkedHeader): Buffer {
  const b = Buffer.alloc(CHUNKED_HEADER_BYTES);
  CHUNKED_MAGIC.copy(b, 0);
  b.writeUInt32LE(h.version, 8);
  b.writeBigUInt64LE(BigInt(h.trailerOffset), 16);
  b.writeUInt32LE(h.trailerBytes, 24);
  b.writeUInt32LE(h.trailerCrc, 28);
  b.writeBigUInt64LE(BigInt(h.totalBytes), 32);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  return b;
}

/** The header's fields, or what is wrong with it. */
export function decodeChunkedHeader(b: Uint8Array): ChunkedHeader | string {
  if (b.length < CHUNKED_HEADER_BYTES) return `shorter than the ${CHUNKED_HEADER_BYTES}-byte header (${b.length} bytes)`;
  const buf = Buffer.from(b.buffer, b.byteOffset, CHUNKED_HEADER_BYTES);
  if (!buf.subarray(0, 8).equals(CHUNKED_MAGIC)) return 'bad header: not a voxelpipe chunked cache item (wrong magic bytes)';
  if (buf.readUInt32LE(60) !== crc32(buf.subarray(0, 60))) return 'bad header: header checksum mismatch';
  const off = buf.readBigUInt64LE(16);
  const total = buf.readBigUInt64LE(32);
  if (off > BigInt(Number.MAX_SAFE_INTEGER) || total > BigInt(Number.MAX_SAFE_INTEGER)) return 'bad header: impossible offsets';
  return {
    version: buf.readUInt32LE(8),
    trailerOffset: Number(off),
    trailerBytes: buf.readUInt32LE(24),
    trailerCrc: buf.readUInt32LE(28),
    totalBytes: Number(total),
  };
}

/** One stored image: its grid, where its chunk table starts, and its metadata. */
export interface ImageEntry {
  /** Full shape (spatial axes, channel axis, batch axis if batched), first axis fastest. */
  shape: number[];
  /** The element type of the stored voxels (the in-memory array type, e.g. int16 for a CT as loaded). */
  array: ArrayDType;
  /** Chunk extent along each axis of `shape` (1 on channel and batch axes). */
  chunk: number[];
  /** Index of this image's first entry in the chunk table. */
  table: number;
  /** Number of chunks (the grid's size). */
  chunks: number;
  /** What the writer chose for non-constant chunks. */
  codec: 'raw' | 'lz4';
  /** Voxel bytes uncompressed, and as stored. */
  rawBytes: number;
  storedBytes: number;
  /** The lazy pointwise map the caller gave, as its JSON text (null: none). */
  map: string | null;
}

/** One stored fg/bg index (FgBgIndices of src/transforms/crop/fg-bg-indices.ts). */
export interface IndexEntry {
  shape: number[];
  nFg: number;
  nBg: number;
  listed: 'fg' | 'bg';
  /** Element count of `indices`. */
  length: number;
  /** The blob: absolute file offset, stored length, CRC-32 of the stored bytes, codec. */
  offset: number;
  bytes: number;
  crc: number;
  /** Ascending indices stored as differences (first: the index itself), then LZ4 or raw. */
  codec: 'delta-lz4' | 'delta-raw';
}

export interface ItemDescriptor {
  format: 'voxelpipe-chunked';
  version: number;
  /** The key the item was stored under: a renamed or copied file is never taken for another key's item. */
  key: string;
  /** The sample's field names in their order. */
  order: string[];
  images: Record<string, ImageEntry>;
  indices: Record<string, IndexEntry>;
  /**
   * Everything else, in the tagged JSON of src/cache/codec.ts: `fields` holds
   * the other sample fields, `headers` each image's dtype, spacing, affine,
   * meta and batched flag. Typed arrays among them are stored whole, at
   * `arrays[i].offset` bytes from `arraysStart`.
   */
  rest: { fields: Record<string, unknown>; arrays: ArrayEntry[]; arraysStart: number };
}

/** A chunk table entry. */
export interface ChunkRef {
  /** File offset of the stored bytes (unused for `fill` chunks). */
  offset: number;
  /** A `fill` chunk's value (1-8 bytes): kept in the offset field of its table entry, so it costs no read. */
  fill?: Uint8Array;
  bytes: number;
  crc: number;
  codec: number;
}

export function writeTableEntry(table: Buffer, i: number, r: ChunkRef): void {
  const at = i * TABLE_ENTRY_BYTES;
  if (r.fill) table.set(r.fill.subarray(0, 8), at);
  else {
    table.writeUInt32LE(r.offset % 2 ** 32, at);
    table.writeUInt32LE(Math.floor(r.offset / 2 ** 32), at + 4);
  }
  table.writeUInt32LE(r.bytes, at + 8);
  table.writeUInt32LE(r.crc, at + 12);
  table.writeUInt8(r.codec, at + 16);
}

export function alignTo8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
