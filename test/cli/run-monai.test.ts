import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';
import { FIXTURES } from '../helpers.js';

/**
 * A Clara 4 spleen-style MMAR (LoadImaged, EnsureChannelFirstd, Spacingd,
 * ScaleIntensityRanged, CropForegroundd, RandCropByPosNegLabeld num_samples 4,
 * RandShiftIntensityd, ToTensord; CacheDataset; DataLoader batch 2) and the
 * same chain as a MONAI bundle give the batches MONAI 1.4.0 gives:
 * test/fixtures/conformance/monai/spleen4/make_refs.py ran the config the way
 * Clara 4 builds it and the bundle through MONAI's own ConfigParser, and
 * wrote every batch's shape, dtype and (validate) sums to expected.json.
 */

const DIR = join(FIXTURES, 'conformance', 'monai', 'spleen4');
const CONFIGS = { clara4: { config: join(DIR, 'config', 'config_train.json'), mmar: DIR }, bundle: { config: join(DIR, 'bundle', 'configs', 'train.json'), mmar: undefined } };
type Row = Record<'image' | 'label', { shape: number[]; dtype: string; sum?: number }>;
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { monai: string } & Record<'clara4' | 'bundle', Record<'train' | 'validate', Row[]>>;
const registry = createDefaultRegistry();

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function batchesOf(which: keyof typeof CONFIGS, section: 'train' | 'validate', workers: number) {
  const { config, mmar } = CONFIGS[which];
  const spec = loadConfig({ config, mmar, registry });
  const p = createPipeline(pipelineOptionsFromSpec(spec, spec[section]!, { seed: 5, workers }));
  const rows: { row: Row; data: Float32Array[] }[] = [];
  try {
    for await (const b of p.epoch(0)) {
      const row = {} as Row;
      const data: Float32Array[] = [];
      for (const k of ['image', 'label'] as const) {
        const f = b.fields[k];
        let sum = 0;
        for (let i = 0; i < f.data.length; i++) sum += f.data[i];
        row[k] = { shape: f.shape, dtype: f.dtype, ...(section === 'validate' ? { sum } : {}) };
        data.push(Float32Array.from(f.data as Float32Array));
      }
      rows.push({ row, data });
    }
  } finally {
    await p.close();
  }
  return rows;
}

for (const which of ['clara4', 'bundle'] as const)
  test(`${which}: every batch of train and validate has MONAI ${EXPECTED.monai}'s shape and dtype; validate's values are MONAI's`, async () => {
    for (const section of ['train', 'validate'] as const) {
      const got = await batchesOf(which, section, 0);
      const want = EXPECTED[which][section];
      assert.equal(got.length, want.length, `${section}: batches per epoch`);
      got.forEach(({ row }, i) => {
        for (const k of ['image', 'label'] as const) {
          assert.deepEqual(row[k].shape, want[i][k].shape, `${section} batch ${i} ${k} shape`);
          assert.equal(row[k].dtype, want[i][k].dtype, `${section} batch ${i} ${k} dtype`);
          if (section === 'validate') {
            const w = want[i][k].sum!;
            assert.ok(Math.abs(row[k].sum! - w) <= 1e-5 * Math.abs(w), `${section} batch ${i} ${k}: sum ${row[k].sum}, MONAI ${w}`);
          }
        }
      });
    }
  });

test('clara4: the same batches, bit for bit, with 0 or 2 workers (each crop\'s draws are keyed, not scheduled)', async () => {
  const a = await batchesOf('clara4', 'train', 0);
  const b = await batchesOf('clara4', 'train', 2);
  assert.equal(a.length, b.length);
  a.forEach((x, i) => x.data.forEach((d, k) => assert.deepEqual(d, b[i].data[k], `batch ${i} field ${k}`)));
});

test('voxelpipe run: the Clara 4 MMAR and the bundle through the command line give MONAI\'s [B x num_samples, 1, 16, 16, 16]', async () => {
  const c = await cli('run', '--config', CONFIGS.clara4.config, '--mmar', DIR, '--epochs', '2', '--workers', '2', '--json');
  assert.equal(c.code, 0, c.err);
  const s = JSON.parse(c.out.trim());
  assert.deepEqual(s.fields, { image: { shape: [8, 1, 16, 16, 16], dtype: 'float32' }, label: { shape: [8, 1, 16, 16, 16], dtype: 'float32' } });
  // 3 items x 4 crops per epoch, batches of 2 items: [8, ...] then [4, ...].
  assert.equal(s.batches, 4);
  assert.equal(s.samples, 24);
  assert.match(c.err, /ignoring Clara keys voxelpipe does not use: .*train\.trainer/);
  const b = await cli('run', '--config', CONFIGS.bundle.config, '--section', 'validate');
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /^LoadImaged -> EnsureChannelFirstd -> Spacingd -> ScaleIntensityRanged -> CropForegroundd -> EnsureTyped \| MergeBatchDims \| batch 1, 0 workers/);
  assert.match(b.out, /image\s+\[1, 1, 25, 26, 22\] float32/);
});
