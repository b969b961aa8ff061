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
 * weights of each axis are computed once into small tables. Linear output
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
  const n = shape3(grid.shape);
  const m = shape3(outShape);
  const id: AxisMap = { scale: 1, offset: 0 };
  const tables = [
    axisTable(n[0], m[0], maps[0] ?? id, 1, interpolation, edge),
    axisTable(n[1], m[1], maps[1] ?? id, n[0], interpolation, edge),
    axisTable(n[2], m[2], maps[2] ?? id, n[0] * n[1], interpolation, edge),
  ] as const;
  const out = allocInterpolated(grid.data, m[0] * m[1] * m[2] * grid.blocks, interpolation);
  if (interpolation === 'nearest') resampleNearest(grid, n, m, tables, out, fill);
  else resampleLinear(grid, n, m, tables, out, fill);
  return out;
}

type Tables = readonly [AxisTable, AxisTable, AxisTable];

/** One gather per output voxel through the three index tables. */
function resampleNearest(grid: Grid, n: readonly number[], m: readonly number[], [tx, ty, tz]: Tables, out: VoxelArray, fill: number): void {
  const src = grid.data;
  const [m0, m1, m2] = m;
  const inBlock = n[0] * n[1] * n[2];
  const x0 = tx.i0, okx = tx.ok;
  const allX = okx.every((v) => v === 1);
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * inBlock;
    for (let k = 0; k < m2; k++) {
      for (let j = 0; j < m1; j++) {
        if (!tz.ok[k] || !ty.ok[j]) {
          if (fill !== 0) out.fill(fill, o, o + m0);
          o += m0;
          continue;
        }
        const r = bb + tz.i0[k] + ty.i0[j];
        if (allX) for (let i = 0; i < m0; i++) out[o++] = src[r + x0[i]];
        else for (let i = 0; i < m0; i++) out[o++] = okx[i] ? src[r + x0[i]] : fill;
      }
    }
  }
}

/**
 * Separable linear resampling, one output plane at a time: a source plane is
 * resampled in x and y once into a small float64 cache (two planes, and two
 * x-resampled rows, slide along as z and y advance), then each output plane
 * blends its two source planes. Each step is a 2-tap blend over a
 * contiguous row, and no source row or plane is interpolated twice; only
 * the output is allocated at volume size.
 */
function resampleLinear(grid: Grid, n: readonly number[], m: readonly number[], [tx, ty, tz]: Tables, out: VoxelArray, fill: number): void {
  const src = grid.data;
  const [m0, m1, m2] = m;
  const inBlock = n[0] * n[1] * n[2];
  const okx = tx.ok;
  const allX = okx.every((v) => v === 1);
  const planeSize = m0 * m1;
  const cache: LinearCache = {
    planes: [new Float64Array(planeSize), new Float64Array(planeSize)],
    planeKeys: [-1, -1],
    rows: [new Float64Array(m0), new Float64Array(m0)],
    rowKeys: [-1, -1],
  };
  let o = 0;
  for (let b = 0; b < grid.blocks; b++) {
    const bb = b * inBlock;
    for (let k = 0; k < m2; k++, o += planeSize) {
      if (!tz.ok[k]) {
        if (fill !== 0) out.fill(fill, o, o + planeSize);
        continue;
      }
      const z0 = bb + tz.i0[k], z1 = bb + tz.i1[k], w = tz.w[k];
      const p0 = xyPlane(src, cache, z0, z1, tx, ty, m0, m1);
      const p1 = xyPlane(src, cache, z1, z0, tx, ty, m0, m1);
      for (let j = 0, q = 0; j < m1; j++, q += m0) {
        const oq = o + q;
        if (!ty.ok[j]) {
          if (fill !== 0) out.fill(fill, oq, oq + m0);
          continue;
        }
        if (allX) for (let i = 0; i < m0; i++) out[oq + i] = p0[q + i] + (p1[q + i] - p0[q + i]) * w;
        else for (let i = 0; i < m0; i++) out[oq + i] = okx[i] ? p0[q + i] + (p1[q + i] - p0[q + i]) * w : fill;
      }
    }
  }
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

/** Two xy-resampled source planes and two x-resampled source rows, keyed by their source offset. */
interface LinearCache {
  planes: Float64Array[];
  planeKeys: number[];
  rows: Float64Array[];
  rowKeys: number[];
}

/** Slot holding `key` (+2 when it had to be taken: the caller fills it), never the one holding `keep`. */
function slot(keys: number[], key: number, keep: number): number {
  if (keys[0] === key) return 0;
  if (keys[1] === key) return 1;
  const s = keys[0] === keep ? 1 : 0;
  keys[s] = key;
  return s + 2;
}

/** Source row at `off`, resampled along x. */
function xRow(src: VoxelArray, c: LinearCache, off: number, keep: number, tx: AxisTable, m0: number): Float64Array {
  const s = slot(c.rowKeys, off, keep);
  const r = c.rows[s & 1];
  if (s < 2) return r;
  const x0 = tx.i0, x1 = tx.i1, wx = tx.w;
  for (let i = 0; i < m0; i++) {
    const a = src[off + x0[i]];
    r[i] = a + (src[off + x1[i]] - a) * wx[i];
  }
  return r;
}

/** Source plane at `off`, resampled along x and y. */
function xyPlane(src: VoxelArray, c: LinearCache, off: number, keep: number, tx: AxisTable, ty: AxisTable, m0: number, m1: number): Float64Array {
  const s = slot(c.planeKeys, off, keep);
  const p = c.planes[s & 1];
  if (s < 2) return p;
  for (let j = 0, q = 0; j < m1; j++, q += m0) {
    if (!ty.ok[j]) continue;
    const a0 = off + ty.i0[j], a1 = off + ty.i1[j];
    const r0 = xRow(src, c, a0, a1, tx, m0);
    const r1 = xRow(src, c, a1, a0, tx, m0);
    const w = ty.w[j];
    for (let i = 0; i < m0; i++) p[q + i] = r0[i] + (r1[i] - r0[i]) * w;
  }
  return p;
}
