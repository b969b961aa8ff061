/**
 * Before/after of the hot-path kernels optimised for issue 9, in one process,
 * alternating (ABAB) so machine noise hits both sides alike. The "before"
 * kernels are the previous implementations, kept here verbatim.
 *
 *   node --import tsx bench/hot-path.ts [--runs N]
 *
 * Needs the bench data (`npm run bench` makes it in .bench-data/).
 */
import { join } from 'node:path';
import { readNifti } from '../src/io/index.js';
import { computeFgBgIndices } from '../src/transforms/crop/fg-bg-indices.js';
import { scaleIntensityRange } from '../src/transforms/intensity/scale-intensity-range.js';
import { linearMap } from '../src/transforms/intensity/linear-map.js';
import { writeNetworkLayout } from '../src/pipeline/layout.js';
import type { ChainImage } from '../src/transforms/image.js';
import type { VoxelArray } from '../src/volume/dtype.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 11;
const dir = join(process.cwd(), '.bench-data', 'spleen-12x512');
const vol = (f: string): ChainImage => {
  const v = readNifti(join(dir, f));
  return { ...v, shape: [...v.shape, 1], batched: false } as ChainImage;
};
const image = vol('imagesTr/spleen_0.nii.gz');
const label = vol('labelsTr/spleen_0.nii.gz');

// ---- before: the previous kernels ----
function fgBgBefore(data: Uint8Array) {
  const N = data.length;
  let nFg = 0;
  for (let i = 0; i < N; i++) nFg += data[i] > 0 ? 1 : 0;
  const want = nFg <= N - nFg;
  const indices = new Uint32Array(want ? nFg : N - nFg);
  let k = 0;
  for (let i = 0; i < N; i++) if (data[i] > 0 === want) indices[k++] = i;
  return indices;
}
function lutBefore(src: VoxelArray, table: VoxelArray, base: number, out: VoxelArray): void {
  if (base === 0) for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  else for (let i = 0; i < src.length; i++) out[i] = table[src[i] + base];
}
function sirBefore(img: ChainImage): Float32Array {
  const m = 1 / (164 + 57);
  const c = 57 * m;
  const table = new Float32Array(65536);
  for (let k = 0; k < 65536; k++) {
    let v = (k - 32768) * m + c;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    table[k] = v;
  }
  const out = new Float32Array(img.data.length);
  lutBefore(img.data, table, 32768, out);
  return out;
}
function layoutBefore(src: VoxelArray, X: number, Y: number, Z: number, B: number, out: VoxelArray): void {
  const n = X * Y * Z;
  for (let b = 0; b < B; b++)
    for (let k = 0; k < Z; k++)
      for (let j = 0; j < Y; j++) {
        let si = b * n + X * (j + Y * k);
        let di = b * n + j * Z + k;
        const step = Y * Z;
        for (let i = 0; i < X; i++, si++, di += step) out[di] = src[si];
      }
}
function mapBefore(src: VoxelArray, out: VoxelArray, m: number, c: number): void {
  for (let i = 0; i < src.length; i++) out[i] = src[i] * m + c;
}
// Warm the shared kernels with other type pairs, as a worker running a real chain does.
lutBefore(new Uint8Array(10), new Float32Array(256), 0, new Float64Array(10));
lutBefore(new Uint16Array(10), new Int16Array(65536), 0, new Int16Array(10));
for (const [a, b] of [[new Int16Array(9), new Float32Array(9)], [new Float64Array(9), new Float64Array(9)], [new Uint8Array(9), new Float32Array(9)]] as const) {
  mapBefore(a, b, 2, 1);
  linearMap({ data: a, shape: [9, 1], dtype: 'int16', spacing: [1], affine: [], meta: {}, batched: false } as unknown as ChainImage, 2, 1);
}

const crops: ChainImage = {
  data: new Float32Array(96 ** 3 * 4).map((_, i) => i % 977),
  shape: [96, 96, 96, 1, 4], dtype: 'float32', spacing: [1, 1, 1], affine: image.affine, meta: {}, batched: true,
} as ChainImage;
const cropOut = new Float32Array(crops.data.length);
// Labels go through the layout too (uint8 -> float32), as in a real worker.
const labelCrops = { ...crops, data: new Uint8Array(crops.data.length), dtype: 'uint8' } as ChainImage;
for (let r = 0; r < 3; r++) {
  writeNetworkLayout(labelCrops, 'channels_first', cropOut, 0);
  layoutBefore(labelCrops.data, 96, 96, 96, 4, cropOut);
}
const p = { a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true, dtype: 'float32' as const, a_offset: 0 };

const cases: [string, () => unknown, () => unknown][] = [
  ['fg/bg index, uint8 mask', () => fgBgBefore(label.data as Uint8Array), () => computeFgBgIndices(label)],
  ['ScaleIntensityRange, int16 CT', () => sirBefore(image), () => scaleIntensityRange(image, p)],
  ['linear map (oscillation), 4 x 96^3 f32', () => mapBefore(crops.data, new Float32Array(crops.data.length), 1.05, 0), () => linearMap(crops, 1.05, 0)],
  ['network layout, 4 x 96^3 float32', () => layoutBefore(crops.data, 96, 96, 96, 4, cropOut), () => writeNetworkLayout(crops, 'channels_first', cropOut, 0)],
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${image.shape.slice(0, 3).join('x')} volume, ${runs} alternating runs, median ms`);
for (const [name, before, after] of cases) {
  const tb: number[] = [];
  const ta: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const [f, t] of r % 2 ? ([[after, ta], [before, tb]] as const) : ([[before, tb], [after, ta]] as const)) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
  }
  console.log(`${name.padEnd(40)} before ${median(tb).toFixed(1).padStart(6)}  after ${median(ta).toFixed(1).padStart(6)}  (${(median(tb) / median(ta)).toFixed(1)}x)`);
}
