export { CACHE_FORMAT_VERSION } from './format.js';
export { sourceIdentity, prefixKey, canonicalJson, type Item, type PrefixEntry, type IdentityOptions } from './key.js';
export { DiskCache, type DiskCacheOptions, type DiskCacheStats, type GetOptions } from './disk-cache.js';
