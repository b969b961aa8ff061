import { rngFor } from '../util/rng.js';

/**
 * Smart Cache's running window (Clara 3.x, CLARA-3.1.md §2.2): with M items,
 * N = num_cache_objects and R = ceil(N * replace_percent), epoch e holds the N
 * items starting at e * R in the window order, wrapping around; every epoch
 * R items leave and R enter. N >= M holds everything; R = 0 never moves.
 *
 * The window order is the datalist order, or one seeded permutation of it
 * when `shuffle` is on (fixed for the whole run, so the window walks every
 * item before it repeats one).
 */
export interface WindowOptions {
  /** Items in the datalist (M). */
  items: number;
  /** num_cache_objects (N). */
  size: number;
  /** replace_percent (r), in [0, 1]. */
  replacePercent: number;
  seed: number;
  shuffle: boolean;
}

/** Stream id of the window permutation, apart from the sampler's and every transform's. */
const WINDOW_STREAM = 0xfffffff1;

export class CacheWindow {
  readonly size: number;
  readonly replace: number;
  private readonly walk: number[];

  constructor(private readonly o: WindowOptions) {
    this.size = Math.min(o.size, o.items);
    this.replace = o.size >= o.items ? 0 : Math.ceil(o.size * o.replacePercent);
    this.walk = Array.from({ length: o.items }, (_, i) => i);
    if (o.shuffle && this.replace > 0) {
      const rng = rngFor(o.seed, 0, 0, WINDOW_STREAM);
      for (let i = this.walk.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [this.walk[i], this.walk[j]] = [this.walk[j], this.walk[i]];
      }
    }
  }

  /** Item indices cached during epoch `e`, ascending (so N >= M gives the plain datalist order). */
  itemsAt(e: number): number[] {
    const m = this.o.items;
    const start = (e * this.replace) % m;
    const out: number[] = [];
    for (let j = 0; j < this.size; j++) out.push(this.walk[(start + j) % m]);
    return out.sort((a, b) => a - b);
  }

  /** Items that enter the cache between epoch e and e + 1 (what the replacer prepares during e). */
  entering(e: number): number[] {
    const now = new Set(this.itemsAt(e));
    return this.itemsAt(e + 1).filter((i) => !now.has(i));
  }
}
