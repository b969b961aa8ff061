import type { VoxelArray } from '../../volume/dtype.js';
import { allocInterpolated, shape3, type Grid, type Interpolation } from './grid.js';

/** A 3x3 matrix, row-major. */
export type Mat3 = readonly (readonly number[])[];

/** Round-off allowed on "inside the grid", so a voxel exactly on the edge is not lost to fill. */
const EPS = 1e-9;

/** The rotation by `angle` radians in the plane of `axes`, embedded in 3x3: R = [[cos, -sin], [sin, cos]] on (axes[0], axes[1]). */
export function planeRotation(angle: number, axes: readonly [number, number]): number[][] {
  const m = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const [a, b] = axes;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  m[a][a] = c;
  m[a][b] = -s;
  m[b][a] = s;
  m[b][b] = c;
  return m;
}

export function matmul3(a: Mat3, b: Mat3): number[][] {
  const out = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  return out;
}

/**
 * The outputs i in [0, count) of a row whose input coordinate p + i d lies
 * in [-EPS, n - 1 + EPS]: [lo, hi] (empty when lo > hi).
 */
function insideRange(p: number, d: number, n: number, lo: number, hi: number): [number, number] {
  const a = -EPS, b = n - 1 + EPS;
  if (d === 0) return p >= a && p <= b ? [lo, hi] : [1, 0];
  let from = (a - p) / d, to = (b - p) / d;
  if (d < 0) [from, to] = [to, from];
  return [Math.max(lo, Math.ceil(from)), Math.min(hi, Math.floor(to))];
}

/**
 * Rotation (or any linear map) about the grid centre c = (shape-1)/2,
 * keeping the shape: output voxel o reads input `c + M (o - c)`; positions
 * outside the input get `fill` (scipy's mode='constant'). Along an output
 * row only the first index changes, so the input coordinate is linear in
 * it: the run of the row that falls inside the input is solved for once
 * per row, the voxels outside it are filled, and the voxels inside need no
 * bounds checks — just 8 taps (linear) or 1 (nearest). Linear output is
 * float32 (float64 for float64 input).
 */
export function rotate(grid: Grid, m: Mat3, interpolation: Interpolation, fill = 0): VoxelArray {
  const [n0, n1, n2] = shape3(grid.shape);
  const c0 = (n0 - 1) / 2, c1 = (n1 - 1) / 2, c2 = (n2 - 1) / 2;
  const src = grid.data;
  const block = n0 * n1 * n2;
  const s1 = n0, s2 = n0 * n1;
  const out = allocInterpolated(src, block * grid.blocks, interpolation);
  const d0 = m[0][0], d1 = m[1][0], d2 = m[2][0];
  // Lower taps stop one short of the last voxel so the upper tap stays inside (weight 1 at the edge).
  const l0 = Math.max(n0 - 2, 0), l1 = Math.max(n1 - 2, 0), l2 = Math.max(n2 - 2, 0);
  const dx = n0 > 1 ? 1 : 0, dy = n1 > 1 ? s1 : 0, dz = n2 > 1 ? s2 : 0;
  const linear = interpolation === 'linear';
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * block;
    for (let k = 0; k < n2; k++) {
      for (let j = 0; j < n1; j++, o += n0) {
        const u1 = j - c1, u2 = k - c2;
        const p0 = c0 - m[0][0] * c0 + m[0][1] * u1 + m[0][2] * u2;
        const p1 = c1 - m[1][0] * c0 + m[1][1] * u1 + m[1][2] * u2;
        const p2 = c2 - m[2][0] * c0 + m[2][1] * u1 + m[2][2] * u2;
        let [lo, hi] = insideRange(p0, d0, n0, 0, n0 - 1);
        [lo, hi] = insideRange(p1, d1, n1, lo, hi);
        [lo, hi] = insideRange(p2, d2, n2, lo, hi);
        if (lo > hi) {
          if (fill !== 0) out.fill(fill, o, o + n0);
          continue;
        }
        if (fill !== 0) {
          out.fill(fill, o, o + lo);
          out.fill(fill, o + hi + 1, o + n0);
        }
        if (!linear) {
          for (let i = lo; i <= hi; i++) {
            let xi = (p0 + i * d0 + 0.5) | 0, yi = (p1 + i * d1 + 0.5) | 0, zi = (p2 + i * d2 + 0.5) | 0;
            if (xi > n0 - 1) xi = n0 - 1;
            if (yi > n1 - 1) yi = n1 - 1;
            if (zi > n2 - 1) zi = n2 - 1;
            out[o + i] = src[bb + xi + yi * s1 + zi * s2];
          }
          continue;
        }
        for (let i = lo; i <= hi; i++) {
          const x = p0 + i * d0, y = p1 + i * d1, z = p2 + i * d2;
          // Truncation is floor here: coordinates are > -1e-9.
          let xf = x | 0, yf = y | 0, zf = z | 0;
          if (xf > l0) xf = l0;
          if (yf > l1) yf = l1;
          if (zf > l2) zf = l2;
          const wx = x - xf, wy = y - yf, wz = z - zf;
          const r = bb + xf + yf * s1 + zf * s2;
          const a = src[r], ay = src[r + dy], az = src[r + dz], ayz = src[r + dy + dz];
          const v00 = a + (src[r + dx] - a) * wx;
          const v01 = ay + (src[r + dy + dx] - ay) * wx;
          const v10 = az + (src[r + dz + dx] - az) * wx;
          const v11 = ayz + (src[r + dz + dy + dx] - ayz) * wx;
          const v0 = v00 + (v01 - v00) * wy;
          const v1 = v10 + (v11 - v10) * wy;
          out[o + i] = v0 + (v1 - v0) * wz;
        }
      }
    }
  }
  return out;
}
