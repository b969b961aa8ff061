import type { EventEmitter } from 'node:events';
import { SmartCache, sampleBytes } from '../cache/smart-cache.js';
import type { Sample } from '../transforms/image.js';
import type { WorkUnit } from './epoch-plan.js';
import type { Executor } from './executor.js';
import type { MemoryBudget } from './memory-budget.js';
import type { ItemFields } from './options.js';
import { itemSource, type PrefixResult, type SampleResult, type SampleTask, type UnitDest } from './sample-processor.js';

/**
 * Runs one unit of work, from what it can start from: a Smart Cache
 * item's prefix output (the tail runs on a worker over shared memory), the
 * prefix output the crop batches of one volume share (batches_to_gen_at_once
 * parts: computed once, kept until its last part is taken), or the item's
 * files (the whole chain, persistent cache included, on a worker). Counts
 * the persistent cache's hits and misses.
 */
export class UnitSource {
  readonly disk = { hits: 0, misses: 0 };
  private readonly shared = new Map<string, Promise<Sample>>();

  constructor(
    private readonly o: {
      exec: Executor;
      items: readonly ItemFields[];
      cache?: SmartCache;
      budget: MemoryBudget;
      events: EventEmitter;
      /** A persistent cache is configured (hits and misses are counted). */
      persistent: boolean;
    },
  ) {}

  /** The prefix output of item `i`, on a worker (from the persistent cache when it has it). */
  readonly prefix = async (i: number): Promise<Sample> => {
    const p = (await this.o.exec.run({ kind: 'prefix', item: this.o.items[i] })) as PrefixResult;
    this.noteDisk(p.hit, p.warnings);
    return p.sample;
  };

  async run(e: number, unit: WorkUnit, dest: UnitDest | undefined): Promise<SampleResult> {
    const item = this.o.items[unit.itemIndex];
    const task: SampleTask = { epoch: e, position: unit.position, itemIndex: unit.itemIndex, item, ...(unit.part ? { part: unit.part } : {}), ...(dest ? { dest } : {}) };
    const cached = this.o.cache ? await this.o.cache.get(unit.itemIndex) : unit.part ? await this.partPrefix(e, unit) : undefined;
    if (cached) return (await this.o.exec.run({ kind: 'tail', cached, ...task })) as SampleResult;
    const r = (await this.o.exec.run({ kind: 'sample', ...task })) as SampleResult;
    if (r.cacheHit !== undefined) this.noteDisk(r.cacheHit, r.warnings ?? []);
    return r;
  }

  /** A unit was taken by the epoch: after a volume's last part, its shared prefix output goes. */
  taken(e: number, unit: WorkUnit): void {
    if (unit.part && unit.part.index === unit.part.count - 1) this.shared.delete(`${e}:${unit.sample}`);
  }

  /** The epoch ended early: its shared prefix outputs go. */
  forget(e: number): void {
    for (const k of [...this.shared.keys()]) if (k.startsWith(`${e}:`)) this.shared.delete(k);
  }

  private partPrefix(e: number, unit: WorkUnit): Promise<Sample> {
    const key = `${e}:${unit.sample}`;
    let p = this.shared.get(key);
    if (!p) {
      p = this.prefix(unit.itemIndex).then((s) => {
        this.o.budget.notePrefix(sampleBytes(s));
        return s;
      });
      this.shared.set(key, p);
    }
    return p;
  }

  private noteDisk(hit: boolean, warnings: readonly string[]): void {
    if (!this.o.persistent) return;
    hit ? this.disk.hits++ : this.disk.misses++;
    for (const w of warnings) this.o.events.emit('warning', w);
  }

  /** Names item `i` in messages (its image file). */
  readonly describe = (i: number): string => itemSource(this.o.items[i]);
}
