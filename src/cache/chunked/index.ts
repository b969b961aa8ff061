export { ChunkedStore, type ChunkedStoreOptions, type ChunkedStoreStats, type ChunkedCounters, type PutOptions, type PutResult } from './store.js';
export { ChunkedItem, type ChunkedImageInfo, type BoxCost, type ReadBoxOptions } from './item.js';
export { DEFAULT_CHUNK_SHAPES, DEFAULT_CODEC, DEFAULT_AUTO_RATIO, chunkShapeFor, type ChunkingOptions } from './writer.js';
export { type CodecChoice, lz4Available } from './codecs.js';
export { foregroundFromIndices } from './fg-bg.js';
export { CHUNKED_FORMAT_VERSION } from './format.js';
export { ChunkGrid } from './grid.js';
export { type Usage } from './usage.js';
