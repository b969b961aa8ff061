import { constants, gunzipSync } from 'node:zlib';
import { kMaxLength } from 'node:buffer';
import { fileError, formatBytes } from '../util/errors.js';

/**
 * gzip handling tuned for reading volumes: the fastest inflate Node has is a
 * single `gunzipSync` whose output chunk is the whole file (measured in
 * NPM-NOTES.md: 425 MB/s vs 306 MB/s with default chunks), so the output is
 * allocated once, at its final size, and voxels are viewed in place.
 */

/** deflate cannot expand data by more than ~1032:1; anything claiming more is corrupt. */
export const MAX_DEFLATE_RATIO = 1032;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The ISIZE field: uncompressed size mod 2^32 of the last gzip member. */
export function gzipIsize(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 18) return 0;
  return (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
}

/** Largest output a compressed stream of `compressedBytes` can possibly inflate to. */
export function maxInflatedSize(compressedBytes: number): number {
  return compressedBytes * MAX_DEFLATE_RATIO + 1024;
}

/**
 * Inflates just the start of a gzip stream, at least `want` bytes when the
 * stream holds that many, without inflating the rest: used to read a header
 * and check its declared sizes before committing memory to the whole file.
 */
export function gunzipPrefix(bytes: Uint8Array, want: number, file: string): Buffer {
  let inputLength = Math.min(bytes.length, 4096);
  for (;;) {
    let out: Buffer;
    try {
      out = gunzipSync(bytes.subarray(0, inputLength), {
        // A truncated input is expected here: flush what is there, don't fail.
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(want * 4, maxInflatedSize(inputLength)),
      });
    } catch (e) {
      throw gzipError(e, file);
    }
    if (out.length >= want || inputLength === bytes.length) return out;
    inputLength = Math.min(bytes.length, inputLength * 16);
  }
}

/**
 * Inflates a whole gzip file whose uncompressed size is expected to be
 * `expected` bytes (from its already-validated header). Never produces more
 * than `maxBytes`.
 */
export function gunzipAll(bytes: Uint8Array, expected: number, maxBytes: number, file: string): Buffer {
  const isize = gzipIsize(bytes);
  // Trust ISIZE as the chunk size only when it agrees with the header; a
  // corrupt trailer must not make us allocate gigabytes.
  const chunkSize = isize >= expected && isize <= expected + 16 * 1024 * 1024 ? isize : expected;
  try {
    return gunzipSync(bytes, {
      chunkSize: Math.max(64, chunkSize),
      maxOutputLength: Math.min(kMaxLength, Math.max(maxBytes, expected)),
    });
  } catch (e) {
    throw gzipError(e, file);
  }
}

function gzipError(e: unknown, file: string) {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err?.message ?? ''))
    return fileError('ERR_TRUNCATED', file, 'gzip stream ends early (truncated file)', e);
  if (err?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
    return fileError('ERR_TOO_LARGE', file, `gzip stream inflates to more than the limit (${formatBytes(kMaxLength)})`, e);
  return fileError('ERR_CORRUPT_GZIP', file, `corrupt gzip stream (${err?.message ?? String(e)})`, e);
}
