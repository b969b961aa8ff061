import { createSampler, globalPosition, type Sampler, type SamplingItem, type SamplingOptions } from '../sampling/index.js';
import type { CacheWindow } from '../cache/window.js';

/**
 * What an epoch consists of, decided before anything runs: which items in
 * which order, the position that keys each sample's random streams, and
 * the units of work they become. Without a cache the epoch covers the
 * datalist; with Smart Cache it covers the window's items (Clara: an epoch
 * is a pass over the cache). With N >= M the window is the whole datalist,
 * so cached and uncached runs match bit for bit.
 *
 * A sample is one unit, or `parts` units when its chain makes several
 * batches of crops from one volume (Clara's batches_to_gen_at_once): unit k
 * makes crops k*b .. (k+1)*b - 1 of the same draws, so memory holds what is
 * in flight, not all of a volume's crops at once.
 */

export interface WorkUnit {
  /** Index of the sample in the epoch's order. */
  sample: number;
  /** The sample's position: its random streams' key. */
  position: number;
  itemIndex: number;
  /** Which part of the sample's crop batches, when it has several. */
  part?: { index: number; count: number };
}

export interface EpochPlan {
  epoch: number;
  /** Item index of each sample, in order. */
  items: number[];
  /** Position of each sample (global over ranks). */
  positions: number[];
  units: WorkUnit[];
}

export interface PlannerOptions {
  items: readonly SamplingItem[];
  sampling: SamplingOptions;
  /** The Smart Cache window, if there is one. */
  window?: CacheWindow;
  /** Units per sample (batches_to_gen_at_once when the chain can be split; else 1). */
  parts: number;
}

export class EpochPlanner {
  /** The sampler over the whole datalist (built once: it checks the sampling options up front). */
  readonly full: Sampler;

  constructor(private readonly o: PlannerOptions) {
    this.full = createSampler(o.items, o.sampling);
  }

  get rank(): number {
    return this.full.rank;
  }

  get worldSize(): number {
    return this.full.worldSize;
  }

  plan(e: number): EpochPlan {
    let sampler = this.full;
    let map: number[] | undefined;
    if (this.o.window) {
      map = this.o.window.itemsAt(e);
      if (map.length !== this.o.items.length) sampler = createSampler(map.map((i) => this.o.items[i]), this.o.sampling);
      else map = undefined;
    }
    const ord = sampler.order(e);
    const items = map ? ord.map((i) => map![i]) : ord;
    const positions = ord.map((_, j) => globalPosition(j, sampler.rank, sampler.worldSize));
    const units: WorkUnit[] = [];
    const g = this.o.parts;
    for (let j = 0; j < items.length; j++) {
      if (g <= 1) units.push({ sample: j, position: positions[j], itemIndex: items[j] });
      else for (let k = 0; k < g; k++) units.push({ sample: j, position: positions[j], itemIndex: items[j], part: { index: k, count: g } });
    }
    return { epoch: e, items, positions, units };
  }
}
