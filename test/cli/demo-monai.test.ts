import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { DemoSummary } from '../../src/cli/commands/demo.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('demo --flavor monai: a Clara 4 MMAR (MONAI names, SmartCacheDataset, DataLoader) that runs with the Clara demo\'s batches', async (t) => {
  const out = join(tempDir(t), 'demo');
  const r = await cli('demo', '--flavor', 'monai', '--out', out, '--size', 'small', '--workers', '0', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const s = JSON.parse(r.out.trim()) as DemoSummary;
  assert.equal(s.flavor, 'monai');
  const config = JSON.parse(readFileSync(s.config, 'utf8'));
  assert.deepEqual(
    config.train.pre_transforms.map((x: { name: string }) => x.name),
    ['LoadImaged', 'EnsureChannelFirstd', 'ScaleIntensityRanged', 'RandCropByPosNegLabeld', 'RandAxisFlipd', 'RandScaleIntensityd', 'ToTensord'],
  );
  assert.equal(config.train.image_pipeline, undefined);
  assert.deepEqual(config.train.dataset.name, 'SmartCacheDataset');
  assert.deepEqual(config.train.dataloader, { name: 'DataLoader', args: { dataset: '@dataset', batch_size: 2, shuffle: true, num_workers: 2 } });
  // As the Clara demo: a window of 4 items, 2 crops (num_samples) each, batches of 2 items = 4 crops; 2 batches per epoch.
  assert.equal(s.batches, 4);
  assert.equal(s.samples, 16);
  assert.deepEqual(s.fields.image, { shape: [4, 1, 16, 16, 16], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [4, 1, 16, 16, 16], dtype: 'float32' });
  assert.ok(s.cache_fill_ms! > 0 && s.cache_mib! > 0);
  for (const p of s.previews) assert.ok(existsSync(p), p);
  // The printed command runs the same config, validate section included (its Dataset: no cache, whole volumes, batch 1).
  const run = await cli(...s.commands.run.split(' ').slice(2), '--workers', '0', '--json');
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(JSON.parse(run.out).fields, s.fields);
  const v = await cli('run', '--config', s.config, '--mmar', out, '--section', 'validate', '--json');
  assert.equal(v.code, 0, v.err);
  assert.equal(JSON.parse(v.out).fields.image.shape[0], 1);

  const bad = await cli('demo', '--flavor', 'monai4');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--flavor.*expected clara or monai, got "monai4"/);
});
