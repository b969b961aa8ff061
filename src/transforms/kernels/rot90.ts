import { shape3, type Grid } from './grid.js';
import { stridedCopy } from './strided-copy.js';
import type { VoxelArray } from '../../volume/dtype.js';

/**
 * `k` quarter turns in the plane of `axes`, from axes[0] towards axes[1]:
 * numpy's `np.rot90(a, k, axes)`. The two axes exchange sizes when k is odd,
 * so the new spatial shape is returned with the data. A strided copy.
 */
export function rot90(grid: Grid, k: number, axes: readonly [number, number] = [0, 1]): { data: VoxelArray; shape: number[] } {
  const rank = grid.shape.length;
  const [a, b] = axes;
  if (!(a >= 0 && a < rank && b >= 0 && b < rank && a !== b))
    throw new RangeError(`rot90: axes [${axes}] must be two different axes of shape [${grid.shape}]`);
  const s = shape3(grid.shape);
  const inStrides = [1, s[0], s[0] * s[1]];
  const q = ((k % 4) + 4) % 4;
  const outShape: [number, number, number] = [...s];
  const strides: [number, number, number] = [inStrides[0], inStrides[1], inStrides[2]];
  let base = 0;
  // numpy: k=1 -> out[.., i_a, .., i_b, ..] = in[.., i_b, .., n_b-1-i_a, ..]
  //        k=2 -> in[.., n_a-1-i_a, .., n_b-1-i_b, ..]
  //        k=3 -> in[.., n_a-1-i_b, .., i_a, ..]
  if (q === 1) {
    outShape[a] = s[b];
    outShape[b] = s[a];
    strides[a] = -inStrides[b];
    strides[b] = inStrides[a];
    base = (s[b] - 1) * inStrides[b];
  } else if (q === 2) {
    strides[a] = -inStrides[a];
    strides[b] = -inStrides[b];
    base = (s[a] - 1) * inStrides[a] + (s[b] - 1) * inStrides[b];
  } else if (q === 3) {
    outShape[a] = s[b];
    outShape[b] = s[a];
    strides[a] = inStrides[b];
    strides[b] = -inStrides[a];
    base = (s[a] - 1) * inStrides[a];
  }
  const data = stridedCopy(grid.data, outShape, base, strides, grid.blocks);
  return { data, shape: outShape.slice(0, rank) };
}
