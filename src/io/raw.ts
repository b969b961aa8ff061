import { endianness } from 'node:os';
import { inflateSync } from 'node:zlib';
import { kMaxLength } from 'node:buffer';
import { fileError, formatBytes } from '../util/errors.js';
import { DTYPE_INFO, allocArray, arrayDTypeOf, viewArray, type DType, type VoxelArray } from '../volume/dtype.js';
import { readRegularFile, type ReferencedBy } from './file.js';
import { gunzipAll, isGzip, maxInflatedSize } from './gzip.js';
import { LIMITS } from './options.js';

/**
 * Pieces every raw-voxel reader (NRRD, MetaImage, NumPy, DICOM) shares:
 * size checks before allocating, and turning bytes of a known type and byte
 * order into a typed array without copying when the bytes allow a view.
 */

export const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A whole file (regular files only) whose voxel data may take `maxBytes`:
 * one larger than that plus room for headers is refused before it is read.
 * `ref`: the header that named this file, named first in errors; `into`:
 * recycled memory to read into (see readRegularFile).
 */
export function readWhole(file: string, maxBytes: number, ref?: ReferencedBy, into?: (bytes: number) => Uint8Array): Buffer {
  return readRegularFile(file, maxBytes + LIMITS.fileSlackBytes, ref, into);
}

/** Refuses a declared voxel size over the configured limit, before anything is allocated. */
export function checkLimit(file: string, need: number, maxBytes: number): void {
  if (!Number.isFinite(need) || need > maxBytes)
    throw fileError(
      'ERR_TOO_LARGE',
      file,
      `header declares ${Number.isFinite(need) ? formatBytes(need) : 'an unbounded amount'} of voxel data, over the ${formatBytes(maxBytes)} limit (maxBytes / VOXELPIPE_MAX_BYTES)`,
    );
}

/** Why `have` bytes (`compressed`: which inflate ~1032x at most) cannot hold `need`, or undefined when they can. */
export function fitProblem(need: number, have: number, compressed: boolean): string | undefined {
  const capacity = compressed ? maxInflatedSize(have) : have;
  if (need <= capacity) return undefined;
  return compressed
    ? `header declares ${need} bytes of voxel data, more than ${have} compressed bytes can hold`
    : `header declares ${need} bytes of voxel data, but only ${have} bytes follow the header`;
}

/** Refuses a declared size the bytes at hand cannot hold (`compressed`: they inflate to at most ~1032x). */
export function checkFits(file: string, need: number, have: number, compressed: boolean): void {
  const problem = fitProblem(need, have, compressed);
  if (problem) throw fileError('ERR_TRUNCATED', file, problem);
}

/** Validates a list of axis sizes read from a header: positive integers whose product is finite. */
export function checkShape(file: string, shape: number[], what = 'sizes'): void {
  if (shape.length === 0 || shape.length > 16 || shape.some((s) => !Number.isSafeInteger(s) || s < 1))
    throw fileError('ERR_BAD_HEADER', file, `${what} [${shape.slice(0, 16).join(', ')}${shape.length > 16 ? ', ...' : ''}] must be positive integers, 1 to 16 of them`);
}

/** Inflates gzip or zlib data expected to hold `expected` bytes, never more than `maxBytes`. */
export function inflateData(bytes: Uint8Array, expected: number, maxBytes: number, file: string): Buffer {
  if (isGzip(bytes)) return gunzipAll(bytes, expected, maxBytes, file);
  try {
    return inflateSync(bytes, { chunkSize: Math.max(64, expected), maxOutputLength: Math.min(kMaxLength, Math.max(maxBytes, expected)) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err?.message ?? ''))
      throw fileError('ERR_TRUNCATED', file, 'compressed data ends early (truncated file)', e);
    throw fileError('ERR_CORRUPT_GZIP', file, `corrupt compressed data (${err?.message ?? String(e)})`, e);
  }
}

/**
 * `n` voxels of `dtype` (a single-channel numeric type) stored in `bytes`
 * from `offset` in the given byte order. A view when aligned and in host
 * order; otherwise one copy. 64-bit integers become float64 (exact to 2^53).
 */
export function decodeRaw(bytes: Uint8Array, offset: number, n: number, dtype: DType, littleEndian: boolean): VoxelArray {
  const info = DTYPE_INFO[dtype];
  const size = info.diskBytes;
  if (dtype === 'int64' || dtype === 'uint64') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 8);
    const out = new Float64Array(n);
    const signed = dtype === 'int64';
    for (let i = 0; i < n; i++) out[i] = Number(signed ? dv.getBigInt64(i * 8, littleEndian) : dv.getBigUint64(i * 8, littleEndian));
    return out;
  }
  const swap = size > 1 && littleEndian !== HOST_LITTLE_ENDIAN;
  let buffer = bytes.buffer;
  let start = bytes.byteOffset + offset;
  if (start % size !== 0 || swap) {
    const copy = new Uint8Array(n * size);
    copy.set(bytes.subarray(offset, offset + n * size));
    if (swap) swapBytes(copy, size);
    buffer = copy.buffer;
    start = 0;
  }
  return viewArray(info.arrayDType, buffer, start, n);
}

export function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size)
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a];
      b[a] = b[z];
      b[z] = t;
    }
}

/**
 * Moves an interleaved component axis (fastest in memory, e.g. RGB) to the
 * last axis, so channels are planar as voxelpipe's Volume wants.
 */
export function deinterleave(src: VoxelArray, channels: number): VoxelArray {
  const n = src.length / channels;
  const out = allocArray(arrayDTypeOf(src), src.length);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let i = 0, s = c; i < n; i++, s += channels) out[base + i] = src[s];
  }
  return out;
}


/** A 4x4 affine from per-axis direction columns (already scaled), an origin, in LPS or RAS. */
export function affineFrom(columns: number[][], origin: number[], lps: boolean): number[][] {
  const a = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  for (let c = 0; c < Math.min(3, columns.length); c++) for (let r = 0; r < 3; r++) a[r][c] = columns[c][r] ?? 0;
  for (let r = 0; r < 3; r++) a[r][3] = origin[r] ?? 0;
  if (lps) for (let c = 0; c < 4; c++) {
    a[0][c] = -a[0][c] + 0;
    a[1][c] = -a[1][c] + 0;
  }
  return a;
}

/**
 * Refuses a non-finite affine or spacing (NaN or Inf from the header, or from
 * arithmetic on extreme values): nothing downstream can resample, crop by mm
 * or compare geometry with one, so it is never handed onward.
 */
export function checkGeometry(file: string, affine: number[][], spacing: number[]): void {
  for (let r = 0; r < affine.length; r++)
    for (let c = 0; c < affine[r].length; c++)
      if (!Number.isFinite(affine[r][c])) throw fileError('ERR_BAD_HEADER', file, `the header's geometry gives a non-finite affine (${affine[r][c]} at row ${r}, column ${c}), expected finite numbers`);
  for (let i = 0; i < spacing.length; i++)
    if (!Number.isFinite(spacing[i])) throw fileError('ERR_BAD_HEADER', file, `voxel spacing ${spacing[i]} along axis ${i} is not finite`);
}
