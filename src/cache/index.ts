export { CacheWindow, type WindowOptions } from './window.js';
export { SmartCache, sampleBytes, type SmartCacheOptions, type SmartCacheStats } from './smart-cache.js';
export { CACHE_FORMAT_VERSION } from './format.js';
export { sourceIdentity, prefixKey, canonicalJson, type PrefixEntry, type IdentityOptions } from './key.js';
export { DiskCache, type DiskCacheOptions, type DiskCacheStats, type GetOptions } from './disk-cache.js';
export {
  ChunkedStore,
  ChunkedItem,
  ChunkGrid,
  CHUNKED_FORMAT_VERSION,
  DEFAULT_CHUNK_SHAPES,
  DEFAULT_CODEC,
  DEFAULT_AUTO_RATIO,
  chunkShapeFor,
  foregroundFromIndices,
  lz4Available,
  type ChunkedStoreOptions,
  type ChunkedStoreStats,
  type ChunkedCounters,
  type ChunkedImageInfo,
  type BoxCost,
  type ReadBoxOptions,
  type PutOptions as ChunkedPutOptions,
  type PutResult as ChunkedPutResult,
  type ChunkingOptions,
  type CodecChoice,
  type Usage as ChunkedUsage,
} from './chunked/index.js';
