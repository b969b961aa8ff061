import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { VoxelpipeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Sample } from '../transforms/image.js';
import { ENTRY_SUFFIX } from './format.js';
import { entryChunks, probe, readEntry } from './entry.js';

/**
 * The persistent cache: one file per key under `dir/<first 2 chars>/<key>.vxc`.
 *
 * - `put` writes a temporary file beside the entry and renames it over the
 *   entry, so a reader sees the old entry, the new one, or none — never a
 *   mix — and concurrent writers of one key (identical contents) are safe.
 * - `get` checks everything before trusting a byte: magic, version, the
 *   header's own CRC, the file length the header declares (truncation), the
 *   descriptor's CRC and structure, and each array's CRC as it is read. Any
 *   failure is reported once through `onWarning`, the entry is removed, and
 *   `get` returns undefined so the caller recomputes.
 * - Arrays are read straight into their final buffers (a SharedArrayBuffer
 *   with `shared`), in chunks small enough that each is checksummed while
 *   still in the CPU cache.
 */

export interface DiskCacheOptions {
  /** The cache folder (created on the first `put`). */
  dir: string;
  /** Called once per bad entry (truncated, corrupt, another format version, unreadable). */
  onWarning?: (message: string) => void;
}

export interface GetOptions {
  /** Back every typed array by a SharedArrayBuffer, for worker threads to read without copying. */
  shared?: boolean;
}

export interface DiskCacheStats {
  /** Readable entries of this format version. */
  entries: number;
  /** Bytes of those entries. */
  bytes: number;
  /** This instance's `get` results. */
  hits: number;
  misses: number;
  /** Bad entries this instance found (and removed). */
  corrupt: number;
  /** Entry files of another format version or with a bad header (`clear` removes them). */
  stale: number;
  staleBytes: number;
  /** Temporary files of writes in progress (or of writers that died). */
  tempFiles: number;
}

/** Keys become file names: no separators, no dots, no surprises. */
const KEY_PATTERN = /^[0-9a-z][0-9a-z_-]{2,127}$/;
const FANOUT_PATTERN = /^[0-9a-z_-]{2}$/;
const TEMP_PATTERN = /^\..*\.tmp$/;
const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file marks a voxelpipe persistent cache (https://bford.info/cachedir/).\n';

export class DiskCache {
  readonly dir: string;
  private readonly onWarning: (message: string) => void;
  private hits = 0;
  private misses = 0;
  private corrupt = 0;
  /** Bad files already reported (path + inode + size + mtime), so each is reported once. */
  private readonly reported = new Set<string>();
  /** Bad files that could not be removed (read-only cache): skipped without reading them again. */
  private readonly knownBad = new Set<string>();

  constructor(options: DiskCacheOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '')
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'DiskCache: options.dir must be a folder path');
    this.dir = options.dir;
    this.onWarning = options.onWarning ?? (() => {});
  }

  /** The file an entry lives in. */
  fileFor(key: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `DiskCache: bad key ${JSON.stringify(key)} (expected 3-128 of [0-9a-z_-], e.g. from prefixKey)`);
    return join(this.dir, key.slice(0, 2), key + ENTRY_SUFFIX);
  }

  /** The stored sample, or undefined (a miss, or a bad entry: reported, removed). */
  get(key: string, options: GetOptions = {}): Sample | undefined {
    const file = this.fileFor(key);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.warnOnce(file, undefined, `cannot open: ${(e as Error).message}`, false);
      this.misses++;
      return undefined;
    }
    let st: Stats | undefined;
    let result: Sample | string;
    try {
      st = fstatSync(fd);
      if (this.knownBad.has(fileId(file, st))) {
        closeSync(fd);
        this.misses++;
        return undefined;
      }
      result = readEntry(fd, st.size, key, options.shared === true);
    } catch (e) {
      if (e instanceof RangeError) {
        // No memory for the arrays: the entry may well be sound, so it stays.
        closeSync(fd);
        this.misses++;
        this.warnOnce(file, st, `cannot allocate memory to read it (${e.message})`, false);
        return undefined;
      }
      // An I/O error mid-read (EIO, a file shrunk under us): a miss, never a crash.
      result = `read failed: ${(e as Error).message}`;
    }
    closeSync(fd);
    if (typeof result === 'string') {
      this.bad(file, st, result);
      return undefined;
    }
    this.hits++;
    return result;
  }

  /**
   * Stores `sample` under `key` (atomically: temp file + rename). Throws a
   * VoxelpipeError (ERR_FILE_WRITE) when the folder is not writable or the
   * disk is full, and ERR_INVALID_ARGUMENT for a value that cannot be stored
   * (a function, a Map, a class instance): the caller decides whether a
   * failed cache write matters.
   */
  put(key: string, sample: Sample): void {
    const file = this.fileFor(key);
    const chunks = entryChunks(key, sample);
    this.ensureDir(file);
    try {
      writeFileAtomic(file, chunks);
    } catch (e) {
      // `clear` in another process may have removed the fan-out folder between mkdir and write.
      if ((e as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw e;
      this.ensureDir(file);
      writeFileAtomic(file, chunks);
    }
  }

  /** True when an entry of this format version with a sound header and length exists (voxels are checked by `get`). */
  has(key: string): boolean {
    return probe(this.fileFor(key)) === 'entry';
  }

  /** Removes one entry; true when there was one. */
  delete(key: string): boolean {
    const file = this.fileFor(key);
    try {
      rmSync(file);
      return true;
    } catch {
      return false;
    }
  }

  /** Counts entries on disk (reading only headers) and this instance's hits, misses and bad entries. */
  stats(): DiskCacheStats {
    const s: DiskCacheStats = { entries: 0, bytes: 0, hits: this.hits, misses: this.misses, corrupt: this.corrupt, stale: 0, staleBytes: 0, tempFiles: 0 };
    for (const { path, name } of this.files()) {
      if (TEMP_PATTERN.test(name)) {
        s.tempFiles++;
        continue;
      }
      const size = sizeOf(path);
      if (size === undefined) continue;
      if (probe(path) === 'entry') {
        s.entries++;
        s.bytes += size;
      } else {
        s.stale++;
        s.staleBytes += size;
      }
    }
    return s;
  }

  /**
   * Removes entries and leftover temporary files, then empty fan-out
   * folders. Only files this cache recognises are touched (a cache dir
   * pointed at the wrong folder loses nothing else). With `staleOnly`, only
   * entries of other format versions or with bad headers go.
   */
  clear(options: { staleOnly?: boolean } = {}): { removed: number; bytes: number } {
    let removed = 0;
    let bytes = 0;
    const dirs = new Set<string>();
    for (const { path, name, dir } of this.files()) {
      dirs.add(dir);
      if (options.staleOnly && (TEMP_PATTERN.test(name) || probe(path) === 'entry')) continue;
      const size = sizeOf(path);
      try {
        rmSync(path);
      } catch {
        continue;
      }
      removed++;
      bytes += size ?? 0;
    }
    for (const dir of dirs) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (another writer, or files that are not ours): keep it.
      }
    }
    return { removed, bytes };
  }

  /** Entry and temp files in the fan-out folders. */
  private *files(): Generator<{ path: string; name: string; dir: string }> {
    let top: string[];
    try {
      top = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const sub of top.sort()) {
      if (!FANOUT_PATTERN.test(sub)) continue;
      const dir = join(this.dir, sub);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names.sort())
        if (name.endsWith(ENTRY_SUFFIX) || (TEMP_PATTERN.test(name) && name.includes(ENTRY_SUFFIX))) yield { path: join(dir, name), name, dir };
    }
  }

  private ensureDir(file: string): void {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      const tag = join(this.dir, 'CACHEDIR.TAG');
      if (sizeOf(tag) === undefined) writeFileSync(tag, CACHEDIR_TAG);
    } catch (e) {
      throw new VoxelpipeError('ERR_FILE_WRITE', `${this.dir}: cannot create the cache folder: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A bad entry: count it, report it once, remove it (unless another writer has replaced it meanwhile). */
  private bad(file: string, st: Stats | undefined, what: string): void {
    this.misses++;
    this.corrupt++;
    this.warnOnce(file, st, what, true);
  }

  private warnOnce(file: string, st: Stats | undefined, what: string, remove: boolean): void {
    const id = st ? fileId(file, st) : file;
    let removed = false;
    if (remove && st) {
      // Remove only the file we read: a concurrent put may have renamed a good entry over it.
      const now = statOrUndefined(file);
      if (now && now.ino === st.ino && now.dev === st.dev) {
        try {
          rmSync(file);
          removed = true;
        } catch {
          // Read-only cache: the entry stays, reported once, and keeps missing.
        }
      }
      if (!removed) this.knownBad.add(id);
    }
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.onWarning(`${file}: ${what}; ${removed ? 'entry removed, ' : ''}the sample will be recomputed`);
  }
}

/** One version of one file: a file replaced by a put is another version. */
function fileId(file: string, st: Stats): string {
  return `${file}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
}

function sizeOf(file: string): number | undefined {
  return statOrUndefined(file)?.size;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
