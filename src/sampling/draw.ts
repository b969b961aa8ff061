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
 * Draws indices with probability proportional to non-negative weights:
 * O(n) to build, O(log n) per draw (binary search on the running sums).
 * A zero-weight index is never drawn.
 */
export class WeightedTable {
  private readonly cumulative: Float64Array;
  private readonly total: number;
  private readonly lastPositive: number;

  /** `weights` must be finite, >= 0, and not all zero (the caller validates). */
  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i];
      this.cumulative[i] = sum;
      if (weights[i] > 0) last = i;
    }
    if (!(sum > 0) || !Number.isFinite(sum)) throw new RangeError('WeightedTable: weights must be finite with a positive sum');
    this.total = sum;
    this.lastPositive = last;
  }

  draw(rng: Rng): number {
    const x = rng.random() * this.total;
    // The first i with cumulative[i] > x; its own weight is > 0 because cumulative[i - 1] <= x.
    let lo = 0, hi = this.cumulative.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    // x can round up to `total` itself; that draw belongs to the last positive weight.
    return lo < this.cumulative.length ? lo : this.lastPositive;
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
