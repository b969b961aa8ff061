/**
 * Per-transform micro-benchmark: every catalogue definition that has
 * `example` args runs on synthetic inputs of 96^3 and 512x512x100 voxels,
 * with the `image` field float32 and int16, and reports millions of voxels
 * per second (voxels = the spatial size of the input, whatever the channels).
 *
 *     node --expose-gc --import tsx bench/transforms.ts [NameSubstring ...]
 *     npm run bench:transforms
 *
 * The sample every transform sees: `image` (1 channel, CT-like values),
 * `label` (uint8 0/1/2, two ellipsoids), `model` (2-channel float32
 * "prediction"). Loaders get `image` as the path of a .nii.gz of the same
 * data. Each cell is the median of repeated runs after one warm-up (at least
 * 3 runs and about 0.5 s), with a fresh key per run so random transforms draw
 * new parameters. Run with --expose-gc (the npm script does) so garbage is
 * collected between transforms. Fresh output allocation is part of the
 * cost: transforms allocate their output once per call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNifti } from '../src/io/nifti/write.js';
import { createDefaultRegistry } from '../src/transforms/catalogue.js';
import { createChain } from '../src/transforms/chain.js';
import type { ChainImage, Sample } from '../src/transforms/image.js';
import { identity4 } from '../src/volume/affine.js';
import type { VoxelArray } from '../src/volume/dtype.js';

const SIZES: [string, number[]][] = [
  ['96^3', [96, 96, 96]],
  ['512x512x100', [512, 512, 100]],
];
const DTYPES = ['float32', 'int16'] as const;
const filters = process.argv.slice(2);
const root = mkdtempSync(join(tmpdir(), 'voxelpipe-bench-'));

function chainImage(data: VoxelArray, spatial: number[], channels: number): ChainImage {
  const affine = identity4();
  affine[2][2] = 2.5;
  return { data, shape: [...spatial, channels], dtype: data instanceof Int16Array ? 'int16' : data instanceof Uint8Array ? 'uint8' : 'float32', spacing: [1, 1, 2.5, 1], affine, meta: {}, batched: false };
}

/** CT-like intensities (int16 range), uint8 ellipsoid labels, a 2-channel prediction. */
function makeInputs(spatial: number[]) {
  const [X, Y, Z] = spatial;
  const n = X * Y * Z;
  const ct = new Int16Array(n);
  const label = new Uint8Array(n);
  const model = new Float32Array(2 * n);
  for (let z = 0, i = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, i++) {
        const dx = (x - X * 0.4) / (X * 0.2), dy = (y - Y * 0.5) / (Y * 0.25), dz = (z - Z * 0.5) / (Z * 0.3);
        const r = dx * dx + dy * dy + dz * dz;
        const dx2 = (x - X * 0.7) / (X * 0.08);
        const r2 = dx2 * dx2 + dy * dy * 4 + dz * dz * 4;
        label[i] = r2 < 1 ? 2 : r < 1 ? 1 : 0;
        ct[i] = (r < 1.4 ? 60 : -900) + ((i * 2654435761) >>> 24) - 128;
        model[i] = 1 - r;
        model[n + i] = r - 1;
      }
  return { ct, label, model };
}

function fmt(mvox: number): string {
  return mvox >= 100 ? mvox.toFixed(0) : mvox >= 10 ? mvox.toFixed(1) : mvox.toFixed(2);
}

const registry = createDefaultRegistry();
const defs = registry.definitions().filter((d) => d.example && (filters.length === 0 || filters.some((f) => d.name.includes(f))));
const results = new Map<string, string[]>();
for (const d of defs) results.set(d.name, []);
const columns: string[] = [];

for (const [sizeName, spatial] of SIZES) {
  const { ct, label, model } = makeInputs(spatial);
  const nvox = spatial.reduce((a, b) => a * b, 1);
  for (const dtype of DTYPES) {
    columns.push(`${sizeName} ${dtype}`);
    const imageData = dtype === 'int16' ? ct : Float32Array.from(ct);
    const imagePath = join(root, `image-${sizeName}-${dtype}.nii.gz`);
    const img = chainImage(imageData, spatial, 1);
    writeNifti(imagePath, { ...img, shape: spatial, spacing: [1, 1, 2.5] }, { level: 1 });
    const base: Sample = { image: img, label: chainImage(label, spatial, 1), model: chainImage(model, spatial, 2) };
    for (const d of defs) {
      const sample: Sample = d.family === 'load' ? { ...base, image: imagePath } : base;
      let cell: string;
      // Collect the previous transform's garbage first, so it is not billed to this one.
      (globalThis as { gc?: () => void }).gc?.();
      try {
        const chain = createChain([{ name: d.name, args: d.example }], { registry, root });
        chain.apply(sample, { seed: 1, epoch: 0, index: 0 });
        const times: number[] = [];
        let total = 0;
        while (times.length < 3 || (total < 5e8 && times.length < 50)) {
          const t0 = process.hrtime.bigint();
          chain.apply(sample, { seed: 1, epoch: 0, index: times.length + 1 });
          const ns = Number(process.hrtime.bigint() - t0);
          times.push(ns);
          total += ns;
        }
        times.sort((a, b) => a - b);
        cell = fmt(nvox / (times[times.length >> 1] / 1e9) / 1e6);
      } catch (e) {
        cell = `error: ${(e as Error).message.slice(0, 60)}`;
      }
      results.get(d.name)!.push(cell);
      process.stderr.write(`${d.name} ${sizeName} ${dtype}: ${cell}\n`);
    }
  }
}
rmSync(root, { recursive: true, force: true });

console.log(`Transform throughput, million voxels/s (Node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log(`| transform | ${columns.join(' | ')} |`);
console.log(`|---|${columns.map(() => '---:').join('|')}|`);
for (const d of defs) console.log(`| ${d.name} | ${results.get(d.name)!.join(' | ')} |`);
console.log('\nValues in the millions mean the transform moves no voxels (it only changes metadata).');

// The runner's own cost per transform (context, provenance, timing), on a tiny image.
{
  const tiny: Sample = { image: chainImage(new Float32Array(8), [2, 2, 2], 1) };
  const entries = Array.from({ length: 10 }, () => ({ name: 'ConvertToChannelsFirst', args: { fields: 'image' } }));
  for (const provenance of [true, false]) {
    const chain = createChain(entries, { registry, provenance });
    const stats = chain.newStats();
    for (let i = 0; i < 2000; i++) chain.apply(tiny, { seed: 0, epoch: 0, index: i });
    const t0 = process.hrtime.bigint();
    const reps = 20000;
    for (let i = 0; i < reps; i++) chain.apply(tiny, { seed: 0, epoch: 0, index: i }, { stats });
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / reps / entries.length;
    console.log(`\nChain runner overhead (provenance ${provenance ? 'on' : 'off'}, with timing): ${us.toFixed(2)} µs per transform`);
  }
}
