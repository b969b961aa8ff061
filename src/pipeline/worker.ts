// Worker-thread entry of the pipeline: builds the chain once, then serves samples.
import { workerData } from 'node:worker_threads';
import { serveTasks } from './pool-worker.js';
import { createProcessor, type ProcessorConfig, type SampleTask } from './sample-processor.js';

const processor = createProcessor(workerData as ProcessorConfig);
// Don't crash the thread on a bad chain: report it with the first task.
processor.catch(() => {});
serveTasks(async (payload) => (await processor)(payload as SampleTask));
