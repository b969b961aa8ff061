export { CacheWindow, type WindowOptions } from './window.js';
export { SmartCache, sampleBytes, type SmartCacheOptions, type SmartCacheStats } from './smart-cache.js';
export { CACHE_FORMAT_VERSION } from './format.js';
export { sourceIdentity, prefixKey, canonicalJson, type PrefixEntry, type IdentityOptions } from './key.js';
export { DiskCache, type DiskCacheOptions, type DiskCacheStats, type GetOptions } from './disk-cache.js';
