import type { VoxelArray } from '../../volume/dtype.js';
import { allocInterpolated, shape3, type Grid, type Interpolation } from './grid.js';

/** One axis of an axis-aligned resampling: output voxel o reads input coordinate `offset + o * scale`. */
export interface AxisMap {
  scale: number;
  offset: number;
}

/**
 * What happens to coordinates beyond the first or last voxel centre:
 * 'clamp' reads the edge voxel (scipy's mode='nearest'); 'fill' writes the
 * fill value (scipy's mode='constant': no interpolation past the edges).
 */
export type Edge = 'clamp' | 'fill';

/** Tolerance on "inside the grid" so that round-off (e.g. n-1 + 1e-15) does not turn an edge voxel into fill. */
const EPS = 1e-9;

/**
 * Nearest-neighbour coordinates within this distance of a half-way point
 * count as ties and round up. Spacings come from float32 headers (0.8 is
 * stored as 0.800000012), so a coordinate the user's decimals put exactly
 * on a tie (e.g. 12 * 1.1 / 0.8 = 16.5) lands a few 1e-7 below it; without
 * this, such a row of labels would round the other way than the decimals
 * (and scipy on them) say.
 */
const TIE = 1e-4;

interface AxisTable {
  /** Index (premultiplied by the axis stride) of the lower tap, or of the nearest voxel. */
  i0: Int32Array;
  /** Index of the upper tap (linear only). */
  i1: Int32Array;
  /** Weight of the upper tap. */
  w: Float64Array;
  /** 0 where the output voxel lies outside the input ('fill' edge). */
  ok: Uint8Array;
}

function axisTable(n: number, m: number, map: AxisMap, stride: number, interpolation: Interpolation, edge: Edge): AxisTable {
  const t: AxisTable = { i0: new Int32Array(m), i1: new Int32Array(m), w: new Float64Array(m), ok: new Uint8Array(m) };
  for (let o = 0; o < m; o++) {
    let x = map.offset + o * map.scale;
    if (edge === 'fill' && (x < -EPS || x > n - 1 + EPS)) continue;
    t.ok[o] = 1;
    x = x < 0 ? 0 : x > n - 1 ? n - 1 : x;
    if (interpolation === 'nearest') {
      // Round half up (scipy's order-0 rule), with float32 spacing noise counted as a tie.
      t.i0[o] = Math.min(n - 1, Math.floor(x + 0.5 + TIE)) * stride;
      continue;
    }
    const f = Math.floor(x);
    t.i0[o] = f * stride;
    t.i1[o] = Math.min(f + 1, n - 1) * stride;
    t.w[o] = x - f;
  }
  return t;
}

/**
 * Axis-aligned resampling (scaling, resizing, zooming) of every block onto a
 * grid of `outShape`. Because the map is separable, the coordinates and
 * weights of each axis are computed once into small tables; the voxel loop
 * only gathers and blends (8 taps for linear, 1 for nearest). Linear output
 * is float32 (float64 for float64 input); nearest keeps the input type.
 */
export function resample(
  grid: Grid,
  outShape: readonly number[],
  maps: readonly AxisMap[],
  interpolation: Interpolation,
  edge: Edge = 'clamp',
  fill = 0,
): VoxelArray {
  const [n0, n1, n2] = shape3(grid.shape);
  const [m0, m1, m2] = shape3(outShape);
  const id: AxisMap = { scale: 1, offset: 0 };
  const tx = axisTable(n0, m0, maps[0] ?? id, 1, interpolation, edge);
  const ty = axisTable(n1, m1, maps[1] ?? id, n0, interpolation, edge);
  const tz = axisTable(n2, m2, maps[2] ?? id, n0 * n1, interpolation, edge);
  const src = grid.data;
  const inBlock = n0 * n1 * n2;
  const out = allocInterpolated(src, m0 * m1 * m2 * grid.blocks, interpolation);
  const { i0: x0, i1: x1, w: wx, ok: okx } = tx;
  const allX = okx.every((v) => v === 1);
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * inBlock;
    for (let k = 0; k < m2; k++) {
      const z0 = bb + tz.i0[k], z1 = bb + tz.i1[k], wz = tz.w[k];
      for (let j = 0; j < m1; j++) {
        if (!tz.ok[k] || !ty.ok[j]) {
          if (fill !== 0) out.fill(fill, o, o + m0);
          o += m0;
          continue;
        }
        const y0 = ty.i0[j], y1 = ty.i1[j], wy = ty.w[j];
        if (interpolation === 'nearest') {
          const r = z0 + y0;
          if (allX) for (let i = 0; i < m0; i++) out[o++] = src[r + x0[i]];
          else for (let i = 0; i < m0; i++) out[o++] = okx[i] ? src[r + x0[i]] : fill;
          continue;
        }
        const r00 = z0 + y0, r01 = z0 + y1, r10 = z1 + y0, r11 = z1 + y1;
        for (let i = 0; i < m0; i++, o++) {
          if (!allX && !okx[i]) {
            out[o] = fill;
            continue;
          }
          const a = x0[i], c = x1[i], w = wx[i];
          const v00 = src[r00 + a] + (src[r00 + c] - src[r00 + a]) * w;
          const v01 = src[r01 + a] + (src[r01 + c] - src[r01 + a]) * w;
          const v10 = src[r10 + a] + (src[r10 + c] - src[r10 + a]) * w;
          const v11 = src[r11 + a] + (src[r11 + c] - src[r11 + a]) * w;
          const v0 = v00 + (v01 - v00) * wy;
          const v1 = v10 + (v11 - v10) * wy;
          out[o] = v0 + (v1 - v0) * wz;
        }
      }
    }
  }
  return out;
}

/**
 * Zoom about the grid centre c = (n-1)/2 keeping the shape: output o reads
 * `c + (o - c) / factor` per axis, positions outside the input get `fill`.
 * factor > 1 magnifies. The kernel behind RandomZoom.
 */
export function zoom(grid: Grid, factors: readonly number[], interpolation: Interpolation, fill = 0): VoxelArray {
  const maps = grid.shape.map((n, a) => {
    const c = (n - 1) / 2;
    return { scale: 1 / factors[a], offset: c - c / factors[a] };
  });
  return resample(grid, grid.shape, maps, interpolation, 'fill', fill);
}
