import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/program.js';
import { spleenConfig, writeSpleenMmar } from '../config/mmars.js';
import { ROOT, tempDir } from '../helpers.js';

const execFileP = promisify(execFile);

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The spleen MMAR with small crops and a persistent cache folder in the config. */
function smallCachedConfig() {
  type Section = { pre_transforms: { name: string; args: Record<string, unknown> }[]; image_pipeline: { args: Record<string, unknown> } };
  const c = spleenConfig() as { train: Section; validate: Section };
  c.train.pre_transforms.find((t) => t.name === 'FastCropByPosNegRatio')!.args = { size: [8, 8, 8], fields: ['image', 'label'], label_field: 'label', batch_size: 2 };
  Object.assign(c.train.image_pipeline.args, { output_crop_size: [8, 8, 8], cache_dir: 'cache', num_workers: 1 });
  // Validation's prefix (Load, ChannelsFirst, ScaleIntensityRange) is the same: its entries are shared.
  c.validate.image_pipeline.args.cache_dir = 'cache';
  return c;
}

test('cache warm | stats | clear, and run reads what warm stored', async (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 5, 2, smallCachedConfig());
  const cacheDir = join(m.root, 'cache');
  const before = await cli('cache', 'stats', '--config', m.config, '--mmar', m.root, '--section', 'train', '--json');
  assert.equal(before.code, 0, before.err);
  assert.deepEqual(JSON.parse(before.out).sections, { train: { items: 5, cached: 0 } });

  const warm = await cli('cache', 'warm', '--config', m.config, '--mmar', m.root, '--section', 'train');
  assert.equal(warm.code, 0, warm.err);
  assert.match(warm.out, new RegExp(`^train: 5 items in ${cacheDir}: 5 computed and stored, 0 already cached`, 'm'));
  const again = await cli('cache', 'warm', '--config', m.config, '--mmar', m.root, '--section', 'train', '--json');
  assert.equal(JSON.parse(again.out).train.hits, 5);

  const stats = await cli('cache', 'stats', '--config', m.config, '--mmar', m.root, '--section', 'train');
  assert.match(stats.out, /^train: 5 of 5 items cached \(hit rate 100%\)$/m);
  assert.match(stats.out, new RegExp(`^${cacheDir}: 5 entries, `, 'm'));

  const run = await cli('run', '--config', m.config, '--mmar', m.root, '--workers', '0');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^persistent cache: 5 hits, 0 misses$/m);

  const clear = await cli('cache', 'clear', '--cache-dir', cacheDir);
  assert.match(clear.out, /removed 5 entries/);
  const after = await cli('cache', 'stats', '--cache-dir', cacheDir, '--json');
  assert.equal(JSON.parse(after.out).entries, 0);
});

test('cache: two processes warming the same folder at once leave it whole', async (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 6, 2, smallCachedConfig());
  const warm = () =>
    execFileP(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'cache', 'warm', '--config', m.config, '--mmar', m.root, '--json', '--workers', '1'], { cwd: ROOT });
  const [a, b] = await Promise.all([warm(), warm()]);
  for (const r of [a, b]) {
    const j = JSON.parse(r.stdout);
    assert.equal(j.train.items, 6);
    assert.equal(j.validate.items, 2);
  }
  const files = readdirSync(join(m.root, 'cache'), { recursive: true }).map(String);
  // Validation items are other files; the train prefix ends with the fg/bg index, so entries differ anyway.
  assert.equal(files.filter((f) => f.endsWith('.vxc')).length, 8, 'one entry per item of both sections');
  assert.equal(files.filter((f) => f.includes('.tmp')).length, 0, 'no temporary files left');
  const stats = await cli('cache', 'stats', '--config', m.config, '--mmar', m.root, '--json');
  assert.deepEqual(JSON.parse(stats.out).sections, { train: { items: 6, cached: 6 }, validate: { items: 2, cached: 2 } });
});

test('cache: without a cache folder the message says how to give one', async (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 2, 1);
  const r = await cli('cache', 'warm', '--config', m.config, '--mmar', m.root, '--section', 'train');
  assert.equal(r.code, 1);
  assert.equal(r.err, `voxelpipe: ${m.config}: train.image_pipeline.args has no cache_dir; pass --cache-dir DIR\n`);
});
