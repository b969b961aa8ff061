import { shape3, type Grid } from './grid.js';
import { stridedCopy } from './strided-copy.js';
import type { VoxelArray } from '../../volume/dtype.js';

/**
 * Reverses the listed spatial axes (0 = i) of every block: numpy's
 * `np.flip(a, axis)`. A strided copy; the input is not modified. Flipping
 * twice along the same axes gives the input back, voxel for voxel.
 */
export function flip(grid: Grid, axes: number | readonly number[]): VoxelArray {
  const list = typeof axes === 'number' ? [axes] : axes;
  const s = shape3(grid.shape);
  const strides: [number, number, number] = [1, s[0], s[0] * s[1]];
  let base = 0;
  for (const a of new Set(list)) {
    if (!(a >= 0 && a < grid.shape.length)) throw new RangeError(`flip: axis ${a} out of range for shape [${grid.shape}]`);
    base += (s[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  return stridedCopy(grid.data, s, base, strides, grid.blocks);
}
