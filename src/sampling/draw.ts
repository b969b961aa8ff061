/**
 * The random primitives of the sampler: a Fisher-Yates shuffle, weighted
 * draws with replacement, and "as even as possible" picks from a category.
 * Each takes the `Rng` it draws from; none keeps state of its own.
 */
import type { Rng } from '../util/rng.js';

/** Shuffles `a` in place (Fisher-Yates, unbiased: `rng.int` has no modulo bias). */
export function shuffleInPlace(a: Uint32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Draws indices with probability proportional to non-negative weights,
 * by Vose's alias method: O(n) to build, O(1) per draw (one uniform, two
 * array reads; a binary search on running sums was 4x slower at 100,000
 * items, its reads missing the cache). Zero-weight indices are left out of
 * the table, so they can never be drawn, whatever the rounding.
 */
export class WeightedTable {
  /** The indices with a positive weight. */
  private readonly ids: Uint32Array;
  /** Column k keeps its own index with probability prob[k], else gives alias[k]. */
  private readonly prob: Float64Array;
  private readonly alias: Uint32Array;

  /** `weights` must be finite, >= 0, and not all zero (the caller validates). */
  constructor(weights: ArrayLike<number>) {
    let total = 0, m = 0;
    for (let i = 0; i < weights.length; i++) {
      total += weights[i];
      if (weights[i] > 0) m++;
    }
    if (!(total > 0) || !Number.isFinite(total)) throw new RangeError('WeightedTable: weights must be finite with a positive sum');
    this.ids = new Uint32Array(m);
    for (let i = 0, k = 0; i < weights.length; i++) if (weights[i] > 0) this.ids[k++] = i;
    const scaled = new Float64Array(m);
    for (let k = 0; k < m; k++) scaled[k] = (weights[this.ids[k]] * m) / total;
    this.prob = new Float64Array(m);
    this.alias = new Uint32Array(m);
    // Columns below 1 are filled up from columns above 1 (two stacks in one array: small from the start, large from the end).
    const stack = new Uint32Array(m);
    let nSmall = 0, nLarge = 0;
    for (let k = 0; k < m; k++) {
      if (scaled[k] < 1) stack[nSmall++] = k;
      else stack[m - 1 - nLarge++] = k;
    }
    while (nSmall > 0 && nLarge > 0) {
      const s = stack[--nSmall];
      const l = stack[m - nLarge];
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) {
        nLarge--;
        stack[nSmall++] = l;
      }
    }
    // What is left is 1 up to rounding.
    while (nLarge > 0) this.prob[stack[m - nLarge--]] = 1;
    while (nSmall > 0) this.prob[stack[--nSmall]] = 1;
  }

  draw(rng: Rng): number {
    const m = this.ids.length;
    const u = rng.random() * m; // < m: random() < 1 and the product rounds below m
    const k = Math.floor(u);
    return this.ids[u - k < this.prob[k] ? k : this.alias[k]];
  }
}

/**
 * Picks `count` of `members` into `out` from `offset`. Each member is taken
 * floor(count / m) times, and a uniformly random subset of
 * count mod m members (without replacement) once more: when the category
 * is large enough this is a plain random subset; when it is smaller every
 * member is used, as evenly as possible, instead of i.i.d. draws that would
 * leave some out. Order within the block is member order, then subset order.
 */
export function pickEvenly(members: Uint32Array, count: number, rng: Rng, out: Uint32Array, offset: number): void {
  const m = members.length;
  const whole = Math.floor(count / m);
  let o = offset;
  for (let r = 0; r < whole; r++) for (let i = 0; i < m; i++) out[o++] = members[i];
  const rest = count - whole * m;
  if (rest === 0) return;
  // Partial Fisher-Yates: the first `rest` slots of a shuffled copy.
  const pool = members.slice();
  for (let i = 0; i < rest; i++) {
    const j = rng.int(i, m);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
    out[o++] = pool[i];
  }
}
