import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { EvaluateReport } from '../../src/cli/commands/evaluate.js';
import { createEvaluator } from '../../src/evaluate/evaluator.js';
import { readVolume, writeNifti } from '../../src/io/index.js';
import { DEMO_SIZES, writeDemoMmar, type DemoMmar } from '../../src/synthetic/mmar.js';
import { thresholdSegmenterModel } from '../../src/synthetic/onnx-models.js';
import { FLOAT, bytes, int, intAttribute, modelBytes, node, valueInfo } from '../../src/synthetic/onnx-proto.js';
import type { Volume } from '../../src/volume/volume.js';
import { tempDir } from '../helpers.js';
import { skipUnless } from '../adapters/helpers.js';

const SKIP = skipUnless('onnxruntime-node');
if (SKIP) console.log(`# voxelpipe evaluate --model tests skipped: ${SKIP}`);

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The demo MMAR with 3 validation cases (spleen_5, spleen_6, spleen_7) and an edited config_validation.json. */
function mmar(t: { after: (fn: () => void) => void }, edit: (c: any) => void = () => {}): DemoMmar {
  const m = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', { ...DEMO_SIZES.small, validation: 3 });
  const c = JSON.parse(readFileSync(m.validationConfig, 'utf8'));
  edit(c);
  writeFileSync(m.validationConfig, JSON.stringify(c));
  return m;
}

const CASES = ['spleen_5', 'spleen_6', 'spleen_7'];
const image = (m: DemoMmar, c: string) => join(m.dataRoot, 'imagesTr', `${c}.nii.gz`);
const labelFile = (m: DemoMmar, c: string) => join(m.dataRoot, 'labelsTr', `${c}.nii.gz`);

/**
 * The demo model's segmentation, computed here from the raw HU values: the
 * config's ScaleIntensityRange (-57..164 -> 0..1, clipped) then the model's
 * window 0.72 < v < 0.9. No voxel of the integer HU data lies near a bound
 * (102 HU -> 0.7195, 103 -> 0.7240), so float32 rounding cannot matter.
 */
function expectedMask(m: DemoMmar, c: string): Uint8Array {
  const hu = readVolume(image(m, c)).data;
  const out = new Uint8Array(hu.length);
  for (let i = 0; i < hu.length; i++) {
    const v = Math.min(1, Math.max(0, (Number(hu[i]) + 57) / 221));
    out[i] = v > 0.72 && v < 0.9 ? 1 : 0;
  }
  return out;
}

function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]) na++;
    if (b[i]) nb++;
    if (a[i] && b[i]) inter++;
  }
  return (2 * inter) / (na + nb);
}

const spleen = (m: DemoMmar, c: string) => Uint8Array.from(readVolume(labelFile(m, c)).data as ArrayLike<number>, (v) => (v === 1 ? 1 : 0));

test('evaluate --model on the demo MMAR: predictions written per case, Dice per case and in total equal an independent computation, Clara\'s report files, one JSON object', { skip: SKIP }, async (t) => {
  const m = mmar(t);
  const r = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--model', m.model!, '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n').length, 1);
  const s = JSON.parse(r.out) as EvaluateReport;
  assert.equal(s.cases, 3);
  assert.equal(s.scored, 3);
  assert.deepEqual(s.failures, []);
  assert.deepEqual(s.source, { model: m.model });
  const expected = CASES.map((c) => dice(expectedMask(m, c), spleen(m, c)));
  assert.ok(expected.every((d) => d > 0.5 && d < 0.99), `an imperfect segmentation: ${expected}`);
  assert.deepEqual(s.results.map((x) => x.case), CASES);
  assert.deepEqual(s.results.map((x) => x.metrics.mean_dice_spleen), expected);
  const mean = expected.reduce((a, b) => a + b, 0) / 3;
  const metric = s.metrics[0];
  assert.equal(metric.name, 'mean_dice_spleen');
  assert.equal(metric.metric, 'ComputeAverageDice');
  assert.ok(Math.abs(metric.value - mean) < 1e-12);
  assert.equal(metric.min, Math.min(...expected));
  assert.equal(metric.max, Math.max(...expected));
  // 48x48xZ in 16^3 windows at overlap 0.25: 4 x 4 x 2 (Z <= 28).
  for (const x of s.results) assert.equal(x.windows, 32);

  // The writer: eval/<case>/<case>_model.nii.gz, the argmax label map as uint8 on the image's grid.
  for (const c of CASES) {
    const file = join(m.root, 'eval', c, `${c}_model.nii.gz`);
    assert.deepEqual(s.results.find((x) => x.case === c)!.files, [file]);
    const pred = readVolume(file);
    const img = readVolume(image(m, c));
    assert.equal(pred.dtype, 'uint8');
    assert.deepEqual(pred.shape, img.shape);
    assert.deepEqual(pred.affine, img.affine);
    assert.deepEqual([...pred.data], [...expectedMask(m, c)]);
  }
  // Clara's report files in report_path (eval/).
  const raw = readFileSync(join(m.root, 'eval', 'mean_dice_spleen_raw_results.txt'), 'utf8');
  assert.equal(raw, CASES.map((c, i) => `${image(m, c)}\t${expected[i].toFixed(6)}\n`).join(''));
  const summary = readFileSync(join(m.root, 'eval', 'mean_dice_spleen_summary_results.txt'), 'utf8');
  assert.match(summary, new RegExp(`^metric: mean_dice_spleen\nvalue: ${mean.toFixed(6)}\ncases: 3\ncount: 3\nnan_count: 0\nmean: ${mean.toFixed(6)}\n`));
  assert.deepEqual(metric.reports, [join(m.root, 'eval', 'mean_dice_spleen_raw_results.txt'), join(m.root, 'eval', 'mean_dice_spleen_summary_results.txt')]);
});

test('evaluate prints a table: one row per case, the mean, each metric with its statistics and report files', { skip: SKIP }, async (t) => {
  const m = mmar(t);
  const r = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--model', m.model!, '--no-write');
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.out.includes('\x1b'));
  const lines = r.out.split('\n');
  assert.match(lines[0], /^3 cases \| LoadNifti -> .* \| TFScanWindowInferer 16x16x16 \(2 per run, overlap 0.25, constant\) \| ArgmaxAcrossChannels -> SplitBasedOnLabel -> CopyProperties \| 1 metric, 0 writers$/);
  assert.match(lines[1], /^case\s+mean_dice_spleen\s+windows\s+ms$/);
  for (let i = 0; i < 3; i++) assert.match(lines[2 + i], new RegExp(`^${CASES[i]}\\s+0\\.\\d{4}\\s+32\\s+\\d+$`));
  assert.match(lines[5], /^mean\s+0\.\d{4}$/);
  assert.match(r.out, /\nmean_dice_spleen \(ComputeAverageDice\): 0\.\d{4} over 3 cases \(min 0\.\d{4}, median 0\.\d{4}, max 0\.\d{4}, std 0\.\d{4}\)\n3 of 3 cases scored in \d+\.\d s\n$/);
  assert.equal(r.err, 'voxelpipe: warning: ignoring Clara keys voxelpipe does not use: multi_gpu, model_loader (voxelpipe evaluate takes the model from --model)\n');
});

/** A model without spatial context and with continuous outputs: [image, image * image]. */
function pointwiseModel(): Uint8Array {
  return modelBytes([
    ...bytes(1, node('Mul', ['image', 'image'], 'square')),
    ...bytes(1, node('Concat', ['image', 'square'], 'out', [intAttribute('axis', 1)])),
    ...bytes(2, 'pointwise'),
    ...bytes(11, valueInfo('image', 5)),
    ...bytes(12, valueInfo('out', 5)),
  ]);
}

test('sliding-window inference equals a whole-volume run for a model without spatial context (constant and Gaussian blending, overlap, batches of windows)', { skip: SKIP }, async (t) => {
  const raw = (c: any) => {
    c.post_transforms = [];
    c.val_metrics = [];
    c.writers = [{ name: 'WriteNifti', args: { field: 'model', dtype: 'float32', write_path: 'out' } }];
  };
  const whole = mmar(t, (c) => (raw(c), (c.inferer = { name: 'TFSimpleInferer' })));
  const modelFile = join(whole.root, 'models', 'pointwise.onnx');
  writeFileSync(modelFile, pointwiseModel());
  const r0 = await cli('evaluate', '--config', whole.validationConfig, '--mmar', whole.root, '--model', modelFile, '--json');
  assert.equal(r0.code, 0, r0.err);
  assert.deepEqual((JSON.parse(r0.out) as EvaluateReport).results.map((x) => x.windows), [1, 1, 1]);
  for (const [blend, overlap, batch] of [['constant', 0.25, 3], ['gaussian', 0.5, 4]] as const) {
    const win = mmar(t, (c) => (raw(c), (c.inferer = { name: 'ScanWindowInferer', args: { roi_size: [20, 16, -1], batch_size: batch, overlap, blend_mode: blend } })));
    const r = await cli('evaluate', '--config', win.validationConfig, '--mmar', win.root, '--model', modelFile, '--json');
    assert.equal(r.code, 0, r.err);
    assert.ok((JSON.parse(r.out) as EvaluateReport).results.every((x) => x.windows > 1));
    for (const c of CASES) {
      const a = readVolume(join(whole.root, 'out', c, `${c}_model.nii.gz`));
      const b = readVolume(join(win.root, 'out', c, `${c}_model.nii.gz`));
      assert.deepEqual(b.shape, a.shape);
      assert.equal(a.shape[3], 2);
      let worst = 0;
      for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(Number(a.data[i]) - Number(b.data[i])) / Math.max(1e-6, Math.abs(Number(a.data[i]))));
      assert.ok(worst < 1e-6, `${blend} ${c}: relative difference ${worst}`);
    }
  }
  // The demo's segmenter: the argmax label maps are identical voxel for voxel.
  const seg = mmar(t, (c) => (c.inferer = { name: 'SimpleInferer' }));
  const windowed = mmar(t);
  for (const x of [seg, windowed]) assert.equal((await cli('evaluate', '--config', x.validationConfig, '--mmar', x.root, '--model', x.model!, '--json')).code, 0);
  for (const c of CASES)
    assert.deepEqual([...readVolume(join(seg.root, 'eval', c, `${c}_model.nii.gz`)).data], [...readVolume(join(windowed.root, 'eval', c, `${c}_model.nii.gz`)).data]);
});

/** ReduceMean over the last axis (keepdims): the output loses the window's depth (the answer's own check is in test/evaluate/sliding-window.test.ts). INTS attribute: name = 1, ints = 8, type = 20 (INTS = 7). */
function flatteningModel(): Uint8Array {
  const axes = [...bytes(1, 'axes'), ...int(8, 4), ...int(20, 7)];
  return modelBytes([
    ...bytes(1, node('ReduceMean', ['image'], 'out', [axes])),
    ...bytes(2, 'flattening'),
    ...bytes(11, valueInfo('image', 5)),
    ...bytes(12, valueInfo('out', 5)),
  ]);
}

test('a model that does not fit: its input channels, its spatial axes against roi_size, an output of another shape: one line naming the case; --skip-bad-cases lists every case', { skip: SKIP }, async (t) => {
  const m = mmar(t);
  const dir = join(m.root, 'models');
  const models: [string, Uint8Array, string][] = [
    ['channels.onnx', thresholdSegmenterModel(0.72, 0.9, { input: ['n', 3, 'x', 'y', 'z'] }), 'spleen_5: model input "image" is [n, 3, x, y, z], the windows are [2, 1, 16, 16, 16] (batch, 1 image channel, window 16x16x16): it takes another channel count'],
    ['roi.onnx', thresholdSegmenterModel(0.72, 0.9, { input: ['n', 1, 32, 32, 32] }), 'spleen_5: model input "image" is [n, 1, 32, 32, 32], the windows are [2, 1, 16, 16, 16] (batch, 1 image channel, window 16x16x16): roi_size does not fit its spatial axes'],
    // ONNX Runtime infers this output's shape from the graph, so it is refused before any run.
    ['output.onnx', flatteningModel(), 'spleen_5: model output "out" is [d0, d1, d2, d3, 1], the windows are [2, 1, 16, 16, 16] (batch, 1 image channel, window 16x16x16): its spatial axes differ from the window\'s'],
  ];
  for (const [name, bytesOf, message] of models) {
    const file = join(dir, name);
    writeFileSync(file, bytesOf);
    const r = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--model', file);
    assert.equal(r.code, 1, name);
    assert.equal(r.err.split('\n').filter(Boolean).at(-1), `voxelpipe: ${message} (--skip-bad-cases scores the other cases)`);
    const skip = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--model', file, '--skip-bad-cases', '--json');
    assert.equal(skip.code, 1, 'no case scored');
    const s = JSON.parse(skip.out) as EvaluateReport;
    assert.equal(s.scored, 0);
    assert.deepEqual(s.failures.map((f) => f.case), CASES);
    assert.equal(s.failures[0].message, message);
  }
});

test('without onnxruntime-node, evaluate --model says how to install it (or to score saved predictions)', async (t) => {
  const m = mmar(t);
  const missing = Object.assign(new Error("Cannot find module 'onnxruntime-node'"), { code: 'MODULE_NOT_FOUND' });
  const ev = createEvaluator({ config: { config: m.validationConfig, mmar: m.root }, model: m.model, loader: () => { throw missing; } });
  await assert.rejects(ev.run(), {
    code: 'ERR_MISSING_DEPENDENCY',
    message: 'evaluating a model needs onnxruntime-node, which is not installed: install it with "ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node" (the variable skips a CUDA download; the CPU runtime is in the package), or score saved predictions with --predictions DIR',
  });
  await ev.close();
  const help = await cli('evaluate', '--help');
  assert.match(help.out.replace(/\s+/g, ' '), /--predictions <dir> score saved predictions \(NIfTI\) instead of running a model: a case's prediction is the file in DIR with the same file name as the case's image in the datalist/);
  const none = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root);
  assert.equal(none.code, 1);
  assert.match(none.err, /voxelpipe: evaluate needs a model \(--model model\.onnx\) or saved predictions \(--predictions DIR\)\n$/);
});

/** A prediction volume on the label's grid, from a voxel mask; `edit` changes it (shape, affine). */
function writePrediction(file: string, like: Volume, mask: Uint8Array, edit: (v: Volume) => Volume = (v) => v): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeNifti(file, edit({ ...like, data: mask, dtype: 'uint8', meta: {} }), { level: 1 });
}

test('evaluate --predictions DIR scores saved NIfTI predictions named as the cases\' images: label maps and per-class channels; a missing, misshapen or misplaced prediction is one line naming the case', async (t) => {
  const m = mmar(t, (c) => (c.writers = []));
  const dir = join(m.root, 'preds');
  const lab = (c: string) => readVolume(labelFile(m, c));
  // spleen_5: the label itself (Dice 1); spleen_6: the label moved 2 voxels along x; spleen_7: per-class channels [X, Y, Z, 2].
  const l5 = lab('spleen_5');
  writePrediction(join(dir, 'spleen_5.nii.gz'), l5, Uint8Array.from(l5.data as ArrayLike<number>));
  const l6 = lab('spleen_6');
  const [X] = l6.shape;
  const moved = new Uint8Array(l6.data.length);
  for (let i = 0; i < moved.length; i++) moved[i] = i % X >= 2 ? Number(l6.data[i - 2]) : 0;
  writePrediction(join(dir, 'spleen_6.nii.gz'), l6, moved);
  const l7 = lab('spleen_7');
  const n7 = l7.data.length;
  const probs = new Float32Array(2 * n7);
  for (let i = 0; i < n7; i++) {
    probs[i] = l7.data[i] === 1 ? 0.2 : 0.8;
    probs[n7 + i] = l7.data[i] === 1 ? 0.8 : 0.2;
  }
  writeNifti(join(dir, 'spleen_7.nii.gz'), { ...l7, data: probs, dtype: 'float32', shape: [...l7.shape, 2], spacing: [...l7.spacing, 1], meta: {} }, { level: 1 });
  const r = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--predictions', dir, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as EvaluateReport;
  assert.deepEqual(s.source, { predictions: dir });
  assert.deepEqual(s.results.map((x) => x.metrics.mean_dice_spleen), [1, dice(moved, spleen(m, 'spleen_6')), 1]);
  assert.deepEqual(s.results.map((x) => x.windows), [0, 0, 0]);

  // Bad predictions: missing, another shape, another affine.
  const bad = join(m.root, 'bad');
  writePrediction(join(bad, 'spleen_5.nii.gz'), l5, new Uint8Array(l5.data.length / l5.shape[2] * (l5.shape[2] - 1)), (v) => ({ ...v, shape: [v.shape[0], v.shape[1], v.shape[2] - 1] }));
  const shifted = l6.affine.map((row) => row.slice());
  shifted[0][3] += 1.5;
  writePrediction(join(bad, 'spleen_6.nii.gz'), l6, moved, (v) => ({ ...v, affine: shifted }));
  const z5 = l5.shape[2];
  const lines = [
    `spleen_5: prediction ${join(bad, 'spleen_5.nii.gz')} has shape [48,48,${z5 - 1}], the label has [48,48,${z5}]`,
    `spleen_6: prediction ${join(bad, 'spleen_6.nii.gz')}: its affine differs from the label's (by 1.50 at row 0, column 3: ${shifted[0][3]} vs ${l6.affine[0][3]}); it is not on the label's grid`,
    `spleen_7: no prediction ${join(bad, 'spleen_7.nii.gz')} (a case's prediction is the file named as its image, spleen_7.nii.gz)`,
  ];
  const stop = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--predictions', bad);
  assert.equal(stop.code, 1);
  assert.equal(stop.err.split('\n').filter(Boolean).at(-1), `voxelpipe: ${lines[0]} (--skip-bad-cases scores the other cases)`);
  const reportFile = join(m.root, 'eval', 'mean_dice_spleen_summary_results.txt');
  const goodReport = readFileSync(reportFile, 'utf8');
  const all = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--predictions', bad, '--skip-bad-cases');
  assert.equal(all.code, 1, 'no case scored');
  assert.equal(readFileSync(reportFile, 'utf8'), goodReport, 'a run that scored nothing leaves the reports alone');
  assert.match(all.out, /\nspleen_5\s+failed\nspleen_6\s+failed\nspleen_7\s+failed\n/);
  assert.ok(all.err.endsWith(`3 of 3 cases failed (not scored):\n${lines.map((l) => `  ${l}\n`).join('')}`), all.err);
  // With --skip-bad-cases the other cases are scored, the failure listed.
  const mixed = join(m.root, 'mixed');
  writePrediction(join(mixed, 'spleen_5.nii.gz'), l5, Uint8Array.from(l5.data as ArrayLike<number>));
  writePrediction(join(mixed, 'spleen_7.nii.gz'), l7, Uint8Array.from(l7.data as ArrayLike<number>));
  const some = await cli('evaluate', '--config', m.validationConfig, '--mmar', m.root, '--predictions', mixed, '--skip-bad-cases', '--json');
  assert.equal(some.code, 0, some.err);
  const ss = JSON.parse(some.out) as EvaluateReport;
  assert.equal(ss.scored, 2);
  assert.deepEqual(ss.failures, [{ case: 'spleen_6', image: image(m, 'spleen_6'), message: `spleen_6: no prediction ${join(mixed, 'spleen_6.nii.gz')} (a case's prediction is the file named as its image, spleen_6.nii.gz)` }]);
  assert.deepEqual(ss.results.map((x) => [x.ok, x.metrics.mean_dice_spleen]), [[true, 1], [false, undefined], [true, 1]]);
  assert.equal(ss.metrics[0].value, 1);
  assert.equal(ss.metrics[0].cases, 2);
});
