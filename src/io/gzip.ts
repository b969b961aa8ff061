import { constants, gunzipSync, Gunzip } from 'node:zlib';
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
export function gunzipAll(bytes: Uint8Array, expected: number, maxBytes: number, file: string, into?: (bytes: number) => Uint8Array): Buffer {
  const isize = gzipIsize(bytes);
  // Trust ISIZE as the chunk size only when it agrees with the header; a
  // corrupt trailer must not make us allocate gigabytes.
  const chunkSize = isize >= expected && isize <= expected + 16 * 1024 * 1024 ? isize : expected;
  try {
    if (into) {
      const out = gunzipInto(bytes, into(chunkSize + 64), Math.min(kMaxLength, Math.max(maxBytes, expected)));
      if (out) return out;
    }
    return gunzipSync(bytes, {
      chunkSize: Math.max(64, chunkSize),
      maxOutputLength: Math.min(kMaxLength, Math.max(maxBytes, expected)),
    });
  } catch (e) {
    throw gzipError(e, file);
  }
}

/**
 * gunzipSync's own path (one synchronous inflate into one output chunk) with
 * `out` as that chunk, so the output lands in memory the caller recycles or
 * shares. Node offers no public "inflate into" call; this sets the output
 * buffer of a Gunzip stream object before its synchronous `_processChunk`
 * (the call gunzipSync itself makes), and answers undefined where that
 * internal API is not there (the caller then inflates as usual). `out` has
 * room to spare, so the stream never allocates a second chunk.
 */
function gunzipInto(bytes: Uint8Array, out: Uint8Array, maxOutputLength: number): Buffer | undefined {
  const g = new Gunzip({ chunkSize: Math.max(64, out.length), maxOutputLength }) as unknown as {
    _outBuffer?: unknown;
    _outOffset?: number;
    _processChunk?: (chunk: Uint8Array, flush: number) => Buffer;
    close(): void;
  };
  if (typeof g._processChunk !== 'function' || !Buffer.isBuffer(g._outBuffer) || g._outOffset !== 0) {
    g.close();
    return undefined;
  }
  g._outBuffer = Buffer.from(out.buffer, out.byteOffset, out.length);
  try {
    return g._processChunk(bytes, constants.Z_FINISH);
  } finally {
    g.close();
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
