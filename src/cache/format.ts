import { crc32 } from 'node:zlib';

/**
 * The on-disk layout of one persistent-cache entry (little-endian):
 *
 *     offset  size  field
 *          0     8  magic "VXPCACHE"
 *          8     4  format version (CACHE_FORMAT_VERSION)
 *         12     4  descriptor length D (bytes of UTF-8 JSON)
 *         16     8  total file length (detects truncation before reading voxels)
 *         24     4  CRC-32 of the descriptor
 *         28     4  CRC-32 of bytes 0..27 (the header itself)
 *         32     D  descriptor: JSON (see codec.ts), zero-padded to a multiple of 8
 *          …        arrays: raw bytes of each typed array, each starting at a
 *                   multiple of 8 (so a view of any element type needs no copy),
 *                   zero-padded; offsets, lengths and CRC-32s are in the descriptor
 *
 * Bump CACHE_FORMAT_VERSION on any change to this layout, the descriptor or
 * the meaning of keys: the version is part of every key and of every header,
 * so entries of other versions are never read (and `clear` removes them).
 */
export const CACHE_FORMAT_VERSION = 1;

export const MAGIC = Buffer.from('VXPCACHE', 'latin1');
export const HEADER_BYTES = 32;
export const ALIGN = 8;
/** Entry file suffix; `clear` removes only files it recognises. */
export const ENTRY_SUFFIX = '.vxc';
/** A descriptor describes fields, not voxels: anything larger is not ours. */
export const MAX_DESCRIPTOR_BYTES = 64 << 20;

export interface Header {
  version: number;
  descriptorBytes: number;
  totalBytes: number;
  descriptorCrc: number;
}

export function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export function encodeHeader(h: Header): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt32LE(h.version, 8);
  b.writeUInt32LE(h.descriptorBytes, 12);
  b.writeBigUInt64LE(BigInt(h.totalBytes), 16);
  b.writeUInt32LE(h.descriptorCrc, 24);
  b.writeUInt32LE(crc32(b.subarray(0, 28)), 28);
  return b;
}

/** The header's fields, or a short description of what is wrong with it. */
export function decodeHeader(b: Uint8Array): Header | string {
  if (b.length < HEADER_BYTES) return `shorter than the ${HEADER_BYTES}-byte header (${b.length} bytes)`;
  const buf = Buffer.from(b.buffer, b.byteOffset, HEADER_BYTES);
  if (!buf.subarray(0, 8).equals(MAGIC)) return 'bad header: not a voxelpipe cache entry (wrong magic bytes)';
  if (buf.readUInt32LE(28) !== crc32(buf.subarray(0, 28))) return 'bad header: header checksum mismatch';
  const total = buf.readBigUInt64LE(16);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return 'bad header: impossible file length';
  return {
    version: buf.readUInt32LE(8),
    descriptorBytes: buf.readUInt32LE(12),
    totalBytes: Number(total),
    descriptorCrc: buf.readUInt32LE(24),
  };
}
