import type { VoxelArray } from '../../volume/dtype.js';
import { allocLike, copyRun, shape3, type Grid } from './grid.js';

/** numpy.pad's boundary modes (how voxels outside the input are made up). */
export const PAD_MODES = ['constant', 'edge', 'reflect', 'symmetric', 'wrap'] as const;
export type PadMode = (typeof PAD_MODES)[number];

/** Source index of position `i` along an axis of length `n`, or -1 for "the constant". */
function sourceIndex(i: number, n: number, mode: PadMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      // d c b | a b c d | c b a  (edge voxel not repeated)
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
    case 'symmetric': {
      // c b a | a b c d | d c b  (edge voxel repeated)
      const p = 2 * n;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
  }
}

/**
 * The primitive behind every crop and pad: output voxel o reads input voxel
 * `o + offset` (per axis); positions outside the input follow `mode`
 * (numpy.pad's modes, `value` for 'constant'). A positive offset crops the
 * front of an axis, a negative one pads it. Reads only the voxels it keeps;
 * rows are copied with `set` where they are contiguous.
 */
export function window(grid: Grid, offset: readonly number[], outShape: readonly number[], mode: PadMode = 'constant', value = 0): VoxelArray {
  const [n0, n1, n2] = shape3(grid.shape);
  const [m0, m1, m2] = shape3(outShape);
  const off = [offset[0] ?? 0, offset[1] ?? 0, offset[2] ?? 0];
  const inBlock = n0 * n1 * n2;
  const outBlock = m0 * m1 * m2;
  const src = grid.data;
  const out = allocLike(src, outBlock * grid.blocks);
  // Per-axis source tables, premultiplied by the strides (-1: constant).
  const t1 = new Int32Array(m1);
  for (let j = 0; j < m1; j++) {
    const s = sourceIndex(j + off[1], n1, mode);
    t1[j] = s < 0 ? -1 : s * n0;
  }
  const t2 = new Int32Array(m2);
  for (let k = 0; k < m2; k++) {
    const s = sourceIndex(k + off[2], n2, mode);
    t2[k] = s < 0 ? -1 : s * n0 * n1;
  }
  const t0 = new Int32Array(m0);
  for (let i = 0; i < m0; i++) t0[i] = sourceIndex(i + off[0], n0, mode);
  // The run of the first axis that lies inside the input: copied in one go.
  const lo = Math.max(0, -off[0]);
  const hi = Math.min(m0, n0 - off[0]);
  const fillRowEdges = mode === 'constant' && value !== 0;
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * inBlock;
    for (let k = 0; k < m2; k++) {
      for (let j = 0; j < m1; j++, o += m0) {
        if (t1[j] < 0 || t2[k] < 0) {
          if (value !== 0) out.fill(value, o, o + m0);
          continue;
        }
        const row = bb + t2[k] + t1[j];
        if (hi > lo) copyRun(out, o + lo, src, row + lo + off[0], row + hi + off[0]);
        if (mode === 'constant') {
          if (fillRowEdges) {
            out.fill(value, o, o + Math.max(lo, 0));
            out.fill(value, o + Math.max(hi, lo), o + m0);
          }
        } else {
          for (let i = 0; i < lo; i++) out[o + i] = src[row + t0[i]];
          for (let i = Math.max(hi, lo); i < m0; i++) out[o + i] = src[row + t0[i]];
        }
      }
    }
  }
  return out;
}

/** A crop of `size` starting at `start` (both per axis); the box must lie inside the grid. */
export function crop(grid: Grid, start: readonly number[], size: readonly number[]): VoxelArray {
  for (let a = 0; a < grid.shape.length; a++)
    if (start[a] < 0 || start[a] + size[a] > grid.shape[a])
      throw new RangeError(`crop: box [${start}] + [${size}] leaves shape [${grid.shape}]`);
  return window(grid, start, size);
}

/** Pads `before[a]` voxels in front of and `after[a]` behind each axis. */
export function pad(grid: Grid, before: readonly number[], after: readonly number[], mode: PadMode = 'constant', value = 0): VoxelArray {
  const outShape = grid.shape.map((n, a) => n + before[a] + after[a]);
  return window(grid, before.map((p) => -p), outShape, mode, value);
}
