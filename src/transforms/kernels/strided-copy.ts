import type { VoxelArray } from '../../volume/dtype.js';
import { allocLike, copyRun } from './grid.js';

/**
 * The copy behind flips and 90-degree rotations: output voxel (o0, o1, o2) of
 * block b reads `src[b * blockSize + base + o0*st0 + o1*st1 + o2*st2]`.
 * Strides may be negative (a flip) or exchanged (a rotation). Rows whose
 * source stride is 1 are copied with one `set` (memcpy).
 */
export function stridedCopy(
  src: VoxelArray,
  outShape: readonly [number, number, number],
  base: number,
  strides: readonly [number, number, number],
  blocks: number,
): VoxelArray {
  const [n0, n1, n2] = outShape;
  const [st0, st1, st2] = strides;
  const blockSize = n0 * n1 * n2;
  const out = allocLike(src, blockSize * blocks);
  let o = 0;
  for (let b = 0; b < blocks; b++) {
    const bb = b * blockSize + base;
    for (let k = 0; k < n2; k++) {
      for (let j = 0; j < n1; j++) {
        let s = bb + k * st2 + j * st1;
        if (st0 === 1) {
          copyRun(out, o, src, s, s + n0);
          o += n0;
        } else {
          for (let i = 0; i < n0; i++, s += st0) out[o++] = src[s];
        }
      }
    }
  }
  return out;
}
