export { CacheWindow, type WindowOptions } from './window.js';
export { SmartCache, sampleBytes, type SmartCacheOptions, type SmartCacheStats } from './smart-cache.js';
