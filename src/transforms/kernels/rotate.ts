import type { VoxelArray } from '../../volume/dtype.js';
import { allocInterpolated, shape3, type Grid, type Interpolation } from './grid.js';

/** A 3x3 matrix, row-major. */
export type Mat3 = readonly (readonly number[])[];

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
 * Rotation (or any linear map) about the grid centre c = (shape-1)/2,
 * keeping the shape: output voxel o reads input `c + M (o - c)`; positions
 * outside the input get `fill` (scipy's mode='constant'). Along a row only
 * the first axis changes, so the input coordinate advances by M's first
 * column: one addition per axis per voxel, then 8 taps (linear) or 1
 * (nearest). Linear output is float32 (float64 for float64 input).
 */
export function rotate(grid: Grid, m: Mat3, interpolation: Interpolation, fill = 0): VoxelArray {
  const [n0, n1, n2] = shape3(grid.shape);
  const c0 = (n0 - 1) / 2, c1 = (n1 - 1) / 2, c2 = (n2 - 1) / 2;
  const src = grid.data;
  const block = n0 * n1 * n2;
  const s1 = n0, s2 = n0 * n1;
  const out = allocInterpolated(src, block * grid.blocks, interpolation);
  const d0 = m[0][0], d1 = m[1][0], d2 = m[2][0];
  const hi0 = n0 - 1 + EPS, hi1 = n1 - 1 + EPS, hi2 = n2 - 1 + EPS;
  const linear = interpolation === 'linear';
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * block;
    for (let k = 0; k < n2; k++) {
      for (let j = 0; j < n1; j++) {
        const u1 = j - c1, u2 = k - c2;
        let p0 = c0 + m[0][0] * -c0 + m[0][1] * u1 + m[0][2] * u2;
        let p1 = c1 + m[1][0] * -c0 + m[1][1] * u1 + m[1][2] * u2;
        let p2 = c2 + m[2][0] * -c0 + m[2][1] * u1 + m[2][2] * u2;
        for (let i = 0; i < n0; i++, o++, p0 += d0, p1 += d1, p2 += d2) {
          if (p0 < -EPS || p0 > hi0 || p1 < -EPS || p1 > hi1 || p2 < -EPS || p2 > hi2) {
            out[o] = fill;
            continue;
          }
          const x = p0 < 0 ? 0 : p0 > n0 - 1 ? n0 - 1 : p0;
          const y = p1 < 0 ? 0 : p1 > n1 - 1 ? n1 - 1 : p1;
          const z = p2 < 0 ? 0 : p2 > n2 - 1 ? n2 - 1 : p2;
          if (!linear) {
            const xi = Math.min(n0 - 1, Math.floor(x + 0.5));
            const yi = Math.min(n1 - 1, Math.floor(y + 0.5));
            const zi = Math.min(n2 - 1, Math.floor(z + 0.5));
            out[o] = src[bb + xi + yi * s1 + zi * s2];
            continue;
          }
          const xf = Math.floor(x), yf = Math.floor(y), zf = Math.floor(z);
          const wx = x - xf, wy = y - yf, wz = z - zf;
          const dx = xf < n0 - 1 ? 1 : 0;
          const dy = yf < n1 - 1 ? s1 : 0;
          const dz = zf < n2 - 1 ? s2 : 0;
          const r = bb + xf + yf * s1 + zf * s2;
          const v00 = src[r] + (src[r + dx] - src[r]) * wx;
          const v01 = src[r + dy] + (src[r + dy + dx] - src[r + dy]) * wx;
          const v10 = src[r + dz] + (src[r + dz + dx] - src[r + dz]) * wx;
          const v11 = src[r + dz + dy] + (src[r + dz + dy + dx] - src[r + dz + dy]) * wx;
          const v0 = v00 + (v01 - v00) * wy;
          const v1 = v10 + (v11 - v10) * wy;
          out[o] = v0 + (v1 - v0) * wz;
        }
      }
    }
  }
  return out;
}
