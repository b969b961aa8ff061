import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load-config.js';
import { readVolume, writeNifti } from '../../src/io/index.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';
import { makeClassificationDataset } from '../../src/synthetic/index.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { FIXTURES, tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function writeJson(file: string, v: unknown) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(v, null, 2));
}

/** A 2D PNG classification MMAR with 3 imbalanced classes (14 / 4 / 2 items). */
function pngMmar(dir: string, sampling: 'automatic' | 'element', weights?: number[]) {
  const data = makeClassificationDataset({ dir: join(dir, 'data'), perClass: [14, 4, 2], size: 16 });
  if (weights) {
    const dl = JSON.parse(readFileSync(data.datalist, 'utf8'));
    for (const it of dl.training) it.weight = weights[it.label];
    writeFileSync(data.datalist, JSON.stringify(dl));
  }
  const config = join(dir, 'config', 'config_train.json');
  writeJson(join(dir, 'config', 'environment.json'), { DATA_ROOT: data.dataRoot, DATASET_JSON: data.datalist });
  writeJson(config, {
    train: {
      pre_transforms: [
        { name: 'LoadPng', args: { fields: 'image' } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 255, b_min: 0, b_max: 1, clip: true } },
        { name: 'RandomAxisFlip', args: { fields: 'image', probability: 0.5 } },
      ],
      image_pipeline: {
        name: 'ClassificationKerasImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: [16, 16],
          output_batch_size: 20,
          output_label_format: [3],
          sampling,
          num_workers: 0,
        },
      },
    },
  });
  return config;
}

/** Class shares over `epochs` epochs of the config's pipeline (one-hot labels). */
async function classShares(config: string, epochs: number): Promise<number[]> {
  const spec = loadConfig({ config, registry: createDefaultRegistry() });
  const p = createPipeline(pipelineOptionsFromSpec(spec, spec.train!, { workers: 0 }));
  const counts = [0, 0, 0];
  try {
    for (let e = 0; e < epochs; e++)
      for await (const b of p.epoch(e)) {
        const l = b.fields.label.data;
        for (let r = 0; r < b.fields.label.shape[0]; r++) for (let k = 0; k < 3; k++) counts[k] += l[r * 3 + k];
      }
  } finally {
    await p.close();
  }
  return counts;
}

/** |count - n p| within 5 binomial standard deviations. */
function assertShare(count: number, n: number, p: number, what: string) {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= 5 * sd, `${what}: ${count} of ${n}, expected ${(n * p).toFixed(0)} ± ${(5 * sd).toFixed(0)}`);
}

test('run: a PNG classification MMAR with automatic sampling yields balanced classes', async (t) => {
  const dir = tempDir(t);
  const config = pngMmar(dir, 'automatic');
  const r = await cli('run', '--config', config, '--json', '--epochs', '2');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fields.image, { shape: [20, 1, 16, 16], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [20, 3], dtype: 'float32' });
  const counts = await classShares(config, 60);
  const n = 60 * 20;
  assert.equal(counts.reduce((a, b) => a + b), n);
  counts.forEach((c, k) => assertShare(c, n, 1 / 3, `class ${k}`));
});

test('run: element sampling follows the datalist weights', async (t) => {
  const dir = tempDir(t);
  // 14 items of weight 1, 4 of weight 2, 2 of weight 6: shares 14/34, 8/34, 12/34.
  const config = pngMmar(dir, 'element', [1, 2, 6]);
  const counts = await classShares(config, 60);
  const n = 60 * 20;
  [14 / 34, 8 / 34, 12 / 34].forEach((p, k) => assertShare(counts[k], n, p, `class ${k}`));
});

test('run: a segmentation MMAR on a DICOM series folder', async (t) => {
  const dir = tempDir(t);
  const series = join(dir, 'data', 'case0');
  cpSync(join(FIXTURES, 'dicom', 'ct-series'), series, { recursive: true });
  const ct = readVolume(series);
  const label = new Uint8Array(ct.data.length).map((_, i) => (i % 3 === 0 ? 1 : 0));
  writeNifti(join(dir, 'data', 'case0_label.nii.gz'), { ...ct, data: label, dtype: 'uint8', meta: {} });
  writeJson(join(dir, 'dataset_0.json'), { training: [{ image: 'data/case0', label: 'data/case0_label.nii.gz' }, { image: 'data/case0', label: 'data/case0_label.nii.gz' }] });
  const config = join(dir, 'config', 'config_train.json');
  writeJson(config, {
    train: {
      pre_transforms: [
        { name: 'LoadImage', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -1000, a_max: 1000, b_min: 0, b_max: 1, clip: true } },
        { name: 'CropByPosNegRatio', args: { size: [8, 8, 4], fields: ['image', 'label'], label_field: 'label', batch_size: 2 } },
      ],
      batch_transforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
      image_pipeline: {
        name: 'SegmentationImagePipeline',
        args: { data_list_file_path: join(dir, 'dataset_0.json'), data_file_base_dir: dir, data_list_key: 'training', output_crop_size: [8, 8, 4], output_batch_size: 2, num_workers: 1 },
      },
    },
  });
  const r = await cli('run', '--config', config, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fields.image, { shape: [4, 1, 8, 8, 4], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [4, 1, 8, 8, 4], dtype: 'float32' });
  assert.equal(s.samples, 4);
});
