import type { ChunkingOptions } from './writer.js';
import type { Usage } from './usage.js';

/** Options, results and statistics of ChunkedStore (store.ts). */

export interface ChunkedStoreOptions extends ChunkingOptions {
  /** The cache folder (created on the first `put`). */
  dir: string;
  /**
   * Bound on the bytes of every item in the folder (all versions): after a
   * `put` goes over it, least-recently-used items are removed until it holds
   * again (`cache_max_disk`, `--cache-max-bytes-disk`). 0 or undefined: no bound.
   */
  maxBytes?: number;
  /** Called once per bad item (corrupt, truncated, unreadable) and once per item too large to keep. */
  onWarning?: (message: string) => void;
  /** Item files kept open between reads (default 16). */
  openFiles?: number;
  /**
   * Bytes of decoded LZ4 chunks kept for reuse (default 32 MiB; 0: none):
   * a label's few non-constant chunks are then decoded once per open item,
   * not once per crop (lz4-napi hands back a fresh buffer per decode, and
   * that allocation costs more than the decode). Only with verify 'once'.
   */
  decodedCacheBytes?: number;
  /**
   * When chunk CRCs are checked: 'once' (default) the first time an open
   * item reads each chunk (a later epoch reading the same chunk through the
   * same handle trusts it), 'always' on every read.
   */
  verify?: 'once' | 'always';
}

export interface PutOptions {
  /** Per image field: the lazy pointwise map description (any JSON value), handed back verbatim by `ChunkedItem.images[field].map`. */
  maps?: Readonly<Record<string, unknown>>;
}

export interface PutResult {
  /** False when the item alone is larger than `maxBytes` (then it is not kept; warned once). */
  stored: boolean;
  /** Bytes of the item file, and of its voxels and indices uncompressed. */
  bytes: number;
  rawBytes: number;
  /** Items this put's eviction removed. */
  evicted: number;
}

/** This instance's counters (no disk access): what an engine reports in its metrics. */
export interface ChunkedCounters {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before any open. */
  hitRate: number;
  /** Bad items found (each reported once, removed, counted as a miss). */
  corrupt: number;
  /** Items whose file went away while a handle was closed (evicted or replaced meanwhile): misses, not errors. */
  lost: number;
  writes: number;
  bytesWritten: number;
  /** Items refused by `put` for being larger than `maxBytes`. */
  refused: number;
  evicted: number;
  evictedBytes: number;
  boxReads: number;
  /** Chunks read from files (and checksummed), constant chunks used, LZ4 decodes, and bytes read for chunks and indices. */
  chunksRead: number;
  fillChunks: number;
  decompressions: number;
  /** LZ4 chunks served decoded from memory (no read, no decode). */
  decodedReuses: number;
  bytesRead: number;
}

export interface ChunkedStoreStats extends ChunkedCounters {
  /** Items of this format version, their bytes on disk, and their voxels' and indices' bytes uncompressed. */
  items: number;
  bytes: number;
  rawBytes: number;
  /** rawBytes / bytes (0 for an empty cache). */
  compressionRatio: number;
  /** Items of other format versions or that do not open (eviction removes them first; `clear` removes them). */
  stale: number;
  staleBytes: number;
  /** Temporary files of writes in progress or of writers that died. */
  tempFiles: number;
  tempBytes: number;
  maxBytes: number;
  /** Lookups of every process that used this folder (as flushed by their stores' `close`, or every 5 minutes), this one's included. */
  lifetime: Usage & { hitRate: number };
}
