import { VoxelpipeError } from '../util/errors.js';
import type { VoxelArray } from '../volume/dtype.js';

/**
 * Sliding-window ("scan window") inference over a whole volume, as Clara's
 * ScanWindowInferer and MONAI's `sliding_window_inference` (which began as
 * its port) do it:
 *
 * - a window side per axis is `roi_size` (-1: the image's side); where the
 *   image is smaller than a window it is padded, symmetrically, with
 *   `padding_value`, and the output cropped back;
 * - windows start every `floor(roi * (1 - overlap))` voxels (overlap 0.25 by
 *   default, MONAI's; MONAI 0.1's port of Clara used max(roi - 16, 0.75 roi),
 *   the same for windows up to 64), as many as needed to reach the end, the
 *   last one moved back to end at the border: every voxel is covered and no
 *   window hangs out;
 * - `batch_size` windows go through the model per run;
 * - overlapping outputs are averaged ("constant") or averaged with Gaussian
 *   weights centred on each window ("gaussian", sigma = sigma_scale x roi).
 *
 * Windows form a grid (every combination of per-axis starts) and the
 * Gaussian weights are a product of per-axis weights, so the weight summed
 * at a voxel is a product of three per-axis sums: no per-voxel count map
 * is kept.
 *
 * Layouts: the image is a chain image (first axis fastest, planar channels:
 * `[X, Y, Z, C]`); the model sees C-order `[n, C, x, y(, z)]` windows and
 * answers `[n, K, x, y(, z)]`; the result is a chain image `[X, Y, Z, K]`.
 */

export interface SlidingWindowOptions {
  /** Window side per spatial axis; -1 = the image's side. */
  roiSize: readonly number[];
  overlap: number;
  /** Windows per model run. */
  batchSize: number;
  blendMode: 'constant' | 'gaussian';
  sigmaScale: number;
  paddingValue: number;
}

/** Where the windows of one volume go. */
export interface WindowPlan {
  /** Spatial shape of the image. */
  shape: number[];
  /** Window side per axis (roi_size with -1 resolved). */
  roi: number[];
  /** Padding before the image on each axis (the image is at [pad, pad + size) of the padded grid). */
  padBefore: number[];
  /** Window starts per axis, in padded coordinates. */
  starts: number[][];
  /** Number of windows (the product of the per-axis counts). */
  count: number;
}

/** MONAI's per-axis window starts over a (padded) axis of `size` voxels. */
export function scanStarts(size: number, roi: number, overlap: number): number[] {
  const interval = roi === size ? roi : Math.max(1, Math.floor(roi * (1 - overlap)));
  const starts: number[] = [];
  for (let d = 0; ; d++) {
    const s = d * interval;
    starts.push(Math.max(0, s - Math.max(s + roi - size, 0)));
    if (s + roi >= size) break;
  }
  return starts;
}

export function planWindows(shape: readonly number[], roiSize: readonly number[], overlap: number): WindowPlan {
  if (roiSize.length !== shape.length)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `roi_size [${roiSize}] has ${roiSize.length} axes, the image [${shape}] has ${shape.length} spatial axes`);
  const roi = roiSize.map((r, a) => (r > 0 ? r : shape[a]));
  const padded = shape.map((s, a) => Math.max(s, roi[a]));
  const padBefore = shape.map((s, a) => Math.floor((padded[a] - s) / 2));
  const starts = padded.map((p, a) => scanStarts(p, roi[a], overlap));
  return { shape: [...shape], roi, padBefore, starts, count: starts.reduce((n, s) => n * s.length, 1) };
}

/** Per-axis blending weights of one window: ones, or a Gaussian centred on the window. */
export function axisWeights(roi: number, mode: 'constant' | 'gaussian', sigmaScale: number): Float64Array {
  const w = new Float64Array(roi);
  if (mode === 'constant') return w.fill(1);
  const sigma = sigmaScale * roi;
  const c = (roi - 1) / 2;
  for (let i = 0; i < roi; i++) w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  return w;
}

/** The input of the model for one run: `[n, C, ...window]` and the data. */
export interface ModelRun {
  data: Float32Array;
  dims: number[];
}

/** What the model answered: `[n, K, ...window]`. */
export interface ModelAnswer {
  data: VoxelArray | Float32Array | BigInt64Array | ArrayLike<number | bigint>;
  dims: readonly number[];
}

export type Predict = (run: ModelRun) => Promise<ModelAnswer>;

export interface WindowImage {
  /** Chain layout: first axis fastest, channels planar. */
  data: ArrayLike<number>;
  /** Spatial shape (2 or 3 axes). */
  shape: readonly number[];
  channels: number;
}

/** The blended output: chain layout `[...shape, K]`. */
export interface WindowResult {
  data: Float32Array;
  channels: number;
  windows: number;
}

/** Runs `predict` over every window of `img` and blends the answers. */
export async function slidingWindowInference(
  img: WindowImage,
  options: SlidingWindowOptions,
  predict: Predict,
  onProgress?: (done: number, total: number) => void,
): Promise<WindowResult> {
  const rank = img.shape.length;
  if (rank < 2 || rank > 3) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `sliding-window inference needs a 2D or 3D image, got spatial shape [${img.shape}]`);
  const plan = planWindows(img.shape, options.roiSize, options.overlap);
  // 2D runs as 3D with one slice; the model still sees rank-4 windows.
  const [X, Y, Z] = rank === 3 ? img.shape : [img.shape[0], img.shape[1], 1];
  const [rx, ry, rz] = rank === 3 ? plan.roi : [plan.roi[0], plan.roi[1], 1];
  const [px, py, pz] = rank === 3 ? plan.padBefore : [plan.padBefore[0], plan.padBefore[1], 0];
  const [sx, sy, sz] = rank === 3 ? plan.starts : [plan.starts[0], plan.starts[1], [0]];
  const C = img.channels;
  const wx = axisWeights(rx, options.blendMode, options.sigmaScale);
  const wy = axisWeights(ry, options.blendMode, options.sigmaScale);
  const wz = rank === 3 ? axisWeights(rz, options.blendMode, options.sigmaScale) : Float64Array.of(1);
  const windowVoxels = rx * ry * rz;
  const windows: [number, number, number][] = [];
  for (const a of sx) for (const b of sy) for (const c of sz) windows.push([a, b, c]);

  let acc: Float32Array | undefined;
  let K = 0;
  let done = 0;
  const src = img.data;
  const XY = X * Y;
  const XYZ = XY * Z;
  for (let first = 0; first < windows.length; first += options.batchSize) {
    const group = windows.slice(first, first + options.batchSize);
    const n = group.length;
    const input = new Float32Array(n * C * windowVoxels);
    const win: WindowGeometry = { X, Y, Z, rx, ry, rz, x0: 0, y0: 0, z0: 0 };
    group.forEach(([ox, oy, oz], b) => {
      const g = { ...win, x0: ox - px, y0: oy - py, z0: oz - pz };
      for (let c = 0; c < C; c++) readWindow(src, c, g, input, (b * C + c) * windowVoxels, options.paddingValue);
    });
    const dims = rank === 3 ? [n, C, rx, ry, rz] : [n, C, rx, ry];
    const answer = await predict({ data: input, dims });
    const k = checkAnswer(answer, dims);
    if (!acc) {
      K = k;
      acc = new Float32Array(XYZ * K);
    } else if (k !== K) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the model answered ${k} channels for one window and ${K} for another`);
    const out = answer.data instanceof Float32Array ? answer.data : Float32Array.from(answer.data as ArrayLike<number | bigint>, Number);
    const weights = options.blendMode === 'constant' ? undefined : { wx, wy, wz };
    group.forEach(([ox, oy, oz], b) => {
      const g = { ...win, x0: ox - px, y0: oy - py, z0: oz - pz };
      for (let ch = 0; ch < K; ch++) addWindow(out, (b * K + ch) * windowVoxels, g, acc!, XYZ * ch, weights);
    });
    done += n;
    onProgress?.(done, windows.length);
  }
  normalize(acc!, K, [X, Y, Z], [axisTotals(X, px, rx, sx, wx), axisTotals(Y, py, ry, sy, wy), axisTotals(Z, pz, rz, sz, wz)]);
  return { data: acc!, channels: K, windows: windows.length };
}

/** A window on the image: image size, window size, and the image coordinates of the window's first voxel (negative in the padding). */
interface WindowGeometry {
  X: number;
  Y: number;
  Z: number;
  rx: number;
  ry: number;
  rz: number;
  x0: number;
  y0: number;
  z0: number;
}

/** Window-local [lo, hi) of voxels that lie inside the image along one axis. */
const inside = (origin: number, roi: number, size: number): [number, number] => [Math.max(0, -origin), Math.min(roi, size - origin)];

/*
 * The transposition between the chain layout (x fastest) and the window's
 * C-order (z fastest) goes TILE x values at a time with z inside: reads of
 * the x-fastest side stay within a cache line, and the TILE rows of the
 * z-fastest side each advance one element per step (the same trick as the
 * batch layout, src/pipeline/layout.ts).
 */
const TILE = 8;

/** Copies channel `c` of the image under window `g` into `dst` at `off` (C-order [x][y][z]); voxels outside the image get `pad`. */
function readWindow(src: ArrayLike<number>, c: number, g: WindowGeometry, dst: Float32Array, off: number, pad: number): void {
  const { X, Y, Z, rx, ry, rz, x0, y0, z0 } = g;
  const [xa, xb] = inside(x0, rx, X);
  const [ya, yb] = inside(y0, ry, Y);
  const [za, zb] = inside(z0, rz, Z);
  if (xa > 0 || ya > 0 || za > 0 || xb < rx || yb < ry || zb < rz) dst.fill(pad, off, off + rx * ry * rz);
  const XY = X * Y;
  const sx = ry * rz;
  const base = X * Y * Z * c + x0 + X * y0 + XY * z0;
  for (let y = ya; y < yb; y++)
    for (let t = xa; t < xb; t += TILE) {
      const te = Math.min(t + TILE, xb);
      for (let z = za; z < zb; z++) {
        let si = base + t + X * y + XY * z;
        let di = off + t * sx + y * rz + z;
        for (let x = t; x < te; x++, si++, di += sx) dst[di] = src[si];
      }
    }
}

/** Adds the window answer at `off` (C-order [x][y][z]) into `acc` at `accOff` (x fastest), weighted when `w` is given; the padding is dropped. */
function addWindow(out: Float32Array, off: number, g: WindowGeometry, acc: Float32Array, accOff: number, w?: { wx: Float64Array; wy: Float64Array; wz: Float64Array }): void {
  const { X, Y, Z, rx, ry, rz, x0, y0, z0 } = g;
  const [xa, xb] = inside(x0, rx, X);
  const [ya, yb] = inside(y0, ry, Y);
  const [za, zb] = inside(z0, rz, Z);
  const XY = X * Y;
  const sx = ry * rz;
  const base = accOff + x0 + X * y0 + XY * z0;
  for (let y = ya; y < yb; y++)
    for (let t = xa; t < xb; t += TILE) {
      const te = Math.min(t + TILE, xb);
      for (let z = za; z < zb; z++) {
        let ai = base + t + X * y + XY * z;
        let oi = off + t * sx + y * rz + z;
        if (w) {
          const wyz = w.wy[y] * w.wz[z];
          for (let x = t; x < te; x++, ai++, oi += sx) acc[ai] += out[oi] * w.wx[x] * wyz;
        } else for (let x = t; x < te; x++, ai++, oi += sx) acc[ai] += out[oi];
      }
    }
}

/** The channel count of a model answer for `dims`, or a one-line error on any other shape. */
function checkAnswer(answer: ModelAnswer, dims: readonly number[]): number {
  const d = answer.dims;
  const want = `[${dims[0]}, K, ${dims.slice(2).join(', ')}]`;
  if (d.length !== dims.length || d[0] !== dims[0] || d.slice(2).some((v, i) => v !== dims[i + 2]) || !(d[1] >= 1))
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `the model answered [${d.join(', ')}] for the input [${dims.join(', ')}]; expected ${want} (the window's shape with K output channels)`,
    );
  const expected = d.reduce((a, b) => a * b, 1);
  if (answer.data.length !== expected)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the model's output holds ${answer.data.length} values, its shape [${d.join(', ')}] needs ${expected}`);
  return d[1];
}

/** Summed window weight at each voxel of one axis (image coordinates). */
function axisTotals(size: number, pad: number, roi: number, starts: readonly number[], w: Float64Array): Float64Array {
  const t = new Float64Array(size);
  for (const s of starts)
    for (let x = 0; x < roi; x++) {
      const i = s + x - pad;
      if (i >= 0 && i < size) t[i] += w[x];
    }
  return t;
}

function normalize(acc: Float32Array, K: number, [X, Y, Z]: number[], [tx, ty, tz]: Float64Array[]): void {
  const XYZ = X * Y * Z;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      const tyz = ty[y] * tz[z];
      const row = X * (y + Y * z);
      for (let x = 0; x < X; x++) {
        const inv = 1 / (tx[x] * tyz);
        for (let k = 0, p = row + x; k < K; k++, p += XYZ) acc[p] *= inv;
      }
    }
}
