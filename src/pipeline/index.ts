export * from './batch.js';
export * from './options.js';
export { assembleBatch, splitCropBatches, type BatchLayout } from './assemble.js';
export { createPipeline, PIPELINE_DEFAULTS, type Pipeline, type PipelineMetrics, type EpochOptions } from './engine.js';
export { WorkerPool, serializeError, deserializeError, type PoolOptions, type PoolStats, type RunOptions } from './pool.js';
export { serveTasks, type TaskOutput } from './pool-worker.js';
export { networkShape, writeNetworkLayout, allocOutput } from './layout.js';
export { createProcessor, itemSource, type ProcessorConfig, type SampleTask, type SampleResult, type FieldRows } from './sample-processor.js';
export { pipelineOptionsFromSpec, chainEntry, labelEncoding, type RunOverrides } from './from-config.js';
