import { shape3, type Grid } from './grid.js';

/** A box of voxels: `start` inclusive, `end` exclusive, per spatial axis. */
export interface Box {
  start: number[];
  end: number[];
}

/**
 * The smallest box holding every voxel > 0 of any block (channel), or
 * undefined when there is none. One pass; rows are scanned for their first
 * and last foreground voxel only while they could widen the box.
 */
export function foregroundBox(grid: Grid): Box | undefined {
  const [n0, n1, n2] = shape3(grid.shape);
  const src = grid.data;
  let lo0 = n0, hi0 = -1, lo1 = n1, hi1 = -1, lo2 = n2, hi2 = -1;
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    for (let k = 0; k < n2; k++) {
      for (let j = 0; j < n1; j++, o += n0) {
        let first = -1;
        for (let i = 0; i < n0; i++)
          if (src[o + i] > 0) {
            first = i;
            break;
          }
        if (first < 0) continue;
        let last = first;
        for (let i = n0 - 1; i > Math.max(first, hi0); i--)
          if (src[o + i] > 0) {
            last = i;
            break;
          }
        if (first < lo0) lo0 = first;
        if (last > hi0) hi0 = last;
        if (j < lo1) lo1 = j;
        if (j > hi1) hi1 = j;
        if (k < lo2) lo2 = k;
        if (k > hi2) hi2 = k;
      }
    }
  }
  if (hi0 < 0) return undefined;
  const rank = grid.shape.length;
  return { start: [lo0, lo1, lo2].slice(0, rank), end: [hi0 + 1, hi1 + 1, hi2 + 1].slice(0, rank) };
}
