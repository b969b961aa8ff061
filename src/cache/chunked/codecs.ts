import { createRequire } from 'node:module';
import { VoxelpipeError } from '../../util/errors.js';

/**
 * Chunk codecs. Each stored chunk says which one it used (one byte in the
 * chunk table), so one item mixes them: constant chunks (air, empty label
 * regions) are `fill`, the rest `lz4` or `raw` as chosen for the field.
 *
 * - raw:  the chunk's bytes (little-endian, first axis fastest).
 * - lz4:  an LZ4 block (lz4-napi, i.e. lz4_flex) with the decoded length as
 *         a 4-byte little-endian prefix.
 * - fill: every voxel equal; the payload is one voxel's bytes.
 */
export const CODEC_IDS = { raw: 0, lz4: 1, fill: 2 } as const;
export type ChunkCodec = keyof typeof CODEC_IDS;
export const CODEC_NAMES: readonly ChunkCodec[] = ['raw', 'lz4', 'fill'];

/**
 * What the writer does with a field's non-constant chunks:
 * - 'raw'  stores them as they are;
 * - 'lz4'  compresses each (keeping raw any chunk that does not shrink);
 * - 'auto' compresses a sample of chunks spread over the field first and
 *          uses lz4 only if that sample shrinks to `autoRatio` of its size
 *          or less (see docs/cache-disk.md for why noisy CT stays raw).
 * Constant chunks are `fill` in every mode.
 */
export type CodecChoice = 'raw' | 'lz4' | 'auto';

interface Lz4Napi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

let lz4: Lz4Napi | null | undefined;

/** lz4-napi, loaded on first use (a native addon: a platform without its binary can still use raw chunks). */
function lz4Module(): Lz4Napi | null {
  if (lz4 === undefined) {
    try {
      lz4 = createRequire(import.meta.url)('lz4-napi') as Lz4Napi;
    } catch {
      lz4 = null;
    }
  }
  return lz4;
}

/** True when lz4 chunks can be written and read here. */
export function lz4Available(): boolean {
  return lz4Module() !== null;
}

function needLz4(): Lz4Napi {
  const m = lz4Module();
  if (!m) throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', 'chunked cache: lz4 chunks need the lz4-napi package (npm install lz4-napi), or use codec "raw"');
  return m;
}

/** The LZ4 block of `bytes` (with its length prefix). */
export function lz4Compress(bytes: Uint8Array): Buffer {
  return needLz4().compressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Decodes an LZ4 chunk of `length` bytes. Returns the decoded bytes (a
 * buffer of their own), or a description of the problem instead of throwing.
 */
export function lz4Decompress(payload: Uint8Array, length: number): Uint8Array | string {
  if (payload.length < 4) return 'lz4 chunk shorter than its length prefix';
  const declared = payload[0] | (payload[1] << 8) | (payload[2] << 16) | (payload[3] * 2 ** 24);
  if (declared !== length) return `lz4 chunk declares ${declared} bytes, the chunk has ${length}`;
  let decoded: Buffer;
  try {
    decoded = needLz4().uncompressSync(payload);
  } catch (e) {
    if (e instanceof VoxelpipeError) throw e;
    return `lz4 chunk does not decode (${(e as Error).message})`;
  }
  if (decoded.length !== length) return `lz4 chunk decodes to ${decoded.length} bytes, expected ${length}`;
  return decoded;
}

/** lz4Decompress into `out` (exactly `out.length` bytes expected). */
export function lz4DecompressInto(payload: Uint8Array, out: Uint8Array): string | undefined {
  const r = lz4Decompress(payload, out.length);
  if (typeof r === 'string') return r;
  out.set(r);
  return undefined;
}

/**
 * True when every element of `bytes` (elements of `elementBytes` bytes) is
 * bit-identical to the first: compared as unsigned integers, so -0 and NaN
 * payloads are never confused.
 */
export function isConstant(bytes: Uint8Array, elementBytes: number): boolean {
  const n = bytes.byteLength;
  if (n === 0) return true;
  const aligned = bytes.byteOffset % Math.min(elementBytes, 4) === 0;
  if (elementBytes <= 2 && bytes.byteOffset % 4 === 0 && n >= 4) {
    // uint8/int16 four bytes at a time: compare 32-bit words with the first value repeated.
    for (let b = elementBytes; b < 4; b++) if (bytes[b] !== bytes[b - elementBytes]) return false;
    const words = n >> 2;
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    const p = w[0];
    for (let i = 1; i < words; i++) if (w[i] !== p) return false;
    for (let i = words * 4; i < n; i++) if (bytes[i] !== bytes[i - 4]) return false;
    return true;
  }
  if (elementBytes === 1 || !aligned) {
    const first = bytes.subarray(0, elementBytes);
    for (let i = elementBytes; i < n; i += elementBytes) for (let b = 0; b < elementBytes; b++) if (bytes[i + b] !== first[b]) return false;
    return true;
  }
  if (elementBytes === 2) {
    const v = new Uint16Array(bytes.buffer, bytes.byteOffset, n >> 1);
    const f = v[0];
    for (let i = 1; i < v.length; i++) if (v[i] !== f) return false;
    return true;
  }
  const v = new Uint32Array(bytes.buffer, bytes.byteOffset, n >> 2);
  const period = elementBytes >> 2;
  for (let i = period; i < v.length; i++) if (v[i] !== v[i - period]) return false;
  return true;
}

/** Fills `out` (elements of `elementBytes` bytes) with the voxel in `value`. */
export function fillInto(value: Uint8Array, out: Uint8Array, elementBytes: number): void {
  if (elementBytes === 1) {
    out.fill(value[0]);
    return;
  }
  out.set(value.subarray(0, elementBytes), 0);
  // Doubling copies: log2(n) calls instead of one per voxel.
  for (let have = elementBytes; have < out.length; have *= 2) out.copyWithin(have, 0, Math.min(have, out.length - have));
}
