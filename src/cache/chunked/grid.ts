import { VoxelpipeError } from '../../util/errors.js';
import type { VoxelArray } from '../../volume/dtype.js';

/**
 * The chunk grid of one stored image and the copies between chunks and
 * boxes. Memory order is voxelpipe's: first axis fastest, for the array and
 * for every chunk, so a chunk is a small array of the same layout as the
 * volume. Chunks are numbered in that order too (chunk (i, j, k) has number
 * i + nI * (j + nJ * k)), which keeps the chunks along the first axis next to
 * each other in the file. Edge chunks are clipped to the array: a chunk
 * holds only voxels that exist.
 *
 * A grid covers every axis of the stored shape: the spatial axes get the
 * chunk shape asked for, the channel (and batch) axes get 1, so one chunk
 * never mixes channels.
 */
export class ChunkGrid {
  /** The array's full shape (spatial axes, then channels). */
  readonly shape: readonly number[];
  /** Chunk extent along each axis of `shape`. */
  readonly chunk: readonly number[];
  /** Chunks along each axis. */
  readonly counts: readonly number[];
  /** Number of chunks. */
  readonly size: number;

  constructor(shape: readonly number[], chunk: readonly number[]) {
    if (chunk.length !== shape.length) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunk grid: chunk shape [${chunk}] does not match array shape [${shape}]`);
    for (let a = 0; a < shape.length; a++) {
      if (!Number.isSafeInteger(shape[a]) || shape[a] < 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunk grid: bad array shape [${shape}]`);
      if (!Number.isSafeInteger(chunk[a]) || chunk[a] < 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chunk grid: bad chunk shape [${chunk}]`);
    }
    this.shape = [...shape];
    this.chunk = shape.map((s, a) => Math.min(s, chunk[a]));
    this.counts = shape.map((s, a) => Math.ceil(s / this.chunk[a]));
    this.size = this.counts.reduce((p, c) => p * c, 1);
  }

  /** The grid coordinates of chunk number `n`. */
  coords(n: number): number[] {
    const out: number[] = [];
    for (const c of this.counts) {
      out.push(n % c);
      n = Math.floor(n / c);
    }
    return out;
  }

  /** The voxel box [lo, hi) chunk number `n` covers. */
  box(n: number): { lo: number[]; hi: number[] } {
    const g = this.coords(n);
    const lo = g.map((c, a) => c * this.chunk[a]);
    return { lo, hi: lo.map((l, a) => Math.min(this.shape[a], l + this.chunk[a])) };
  }

  /** Voxels in chunk number `n` (edge chunks are smaller). */
  voxels(n: number): number {
    const { lo, hi } = this.box(n);
    let v = 1;
    for (let a = 0; a < lo.length; a++) v *= hi[a] - lo[a];
    return v;
  }

  /**
   * The chunks a box [lo, hi) touches, in file order (ascending numbers).
   * Parts of the box outside the array touch nothing.
   */
  touched(lo: readonly number[], hi: readonly number[]): number[] {
    const first: number[] = [];
    const last: number[] = [];
    for (let a = 0; a < this.shape.length; a++) {
      const l = Math.max(0, lo[a]);
      const h = Math.min(this.shape[a], hi[a]);
      if (h <= l) return [];
      first.push(Math.floor(l / this.chunk[a]));
      last.push(Math.floor((h - 1) / this.chunk[a]));
    }
    const out: number[] = [];
    const g = [...first];
    for (;;) {
      let n = 0;
      for (let a = this.shape.length - 1; a >= 0; a--) n = n * this.counts[a] + g[a];
      out.push(n);
      let a = 0;
      for (; a < g.length; a++) {
        if (++g[a] <= last[a]) break;
        g[a] = first[a];
      }
      if (a === g.length) return out;
    }
  }
}

/**
 * Copies the part of a chunk (its voxels in `chunk`, covering the array box
 * [cLo, cHi)) that lies in the destination box [bLo, bHi) into `out`, which
 * holds that box in the same memory order. Rows along the first axis are
 * copied element by element below ROW_SET voxels (a `subarray` + `set` per
 * short row costs more than the loop) and with `set` above.
 */
export function copyChunkToBox(
  chunk: VoxelArray,
  cLo: readonly number[],
  cHi: readonly number[],
  out: VoxelArray,
  bLo: readonly number[],
  bHi: readonly number[],
): void {
  const rank = cLo.length;
  if (rank > 4) return copyChunkToBoxN(chunk, cLo, cHi, out, bLo, bHi);
  // Up to 4 axes as nested loops (x runs, then y, z, channel); missing axes have extent 1.
  const lo = [0, 0, 0, 0];
  const hi = [1, 1, 1, 1];
  const cl = [0, 0, 0, 0];
  const ce = [1, 1, 1, 1];
  const bl = [0, 0, 0, 0];
  const be = [1, 1, 1, 1];
  for (let a = 0; a < rank; a++) {
    lo[a] = Math.max(cLo[a], bLo[a]);
    hi[a] = Math.min(cHi[a], bHi[a]);
    if (hi[a] <= lo[a]) return;
    cl[a] = cLo[a];
    ce[a] = cHi[a] - cLo[a];
    bl[a] = bLo[a];
    be[a] = bHi[a] - bLo[a];
  }
  const run = hi[0] - lo[0];
  const cY = ce[0];
  const cZ = cY * ce[1];
  const cC = cZ * ce[2];
  const bY = be[0];
  const bZ = bY * be[1];
  const bC = bZ * be[2];
  const long = run >= ROW_SET;
  for (let c = lo[3]; c < hi[3]; c++)
    for (let z = lo[2]; z < hi[2]; z++) {
      let ci = (lo[0] - cl[0]) + (lo[1] - cl[1]) * cY + (z - cl[2]) * cZ + (c - cl[3]) * cC;
      let bi = (lo[0] - bl[0]) + (lo[1] - bl[1]) * bY + (z - bl[2]) * bZ + (c - bl[3]) * bC;
      for (let y = lo[1]; y < hi[1]; y++, ci += cY, bi += bY) {
        if (long) out.set(chunk.subarray(ci, ci + run), bi);
        else for (let x = 0; x < run; x++) out[bi + x] = chunk[ci + x];
      }
    }
}

/** Rows at least this long are copied with `set` (measured: shorter ones copy faster in a loop). */
const ROW_SET = 16;

/** copyChunkToBox for any rank. */
function copyChunkToBoxN(
  chunk: VoxelArray,
  cLo: readonly number[],
  cHi: readonly number[],
  out: VoxelArray,
  bLo: readonly number[],
  bHi: readonly number[],
): void {
  const rank = cLo.length;
  const lo: number[] = new Array(rank);
  const hi: number[] = new Array(rank);
  for (let a = 0; a < rank; a++) {
    lo[a] = Math.max(cLo[a], bLo[a]);
    hi[a] = Math.min(cHi[a], bHi[a]);
    if (hi[a] <= lo[a]) return;
  }
  const cs: number[] = new Array(rank);
  const bs: number[] = new Array(rank);
  cs[0] = 1;
  bs[0] = 1;
  for (let a = 1; a < rank; a++) {
    cs[a] = cs[a - 1] * (cHi[a - 1] - cLo[a - 1]);
    bs[a] = bs[a - 1] * (bHi[a - 1] - bLo[a - 1]);
  }
  const run = hi[0] - lo[0];
  const g = lo.slice();
  for (;;) {
    let ci = 0;
    let bi = 0;
    for (let a = 0; a < rank; a++) {
      ci += (g[a] - cLo[a]) * cs[a];
      bi += (g[a] - bLo[a]) * bs[a];
    }
    if (run >= ROW_SET) out.set(chunk.subarray(ci, ci + run), bi);
    else for (let x = 0; x < run; x++) out[bi + x] = chunk[ci + x];
    if (!advance(g, lo, hi)) return;
  }
}

/** Sets the voxels of chunk box [cLo, cHi) that lie in box [bLo, bHi) to `value` (a constant chunk). */
export function fillBox(value: number, cLo: readonly number[], cHi: readonly number[], out: VoxelArray, bLo: readonly number[], bHi: readonly number[]): void {
  const rank = cLo.length;
  const lo: number[] = new Array(rank);
  const hi: number[] = new Array(rank);
  for (let a = 0; a < rank; a++) {
    lo[a] = Math.max(cLo[a], bLo[a]);
    hi[a] = Math.min(cHi[a], bHi[a]);
    if (hi[a] <= lo[a]) return;
  }
  const bs: number[] = new Array(rank);
  bs[0] = 1;
  for (let a = 1; a < rank; a++) bs[a] = bs[a - 1] * (bHi[a - 1] - bLo[a - 1]);
  const run = hi[0] - lo[0];
  const g = lo.slice();
  for (;;) {
    let bi = 0;
    for (let a = 0; a < rank; a++) bi += (g[a] - bLo[a]) * bs[a];
    out.fill(value, bi, bi + run);
    if (!advance(g, lo, hi)) return;
  }
}

/** The reverse of copyChunkToBox for writing: the voxels of chunk box [cLo, cHi) gathered from the whole array `src` into `out`. */
export function gatherChunk(src: VoxelArray, shape: readonly number[], cLo: readonly number[], cHi: readonly number[], out: VoxelArray): void {
  const rank = shape.length;
  const ss: number[] = new Array(rank);
  ss[0] = 1;
  for (let a = 1; a < rank; a++) ss[a] = ss[a - 1] * shape[a - 1];
  const run = cHi[0] - cLo[0];
  const g = cLo.slice();
  let k = 0;
  for (;;) {
    let si = 0;
    for (let a = 0; a < rank; a++) si += g[a] * ss[a];
    out.set(src.subarray(si, si + run), k);
    k += run;
    if (!advance(g, cLo, cHi)) return;
  }
}

/** Steps `g` to the next row (axes 1 and up, first fastest) of box [lo, hi); false after the last row. */
function advance(g: number[], lo: readonly number[], hi: readonly number[]): boolean {
  for (let a = 1; a < g.length; a++) {
    if (++g[a] < hi[a]) return true;
    g[a] = lo[a];
  }
  return false;
}
