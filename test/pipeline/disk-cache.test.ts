import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeNifti } from '../../src/io/index.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { tempDir } from '../helpers.js';

function makeItems(dir: string, n: number) {
  const shape = [12, 10, 9];
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return Array.from({ length: n }, (_, s) => {
    const img = new Int16Array(1080).map((_, i) => ((i * 37 + s * 101) % 400) - 150);
    const lab = new Uint8Array(1080).map((_, i) => ((i + s) % 5 === 0 ? 1 : 0));
    const image = join(dir, `i${s}.nii.gz`);
    const label = join(dir, `l${s}.nii.gz`);
    writeNifti(image, { data: img, shape, dtype: 'int16', spacing: [1, 1, 1], affine, meta: {} });
    writeNifti(label, { data: lab, shape, dtype: 'uint8', spacing: [1, 1, 1], affine, meta: {} });
    return { image, label };
  });
}

function options(items: Record<string, unknown>[], over: Partial<PipelineOptions> = {}, aMax = 164, crop = 4): PipelineOptions {
  return {
    items,
    transforms: [
      { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: aMax, b_min: 0, b_max: 1, clip: true } },
      { name: 'CropFixedSizeRandomCenter', args: { fields: ['image', 'label'], size: [crop, crop, crop] } },
    ],
    cropSize: [crop, crop, crop],
    batchSize: 2,
    workers: 0,
    seed: 3,
    ...over,
  };
}

async function run(o: PipelineOptions, epochs = 2) {
  const p = createPipeline(o);
  const warnings: string[] = [];
  p.events.on('warning', (w) => warnings.push(w));
  const batches: Batch[] = [];
  try {
    for (let e = 0; e < epochs; e++) for await (const b of p.epoch(e)) batches.push(b);
    return { digest: batches.map((b) => Buffer.from(b.fields.image.data.buffer).toString('base64')).join('|'), m: p.metrics(), warnings };
  } finally {
    await p.close();
  }
}

test('persistent cache: second run hits, output bit-identical to no cache, for 0 and 2 workers', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 5);
  const plain = await run(options(items));
  const cacheDir = join(dir, 'cache');
  for (const workers of [0, 2]) {
    const first = await run(options(items, { cacheDir, workers }));
    const second = await run(options(items, { cacheDir, workers }));
    assert.equal(first.digest, plain.digest, `first run, workers ${workers}`);
    assert.equal(second.digest, plain.digest, `second run, workers ${workers}`);
    assert.deepEqual(second.m.diskCache, { hits: 10, misses: 0 }, 'every prefix read from disk');
    if (workers === 0) assert.deepEqual(first.m.diskCache, { hits: 5, misses: 5 }, '5 stored in epoch 0, read in epoch 1');
  }
});

test('persistent cache: a prefix arg change misses; a random-tail change still hits', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 4);
  const cacheDir = join(dir, 'cache');
  await run(options(items, { cacheDir }), 1);
  const prefixChanged = await run(options(items, { cacheDir }, 200), 1);
  assert.deepEqual(prefixChanged.m.diskCache, { hits: 0, misses: 4 });
  const tailChanged = await run(options(items, { cacheDir }, 164, 5), 1);
  assert.deepEqual(tailChanged.m.diskCache, { hits: 4, misses: 0 });
  // A source file rewritten (new mtime/size) misses too.
  writeFileSync(items[0].image, readFileSync(items[0].image));
  const touched = await run(options(items, { cacheDir }), 1);
  assert.deepEqual(touched.m.diskCache, { hits: 3, misses: 1 });
});

test('persistent cache: a corrupted entry is reported once, recomputed, and the output stays right', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 3);
  const cacheDir = join(dir, 'cache');
  const reference = await run(options(items), 1);
  await run(options(items, { cacheDir }), 1);
  const entries = readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith('.vxk'));
  assert.equal(entries.length, 3);
  // Two kinds of damage: a byte of the trailer (found when the item is opened) and a byte of
  // voxels (found by the crop's read: these volumes are one chunk, which every crop touches).
  for (const at of [(n: number) => n - 10, () => 64 + 8]) {
    const victim = join(cacheDir, entries[0]);
    const bytes = readFileSync(victim);
    bytes[at(bytes.length)] ^= 0xff;
    writeFileSync(victim, bytes);
    const after = await run(options(items, { cacheDir }), 1);
    assert.equal(after.digest, reference.digest);
    assert.equal(after.warnings.length, 1, after.warnings.join(' | '));
    assert.match(after.warnings[0], /\.vxk: /);
    assert.ok(after.m.diskCache!.misses + after.m.diskCache!.hits === 3);
    assert.ok(statSync(victim).size > 0, 'the entry was written again');
  }
});

test('persistent cache: Smart Cache fills from disk when it can', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 4);
  const cacheDir = join(dir, 'cache');
  const cacheOpts = { cacheDir, cache: { numCacheObjects: 4, replacePercent: 0 } };
  const cold = await run(options(items, cacheOpts));
  const warm = await run(options(items, { ...cacheOpts, workers: 2 }));
  assert.equal(warm.digest, cold.digest);
  assert.deepEqual(cold.m.diskCache, { hits: 0, misses: 4 });
  assert.deepEqual(warm.m.diskCache, { hits: 4, misses: 0 });
});

test('Smart Cache: a prefix output made in shared memory (ScaleIntensityRange) gives the uncached batches', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 5);
  const plain = await run(options(items));
  for (const workers of [0, 2]) {
    const cached = await run(options(items, { workers, cache: { numCacheObjects: 5, replacePercent: 0 } }));
    assert.equal(cached.digest, plain.digest, `workers ${workers}`);
    assert.equal(cached.m.cache?.computed, 5);
  }
});
