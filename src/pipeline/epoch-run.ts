import type { EventEmitter } from 'node:events';
import type { Batch } from './batch.js';
import { BatchAssembler, splitUnit, type Assembled } from './batch-assembler.js';
import type { BatchLifetimes } from './batch-lifetime.js';
import type { BatchRing, RingLayout } from './batch-ring.js';
import { Dispatcher } from './dispatcher.js';
import type { EpochPlan } from './epoch-plan.js';
import type { MemoryBudget } from './memory-budget.js';
import type { SampleResult, UnitDest } from './sample-processor.js';
import type { Settings } from './settings.js';
import type { UnitSource } from './unit-source.js';

/** What the pipeline counts while epochs run (its metrics). */
export interface RunStats {
  epoch: number;
  samples: number;
  batches: number;
  skipped: number;
  retried: number;
  start: number;
  transformNs: number[];
  transformNames: string[];
  /** Units whose rows the main thread copied into place. */
  placed: number;
}

export interface EpochDeps {
  st: Settings;
  ring: BatchRing;
  lifetimes: BatchLifetimes;
  budget: MemoryBudget;
  /** Sizes the ring from the budget (once the layout is known, and when a unit needs more). */
  fitRing: (layout?: RingLayout) => void;
  units: UnitSource;
  stats: RunStats;
  events: EventEmitter;
  /** The running epoch's dispatcher, for the metrics (undefined between epochs). */
  onDispatcher: (d: Dispatcher<SampleResult> | undefined) => void;
}

/**
 * One epoch, straight through: the dispatcher starts each unit once its
 * batch has a ring slot, a worker writes the unit's rows into that slot,
 * the assembler takes units in order and turns each full slot into a
 * batch, and the lifetimes hand the batch over. A chain that cannot make a
 * volume's crop batches as parts (expand > 1) makes them in one unit, split here.
 */
export async function* runEpoch(d: EpochDeps, plan: EpochPlan, options: { signal?: AbortSignal; copy: boolean }): AsyncGenerator<Batch> {
  const { st, ring, lifetimes, stats, events } = d;
  const { o } = st;
  const e = plan.epoch;
  const P = st.unitsPerBatch;
  const expand = st.cropBatches > 1 && !st.splitParts ? st.cropBatches : 1;
  const units = plan.units;
  const asm = new BatchAssembler(
    { ring, unitsPerBatch: P, fields: st.fields, merge: st.merge, batchedByTransforms: o.batchedByTransforms ?? false, source: d.units.describe, onLayout: d.fitRing, counters: stats },
    e,
  );
  const dests: (UnitDest | undefined)[] = [];
  const dispatcher = new Dispatcher<SampleResult>({
    count: units.length,
    // Before the first unit tells the slot size, units make rows of their own: the first few only
    // (counted from the epoch's start), whose batches the ring can hold beside one slot for the rest.
    window: (taken) =>
      expand > 1 ? Math.max(1, st.workers) : ring.layout ? P * ring.maxSlots : Math.max(1, Math.min(Math.max(P, st.workers, 1), P * Math.max(1, ring.maxSlots - 1)) - taken),
    // A unit per worker: the next one is sent the moment one settles (a message costs ~0.1 ms,
    // a unit tens of ms), and no more batches are being filled, each holding a slot, than that needs.
    maxRunning: Math.max(1, st.workers),
    admit: (u) => {
      if (expand > 1) return;
      const dest = asm.admit(u);
      if (dest instanceof Promise) return dest.then((x) => void (dests[u] = x));
      dests[u] = dest;
    },
    run: (u) => d.units.run(e, units[u], dests[u]),
    signal: options.signal,
    onRetry: (u, err) => {
      stats.retried++;
      events.emit('warning', `${d.units.describe(units[u].itemIndex)}: ${err.message}; retrying the sample once`);
    },
    describe: (u) => d.units.describe(units[u].itemIndex),
  });
  d.onDispatcher(dispatcher);
  const hand = (a: Assembled): Batch => {
    stats.batches++;
    return lifetimes.hand(a, options.copy);
  };
  let finished = false;
  try {
    // A consumer's ask is counted when the generator resumes after a yield (the first ask holds nothing).
    for (let next = 0; ; ) {
      const s = await dispatcher.next();
      if (!s) break;
      const unit = units[s.index];
      dests[s.index] = undefined;
      d.units.taken(e, unit);
      if (!s.ok) {
        if (!o.skipBadSamples) throw s.error;
        stats.skipped++;
        events.emit('warning', `skipped sample ${unit.position} of epoch ${e}${unit.part ? ` (crop batch ${unit.part.index + 1} of ${unit.part.count})` : ''}: ${(s.error as Error)?.message ?? String(s.error)}`);
        continue;
      }
      count(stats, s.value);
      // A bigger unit than any before: the ring may have to shrink to stay in budget.
      if (d.budget.noteWork(s.value.workBytes)) d.fitRing();
      for (const r of expand > 1 ? splitUnit(s.value, expand, st.cropsPerBatch) : [s.value]) {
        const a = await asm.add(expand > 1 ? next : s.index, r);
        next++;
        if (a) {
          yield hand(a);
          lifetimes.asked();
        }
      }
    }
    const last = asm.finish();
    if (last) {
      yield hand(last);
      lifetimes.asked();
    }
    finished = true;
  } finally {
    if (!finished) {
      // Left early (break, error, abort): no unit may still write into a slot given back.
      await dispatcher.stop();
      asm.releaseUnused();
      d.units.forget(e);
    }
    d.onDispatcher(undefined);
  }
}

function count(stats: RunStats, r: SampleResult): void {
  r.timings.forEach((t, i) => (stats.transformNs[i] = (stats.transformNs[i] ?? 0) + t));
  stats.transformNames = r.names;
  if (!r.part || r.part.index === r.part.count - 1) stats.samples++;
}
