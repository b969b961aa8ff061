import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../../src/io/index.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

const TEST_TRANSFORMS = fileURLToPath(new URL('./workers/test-transforms.ts', import.meta.url));
const SHAPE = [12, 10, 9];

/** Writes `n` image/label pairs whose voxel values encode (item, i, j, k). */
function makeItems(dir: string, n: number): { image: string; label: string }[] {
  const items = [];
  const [X, Y, Z] = SHAPE;
  for (let s = 0; s < n; s++) {
    const img = new Float32Array(X * Y * Z);
    const lab = new Uint8Array(X * Y * Z);
    for (let k = 0; k < Z; k++)
      for (let j = 0; j < Y; j++)
        for (let i = 0; i < X; i++) {
          img[i + X * (j + Y * k)] = s * 10000 + i * 100 + j * 10 + k * 0.1;
          lab[i + X * (j + Y * k)] = (i + j + k + s) % 3;
        }
    const image = join(dir, `img${s}.nii`);
    const label = join(dir, `lab${s}.nii`);
    const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    writeNifti(image, { data: img, shape: SHAPE, dtype: 'float32', spacing: [1, 1, 1], affine, meta: {} });
    writeNifti(label, { data: lab, shape: SHAPE, dtype: 'uint8', spacing: [1, 1, 1], affine, meta: {} });
    items.push({ image, label });
  }
  return items;
}

function options(items: Record<string, unknown>[], over: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    items,
    extraTransforms: TEST_TRANSFORMS,
    transforms: [
      { name: 'TestLoad', args: { fields: ['image', 'label'] } },
      { name: 'TestRandomCrop', args: { fields: ['image', 'label'], size: [4, 5, 3], batch_size: 2 } },
    ],
    batchTransforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
    cropSize: [4, 5, 3],
    batchSize: 3,
    workers: 0,
    prefetch: 2,
    seed: 1234,
    ...over,
  };
}

async function collect(p: ReturnType<typeof createPipeline>, epoch = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of p.epoch(epoch)) out.push(b);
  return out;
}

test('pipeline: crop batch 2 x pipeline batch 3 with MergeBatchDims gives [6, 1, X, Y, Z]', async (t) => {
  const items = makeItems(tempDir(t), 7);
  const p = createPipeline(options(items));
  try {
    const batches = await collect(p);
    assert.deepEqual(batches.map((b) => b.fields.image.shape), [[6, 1, 4, 5, 3], [6, 1, 4, 5, 3], [2, 1, 4, 5, 3]]);
    assert.deepEqual(batches[0].fields.label.shape, [6, 1, 4, 5, 3]);
    assert.ok(batches[0].fields.image.data instanceof Float32Array);
    assert.equal(batches[0].rows.length, 6);
    assert.deepEqual(batches.flatMap((b) => b.rows.map((r) => r.position)), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    assert.deepEqual([...new Set(batches.flatMap((b) => b.rows.map((r) => r.item)))].sort(), [0, 1, 2, 3, 4, 5, 6]);
  } finally {
    await p.close();
  }
});

test('pipeline: without MergeBatchDims the crop axis stays; with batched_by_transforms each sample is a batch', async (t) => {
  const items = makeItems(tempDir(t), 4);
  const p = createPipeline(options(items, { batchTransforms: [] }));
  const q = createPipeline(options(items, { batchTransforms: [], batchedByTransforms: true, batchSize: 0 }));
  try {
    assert.deepEqual((await collect(p))[0].fields.image.shape, [3, 2, 1, 4, 5, 3]);
    const bt = await collect(q);
    assert.equal(bt.length, 4);
    assert.deepEqual(bt[0].fields.image.shape, [2, 1, 4, 5, 3]);
  } finally {
    await p.close();
    await q.close();
  }
});

test('pipeline: rows are C-order [B, C, X, Y, Z] (or channels_last) with image and label from the same place', async (t) => {
  const items = makeItems(tempDir(t), 2);
  for (const format of ['channels_first', 'channels_last'] as const) {
    const p = createPipeline(options(items, { dataFormat: format, batchSize: 2 }));
    try {
      const [b] = await collect(p);
      const img = b.fields.image;
      const lab = b.fields.label;
      assert.deepEqual(img.shape, format === 'channels_first' ? [4, 1, 4, 5, 3] : [4, 4, 5, 3, 1]);
      for (let r = 0; r < 4; r++) {
        const base = r * 60;
        // Decode the crop origin from voxel (0,0,0), then check every voxel and the label.
        const v0 = img.data[base];
        const s = Math.floor(v0 / 10000);
        const x0 = Math.floor((v0 - s * 10000) / 100);
        const y0 = Math.floor((v0 - s * 10000 - x0 * 100) / 10);
        const z0 = Math.round((v0 - s * 10000 - x0 * 100 - y0 * 10) * 10);
        assert.equal(s, b.rows[r].item);
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 5; j++)
            for (let k = 0; k < 3; k++) {
              const idx = base + (i * 5 + j) * 3 + k; // C-order over [X, Y, Z] (C = 1 either way)
              const want = s * 10000 + (x0 + i) * 100 + (y0 + j) * 10 + (z0 + k) * 0.1;
              assert.ok(Math.abs(img.data[idx] - want) < 1e-2, `image voxel ${i},${j},${k}`);
              assert.equal(lab.data[idx], (x0 + i + y0 + j + z0 + k + s) % 3, 'label from the same place');
            }
      }
    } finally {
      await p.close();
    }
  }
});

test('pipeline: batches are bit-identical for 0, 1, 2 and 4 workers and any prefetch', async (t) => {
  const items = makeItems(tempDir(t), 9);
  const digest = (bs: Batch[]) => bs.map((b) => Buffer.from(b.fields.image.data.buffer).toString('base64') + Buffer.from(b.fields.label.data.buffer).toString('base64')).join('|');
  let reference: string | undefined;
  for (const [workers, prefetch] of [[0, 0], [1, 0], [2, 1], [4, 5], [2, 0]]) {
    const p = createPipeline(options(items, { workers, prefetch }));
    try {
      const d = digest([...(await collect(p, 0)), ...(await collect(p, 1))]);
      reference ??= d;
      assert.equal(d, reference, `workers ${workers}, prefetch ${prefetch}`);
    } finally {
      await p.close();
    }
  }
  // A different seed gives different crops.
  const other = createPipeline(options(items, { seed: 99 }));
  try {
    assert.notEqual(digest([...(await collect(other, 0)), ...(await collect(other, 1))]), reference);
  } finally {
    await other.close();
  }
});

test('pipeline: epochs are reshuffled; shuffle false keeps the datalist order', async (t) => {
  const items = makeItems(tempDir(t), 8);
  const p = createPipeline(options(items));
  const q = createPipeline(options(items, { shuffle: false, duplicateCount: 2 }));
  try {
    assert.notDeepEqual(p.order(0), p.order(1));
    assert.deepEqual([...p.order(0)].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(q.order(3), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
  } finally {
    await p.close();
    await q.close();
  }
});

test('pipeline: a failing transform names the file, the transform and the input shapes', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 4);
  (items[2] as Record<string, unknown>).source = 'bad-scan';
  for (const workers of [0, 2]) {
    const p = createPipeline(options(items, { workers, shuffle: false, transforms: [...options(items).transforms, { name: 'TestFailOnBad' }] }));
    try {
      await assert.rejects(collect(p), (e: VoxelpipeError) => {
        assert.equal(e.code, 'ERR_TRANSFORM');
        assert.equal(
          e.message,
          `${items[2].image}: pre_transforms[2] TestFailOnBad (chain index 2) failed on sample 2 of epoch 0: planted transform failure [inputs: image float32 [4,5,3,1,2] batched from ${items[2].image}, label float32 [4,5,3,1,2] batched from ${items[2].label}]`,
        );
        return true;
      });
    } finally {
      await p.close();
    }
  }
});

test('pipeline: skipBadSamples skips and counts failures, with a warning', async (t) => {
  const items = makeItems(tempDir(t), 5);
  (items[1] as Record<string, unknown>).source = 'bad';
  const p = createPipeline(options(items, { workers: 2, shuffle: false, skipBadSamples: true, transforms: [...options(items).transforms, { name: 'TestFailOnBad' }] }));
  const warnings: string[] = [];
  p.events.on('warning', (w) => warnings.push(w));
  try {
    const batches = await collect(p);
    assert.deepEqual(batches.flatMap((b) => [...new Set(b.rows.map((r) => r.item))]), [0, 2, 3, 4]);
    assert.equal(p.metrics().skipped, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /skipped sample 1 of epoch 0: .*planted transform failure/);
  } finally {
    await p.close();
  }
});

test('pipeline: a worker that dies is replaced and its sample retried once: same batches as without the crash', async (t) => {
  const dir = tempDir(t);
  const items = makeItems(dir, 6);
  const transforms = [...options(items).transforms, { name: 'TestCrashOnce' }];
  const clean = createPipeline(options(items, { workers: 2, transforms }));
  const crashing = createPipeline(options(items.map((it, i) => (i === 3 ? { ...it, crash_marker: join(dir, 'crashed') } : it)), { workers: 2, transforms }));
  try {
    const a = await collect(clean);
    const b = await collect(crashing);
    assert.equal(crashing.metrics().retried, 1);
    assert.equal(crashing.metrics().pool?.respawned, 1);
    assert.deepEqual(b.map((x) => [...x.fields.image.data]), a.map((x) => [...x.fields.image.data]));
  } finally {
    await clean.close();
    await crashing.close();
  }
});

test('pipeline: a shape that does not match output_crop_size names the file', async (t) => {
  const items = makeItems(tempDir(t), 2);
  const p = createPipeline(options(items, { cropSize: [4, 5, 4], shuffle: false }));
  try {
    await assert.rejects(collect(p), {
      code: 'ERR_SHAPE_MISMATCH',
      message: `${items[0].image}: field "image" has spatial shape [4,5,3] after the chain, output_crop_size is [4,5,4]`,
    });
  } finally {
    await p.close();
  }
  const q = createPipeline(options(items, { imageChannels: 3, shuffle: false }));
  try {
    await assert.rejects(collect(q), { code: 'ERR_SHAPE_MISMATCH', message: `${items[0].image}: field "image" has 1 channels, output_image_channels is 3` });
  } finally {
    await q.close();
  }
});

test('pipeline: classification labels are encoded as index, one-hot or multi-label', async (t) => {
  const items = makeItems(tempDir(t), 3).map((it, i) => ({ image: it.image, label: i % 3 }));
  const base = { transforms: [{ name: 'TestLoad', args: { fields: 'image' } }], batchTransforms: [], cropSize: [-1, -1, -1], task: 'classification' as const, shuffle: false, batchSize: 3 };
  const p = createPipeline(options(items, { ...base, labelEncoding: { kind: 'onehot', classes: 3 } }));
  const q = createPipeline(options(items, { ...base, labelEncoding: { kind: 'index' } }));
  const m = createPipeline(options(items.map((it, i) => ({ ...it, label: [i % 2, 1] })), { ...base, labelEncoding: { kind: 'multilabel', classes: 2 } }));
  try {
    const [b] = await collect(p);
    assert.deepEqual(b.fields.label.shape, [3, 3]);
    assert.deepEqual([...b.fields.label.data], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual(b.fields.image.shape, [3, 1, 12, 10, 9]);
    const [c] = await collect(q);
    assert.deepEqual(c.fields.label.shape, [3]);
    assert.deepEqual([...c.fields.label.data], [0, 1, 2]);
    const [d] = await collect(m);
    assert.deepEqual([...d.fields.label.data], [0, 1, 1, 1, 0, 1]);
  } finally {
    await p.close();
    await q.close();
    await m.close();
  }
  const bad = createPipeline(options([{ image: items[0].image, label: 5 }], { ...base, labelEncoding: { kind: 'onehot', classes: 3 } }));
  try {
    await assert.rejects(collect(bad), { code: 'ERR_SHAPE_MISMATCH', message: `${items[0].image}: label 5 is not a class index in 0..2 or a vector of 3` });
  } finally {
    await bad.close();
  }
});

test('pipeline: memory stays bounded with a slow consumer (prefetch window)', async (t) => {
  const items = makeItems(tempDir(t), 12);
  const p = createPipeline(options(items, { workers: 2, prefetch: 1, batchSize: 2 }));
  try {
    let maxHeld = 0;
    for await (const _ of p.epoch(0)) {
      await new Promise((r) => setTimeout(r, 30));
      const m = p.metrics();
      maxHeld = Math.max(maxHeld, m.queueDepth + m.inFlight);
    }
    // window = (prefetch + 1) * batch = 4 samples ahead of the consumer.
    assert.ok(maxHeld <= 4, `held ${maxHeld} samples`);
    assert.ok(maxHeld >= 2, 'the pool works ahead while the consumer is busy');
  } finally {
    await p.close();
  }
});

test('pipeline: rank shards are disjoint, cover the epoch, and each sample equals the single-process sample at its global position', async (t) => {
  const items = makeItems(tempDir(t), 8);
  const single = createPipeline(options(items, { batchSize: 1, batchTransforms: [] }));
  const ranks = [0, 1].map((rank) => createPipeline(options(items, { batchSize: 1, batchTransforms: [], rank, worldSize: 2 })));
  try {
    const whole = await collect(single, 1);
    const shards = await Promise.all(ranks.map((p) => collect(p, 1)));
    assert.deepEqual(shards.map((s) => s.length), [4, 4], 'equal shard lengths');
    const seen = shards.flat().map((b) => b.rows[0].item).sort((a, b) => a - b);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7], 'disjoint and covering');
    shards.forEach((shard, rank) =>
      shard.forEach((b, j) => {
        const global = rank + 2 * j;
        assert.equal(b.rows[0].position, global);
        assert.deepEqual([...b.fields.image.data], [...whole[global].fields.image.data], `rank ${rank} sample ${j}`);
      }),
    );
  } finally {
    await single.close();
    for (const p of ranks) await p.close();
  }
});
