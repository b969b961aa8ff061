/**
 * Splitting one global epoch order between ranks, as PyTorch's
 * DistributedSampler does: every rank computes the same global order, the
 * order is padded by wrapping around to its first entries until its length
 * is a multiple of the world size, and rank r takes positions
 * r, r + W, r + 2W, ... So all shards have the same length (ranks step in
 * lockstep, no rank waits at an epoch's end), the shards are disjoint as
 * positions, and together they cover the whole order; only the at most
 * W - 1 padding positions repeat items of the epoch's start.
 */

/** Length of every rank's shard of a global order of `globalLength` entries. */
export function shardLength(globalLength: number, worldSize: number): number {
  return Math.ceil(globalLength / worldSize);
}

/** Rank `rank`'s shard of `global` (see the module comment for the wrap-around rule). */
export function shard(global: ArrayLike<number>, rank: number, worldSize: number): number[] {
  const n = global.length;
  const length = shardLength(n, worldSize);
  const out = new Array<number>(length);
  // Position p >= n wraps to p mod n (mod, not p - n: a list shorter than the world wraps more than once).
  for (let j = 0, p = rank; j < length; j++, p += worldSize) out[j] = global[p < n ? p : p % n];
  return out;
}

/** The global position of entry j of rank `rank`'s shard: the sample index to key its random streams with. */
export function globalPosition(j: number, rank: number, worldSize: number): number {
  return rank + j * worldSize;
}
