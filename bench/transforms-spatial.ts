/**
 * Voxels per second of each spatial transform (and the rot90 kernel), on a
 * 96^3 float32 volume and, for the deterministic ones and the flips, on a
 * 512x512x100 one. Run: node --import tsx bench/transforms-spatial.ts
 *
 * "Mvox/s" counts input voxels (one channel) per second of CPU time (median
 * of several runs after a warm-up; each run includes allocating the output).
 * CPU time, not wall time, because helpers and CI may share the cores; the
 * wall time is printed beside it. An argument keeps only the cases whose
 * label contains it.
 */
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { TransformRegistry, type TransformEntry } from '../src/transforms/registry.js';
import type { ChainImage, Sample } from '../src/transforms/image.js';
import { spatialTransforms } from '../src/transforms/spatial/index.js';
import { rot90 } from '../src/transforms/kernels/index.js';
import { rngFor } from '../src/util/rng.js';
import { identity4 } from '../src/volume/affine.js';

const registry = new TransformRegistry();
for (const def of spatialTransforms) registry.register(def);

function volume(shape: [number, number, number], spacing: number[]): Sample {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  const [n0, n1, n2] = shape;
  for (let k = 0, o = 0; k < n2; k++)
    for (let j = 0; j < n1; j++)
      for (let i = 0; i < n0; i++, o++) {
        const r = ((i - n0 / 2) / (n0 / 3)) ** 2 + ((j - n1 / 2) / (n1 / 3)) ** 2 + ((k - n2 / 2) / (n2 / 3)) ** 2;
        label[o] = r < 1 ? 1 : 0;
        image[o] = 40 * label[o] + ((i * 7 + j * 13 + k * 29) % 50);
      }
  const affine = identity4();
  for (let a = 0; a < 3; a++) affine[a][a] = spacing[a];
  const base = { shape: [...shape, 1], spacing: [...spacing, 1], affine, meta: {}, batched: false };
  return {
    image: { ...base, data: image, dtype: 'float32' } as ChainImage,
    label: { ...base, data: label, dtype: 'uint8' } as ChainImage,
  };
}

interface Case {
  label: string;
  entry?: TransformEntry;
  /** Runs before timing (e.g. a resampling for RestoreOriginalShape to undo). */
  prepare?: TransformEntry;
  kernel?: (s: Sample) => unknown;
  big: boolean;
}

const CASES: Case[] = [
  { label: 'ScaleByResolution [1,1,1] linear', entry: { name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, 1, 1] } }, big: true },
  { label: 'ScaleByResolution [1,1,1] label', entry: { name: 'ScaleByResolution', args: { fields: 'label', target_resolution: [1, 1, 1], is_label: true } }, big: true },
  { label: 'ScaleByFactor 0.5', entry: { name: 'ScaleByFactor', args: { fields: 'image', factor: 0.5 } }, big: true },
  { label: 'ScaleToShape [128,128,64]', entry: { name: 'ScaleToShape', args: { fields: 'image', target_shape: [128, 128, 64] } }, big: true },
  { label: 'NPResize [128,128,64]', entry: { name: 'NPResize', args: { fields: 'image', output_shape: [128, 128, 64] } }, big: true },
  { label: 'SymmetricPadderDiv 64', entry: { name: 'SymmetricPadderDiv', args: { fields: 'image', div_int: 64 } }, big: true },
  { label: 'PadCropWithFixedSize [80,112,120]', entry: { name: 'PadCropWithFixedSize', args: { fields: 'image', size: [80, 112, 120] } }, big: true },
  { label: 'CropForeground margin 2', entry: { name: 'CropForeground', args: { fields: 'image', source_field: 'label', margin: 2 } }, big: true },
  { label: 'CropSubVolumeCenter [64,64,64]', entry: { name: 'CropSubVolumeCenter', args: { fields: 'image', size: [64, 64, 64] } }, big: true },
  {
    label: 'RestoreOriginalShape (undo ScaleByResolution)',
    prepare: { name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, 1, 1] } },
    entry: { name: 'RestoreOriginalShape', args: { field: 'image' } },
    big: true,
  },
  { label: 'RandomAxisFlip p=1', entry: { name: 'RandomAxisFlip', args: { fields: 'image', probability: 1 } }, big: true },
  { label: 'RandomSpatialFlip p=1 (all axes)', entry: { name: 'RandomSpatialFlip', args: { fields: 'image', probability: 1 } }, big: true },
  { label: 'rot90 kernel k=1 axes [0,1]', kernel: (s) => rot90({ data: (s.image as ChainImage).data, shape: (s.image as ChainImage).shape.slice(0, 3), blocks: 1 }, 1, [0, 1]), big: true },
  { label: 'RandomZoom 0.9..1.1 (image linear)', entry: { name: 'RandomZoom', args: { image_field: 'image' } }, big: false },
  { label: 'RandomZoom 0.9..1.1 (image + label)', entry: { name: 'RandomZoom', args: { image_field: 'image', label_field: 'label' } }, big: false },
  { label: 'RandomRotate2D +-15 (linear)', entry: { name: 'RandomRotate2D', args: { fields: 'image', angle: 15 } }, big: false },
  { label: 'RandomRotate3D +-15 (linear)', entry: { name: 'RandomRotate3D', args: { fields: 'image', probability: 1 } }, big: false },
  { label: 'RandomRotate3D +-15 (label, nearest)', entry: { name: 'RandomRotate3D', args: { fields: 'label', probability: 1 } }, big: false },
];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median CPU ms (user + system of this process) and wall ms per call, after warm-up calls. */
function time(fn: (i: number) => unknown, budgetMs: number, maxRuns: number, warmupMs: number): { cpu: number; wall: number } {
  // Warm-up: the JIT needs several calls before every branch a random draw
  // can take (edge fill or not, ...) has optimised code; a training run makes
  // thousands of calls, so the steady state is what matters.
  const w0 = performance.now();
  for (let w = 0; w < 2 || performance.now() - w0 < warmupMs; w++) fn(-1 - w);
  const cpu: number[] = [];
  const wall: number[] = [];
  const start = performance.now();
  for (let i = 0; i < maxRuns && (cpu.length < 3 || performance.now() - start < budgetMs); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(i);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

/** Optional substring of the case labels to run, e.g. `node --import tsx bench/transforms-spatial.ts Zoom`. */
const FILTER = process.argv[2];

const SIZES: { name: string; shape: [number, number, number]; spacing: number[]; big: boolean; budget: number }[] = [
  { name: '96^3', shape: [96, 96, 96], spacing: [0.8, 0.8, 1.5], big: false, budget: 400 },
  { name: '512x512x100', shape: [512, 512, 100], spacing: [0.8, 0.8, 2.5], big: true, budget: 900 },
];

/** Measures one case in this thread; returns the table cell. */
function measure(sizeIndex: number, caseIndex: number): string {
  const size = SIZES[sizeIndex];
  const c = CASES[caseIndex];
  const sample = volume(size.shape, size.spacing);
  let input = sample;
  if (c.prepare) input = registry.create(c.prepare, 'bench').apply(sample, { rng: rngFor(1, 0, 0, 0), record: () => {} });
  const t = c.entry ? registry.create(c.entry, 'bench') : undefined;
  const { cpu: ms, wall } = time(
    (i) => (t ? t.apply(input, { rng: rngFor(1, 0, i + 1, 0), record: () => {} }) : c.kernel!(input)),
    size.budget,
    size.big ? 4 : 15,
    size.big ? 0 : 400,
  );
  const inVox = c.prepare ? (input.image as ChainImage).data.length : size.shape[0] * size.shape[1] * size.shape[2];
  return `${((inVox / ms) * 1e-3).toFixed(0)} (${ms.toFixed(1)} / ${wall.toFixed(1)} ms)`;
}

/**
 * Each case runs in its own worker thread (its own V8 isolate), so that the
 * JIT's type feedback from one case (other array types, other edge modes)
 * does not slow the next: the numbers are each kernel's steady state.
 */
function inWorker(sizeIndex: number, caseIndex: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Workers do not inherit tsx's loader on Node 20: register it, then load this file.
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const w = new Worker(code, { eval: true, workerData: { sizeIndex, caseIndex } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

if (!isMainThread) {
  const { sizeIndex, caseIndex } = workerData as { sizeIndex: number; caseIndex: number };
  parentPort!.postMessage(measure(sizeIndex, caseIndex));
} else {
  const results = new Map<string, string[]>();
  for (let si = 0; si < SIZES.length; si++) {
    for (let ci = 0; ci < CASES.length; ci++) {
      const c = CASES[ci];
      if (SIZES[si].big && !c.big) continue;
      if (FILTER && !c.label.includes(FILTER)) continue;
      const row = results.get(c.label) ?? [c.label, '—', '—'];
      row[SIZES[si].big ? 2 : 1] = await inWorker(si, ci);
      results.set(c.label, row);
    }
  }
  console.log(`node ${process.version}, ${process.arch}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
  console.log('Mvox/s = input voxels per CPU second (median CPU ms / wall ms per call); CPU time because other processes may share the cores\n');
  console.log('| transform | 96^3 float32 | 512x512x100 float32 |');
  console.log('|---|---|---|');
  for (const r of results.values()) console.log(`| ${r.join(' | ')} |`);
}
