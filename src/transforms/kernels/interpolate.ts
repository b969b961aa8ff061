import { shape3, type Grid } from './grid.js';

/**
 * torch.nn.functional.interpolate (what MONAI's Resize and Zoom call), one
 * separable pass per axis that changes size:
 * - 'nearest': input floor(o * n/m) (torch's legacy nearest, float32 scale);
 * - 'nearest-exact': floor((o + 0.5) * n/m);
 * - 'linear' (bilinear/trilinear): align_corners false reads (o + 0.5) n/m - 0.5
 *   (clamped at 0), true reads o (n-1)/(m-1);
 * - 'area': adaptive average pooling, the mean of input [floor(o n/m), ceil((o+1) n/m)).
 * float32 output, float64 inside.
 */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'area';

interface Taps {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

function taps(n: number, m: number, mode: InterpolateMode, alignCorners: boolean): Taps {
  const start = new Int32Array(m), count = new Int32Array(m);
  const index: number[] = [], weight: number[] = [];
  const scale = Math.fround(n / m);
  for (let o = 0; o < m; o++) {
    start[o] = index.length;
    if (mode === 'nearest' || mode === 'nearest-exact') {
      const x = mode === 'nearest' ? Math.fround(o * scale) : Math.fround((o + 0.5) * scale);
      index.push(Math.min(Math.floor(x), n - 1));
      weight.push(1);
    } else if (mode === 'area') {
      const s = Math.floor((o * n) / m), e = Math.ceil(((o + 1) * n) / m);
      for (let i = s; i < e; i++) {
        index.push(i);
        weight.push(1 / (e - s));
      }
    } else {
      let x = alignCorners ? (m > 1 ? (o * (n - 1)) / (m - 1) : 0) : Math.max(0, (o + 0.5) * (n / m) - 0.5);
      if (x > n - 1) x = n - 1;
      const f = Math.floor(x), w = x - f;
      index.push(f);
      weight.push(1 - w);
      if (w > 0 && f + 1 < n) {
        index.push(f + 1);
        weight.push(w);
      }
    }
    count[o] = index.length - start[o];
  }
  return { start, count, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/** Resizes along one axis: `src` of shape `n` to a new array with `n[axis]` = m. */
function resizeAxis(src: Float64Array, n: [number, number, number], axis: number, m: number, t: Taps): { data: Float64Array<ArrayBufferLike>; shape: [number, number, number] } {
  const shape: [number, number, number] = [...n];
  shape[axis] = m;
  const out = new Float64Array(shape[0] * shape[1] * shape[2]);
  const inStride = axis === 0 ? 1 : axis === 1 ? n[0] : n[0] * n[1];
  for (let k = 0; k < shape[2]; k++)
    for (let j = 0; j < shape[1]; j++)
      for (let i = 0; i < shape[0]; i++) {
        const o = axis === 0 ? i : axis === 1 ? j : k;
        const inBase = axis === 0 ? n[0] * (j + n[1] * k) : axis === 1 ? i + n[0] * n[1] * k : i + n[0] * j;
        let s = 0;
        for (let q = t.start[o], e = q + t.count[o]; q < e; q++) s += src[inBase + t.index[q] * inStride] * t.weight[q];
        out[i + shape[0] * (j + shape[1] * k)] = s;
      }
  return { data: out, shape };
}

/** Every block of `grid` resized to `outShape`. */
export function interpolate(grid: Grid, outShape: readonly number[], mode: InterpolateMode, alignCorners = false): Float32Array {
  const n0 = shape3(grid.shape);
  const m = shape3(outShape);
  const inBlock = n0[0] * n0[1] * n0[2];
  const outBlock = m[0] * m[1] * m[2];
  const out = new Float32Array(outBlock * grid.blocks);
  const tables = [0, 1, 2].map((a) => (n0[a] === m[a] ? undefined : taps(n0[a], m[a], mode, alignCorners)));
  for (let b = 0; b < grid.blocks; b++) {
    let data: Float64Array = new Float64Array(inBlock);
    for (let i = 0; i < inBlock; i++) data[i] = grid.data[b * inBlock + i];
    let shape: [number, number, number] = [...n0];
    for (let a = 0; a < 3; a++) {
      const t = tables[a];
      if (!t) continue;
      ({ data, shape } = resizeAxis(data, shape, a, m[a], t));
    }
    out.set(data, b * outBlock);
  }
  return out;
}
