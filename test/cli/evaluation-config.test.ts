import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { makeSegmentationDataset } from '../../src/synthetic/datasets.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const WARNING = 'voxelpipe: warning: ignoring Clara keys voxelpipe does not use: multi_gpu, model_loader (voxelpipe evaluate takes the model from --model)\n';

test('run | validate | preview | profile --config config_validation.json: the evaluation data pipeline (whole volumes, datalist order, batch_size), Clara-only keys one warning', async (t) => {
  // Equal shapes (24 slices each), so that whole volumes can share a batch.
  const m = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', { ...DEMO_SIZES.small, validation: 3, slices: [24, 24] });
  const base = ['--config', m.validationConfig, '--mmar', m.root];
  const run = await cli('run', ...base, '--workers', '0', '--json', '--set', 'batch_size=2');
  assert.equal(run.code, 0, run.err);
  assert.equal(run.err, WARNING);
  const s = JSON.parse(run.out);
  // 3 validation volumes of 48x48x(24..28) -> batches of 2 then 1, whole volumes.
  assert.equal(s.batches, 2);
  assert.equal(s.samples, 3);
  assert.deepEqual(Object.keys(s.fields), ['image', 'label', 'label_class1']);
  assert.equal(s.fields.image.shape[0], 2);
  assert.deepEqual(s.fields.image.shape, [2, 1, 48, 48, 24]);
  assert.deepEqual(s.fields.label_class1.shape, s.fields.image.shape);

  // Datalist order, one volume per batch by default (the config's batch_size 1).
  const human = await cli('run', ...base, '--workers', '1');
  assert.equal(human.code, 0, human.err);
  assert.match(human.out, /^LoadNifti -> ConvertToChannelsFirst -> ScaleIntensityRange -> LoadNifti -> ConvertToChannelsFirst -> SplitBasedOnLabel \| batch 1, 1 worker/);
  assert.match(human.out, /epochs 1, batches 3, samples 3/);

  const bad = await cli('run', ...base, '--section', 'train');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /an evaluation config has one pipeline \(validate\), not "train"; leave out --section/);

  const v = await cli('validate', ...base, '--json');
  assert.equal(v.code, 0, v.out + v.err);
  const report = JSON.parse(v.out);
  assert.equal(report.ok, true);
  assert.equal(report.entries, 3);
  assert.equal(report.files, 6, 'image and label of each entry');
  assert.deepEqual(report.sections.validate.key, 'validation');

  const previews = join(tempDir(t), 'previews');
  const p = await cli('preview', ...base, '--out', previews, '--count', '2', '--json');
  assert.equal(p.code, 0, p.err);
  assert.equal(JSON.parse(p.out).files.length, 2);
  assert.equal(readdirSync(previews).length, 2);

  const prof = await cli('profile', ...base, '--samples', '2', '--json');
  assert.equal(prof.code, 0, prof.err);
  assert.deepEqual(JSON.parse(prof.out).transforms.map((x: { name: string }) => x.name), ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'LoadNifti', 'ConvertToChannelsFirst', 'SplitBasedOnLabel']);
});

test('a Clara GettingStarted-style evaluation config (3 classes, ScaleByResolution on both chains, SplitBasedOnLabel in label_transforms) runs through voxelpipe run', async (t) => {
  const root = tempDir(t);
  const ds = makeSegmentationDataset({ dir: join(root, 'data'), train: 0, validation: 2, size: 32, slices: [12, 14], spacing: [1.5, 1.5, 2], liver: true, gzipLevel: 1 });
  writeFileSync(join(root, 'environment.json'), JSON.stringify({ DATA_ROOT: 'data', DATASET_JSON: 'data/dataset_0.json', MMAR_EVAL_OUTPUT_PATH: 'eval', MMAR_CKPT_DIR: 'models' }));
  const resolution = { target_resolution: [3.0, 3.0, 4.0] };
  const config = {
    use_scanning_window: true,
    multi_gpu: false,
    batch_size: 1,
    inferer: { name: 'TFScanWindowInferer', args: { roi_size: [64, 64, 64], batch_size: 1 } },
    model_loader: { name: 'FrozenGraphModelLoader', args: { model_file_path: '{MMAR_CKPT_DIR}/model.trt.pb' } },
    pre_transforms: [
      { name: 'LoadNifti', args: { fields: ['image'] } },
      { name: 'ConvertToChannelsFirst', args: { fields: ['image'] } },
      { name: 'ScaleByResolution', args: { fields: ['image'], ...resolution } },
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
    ],
    post_transforms: [
      { name: 'ArgmaxAcrossChannels', args: { fields: 'model' } },
      { name: 'SplitBasedOnLabel', args: { field: 'model', label_names: ['pred_class0', 'pred_class1', 'pred_class2'] } },
      { name: 'CopyProperties', args: { fields: ['pred_class0', 'pred_class1', 'pred_class2', 'model'], from_field: 'image', properties: ['affine'] } },
    ],
    label_transforms: [
      { name: 'LoadNifti', args: { fields: 'label' } },
      { name: 'ConvertToChannelsFirst', args: { fields: ['label'] } },
      { name: 'ScaleByResolution', args: { fields: ['label'], is_label: true, ...resolution } },
      { name: 'SplitBasedOnLabel', args: { field: 'label', label_names: ['label_class0', 'label_class1', 'label_class2'] } },
    ],
    val_metrics: [
      { name: 'ComputeAverageDice', args: { name: 'mean_dice_class1', field: 'pred_class1', label_field: 'label_class1', report_path: '{MMAR_EVAL_OUTPUT_PATH}' } },
      { name: 'ComputeAverageDice', args: { name: 'mean_dice_class2', field: 'pred_class2', label_field: 'label_class2', report_path: '{MMAR_EVAL_OUTPUT_PATH}' } },
    ],
    writers: ['model', 'pred_class0', 'pred_class1', 'pred_class2'].map((field) => ({ name: 'WriteNifti', args: { field, dtype: 'uint8', write_path: '{MMAR_EVAL_OUTPUT_PATH}' } })),
  };
  const file = join(root, 'config_validation.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const r = await cli('run', '--config', file, '--workers', '0', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, 'voxelpipe: warning: ignoring Clara keys voxelpipe does not use: use_scanning_window, multi_gpu, model_loader (voxelpipe evaluate takes the model from --model)\n');
  const s = JSON.parse(r.out);
  assert.equal(s.samples, 2);
  assert.deepEqual(Object.keys(s.fields), ['image', 'label', 'label_class1', 'label_class2']);
  // 32 x 1.5 mm -> 3 mm: 16 voxels in-plane, the label resampled with the image's grid.
  assert.deepEqual(s.fields.image.shape.slice(0, 4), [1, 1, 16, 16]);
  assert.deepEqual(s.fields.label_class2.shape, s.fields.image.shape);
  assert.equal(ds.validation.length, 2);
  void readFileSync;
});
