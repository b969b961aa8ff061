import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvaluator, type CaseResult } from '../../src/evaluate/index.js';
import { readVolume, writeNifti } from '../../src/io/index.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

test('createEvaluator: an async iterable of per-case results in datalist order, then the summary; usable without the CLI', async (t) => {
  const m = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', { ...DEMO_SIZES.small, validation: 2 });
  const dir = join(m.root, 'preds');
  mkdirSync(dir);
  const cases = ['spleen_5', 'spleen_6'];
  // Predictions: the labels with every spleen voxel of the first half of the volume (z < Z/2) dropped.
  const expected: number[] = [];
  for (const c of cases) {
    const l = readVolume(join(m.dataRoot, 'labelsTr', `${c}.nii.gz`));
    const [X, Y, Z] = l.shape;
    const p = new Uint8Array(l.data.length);
    let kept = 0;
    let all = 0;
    for (let i = 0; i < p.length; i++) {
      if (l.data[i] !== 1) continue;
      all++;
      if (Math.floor(i / (X * Y)) >= Z / 2) (p[i] = 1), kept++;
    }
    expected.push((2 * kept) / (kept + all));
    writeNifti(join(dir, `${c}.nii.gz`), { ...l, data: p, dtype: 'uint8', meta: {} });
  }
  const ev = createEvaluator({ config: { config: m.validationConfig, mmar: m.root }, predictions: dir });
  t.after(() => ev.close());
  assert.equal(ev.total, 2);
  assert.deepEqual(ev.names, cases);
  assert.match(ev.describe(), /^2 cases \| .* \| saved predictions in .*preds \| ArgmaxAcrossChannels -> SplitBasedOnLabel -> CopyProperties \| 1 metric, 0 writers$/);
  assert.deepEqual(ev.warnings.at(-1), 'scoring saved predictions: the writers are not run');
  const seen: CaseResult[] = [];
  for await (const r of ev) seen.push(r);
  assert.deepEqual(seen.map((r) => [r.index, r.case, r.ok, r.metrics.mean_dice_spleen]), [[0, 'spleen_5', true, expected[0]], [1, 'spleen_6', true, expected[1]]]);
  const s = ev.summary();
  assert.equal(s.scored, 2);
  assert.ok(Math.abs(s.metrics[0].value - (expected[0] + expected[1]) / 2) < 1e-12);
  assert.equal(readFileSync(s.metrics[0].reports[0], 'utf8').split('\n').length, 3);
  await assert.rejects(async () => {
    for await (const _ of ev.cases());
  }, /an evaluator runs once/);
});

test('createEvaluator refuses a training config, and needs exactly one of a model and saved predictions', (t) => {
  const m = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  assert.throws(() => createEvaluator({ config: { config: m.config, mmar: m.root }, predictions: m.root }), (e: unknown) => e instanceof VoxelpipeError && e.code === 'ERR_CONFIG' && /config_train\.json: not an evaluation config/.test(e.message));
  assert.throws(() => createEvaluator({ config: { config: m.validationConfig, mmar: m.root }, predictions: m.root, model: m.model }), /give either a model or saved predictions, not both/);
});
