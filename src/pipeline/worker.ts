// Worker-thread entry of the pipeline: builds the chain once, then serves tasks.
import { workerData } from 'node:worker_threads';
import { serveTasks } from './pool-worker.js';
import { createProcessor, type ProcessorConfig, type WorkerTask } from './sample-processor.js';

const processor = createProcessor(workerData as ProcessorConfig);
// Don't crash the thread on a bad chain: the error is reported with the first task.
processor.catch(() => {});
serveTasks(async (payload) => {
  const p = await processor;
  const task = payload as WorkerTask;
  switch (task.kind) {
    case 'sample':
      return p.sample(task);
    case 'tail':
      return p.tail(task, task.cached);
    case 'warm':
      return { result: p.warm(task.item) };
    case 'prefix':
      // SharedArrayBuffer-backed arrays are shared, not copied, on the way back.
      return { result: p.prefix(task.item, true) };
  }
});
