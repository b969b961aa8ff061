import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../../src/io/index.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { toShared } from '../../src/pipeline/sample-processor.js';
import { CacheWindow } from '../../src/cache/window.js';
import { toChainImage } from '../../src/transforms/image.js';
import { tempDir } from '../helpers.js';

const TEST_TRANSFORMS = fileURLToPath(new URL('./workers/test-transforms.ts', import.meta.url));

function makeItems(dir: string, n: number): { image: string; label: string }[] {
  const shape = [10, 9, 8];
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return Array.from({ length: n }, (_, s) => {
    const img = new Float32Array(720).map((_, i) => s * 1000 + i);
    const lab = new Uint8Array(720).map((_, i) => (i + s) % 2);
    const image = join(dir, `i${s}.nii`);
    const label = join(dir, `l${s}.nii`);
    writeNifti(image, { data: img, shape, dtype: 'float32', spacing: [1, 1, 1], affine, meta: {} });
    writeNifti(label, { data: lab, shape, dtype: 'uint8', spacing: [1, 1, 1], affine, meta: {} });
    return { image, label };
  });
}

function options(items: Record<string, unknown>[], over: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    items,
    extraTransforms: TEST_TRANSFORMS,
    transforms: [
      { name: 'TestLoad', args: { fields: ['image', 'label'] } },
      { name: 'TestRandomCrop', args: { fields: ['image', 'label'], size: [4, 4, 4], batch_size: 2 } },
    ],
    batchTransforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
    cropSize: [4, 4, 4],
    batchSize: 2,
    workers: 0,
    prefetch: 1,
    seed: 5,
    ...over,
  };
}

async function epochs(p: ReturnType<typeof createPipeline>, n: number): Promise<Batch[][]> {
  const out: Batch[][] = [];
  for (let e = 0; e < n; e++) {
    const bs: Batch[] = [];
    for await (const b of p.epoch(e)) bs.push(b);
    out.push(bs);
  }
  return out;
}

const digest = (bs: Batch[][]) => bs.flat().map((b) => Buffer.from(b.fields.image.data.buffer).toString('base64') + Buffer.from(b.fields.label.data.buffer).toString('base64')).join('|');

test('smart cache: N >= M, r = 0 gives the same batches as no cache, for 0 and 2 workers; prefixes computed once', async (t) => {
  const items = makeItems(tempDir(t), 6);
  const plain = createPipeline(options(items));
  let reference: string;
  try {
    reference = digest(await epochs(plain, 3));
  } finally {
    await plain.close();
  }
  for (const workers of [0, 2]) {
    const cached = createPipeline(options(items, { workers, cache: { numCacheObjects: 6, replacePercent: 0 } }));
    try {
      assert.equal(digest(await epochs(cached, 3)), reference, `workers ${workers}`);
      assert.equal(cached.metrics().cache?.computed, 6, 'each prefix computed once over 3 epochs');
      assert.equal(cached.metrics().cache?.bytes, 6 * 720 * (4 + 1), 'float32 image + uint8 label per item');
      assert.match(cached.describe(), /Smart Cache 6 items \(replace 0 per epoch\)/);
    } finally {
      await cached.close();
    }
  }
});

test('smart cache: an epoch is a pass over the window; R items are replaced each epoch (M=10, N=4, r=0.5)', async (t) => {
  const items = makeItems(tempDir(t), 10);
  const p = createPipeline(options(items, { shuffle: false, cache: { numCacheObjects: 4, replacePercent: 0.5 } }));
  const win = new CacheWindow({ items: 10, size: 4, replacePercent: 0.5, seed: 5, shuffle: false });
  try {
    const all = await epochs(p, 4);
    all.forEach((bs, e) => {
      const seen = [...new Set(bs.flatMap((b) => b.rows.map((r) => r.item)))].sort((a, b) => a - b);
      assert.deepEqual(seen, win.itemsAt(e), `epoch ${e}`);
      assert.equal(bs.length, 2, 'N / batch = 2 batches per epoch');
    });
    // 4 at the start, then 2 entering per epoch prepared one epoch ahead: 4 + 2 * 4.
    assert.equal(p.metrics().cache?.computed, 12);
    assert.equal(p.metrics().cache?.items, 6, 'the window and the next epoch\'s entering items');
  } finally {
    await p.close();
  }
});

test('smart cache: the first batch does not wait for the whole cache', async (t) => {
  const items = makeItems(tempDir(t), 12);
  const p = createPipeline(
    options(items, {
      workers: 2,
      cache: { numCacheObjects: 12, replacePercent: 0 },
      transforms: [
        { name: 'TestLoad', args: { fields: ['image', 'label'], delay_ms: 60 } },
        { name: 'TestRandomCrop', args: { fields: ['image', 'label'], size: [4, 4, 4], batch_size: 2 } },
      ],
    }),
  );
  try {
    const it = p.epoch(0)[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    const filled = p.metrics().cache!.items;
    assert.ok(filled < 12, `first batch came with ${filled} of 12 items cached`);
    let n = 1;
    while (!(await it.next()).done) n++;
    assert.equal(n, 6);
    assert.equal(p.metrics().cache!.items, 12);
  } finally {
    await p.close();
  }
});

test('smart cache: a byte budget too small for N items is refused with the numbers', async (t) => {
  const items = makeItems(tempDir(t), 5);
  const p = createPipeline(options(items, { shuffle: false, cache: { numCacheObjects: 5, replacePercent: 0, maxBytes: 10_000 } }));
  try {
    await assert.rejects(epochs(p, 1), {
      code: 'ERR_TOO_LARGE',
      message: `the Smart Cache needs about 17.6 KiB for 5 items (3.52 KiB each, measured on ${items[0].image}), over cache_max_bytes 9.77 KiB: lower num_cache_objects or raise the budget`,
    });
  } finally {
    await p.close();
  }
});

test('smart cache: cached items move to SharedArrayBuffers (no copy between workers)', () => {
  const v = toChainImage({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: 'float32', spacing: [1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {} });
  const shared = toShared({ image: v, weight: 2, name: 'x' });
  const img = shared.image as typeof v;
  assert.ok(img.data.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...img.data], [1, 2, 3, 4]);
  assert.equal(shared.weight, 2);
  assert.ok(!(v.data.buffer instanceof SharedArrayBuffer), 'the input is not modified');
});
