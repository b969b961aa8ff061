import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/program.js';
import type { ValidateReport } from '../../src/cli/commands/validate.js';
import { ROOT, tempDir } from '../helpers.js';
import { writeCase, writeClassificationMmar, writeSpleenMmar, type Mmar } from '../config/mmars.js';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const WARNING = 'voxelpipe: warning: ignoring Clara keys voxelpipe does not use: train.loss, train.optimizer, train.model, validate.metrics, validate.inferer\n';

/** Plants a missing label, a label of the wrong shape and a corrupt gzip image. */
function plantProblems(m: Mmar) {
  const missing = join(m.dataRoot, 'labelsTr/spleen_2.nii.gz');
  unlinkSync(missing);
  const shape = join(m.dataRoot, 'labelsTr/spleen_3.nii.gz');
  writeCase(join(m.dataRoot, 'imagesTr/spleen_3.nii.gz'), shape, [16, 16, 8], [16, 16, 7]);
  const corrupt = join(m.dataRoot, 'imagesTr/spleen_101.nii.gz');
  const bytes = readFileSync(corrupt);
  for (let i = 12; i < 40; i++) bytes[i] ^= 0x5a;
  writeFileSync(corrupt, bytes);
  return { missing, shape, corrupt, image3: join(m.dataRoot, 'imagesTr/spleen_3.nii.gz') };
}

test('validate: a clean spleen MMAR exits 0', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 4, 2);
  const r = await run(['validate', '--config', m.config, '--mmar', m.root]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, WARNING);
  assert.equal(
    r.out,
    `train     SegmentationImagePipelineWithCache, datalist ${m.datalist} [training]: 4 entries\n` +
      `validate  SegmentationImagePipeline, datalist ${m.datalist} [validation]: 2 entries\n` +
      'ok: 6 entries, 12 files decoded, no problems\n',
  );
});

test('validate: a clean 2D classification MMAR exits 0', async (t) => {
  const m = writeClassificationMmar(tempDir(t));
  const r = await run(['validate', '-c', m.config, '-m', m.root, '--json']);
  assert.equal(r.code, 0, r.out);
  const report = JSON.parse(r.out) as ValidateReport;
  assert.deepEqual([report.ok, report.entries, report.files, report.problems], [true, 8, 8, []]);
});

test('validate: three planted problems (missing file, shape mismatch, corrupt gzip) are all reported; exit 1', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 4, 2);
  const p = plantProblems(m);
  const r = await run(['validate', '--config', m.config, '--mmar', m.root]);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    WARNING +
      `training[1].label: ${p.missing}: no such file or directory\n` +
      `training[2].label: shape mismatch: image 16x16x8 (${p.image3}) and label 16x16x7 (${p.shape}) differ in the 3 spatial axes\n` +
      `validation[1].image: ${p.corrupt}: corrupt gzip stream (invalid code lengths set)\n`,
  );
  assert.match(r.out, /\n3 problems found \(6 entries, 12 files decoded\)\n$/);

  const j = await run(['validate', '--config', m.config, '--mmar', m.root, '--json']);
  assert.equal(j.code, 1);
  assert.equal(j.err, '');
  const report = JSON.parse(j.out) as ValidateReport;
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((x) => [x.section, x.location, x.file]),
    [
      ['train', 'training[1].label', p.missing],
      ['train', 'training[2].label', p.shape],
      ['validate', 'validation[1].image', p.corrupt],
    ],
  );
  assert.deepEqual(report.sections.train, { pipeline: 'SegmentationImagePipelineWithCache', datalist: m.datalist, key: 'training', items: 4 });
});

test('validate: config problems are listed one per line; --set reaches the config', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 1, 1);
  const r = await run(['validate', '--config', m.config, '--mmar', m.root, '--set', 'train.image_pipeline.args.num_workers=two', '--set', 'validate.pre_transforms[0].ref=Load']);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    `${m.config}: train.image_pipeline.args.num_workers: expected number, got "two"\n` +
      `${m.config}: validate.pre_transforms[0].ref: no train transform is named or aliased "Load" (did you mean LoadNifti?)\n`,
  );
  // Clara's space-separated form: --set A=1 B=2.
  const both = await run(['validate', '--config', m.config, '--mmar', m.root, '--set', 'train.image_pipeline.args.num_workers=two', 'validate.image_pipeline.args.shuffle=0']);
  assert.equal(
    both.err,
    `${m.config}: train.image_pipeline.args.num_workers: expected number, got "two"\n` + `${m.config}: validate.image_pipeline.args.shuffle: expected boolean, got 0\n`,
  );
  const k = await run(['validate', '--config', m.config, '--mmar', m.root, '--set', 'train.image_pipeline.args.data_list_key=trainig']);
  assert.equal(k.code, 1);
  assert.match(k.err, new RegExp(`\\ntrain.image_pipeline.args.data_list_key: ${m.datalist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no list "trainig" \\(did you mean training\\?\\)\\n$`));
});

test('validate through the real entry point: exit code and stderr', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 4, 2);
  const p = plantProblems(m);
  const exec = promisify(execFile);
  const e = await exec(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'validate', '--config', m.config, '--mmar', m.root], { cwd: ROOT }).then(
    () => assert.fail('expected a non-zero exit'),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  assert.equal(e.code, 1);
  const lines = e.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 4, e.stderr);
  assert.ok(lines[1].startsWith(`training[1].label: ${p.missing}: no such file`));
  assert.ok(lines[2].startsWith('training[2].label: shape mismatch'));
  assert.ok(lines[3].startsWith(`validation[1].image: ${p.corrupt}: corrupt gzip stream`));
  assert.ok(!e.stderr.includes('    at '), 'no stack trace');
  assert.match(e.stdout, /3 problems found/);
});
