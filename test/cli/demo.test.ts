import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { DemoSummary } from '../../src/cli/commands/demo.js';
import { decodePng } from '../../src/preview/index.js';
import { ROOT, tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('demo --json (segmentation, small): a Clara MMAR, two epochs with Smart Cache, previews, and commands that work on it', async (t) => {
  const out = join(tempDir(t), 'demo');
  const r = await cli('demo', '--out', out, '--size', 'small', '--workers', '0', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, 'only the JSON summary on stdout');
  const s = JSON.parse(lines[0]) as DemoSummary;
  assert.equal(s.out, out);
  for (const f of [s.config, s.env, s.datalist]) assert.ok(existsSync(f), f);
  assert.equal(s.config, join(out, 'config', 'config_train.json'));
  const config = JSON.parse(readFileSync(s.config, 'utf8'));
  assert.deepEqual(
    config.train.pre_transforms.map((x: { name: string }) => x.name),
    ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'FastCropByPosNegRatio', 'RandomAxisFlip', 'ScaleIntensityOscillation'],
  );
  assert.equal(config.train.image_pipeline.name, 'SegmentationImagePipelineWithCache');
  assert.deepEqual(JSON.parse(readFileSync(s.datalist, 'utf8')).labels, { '0': 'background', '1': 'spleen' });
  assert.equal(readdirSync(join(s.data, 'imagesTr')).length, 6);
  // Smart Cache of 4 items, 2 crops each, batches of 2 volumes: 2 batches of 4 crops per epoch.
  assert.equal(s.epochs, 2);
  assert.equal(s.batches, 4);
  assert.equal(s.samples, 16);
  assert.deepEqual(s.fields.image, { shape: [4, 1, 16, 16, 16], dtype: 'float32' });
  assert.deepEqual(s.fields.label, { shape: [4, 1, 16, 16, 16], dtype: 'float32' });
  assert.ok(s.cache_fill_ms! > 0 && s.cache_mib! > 0 && s.samples_per_s > 0 && s.first_batch_ms > 0 && s.peak_rss_mb > 0);
  assert.deepEqual(s.previews, [0, 1, 2].map((i) => join(out, 'previews', `epoch0-sample${i}-crop0.png`)));
  for (const p of s.previews) assert.ok(decodePng(readFileSync(p)).width > 0);
  assert.equal(s.commands.run, `npx voxelpipe run --config ${s.config} --mmar ${out} --epochs 2`);

  // The printed command runs the same pipeline: same batch shapes.
  const run = await cli(...s.commands.run.split(' ').slice(2), '--workers', '0', '--json');
  assert.equal(run.code, 0, run.err);
  const rs = JSON.parse(run.out);
  assert.deepEqual(rs.fields, s.fields);
  assert.equal(rs.samples, s.samples);
});

test('demo (classification, small): human output is a table, the files, and the next commands; no escape codes off a terminal', async (t) => {
  const out = join(tempDir(t), 'demo');
  const r = await cli('demo', '--out', out, '--task', 'classification', '--size', 'small', '--workers', '0');
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.out.includes('\x1b') && !r.err.includes('\x1b'));
  assert.match(r.out, /^voxelpipe demo \(classification\): writing a synthetic MMAR to \//);
  assert.match(r.out, /^LoadPng -> ScaleIntensityRange -> RandomRotate2D -> ScaleIntensityOscillation \| batch 8, 0 workers$/m);
  assert.match(r.out, /^ {2}samples\/s +[\d.]+$/m);
  assert.match(r.out, /^ {2}cache fill +- \(no Smart Cache\)$/m);
  assert.match(r.out, /^ {2}image batch +\[8, 1, 48, 48\] float32$/m);
  assert.match(r.out, /^ {2}label batch +\[8, 3\] float32$/m);
  assert.match(r.out, /^ {2}config\/config_train\.json +the Clara training config/m);
  assert.match(r.out, /^ {4}\/.*\/previews\/epoch0-sample2\.png$/m);
  assert.ok(r.out.includes(`  npx voxelpipe run --config ${join(out, 'config', 'config_train.json')} --mmar ${out} --epochs 2\n`));
  assert.match(r.out, /^On your own Clara MMAR:\n {2}npx voxelpipe run --config \/path\/to\/mmar\/config\/config_train\.json --mmar \/path\/to\/mmar$/m);
  const config = JSON.parse(readFileSync(join(out, 'config', 'config_train.json'), 'utf8'));
  assert.equal(config.train.image_pipeline.args.sampling, 'automatic');
});

test('demo: a real process with worker threads finishes and writes its files (node --import tsx src/cli/main.ts demo --json)', (t) => {
  const out = join(tempDir(t), 'demo');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'demo', '--out', out, '--size', 'small', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  const s = JSON.parse(r.stdout) as DemoSummary;
  assert.equal(s.workers, 2);
  assert.equal(s.batches, 4);
  for (const f of [s.config, s.env, s.datalist, ...s.previews]) assert.ok(existsSync(f), f);
});
