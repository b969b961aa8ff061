import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNifti } from '../io/nifti/write.js';
import { rngFor } from '../util/rng.js';
import { PNG } from 'pngjs';
import { ctLikeCase } from './ct-like.js';

/** What a generated dataset is: its datalist and where things are. */
export interface SyntheticDataset {
  /** Folder the datalist's relative paths join to. */
  dataRoot: string;
  /** The MSD-style datalist written there (dataset_0.json). */
  datalist: string;
  training: Record<string, unknown>[];
  validation: Record<string, unknown>[];
  /** Files written now (0 when everything was already there). */
  written: number;
}

export interface SegmentationDatasetOptions {
  dir: string;
  /** Training cases (validation cases come on top). */
  train: number;
  validation?: number;
  /** In-plane size (default 512). */
  size?: number;
  /** Slices: each case draws Z uniformly from this range (default [80, 120]). */
  slices?: [number, number];
  spacing?: [number, number, number];
  /** gzip level of the .nii.gz files (default 6, as most tools). */
  gzipLevel?: number;
  seed?: number;
  liver?: boolean;
}

/**
 * A spleen-like segmentation dataset in the MSD layout (imagesTr/,
 * labelsTr/, dataset_0.json). Files that already exist are kept, so a
 * benchmark generates its data once.
 */
export function makeSegmentationDataset(o: SegmentationDatasetOptions): SyntheticDataset {
  const size = o.size ?? 512;
  const [zlo, zhi] = o.slices ?? [80, 120];
  const seed = o.seed ?? 0;
  const n = o.train + (o.validation ?? 0);
  const rng = rngFor(seed, 0, 0, 0xfffffff9);
  const cases: Record<string, unknown>[] = [];
  let written = 0;
  for (let c = 0; c < n; c++) {
    const z = zlo + rng.int(0, zhi - zlo + 1);
    const image = `imagesTr/spleen_${c}.nii.gz`;
    const label = `labelsTr/spleen_${c}.nii.gz`;
    cases.push({ image, label });
    if (existsSync(join(o.dir, image)) && existsSync(join(o.dir, label))) continue;
    mkdirSync(join(o.dir, 'imagesTr'), { recursive: true });
    mkdirSync(join(o.dir, 'labelsTr'), { recursive: true });
    const v = ctLikeCase({ shape: [size, size, z], spacing: o.spacing, seed, index: c, liver: o.liver });
    writeNifti(join(o.dir, image), v.image, { level: o.gzipLevel ?? 6 });
    writeNifti(join(o.dir, label), v.label, { level: o.gzipLevel ?? 6 });
    written += 2;
  }
  const training = cases.slice(0, o.train);
  const validation = cases.slice(o.train);
  const datalist = join(o.dir, 'dataset_0.json');
  const labels = o.liver ? { '0': 'background', '1': 'spleen', '2': 'liver' } : { '0': 'background', '1': 'spleen' };
  writeFileSync(datalist, JSON.stringify({ name: 'SyntheticSpleen', description: 'voxelpipe synthetic CT-like volumes', labels, training, validation }, null, 2));
  return { dataRoot: o.dir, datalist, training, validation, written };
}

export interface ClassificationDatasetOptions {
  dir: string;
  /** Items per class, e.g. [70, 20, 10] for an imbalanced set. */
  perClass: number[];
  validationPerClass?: number;
  /** Image side in pixels (default 64). */
  size?: number;
  seed?: number;
}

/**
 * A 2D classification dataset of 8-bit grey PNGs: class k draws k + 1 bright
 * blobs on a noisy background, so a small network can learn it. Labels are
 * class indices; every item has a `weight` (inverse class frequency).
 */
export function makeClassificationDataset(o: ClassificationDatasetOptions): SyntheticDataset {
  const size = o.size ?? 64;
  const seed = o.seed ?? 0;
  const total = o.perClass.reduce((a, b) => a + b, 0);
  const entries = (perClass: number[], split: string) => {
    const out: Record<string, unknown>[] = [];
    perClass.forEach((count, k) => {
      for (let i = 0; i < count; i++) out.push({ image: `${split}/class${k}_${i}.png`, label: k, weight: total / (perClass.length * Math.max(1, o.perClass[k])) });
    });
    return out;
  };
  const training = entries(o.perClass, 'train');
  const validation = entries(o.perClass.map(() => o.validationPerClass ?? 0), 'val');
  let written = 0;
  [...training, ...validation].forEach((e, idx) => {
    const file = join(o.dir, String(e.image));
    if (existsSync(file)) return;
    mkdirSync(join(file, '..'), { recursive: true });
    const rng = rngFor(seed, 1, idx, 0xfffffff9);
    const px = new Uint8Array(size * size);
    for (let p = 0; p < px.length; p++) px[p] = 30 + rng.int(0, 40);
    for (let b = 0; b <= Number(e.label); b++) {
      const cx = rng.uniform(0.2, 0.8) * size;
      const cy = rng.uniform(0.2, 0.8) * size;
      const r = size * 0.08;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) px[x + size * y] = 200 + rng.int(0, 50);
    }
    writeFileSync(file, greyPng(px, size, size));
    written++;
  });
  const datalist = join(o.dir, 'dataset_0.json');
  const labels = Object.fromEntries(o.perClass.map((_, k) => [String(k), `class ${k}`]));
  writeFileSync(datalist, JSON.stringify({ name: 'SyntheticBlobs', labels, training, validation }, null, 2));
  return { dataRoot: o.dir, datalist, training, validation, written };
}

/** An 8-bit grey PNG. */
function greyPng(px: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(px.buffer, px.byteOffset, px.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
