import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';
import { writeNifti } from '../../src/io/index.js';
import { spleenConfig, writeClassificationMmar, writeSpleenMmar } from '../config/mmars.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** Replaces the MMAR's tiny volumes by CT-like ones big enough for 96^3 crops, with an ellipsoid "spleen". */
function ctLikeCases(mmar: { dataRoot: string }, names: number[]) {
  const shape = [110, 100, 97];
  const [X, Y, Z] = shape;
  for (const s of names) {
    const img = new Int16Array(X * Y * Z);
    const lab = new Uint8Array(X * Y * Z);
    for (let k = 0; k < Z; k++)
      for (let j = 0; j < Y; j++)
        for (let i = 0; i < X; i++) {
          const o = i + X * (j + Y * k);
          const [dx, dy, dz] = [(i - 60 - s) / 14, (j - 45) / 10, (k - 50) / 12];
          const inside = dx * dx + dy * dy + dz * dz < 1;
          lab[o] = inside ? 1 : 0;
          img[o] = inside ? 110 : ((i * 7 + j * 13 + k * 3) % 400) - 200;
        }
    const affine = [[0.8, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]];
    writeNifti(join(mmar.dataRoot, `imagesTr/spleen_${s}.nii.gz`), { data: img, shape, dtype: 'int16', spacing: [0.8, 0.8, 2.5], affine, meta: {} });
    writeNifti(join(mmar.dataRoot, `labelsTr/spleen_${s}.nii.gz`), { data: lab, shape, dtype: 'uint8', spacing: [0.8, 0.8, 2.5], affine, meta: {} });
  }
}

function spleenChainConfig() {
  const c = spleenConfig() as { train: { pre_transforms: { name: string; args: Record<string, unknown> }[]; image_pipeline: { name: string; args: Record<string, unknown> } } };
  const crop = c.train.pre_transforms.find((t) => t.name === 'FastCropByPosNegRatio')!;
  crop.args = { size: [96, 96, 96], fields: ['image', 'label'], label_field: 'label', pos: 1, neg: 1, batch_size: 2 };
  c.train.image_pipeline.args.output_batch_size = 3;
  return c;
}

test('run: the Clara spleen chain gives [B*b, 1, 96, 96, 96] float32 batches with values in range', async (t) => {
  const dir = tempDir(t);
  const mmar = writeSpleenMmar(dir, 4, 1, spleenChainConfig());
  ctLikeCases(mmar, [1, 2, 3, 4]);
  const r = await cli('run', '--config', mmar.config, '--mmar', mmar.root, '--epochs', '2', '--workers', '2', '--json');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, 'only the JSON summary on stdout');
  const s = JSON.parse(lines[0]);
  // DESIGN.md's keys, and the memory estimate against the budget (issue 13).
  assert.deepEqual(Object.keys(s).sort(), ['batches', 'epochs', 'fields', 'first_batch_ms', 'memory_budget_mb', 'memory_estimate_mb', 'peak_rss_mb', 'samples', 'samples_per_s']);
  assert.ok(s.memory_estimate_mb > 0 && s.memory_estimate_mb <= s.memory_budget_mb);
  assert.deepEqual(s.fields.image, { shape: [6, 1, 96, 96, 96], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [6, 1, 96, 96, 96], dtype: 'float32' });
  // Smart Cache N=32 >= M=4: an epoch is the 4 items -> 2 batches (3 + 1 volumes) of 2 crops each.
  assert.equal(s.epochs, 2);
  assert.equal(s.batches, 4);
  assert.equal(s.samples, 16);
  assert.ok(s.samples_per_s > 0 && s.first_batch_ms > 0 && s.peak_rss_mb > 0);

  // Values: the same config through the library: image in [0, 1] after the window (oscillation ±10%), labels 0/1.
  const config = loadConfig({ config: mmar.config, mmar: mmar.root, registry: createDefaultRegistry() });
  const p = createPipeline(pipelineOptionsFromSpec(config, config.train!, { workers: 0 }));
  try {
    let fg = 0;
    for await (const b of p.epoch(0)) {
      const img = b.fields.image.data;
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < img.length; i++) { lo = Math.min(lo, img[i]); hi = Math.max(hi, img[i]); }
      assert.ok(lo >= 0 && hi <= 1.1, `image range [${lo}, ${hi}]`);
      const lab = b.fields.label.data;
      for (let i = 0; i < lab.length; i++) {
        assert.ok(lab[i] === 0 || lab[i] === 1);
        fg += lab[i];
      }
    }
    assert.ok(fg > 0, 'positive crops contain the spleen');
    // Timings are named by the chain that ran: the cached fg/bg index step sits before the crop.
    assert.deepEqual(
      p.metrics().transformMs.map((t) => t.name),
      ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'PrecomputeFgBgIndices', 'FastCropByPosNegRatio', 'RandomAxisFlip', 'ScaleIntensityOscillation'],
    );
  } finally {
    await p.close();
  }
});

test('run: human output names the chain and the batch shapes; bad config is one line', async (t) => {
  const dir = tempDir(t);
  const mmar = writeSpleenMmar(dir, 2, 1, spleenChainConfig());
  ctLikeCases(mmar, [1, 2]);
  const r = await cli('run', '--config', mmar.config, '--mmar', mmar.root, '--workers', '0');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^LoadNifti -> ConvertToChannelsFirst -> ScaleIntensityRange -> FastCropByPosNegRatio -> RandomAxisFlip -> ScaleIntensityOscillation \| MergeBatchDims \| batch 3, 0 workers, Smart Cache 2 items/m);
  assert.match(r.out, /^ {2}image +\[4, 1, 96, 96, 96\] float32$/m);
  assert.match(r.out, /^Smart Cache: 2 items, [\d.]+ MiB, 2 computed, filled in \d+ ms$/m);
  assert.match(r.err, /^voxelpipe: warning: ignoring Clara keys voxelpipe does not use: train.loss, train.optimizer, train.model/m);
  const bad = await cli('run', '--config', join(dir, 'nope.json'));
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim().split('\n').length, 1);
  assert.match(bad.err, /nope\.json: no such file/);
});

test('run: batches_to_gen_at_once serves one volume as several batches', async (t) => {
  const dir = tempDir(t);
  const c = spleenChainConfig();
  c.train.pre_transforms.find((x) => x.name === 'FastCropByPosNegRatio')!.args.batches_to_gen_at_once = 3;
  c.train.image_pipeline.args.output_batch_size = 1;
  const mmar = writeSpleenMmar(dir, 2, 1, c);
  ctLikeCases(mmar, [1, 2]);
  const r = await cli('run', '--config', mmar.config, '--mmar', mmar.root, '--workers', '1', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fields.image.shape, [2, 1, 96, 96, 96]);
  assert.equal(s.batches, 6, '2 volumes x 3 batches each');
});

test('run: a classification MMAR with element sampling gives one-hot labels', async (t) => {
  const mmar = writeClassificationMmar(tempDir(t));
  const r = await cli('run', '--config', mmar.config, '--mmar', mmar.root, '--workers', '0', '--json', '--epochs', '2');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fields.image, { shape: [6, 1, 32, 32], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [6, 3], dtype: 'float32' });
  assert.equal(s.samples, 12);
});
