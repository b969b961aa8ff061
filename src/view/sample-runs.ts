import type { Pipeline } from '../pipeline/engine.js';
import type { ChainStep } from '../transforms/chain.js';
import type { Sample } from '../transforms/image.js';
import { sampleBytes } from './fields.js';
import { HttpError } from './http.js';
import type { WorkQueue } from './work-queue.js';

/** One step of a sample's chain, as `onStep` reported it. */
export interface StepRecord {
  index: number;
  name: string;
  ms: number;
  random: boolean;
  args: Readonly<Record<string, unknown>>;
  draws?: Record<string, unknown>;
  output: Sample;
}

/** The chain run on the sample at (epoch, index): every step's output, or those before the transform that threw. */
export interface SampleRun {
  epoch: number;
  index: number;
  /** The datalist item (`pipeline.order(epoch)[index]`). */
  item: number;
  steps: StepRecord[];
  /** The one-line message of the transform that threw, if one did. */
  error?: string;
  bytes: number;
}

/**
 * The chain outputs of the samples the page looked at last, kept so that
 * clicking through steps and coming back costs no re-run. Each run is
 * exactly `pipeline.sample(epoch, index)`: what training sees there.
 * Memory: runs are dropped oldest first beyond `budgetBytes` (the newest is
 * always kept, whatever its size).
 */
export class SampleRuns {
  private readonly runs = new Map<string, Promise<SampleRun>>();
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly queue: WorkQueue,
    private readonly budgetBytes: number,
  ) {}

  /** Checks that the sample exists (404 otherwise) and returns its run. */
  get(epoch: number, index: number): Promise<SampleRun> {
    const order = this.pipeline.order(epoch);
    if (index >= order.length) throw new HttpError(404, `sample ${index} of epoch ${epoch} does not exist (the epoch has ${order.length}: 0..${order.length - 1})`);
    const key = `${epoch}:${index}`;
    let run = this.runs.get(key);
    if (run) {
      // Most recently used last.
      this.runs.delete(key);
      this.runs.set(key, run);
      return run;
    }
    run = this.queue.run(() => this.compute(epoch, index, order[index]));
    this.runs.set(key, run);
    run.then(
      (r) => {
        this.sizes.set(key, r.bytes);
        this.evict(key);
      },
      () => this.forget(key),
    );
    return run;
  }

  private async compute(epoch: number, index: number, item: number): Promise<SampleRun> {
    const steps: StepRecord[] = [];
    const onStep = (s: ChainStep) =>
      // `output` makes a lazy step's voxels (a value map or crop view not applied yet): the page shows them.
      steps.push({ index: s.index, name: s.name, ms: s.ns / 1e6, random: s.random, args: s.args, ...(s.draws ? { draws: s.draws } : {}), output: s.output });
    let error: string | undefined;
    try {
      await this.pipeline.sample(epoch, index, { onStep });
    } catch (e) {
      // A transform that throws on this sample: the page shows its one line and the steps before it.
      error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
    const seen = new Set<ArrayBufferLike>();
    const bytes = steps.reduce((n, s) => n + sampleBytes(s.output, seen), 0);
    return { epoch, index, item, steps, ...(error !== undefined ? { error } : {}), bytes };
  }

  private evict(newest: string): void {
    let total = 0;
    for (const n of this.sizes.values()) total += n;
    for (const key of this.runs.keys()) {
      if (total <= this.budgetBytes) break;
      if (key === newest || !this.sizes.has(key)) continue;
      total -= this.sizes.get(key)!;
      this.forget(key);
    }
  }

  private forget(key: string): void {
    this.runs.delete(key);
    this.sizes.delete(key);
  }
}
