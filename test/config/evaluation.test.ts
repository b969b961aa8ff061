import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { tempDir } from '../helpers.js';

/** The demo MMAR's config_validation.json (Clara's GettingStarted layout), edited by `edit`. */
function setup(t: { after: (fn: () => void) => void }, edit: (c: any) => void = () => {}) {
  const m = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const c = JSON.parse(readFileSync(m.validationConfig, 'utf8'));
  edit(c);
  writeFileSync(m.validationConfig, JSON.stringify(c));
  return { m, load: (set: string[] = []) => loadConfig({ config: m.validationConfig, mmar: m.root, set, registry: createDefaultRegistry() }) };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(!(e as Error).message.includes('\n'), 'one line');
    return (e as { context: { problems: string[] } }).context.problems;
  }
  assert.fail('expected an error');
}

test('an evaluation config loads: its data pipeline is the validate section (datalist key "validation", whole volumes, in order, batch_size), the rest is `evaluation`', (t) => {
  const { m, load } = setup(t);
  const c = load();
  assert.equal(c.train, undefined);
  const v = c.validate!;
  assert.equal(c.evaluation!.pipeline, v);
  assert.equal(v.datalist.file, m.datalist);
  assert.equal(v.datalist.key, 'validation');
  assert.equal(v.datalist.baseDir, m.dataRoot);
  assert.deepEqual(v.imagePipeline.args.output_crop_size, [-1, -1, -1]);
  assert.equal(v.imagePipeline.args.output_batch_size, 1);
  assert.equal(v.imagePipeline.args.shuffle, false);
  assert.equal(v.imagePipeline.args.repeat, false);
  assert.deepEqual(v.imagePipeline.args.extra_inputs, ['label_class1']);
  // The image chain, then the label chain, as one sample's chain.
  assert.deepEqual(v.preTransforms.map((s) => s.jsonPath), ['pre_transforms[0]', 'pre_transforms[1]', 'pre_transforms[2]', 'label_transforms[0]', 'label_transforms[1]', 'label_transforms[2]']);
  const ev = c.evaluation!;
  assert.deepEqual(ev.postTransforms.map((s) => s.name), ['ArgmaxAcrossChannels', 'SplitBasedOnLabel', 'CopyProperties']);
  assert.deepEqual(ev.inferer, {
    name: 'TFScanWindowInferer',
    kind: 'scan-window',
    scanWindow: { roi_size: [16, 16, 16], batch_size: 2, overlap: 0.25, blend_mode: 'constant', sigma_scale: 0.125, padding_value: 0 },
    jsonPath: 'inferer',
  });
  assert.equal(ev.metrics.length, 1);
  assert.equal(ev.metrics[0].args.name, 'mean_dice_spleen');
  assert.equal(ev.metrics[0].reportDir, join(m.root, 'eval'));
  assert.deepEqual(ev.writers.map((w) => [w.args.field, w.args.dtype, w.dir]), [['model', 'uint8', join(m.root, 'eval')]]);
  assert.deepEqual(ev.labelFields, ['label_class1']);
  assert.equal(ev.hasLabel, true);
  assert.equal(ev.doValidation, true);
  assert.equal(ev.outputInferResult, true);
  // Unknown-but-Clara keys: one warning line, never an error.
  assert.deepEqual(c.ignored, ['multi_gpu', 'model_loader']);
  assert.deepEqual(c.warnings, ['ignoring Clara keys voxelpipe does not use: multi_gpu, model_loader (voxelpipe evaluate takes the model from --model)']);
});

test('evaluation variables: DATA_LIST_KEY picks the list, batch_size and Clara\'s do_validation / output_infer_result come from the config, environment.json or --set, dotted --set reaches the inferer', (t) => {
  const { load } = setup(t, (c) => {
    c.DATA_LIST_KEY = 'training';
    c.batch_size = 2;
  });
  const c = load(['batch_size=3', 'do_validation=false', 'output_infer_result=false', 'inferer.args.overlap=0.5']);
  assert.equal(c.validate!.datalist.key, 'training');
  assert.equal(c.validate!.imagePipeline.args.output_batch_size, 3);
  assert.equal(c.evaluation!.batchSize, 3);
  assert.equal(c.evaluation!.doValidation, false);
  assert.equal(c.evaluation!.outputInferResult, false);
  assert.equal(c.evaluation!.inferer!.scanWindow!.overlap, 0.5);
});

test('an inference config (no label_transforms, no val_metrics) has no label; a ref reuses an entry of the config\'s own chains', (t) => {
  const { load } = setup(t, (c) => {
    delete c.label_transforms;
    delete c.val_metrics;
    c.post_transforms = [{ ref: 'ScaleIntensityRange', disabled: true }, c.post_transforms[0]];
  });
  const c = load();
  assert.equal(c.evaluation!.hasLabel, false);
  assert.deepEqual(c.evaluation!.labelFields, []);
  assert.deepEqual(c.evaluation!.postTransforms.map((s) => s.name), ['ArgmaxAcrossChannels']);
});

test('bad evaluation configs: every problem at once, each naming its JSON path and what was expected', (t) => {
  const { m, load } = setup(t, (c) => {
    c.val_metric = [];
    c.inferer = { name: 'ScanWindowInfer', args: {} };
    c.val_metrics.push({ name: 'ComputeAverageDice', args: { name: 'mean_dice_spleen', field: 'pred_class1', logit_tresh: 0.5 } });
    c.val_metrics.push({ name: 'ComputeDice', args: {} });
    c.val_metrics.push({ name: 'ComputeAverageDice', args: { name: 'mean_dice_spleen', field: 'pred_class1' } });
    c.writers.push({ name: 'WriteNifti', args: { field: 'model', dtype: 'int64', write_path: 'eval' } });
    c.writers.push({ name: 'WriteClassificationResult', args: { field: 'model', write_path: 'eval' } });
    c.batch_size = 0;
    c.do_validation = 'yes';
    c.label_transforms[2].name = 'SplitBasedOnLabels';
  });
  assert.deepEqual(problemsOf(() => load()), [
    'val_metric: unknown key (did you mean val_metrics?)',
    'label_transforms[2].name: unknown transform "SplitBasedOnLabels" (did you mean SplitBasedOnLabel?)',
    'inferer.name: unknown inferer "ScanWindowInfer" (did you mean ScanWindowInferer or TFScanWindowInferer?)',
    'val_metrics[1].args.logit_tresh: unknown key (did you mean logit_thresh?)',
    'val_metrics[2].name: unknown metric "ComputeDice" (did you mean ComputeAUC, ComputeAverage or ComputeAverageDice?)',
    'val_metrics[3].args.name: "mean_dice_spleen" is also the name of val_metrics[0]; metric names must differ (they name the report files)',
    'writers[1].args.dtype: expected one of "float32", "float64", "int16", "int32", "uint8", "uint16", "int8", "uint32", got "int64"',
    'do_validation: expected true or false, got "yes"',
    'batch_size: expected a whole number >= 1, got 0',
  ]);
  const missing = setup(t, (c) => (c.inferer = { name: 'ScanWindowInferer', args: { roi_size: [16, 0, 16] } }));
  assert.deepEqual(problemsOf(() => missing.load(['DATASET_JSON=config/nope.json'])), [
    'inferer.args.roi_size[1]: expected a positive integer or -1 (got 0)',
    `DATASET_JSON: no such file ${join(missing.m.root, 'config/nope.json')}`,
  ]);
  void m;
});

test('an evaluation config without DATASET_JSON says where the datalist comes from; an unsupported Clara writer is skipped with a warning', (t) => {
  const { m } = setup(t, (c) => c.writers.push({ name: 'WriteClassificationResult', args: { field: 'model', write_path: 'eval' } }));
  writeFileSync(m.env, JSON.stringify({ DATA_ROOT: 'data', MMAR_EVAL_OUTPUT_PATH: 'eval' }));
  assert.deepEqual(problemsOf(() => loadConfig({ config: m.validationConfig, mmar: m.root })), [
    'no DATASET_JSON: an evaluation config reads its datalist from the variable DATASET_JSON (set it in environment.json or with --set DATASET_JSON=...)',
  ]);
  const c = loadConfig({ config: m.validationConfig, mmar: m.root, set: ['DATASET_JSON=config/dataset_0.json'] });
  assert.equal(c.evaluation!.writers.length, 1);
  assert.ok(c.warnings.includes('writers[1]: WriteClassificationResult is not supported by voxelpipe; the writer is skipped'), c.warnings.join(' | '));
});
