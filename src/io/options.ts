import { VoxelpipeError } from '../util/errors.js';

/** Options shared by every reader. */
export interface ReadOptions {
  /**
   * `'apply'` (default): voxel values with the header's scl_slope/scl_inter
   * applied, as nibabel's `get_fdata()` (float32, or float64 for 32/64-bit
   * integer and float64 files). `'defer'`: the stored values, with
   * `meta.sclSlope`/`meta.sclInter` and `meta.scalingDeferred` set, so a later
   * transform can fold the scaling into its own arithmetic.
   */
  scaling?: 'apply' | 'defer';
  /**
   * Most bytes of voxel data a file may declare before it is refused, checked
   * before anything is allocated. Default: `VOXELPIPE_MAX_BYTES` or 4 GiB.
   */
  maxBytes?: number;
  /**
   * Memory to inflate compressed voxel data into: `into(n)` returns an array
   * of n bytes (recycled scratch memory of a worker, or shared memory a cache
   * keeps) and the volume's data is a view of it. A fresh buffer per file
   * costs its page faults every time (for a CT volume about a quarter of the
   * inflate itself). Absent: a new buffer.
   */
  into?: (bytes: number) => Uint8Array;
  /**
   * Memory to read a compressed file into before it is inflated (recycled
   * scratch: the compressed bytes die with the read). Absent: a new buffer.
   */
  readInto?: (bytes: number) => Uint8Array;
}

/**
 * Every bound voxelpipe puts on what a file or a config may make it do, in
 * one place. Input that would go past one is refused up front with a one-line
 * error, so the work done stays proportional to the bytes given. Only
 * `maxBytes` is a user's knob (per call, or `VOXELPIPE_MAX_BYTES`); the others
 * are far beyond any real file or config and exist so that a hostile one
 * cannot hang a process, overflow its stack or exhaust its memory.
 * (Two bounds sit lower, in util, which cannot import this module: the length
 * of an error message, `MAX_MESSAGE_CHARS` in util/errors.ts, and the length
 * of a name that "did you mean" compares, in util/suggest.ts.)
 */
export const LIMITS = Object.freeze({
  /** Default voxel-data budget of one file (`maxBytes`). */
  defaultMaxBytes: 4 * 1024 ** 3,
  /** Bytes a file may hold beyond the `maxBytes` budget (headers, NIfTI extensions, DICOM attributes) before it is refused unread. */
  fileSlackBytes: 64 * 1024 ** 2,
  /** Bytes of a file's start that `readVolumeHeader` reads for a text header (NRRD, MetaImage) or a picture's. */
  headerBytes: 64 * 1024,
  /** Folder levels a DICOM series folder is searched to. */
  dicomFolderDepth: 8,
  /** Entries (files and folders) a DICOM series folder may hold, all levels together. */
  dicomFolderEntries: 200_000,
  /** Largest JSON file read (config, environment.json, datalist). */
  jsonBytes: 128 * 1024 ** 2,
  /** Deepest nesting of objects and lists in a JSON file or a `--set` value (Clara configs nest ~6 levels). */
  jsonDepth: 100,
  /** Longest chain of placeholders whose values use placeholders (`A = "{B}"`, `B = "{C}"`, ...). */
  placeholderDepth: 64,
  /** Longest string (in characters) that placeholder substitution may produce. */
  expandedChars: 1024 ** 2,
});

/** The voxel-data budget when none is given: `VOXELPIPE_MAX_BYTES`, else 4 GiB. */
export function defaultMaxBytes(): number {
  const env = process.env.VOXELPIPE_MAX_BYTES;
  if (env !== undefined) {
    const n = Number(env);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return LIMITS.defaultMaxBytes;
}

/** The budget of a read: `options.maxBytes` (a positive number, else ERR_INVALID_ARGUMENT) or the default. */
export function maxBytesOf(options: ReadOptions): number {
  const m = options.maxBytes;
  if (m === undefined) return defaultMaxBytes();
  // NaN would compare false with every size and so disable the limit.
  if (typeof m !== 'number' || !(m > 0)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `maxBytes must be a positive number of bytes, got ${String(m)}`);
  return m;
}
