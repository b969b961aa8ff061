export * from './types.js';
export { createSampler, epochOrder, validateSamplingOptions } from './sampler.js';
export { shard, shardLength, globalPosition } from './shard.js';
export { rankFromEnv, resolveRank, type RankInfo } from './rank.js';
