import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/program.js';
import { spleenConfig, writeSpleenMmar } from '../config/mmars.js';
import { ROOT, tempDir } from '../helpers.js';
import { ChunkedStore } from '../../src/cache/index.js';
import { chunkedSample } from '../cache/chunked-samples.js';

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
  assert.match(stats.out, new RegExp(`^${cacheDir} \\(chunked, format 1\\): 5 items, `, 'm'));

  const run = await cli('run', '--config', m.config, '--mmar', m.root, '--workers', '0');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^persistent cache: 5 hits, 0 misses$/m);

  const clear = await cli('cache', 'clear', '--cache-dir', cacheDir);
  assert.match(clear.out, /removed 5 items and temporary files/);
  const after = await cli('cache', 'stats', '--cache-dir', cacheDir, '--json');
  assert.equal(JSON.parse(after.out).items, 0);
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
  assert.equal(files.filter((f) => f.endsWith('.vxk')).length, 8, 'one item per item of both sections');
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

test('cache stats | evict | clear on the chunked store: items, bytes, ratio, lifetime hit rate, LRU eviction to --cache-max-bytes-disk', async (t) => {
  const dir = tempDir(t);
  const store = new ChunkedStore({ dir });
  const sample = chunkedSample(4);
  let size = 0;
  for (const k of ['clia', 'clib', 'clic']) size = store.put(`${k}0000`, { ...sample, k }).bytes;
  const now = Date.now();
  ['clia', 'clib', 'clic'].forEach((k, i) => utimesSync(store.fileFor(`${k}0000`), new Date(now - 100_000 * (3 - i)), new Date(now - 100_000 * (3 - i))));
  store.open('clia0000');
  store.open('nothere00');
  store.close();
  const stats = await cli('cache', 'stats', '--cache-dir', dir);
  assert.equal(stats.code, 0, stats.err);
  assert.match(stats.out, new RegExp(`^${dir} \\(chunked, format 1\\): 3 items, [\\d.]+ [KM]iB on disk \\(ratio [\\d.]+ to the voxels' [\\d.]+ [KM]iB\\), hit rate 50% of 2 lookups$`, 'm'));
  const json = JSON.parse((await cli('cache', 'stats', '--cache-dir', dir, '--json')).out);
  assert.equal(json.items, 3);
  assert.equal(json.bytes, 3 * size);
  assert.ok(json.compressionRatio > 1);
  assert.deepEqual([json.hitRate, json.lookups], [0.5, 2]);
  assert.deepEqual(json.legacy, { entries: 0, bytes: 0 });

  const bad = await cli('cache', 'evict', '--cache-dir', dir, '--cache-max-bytes-disk', 'lots');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--cache-max-bytes-disk.*expected a number of bytes or a size such as "8GB" or "512MiB", got "lots"/);
  const evict = await cli('cache', 'evict', '--cache-dir', dir, '--cache-max-bytes-disk', String(2 * size + 100), '--json');
  assert.equal(evict.code, 0, evict.err);
  const r = JSON.parse(evict.out)[dir];
  assert.deepEqual([r.removed, r.items], [1, 2]);
  assert.ok(r.left <= 2 * size + 100);
  const left = new ChunkedStore({ dir });
  assert.equal(left.has('clib0000'), false, 'b was the least recently used (a was opened)');
  assert.ok(left.has('clia0000') && left.has('clic0000'));
  const clear = await cli('cache', 'clear', '--cache-dir', dir);
  assert.match(clear.out, /removed 2 items and temporary files/);
  assert.equal(new ChunkedStore({ dir }).stats().items, 0);
});
