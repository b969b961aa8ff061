import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { WorkerPool, type PoolStats } from './pool.js';
import { createProcessor, type Processor, type ProcessorConfig, type WorkerTask } from './sample-processor.js';

/**
 * Where the chain runs: a pool of worker threads, or the calling thread
 * when there are none (`workers: 0`). Both run the same processor, so they
 * give the same bytes. The local processor also exists beside a pool: it
 * answers `sample()` (previews) and tells the prefix length.
 */

// The bundled entry of a build (one file: most of a worker's start-up is compiling modules),
// else the compiled entry, else the source one (tests run from source).
const WORKER_ENTRY = (() => {
  for (const name of ['./worker.bundle.js', './worker.js']) {
    const url = new URL(name, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return new URL('./worker.ts', import.meta.url);
})();

export class Executor {
  private readonly pool: WorkerPool | undefined;
  private localProcessor: Promise<Processor> | undefined;

  constructor(private readonly cfg: ProcessorConfig, workers: number, taskTimeoutMs: number) {
    if (workers > 0) this.pool = new WorkerPool({ filename: WORKER_ENTRY, size: workers, workerData: cfg, taskTimeoutMs });
  }

  /** The chain on this thread (built on first use). */
  local(): Promise<Processor> {
    this.localProcessor ??= createProcessor(this.cfg);
    return this.localProcessor;
  }

  /** Runs a task on a worker, or here. Cache filling is background work: samples the consumer waits for go first. */
  async run(task: WorkerTask): Promise<unknown> {
    if (this.pool) return this.pool.run(task, { priority: task.kind === 'prefix' ? 'low' : 'normal' });
    const p = await this.local();
    switch (task.kind) {
      case 'prefix':
        return p.prefix(task.item, false);
      case 'warm':
        return p.warm(task.item);
      case 'sample':
        return p.sample(task).result;
      case 'tail':
        return p.tail(task, task.cached).result;
    }
  }

  get stats(): PoolStats | undefined {
    return this.pool?.stats;
  }

  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
