import { mkdirSync, rmdirSync, rmSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { VoxelpipeError, formatBytes } from '../../util/errors.js';
import type { Sample } from '../../transforms/image.js';
import type { ChunkedItem, ItemHost } from './item.js';
import { openItem } from './parse.js';
import { ITEM_SUFFIX, versionDir } from './format.js';
import { census, evictionOrder, fanoutDirs, scanStore } from './scan.js';
import { writeItem, type ChunkingOptions } from './writer.js';
import { USAGE_DIR, emptyUsage, readUsage, recordUsage, type Usage } from './usage.js';
import type { ChunkedCounters, ChunkedStoreOptions, ChunkedStoreStats, PutOptions, PutResult } from './store-types.js';

export type { ChunkedCounters, ChunkedStoreOptions, ChunkedStoreStats, PutOptions, PutResult };

const KEY_PATTERN = /^[0-9a-z][0-9a-z_-]{2,127}$/;
const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file marks a voxelpipe persistent cache (https://bford.info/cachedir/).\n';
/** With a bound, the folder is rescanned at least this often (other processes write too). */
const RESCAN_MS = 10_000;
/** An item's last-use time (mtime) is refreshed at most this often (it orders eviction). */
const TOUCH_MS = 1000;
/** Usage counts are flushed to the folder this often while items are opened (and on close): one small file each time, merged by readers. */
const USAGE_FLUSH_MS = 5 * 60_000;

/**
 * The chunked persistent cache: one file per item under
 * `dir/chunked-v<version>/<first 2 chars of key>/<key>.vxk`.
 *
 * One instance per thread (it keeps open files, scratch buffers and
 * counters); any number of threads and processes may share a folder.
 */
export class ChunkedStore {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly root: string;
  private readonly onWarning: (message: string) => void;
  private readonly chunking: ChunkingOptions;
  private readonly openFiles: number;
  /** Open items, least recently used first (Map keeps insertion order). */
  private readonly handles = new Map<string, { item: ChunkedItem; touched: number }>();
  private readonly reported = new Set<string>();
  private readonly counters: Omit<ChunkedCounters, 'hitRate'> = {
    hits: 0, misses: 0, corrupt: 0, lost: 0, writes: 0, bytesWritten: 0, refused: 0, evicted: 0, evictedBytes: 0,
    boxReads: 0, chunksRead: 0, fillChunks: 0, decompressions: 0, decodedReuses: 0, bytesRead: 0,
  };
  private readonly scratchBuffers: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  /** Bytes in the folder as last scanned plus this instance's writes since, and when it was scanned. */
  private knownBytes: number | undefined;
  private scannedAt = 0;
  private readonly host: ItemHost;
  /** Decoded LZ4 chunks by "serial:entry", least recently used first, and their bytes. */
  private readonly decodedChunks = new Map<string, Uint8Array>();
  private decodedBytes = 0;
  private readonly decodedCacheBytes: number;
  private serials = 0;
  /** The counts last flushed to the folder's usage files, and when. */
  private flushed: Usage = emptyUsage();
  private flushedAt = Date.now();

  constructor(options: ChunkedStoreOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'ChunkedStore: options.dir must be a folder path');
    const max = options.maxBytes ?? 0;
    if (!Number.isSafeInteger(max) || max < 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `ChunkedStore: maxBytes must be a whole number of bytes >= 0, got ${options.maxBytes}`);
    const openFiles = options.openFiles ?? 16;
    if (!Number.isSafeInteger(openFiles) || openFiles < 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `ChunkedStore: openFiles must be >= 1, got ${options.openFiles}`);
    this.dir = options.dir;
    this.root = join(options.dir, versionDir());
    this.maxBytes = max;
    this.openFiles = openFiles;
    this.onWarning = options.onWarning ?? (() => {});
    this.chunking = { chunkShape: options.chunkShape, codec: options.codec, autoRatio: options.autoRatio, fsync: options.fsync };
    const decodedCacheBytes = options.decodedCacheBytes ?? 32 << 20;
    if (!Number.isSafeInteger(decodedCacheBytes) || decodedCacheBytes < 0)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `ChunkedStore: decodedCacheBytes must be a whole number of bytes >= 0, got ${options.decodedCacheBytes}`);
    this.decodedCacheBytes = decodedCacheBytes;
    const verify = options.verify ?? 'once';
    if (verify !== 'once' && verify !== 'always') throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `ChunkedStore: verify must be "once" or "always", got ${JSON.stringify(options.verify)}`);
    this.host = {
      verify,
      scratch: (slot, n) => {
        if (this.scratchBuffers[slot].length < n) this.scratchBuffers[slot] = new Uint8Array(Math.ceil(n / 65536) * 65536);
        return this.scratchBuffers[slot];
      },
      count: (what, n = 1) => {
        this.counters[what] += n;
      },
      countBytes: (n) => {
        this.counters.bytesRead += n;
      },
      decoded: (serial, entry) => {
        const k = `${serial}:${entry}`;
        const b = this.decodedChunks.get(k);
        if (b) {
          this.decodedChunks.delete(k);
          this.decodedChunks.set(k, b);
        }
        return b;
      },
      keepDecoded: (serial, entry, bytes) => {
        if (bytes.byteLength > this.decodedCacheBytes / 4) return; // one chunk never takes the whole budget
        this.decodedChunks.set(`${serial}:${entry}`, bytes);
        this.decodedBytes += bytes.byteLength;
        for (const [k, b] of this.decodedChunks) {
          if (this.decodedBytes <= this.decodedCacheBytes) break;
          this.decodedChunks.delete(k);
          this.decodedBytes -= b.byteLength;
        }
      },
      nextSerial: () => ++this.serials,
      corrupt: (item, what) => {
        this.drop(item.key, item);
        this.counters.hits--;
        this.counters.misses++;
        this.bad(item.file, item.fileStat, what, true);
      },
      lost: (item) => {
        this.drop(item.key, item);
        this.counters.hits--;
        this.counters.misses++;
        this.counters.lost++;
      },
    };
  }

  /** The file an item lives in. */
  fileFor(key: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `ChunkedStore: bad key ${JSON.stringify(key)} (expected 3-128 of [0-9a-z_-], e.g. from prefixKey)`);
    return join(this.root, key.slice(0, 2), key + ITEM_SUFFIX);
  }

  /**
   * The item stored under `key`, open for box reads, or undefined (a miss;
   * a bad item is reported once, removed, and is a miss). Reads the file's
   * header and trailer only. Items stay open (up to `openFiles`) for later
   * `open`s of the same key.
   */
  open(key: string): ChunkedItem | undefined {
    const file = this.fileFor(key);
    if (Date.now() - this.flushedAt > USAGE_FLUSH_MS) this.flushUsage();
    const held = this.handles.get(key);
    if (held && !held.item.failed) {
      this.handles.delete(key);
      this.handles.set(key, held);
      this.counters.hits++;
      this.touch(file, held);
      return held.item;
    }
    if (held) this.drop(key, held.item);
    const r = openItem(this.host, file, key);
    if ('missing' in r) {
      this.counters.misses++;
      return undefined;
    }
    if ('bad' in r) {
      this.counters.misses++;
      this.bad(file, r.stat, r.bad, r.remove);
      return undefined;
    }
    this.counters.hits++;
    const entry = { item: r.item, touched: 0 };
    this.touch(file, entry);
    this.handles.set(key, entry);
    while (this.handles.size > this.openFiles) {
      const [oldest, e] = this.handles.entries().next().value as [string, { item: ChunkedItem }];
      this.handles.delete(oldest);
      e.item.closeFile();
    }
    return r.item;
  }

  /**
   * Stores `sample` under `key`: every image chunked in its own dtype, fg/bg
   * indices exactly, other fields as they are. Atomic (temporary file,
   * fsync, rename). Then, with `maxBytes`, evicts least-recently-used items.
   * Throws ERR_FILE_WRITE (folder not writable, disk full) or
   * ERR_INVALID_ARGUMENT (a value that cannot be stored).
   */
  put(key: string, sample: Sample, options: PutOptions = {}): PutResult {
    const file = this.fileFor(key);
    this.ensureDir(file);
    let written;
    try {
      written = writeItem(file, key, { sample, maps: options.maps }, this.chunking);
    } catch (e) {
      // `clear` or eviction in another process may have removed the fan-out folder between mkdir and write.
      if ((e as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw e;
      this.ensureDir(file);
      written = writeItem(file, key, { sample, maps: options.maps }, this.chunking);
    }
    const held = this.handles.get(key);
    if (held) this.drop(key, held.item);
    this.counters.writes++;
    this.counters.bytesWritten += written.bytes;
    const result: PutResult = { stored: true, bytes: written.bytes, rawBytes: written.rawBytes, evicted: 0 };
    if (this.maxBytes === 0) return result;
    if (written.bytes > this.maxBytes) {
      rmSync(file, { force: true });
      this.counters.refused++;
      this.warnOnce(`refused:${key}`, `${file}: not cached: the item takes ${formatBytes(written.bytes)}, more than the cache's bound of ${formatBytes(this.maxBytes)} (cache_max_disk)`);
      return { ...result, stored: false };
    }
    const now = Date.now();
    if (this.knownBytes === undefined || now - this.scannedAt > RESCAN_MS) this.rescan();
    else this.knownBytes += written.bytes;
    if (this.knownBytes! > this.maxBytes) result.evicted = this.evict(this.maxBytes, [file]).removed;
    return result;
  }

  /** True when an item of this format version exists under `key` and opens (header, trailer and descriptor check out). */
  has(key: string): boolean {
    const r = openItem(this.host, this.fileFor(key), key);
    if ('item' in r) {
      r.item.closeFile();
      return true;
    }
    return false;
  }

  /** Removes one item; true when there was one. */
  delete(key: string): boolean {
    const file = this.fileFor(key);
    const held = this.handles.get(key);
    if (held) this.drop(key, held.item);
    try {
      rmSync(file);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Removes items until the folder holds at most `maxBytes`: first items of
   * other format versions and temporary files older than an hour, then items
   * by last use (oldest first: the mtime, which `open` and `put` set). `keep`
   * files are never removed.
   */
  evict(maxBytes = this.maxBytes, keep: readonly string[] = []): { removed: number; bytes: number } {
    const files = scanStore(this.dir);
    let total = files.reduce((s, f) => s + f.stat.size, 0);
    const now = Date.now();
    const candidates = evictionOrder(files, keep, now);
    let removed = 0;
    let bytes = 0;
    for (const f of candidates) {
      if (total <= maxBytes) break;
      try {
        rmSync(f.path);
      } catch {
        continue; // gone already (another evictor) or read-only: keep going
      }
      if (f.key) {
        const held = this.handles.get(f.key);
        if (held && f.kind === 'item') this.drop(f.key, held.item);
      }
      total -= f.stat.size;
      removed++;
      bytes += f.stat.size;
    }
    this.counters.evicted += removed;
    this.counters.evictedBytes += bytes;
    this.knownBytes = total;
    this.scannedAt = now;
    return { removed, bytes };
  }

  /** This instance's counters (no disk access). */
  counts(): ChunkedCounters {
    const c = this.counters;
    return { ...c, hitRate: c.hits + c.misses > 0 ? c.hits / (c.hits + c.misses) : 0 };
  }

  /** The folder's items, bytes, compression ratio (opening each item's trailer) and this instance's counters. */
  stats(): ChunkedStoreStats {
    const s: ChunkedStoreStats = {
      ...this.counts(), items: 0, bytes: 0, rawBytes: 0, compressionRatio: 0, stale: 0, staleBytes: 0, tempFiles: 0, tempBytes: 0, maxBytes: this.maxBytes,
      lifetime: { ...emptyUsage(), hitRate: 0 },
    };
    Object.assign(s, census(this.dir, this.host));
    s.compressionRatio = s.bytes > 0 ? s.rawBytes / s.bytes : 0;
    const life = readUsage(this.root);
    const mine = this.unflushed();
    for (const k of Object.keys(life) as (keyof Usage)[]) life[k] += mine[k];
    s.lifetime = { ...life, hitRate: life.hits + life.misses > 0 ? life.hits / (life.hits + life.misses) : 0 };
    return s;
  }

  /**
   * Removes items and temporary files (with `staleOnly`, only other versions'
   * items), then empty folders. Only files this store recognises are touched.
   */
  clear(options: { staleOnly?: boolean } = {}): { removed: number; bytes: number } {
    this.close();
    if (!options.staleOnly) {
      // A cleared cache starts its usage afresh.
      const usage = join(this.root, USAGE_DIR);
      rmSync(usage, { recursive: true, force: true });
      this.flushed = this.usageNow();
    }
    let removed = 0;
    let bytes = 0;
    for (const f of scanStore(this.dir)) {
      if (options.staleOnly && f.kind !== 'stale') continue;
      try {
        rmSync(f.path);
      } catch {
        continue;
      }
      removed++;
      bytes += f.stat.size;
    }
    for (const d of fanoutDirs(this.dir)) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (another writer, or files that are not ours): keep it.
      }
    }
    this.knownBytes = undefined;
    return { removed, bytes };
  }

  /** Closes the open item files and flushes the usage counts. Items handed out reopen their file if read again. */
  close(): void {
    for (const { item } of this.handles.values()) item.closeFile();
    this.handles.clear();
    this.decodedChunks.clear();
    this.decodedBytes = 0;
    this.flushUsage();
  }

  /** Adds this instance's lookups since the last flush to the folder's usage files. */
  flushUsage(): void {
    const delta = this.unflushed();
    this.flushedAt = Date.now();
    if (Object.values(delta).every((v) => v === 0)) return;
    recordUsage(this.root, delta);
    this.flushed = this.usageNow();
  }

  private usageNow(): Usage {
    const c = this.counters;
    return { hits: c.hits, misses: c.misses, corrupt: c.corrupt, evicted: c.evicted, refused: c.refused };
  }

  private unflushed(): Usage {
    const now = this.usageNow();
    const out = emptyUsage();
    for (const k of Object.keys(out) as (keyof Usage)[]) out[k] = now[k] - this.flushed[k];
    return out;
  }

  private rescan(): void {
    this.knownBytes = scanStore(this.dir).reduce((s, f) => s + f.stat.size, 0);
    this.scannedAt = Date.now();
  }

  private drop(key: string, item: ChunkedItem): void {
    const held = this.handles.get(key);
    if (held && held.item === item) this.handles.delete(key);
    item.closeFile();
  }

  /**
   * Records the access for LRU eviction in the file's mtime. Not the atime:
   * the kernel moves that on reads as the mount's options say (relatime
   * moves it after any utimes, since that changes the ctime), so scanning
   * items for `stats` would reorder them. An item's bytes never change after
   * its rename, so its mtime is free to mean "last used".
   */
  private touch(file: string, entry: { item: ChunkedItem; touched: number }): void {
    const now = Date.now();
    if (now - entry.touched < TOUCH_MS) return;
    entry.touched = now;
    try {
      utimesSync(file, now / 1000, now / 1000);
    } catch {
      // Read-only cache or removed meanwhile: recency is a hint, never an error.
    }
  }

  private ensureDir(file: string): void {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      const tag = join(this.dir, 'CACHEDIR.TAG');
      if (!statOrUndefined(tag)) writeFileSync(tag, CACHEDIR_TAG);
    } catch (e) {
      throw new VoxelpipeError('ERR_FILE_WRITE', `${this.dir}: cannot create the cache folder: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A bad item: count it, report it once, remove it (unless another writer has replaced it meanwhile). */
  private bad(file: string, st: Stats | undefined, what: string, remove: boolean): void {
    this.counters.corrupt++;
    let removed = false;
    if (remove && st) {
      const now = statOrUndefined(file);
      if (now && now.ino === st.ino && now.dev === st.dev) {
        try {
          rmSync(file);
          removed = true;
        } catch {
          // Read-only cache: it stays, and keeps missing (reported once).
        }
      }
    }
    const id = st ? `${file}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : file;
    this.warnOnce(id, `${file}: ${what}; ${removed ? 'item removed, ' : ''}the sample will be recomputed`);
  }

  private warnOnce(id: string, message: string): void {
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.onWarning(message);
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
