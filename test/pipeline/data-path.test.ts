import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { makeSegmentationDataset } from '../../src/synthetic/datasets.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

// The wave-2 data path: batches live in shared slots that workers write,
// crop batches of one volume are made as parts, and memory is a budget.

/** CT-like items with absolute paths. */
function spleen(dir: string, n = 4) {
  return makeSegmentationDataset({ dir, train: n, size: 48, slices: [20, 26], seed: 3 }).training.map((it) => ({
    image: join(dir, it.image as string),
    label: join(dir, it.label as string),
  }));
}

function chain(extra: Record<string, unknown> = {}): PipelineOptions['transforms'] {
  return [
    { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
    { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
    { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } },
    { name: 'FastCropByPosNegRatio', args: { size: [16, 16, 16], fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 3, ...extra } },
    { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.5 } },
    { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1, probability: 0.7 } },
  ];
}

function options(items: Record<string, unknown>[], over: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    items,
    transforms: chain(),
    batchTransforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
    cropSize: [16, 16, 16],
    batchSize: 2,
    workers: 2,
    prefetch: 1,
    seed: 7,
    ...over,
  };
}

const hashOf = (b: Batch) => {
  const h = createHash('sha1');
  for (const f of Object.values(b.fields)) h.update(new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength));
  h.update(JSON.stringify(b.rows));
  return h.digest('hex');
};

/** Hashes of every batch of epochs 0 and 1, taken while each batch is current (then released). */
async function hashes(p: ReturnType<typeof createPipeline>): Promise<string[]> {
  const out: string[] = [];
  for (let e = 0; e < 2; e++)
    for await (const b of p.epoch(e)) {
      out.push(hashOf(b));
      b.release?.();
    }
  return out;
}

test('data path: workers write batches into shared slots; after the first units the main thread copies nothing', async (t) => {
  const items = spleen(tempDir(t), 6);
  const p = createPipeline(options(items, { workers: 2, prefetch: 2 }));
  try {
    let n = 0;
    for await (const b of p.epoch(0)) {
      if (n++ > 0) assert.ok(b.fields.image.data.buffer instanceof SharedArrayBuffer, 'a full batch is a view of its slot');
      assert.deepEqual(b.fields.image.shape, [6, 1, 16, 16, 16]);
      b.release?.();
    }
    for await (const b of p.epoch(1)) b.release?.();
    const m = p.metrics();
    // Only units that ran before the first result told the slot size were copied (at most max(batch, workers) of them).
    assert.ok(m.copiedUnits <= 2, `copied ${m.copiedUnits} units`);
    assert.ok(m.ring.slots <= 4, `made ${m.ring.slots} slots for prefetch 2`);
    assert.equal(m.ring.abandoned, 0, 'a consumer that releases never leaves a slot behind');
  } finally {
    await p.close();
  }
});

test('data path: the same bytes for 0, 1 and 2 workers, copies or views, released early or kept', async (t) => {
  const items = spleen(tempDir(t), 5);
  let reference: string[] | undefined;
  for (const over of [{ workers: 0 }, { workers: 1, prefetch: 0 }, { workers: 2, prefetch: 3 }, { workers: 2, copyBatches: true }] as Partial<PipelineOptions>[]) {
    const p = createPipeline(options(items, over));
    try {
      const h = await hashes(p);
      reference ??= h;
      assert.deepEqual(h, reference, JSON.stringify(over));
    } finally {
      await p.close();
    }
  }
  // Kept without release (no copy asked): every batch is still intact at the end.
  const p = createPipeline(options(items, { workers: 2, prefetch: 0 }));
  try {
    const kept: Batch[] = [];
    for (let e = 0; e < 2; e++) for await (const b of p.epoch(e)) kept.push(b);
    assert.deepEqual(kept.map(hashOf), reference, 'a batch kept past its lifetime is never overwritten');
    assert.ok(p.metrics().ring.abandoned > 0, 'its slot was left to it');
  } finally {
    await p.close();
  }
});

test('data path: a batch stays valid while the consumer has asked for fewer than prefetch + 1 more', async (t) => {
  const items = spleen(tempDir(t), 8);
  const prefetch = 2;
  const p = createPipeline(options(items, { workers: 2, prefetch, batchSize: 1 }));
  try {
    const seen: { b: Batch; h: string }[] = [];
    for await (const b of p.epoch(0)) {
      seen.push({ b, h: hashOf(b) });
      // Every batch yielded within the last prefetch asks must be unchanged, whatever the workers did since.
      for (const s of seen.slice(-(prefetch + 1))) assert.equal(hashOf(s.b), s.h, `batch ${s.b.index} changed while still valid (now at ${b.index})`);
    }
  } finally {
    await p.close();
  }
});

test('data path: batches_to_gen_at_once made as parts equals one unit making all crops, bit for bit', async (t) => {
  const items = spleen(tempDir(t), 3);
  const transforms = chain({ batches_to_gen_at_once: 4 });
  const run = async (over: Partial<PipelineOptions>) => {
    const p = createPipeline(options(items, { transforms, ...over }));
    try {
      const out: { h: string; crops: number[] }[] = [];
      for await (const b of p.epoch(0)) {
        out.push({ h: hashOf({ ...b, rows: [] }), crops: b.rows.map((r) => r.crop) });
        b.release?.();
      }
      return out;
    } finally {
      await p.close();
    }
  };
  const whole = await run({ cropBatchParts: false });
  // 3 volumes x 4 crop batches of 3 crops, 2 crop batches per pipeline batch.
  assert.equal(whole.length, 6);
  for (const over of [{ workers: 0 }, { workers: 2 }, { workers: 1, prefetch: 0 }] as Partial<PipelineOptions>[]) assert.deepEqual(await run(over), whole, JSON.stringify(over));
  assert.deepEqual(whole[1].crops, [6, 7, 8, 9, 10, 11], 'rows number the crops of the volume');
});

test('data path: a budget too small for one batch is refused in one line with the numbers; a tight one shrinks the ring', async (t) => {
  const items = spleen(tempDir(t), 4);
  const tiny = createPipeline(options(items, { maxMemory: 64 * 1024 * 1024 }));
  try {
    await assert.rejects(
      async () => {
        for await (const _ of tiny.epoch(0));
      },
      (e: unknown) => {
        assert.ok(e instanceof VoxelpipeError && e.code === 'ERR_TOO_LARGE');
        assert.match(e.message, /^pipeline: one batch needs .* over the memory budget of 64\.0 MiB \(max_memory\); lower output_batch_size/);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
  } finally {
    await tiny.close();
  }
  // A budget with room for what the free run held beside its slots, and two slots: the ring keeps to two, the bytes stay the same.
  const free = createPipeline(options(items, { prefetch: 6 }));
  try {
    const want = await hashes(free);
    const m = free.metrics().memory!;
    assert.equal(m.slots, 8, 'prefetch 6: eight slots when the budget allows');
    const fixed = m.total - m.slots * m.slotBytes;
    const tight = createPipeline(options(items, { prefetch: 6, maxMemory: fixed + 2 * m.slotBytes + m.slotBytes / 2 }));
    try {
      assert.deepEqual(await hashes(tight), want);
      const t2 = tight.metrics();
      assert.equal(t2.ring.maxSlots, 2);
      assert.ok(t2.memory && t2.memory.total <= t2.memory.budget, JSON.stringify(t2.memory));
    } finally {
      await tight.close();
    }
  } finally {
    await free.close();
  }
});

test('data path: num_workers beyond the cores starts one per core and says so; exactWorkers forces the number', async (t) => {
  const items = spleen(tempDir(t), 2);
  const cores = availableParallelism();
  const p = createPipeline(options(items, { workers: cores + 3 }));
  const warnings: string[] = [];
  p.events.on('warning', (w: string) => warnings.push(w));
  try {
    for await (const b of p.epoch(0)) b.release?.();
    assert.equal(p.metrics().pool?.size, cores);
    assert.deepEqual(warnings, [`num_workers ${cores + 3} is more than this machine's ${cores} cores: using ${cores} worker threads (the batches are the same; --workers N or VOXELPIPE_WORKERS=N forces a number)`]);
  } finally {
    await p.close();
  }
  const q = createPipeline(options(items, { workers: cores + 1, exactWorkers: true }));
  try {
    assert.equal(q.metrics().pool?.size, cores + 1);
  } finally {
    await q.close();
  }
});

test('data path: a worker in steady state allocates no volume-sized buffer (voxels inflate into recycled memory)', async (t) => {
  const { createProcessor } = await import('../../src/pipeline/sample-processor.js');
  const { resolveSettings } = await import('../../src/pipeline/settings.js');
  const dir = tempDir(t);
  // Volumes of one size: after the first sample every buffer the worker needs is there to reuse.
  const items = makeSegmentationDataset({ dir, train: 5, size: 40, slices: [24, 24], seed: 9 }).training.map((it) => ({ image: join(dir, it.image as string), label: join(dir, it.label as string) }));
  const st = resolveSettings(options(items, { workers: 0 }));
  const p = await createProcessor(st.processor);
  const misses: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const task = { epoch: 0, position: i, itemIndex: i, item: items[i] };
    const a = p.sample(task).result;
    misses.push(p.arena().misses);
    // A fresh processor (nothing to recycle: every buffer new) lays the same sample out to the same rows.
    const made = (await createProcessor(st.processor)).sample(task).result;
    for (const f of ['image', 'label']) assert.deepEqual(Buffer.from(a.fields[f].buffer!), Buffer.from(made.fields[f].buffer!), `sample ${i} field ${f}`);
  }
  assert.ok(misses[0] >= 2, 'the first sample makes the inflate buffers of image and label');
  assert.deepEqual(misses.slice(1), misses.slice(1).map(() => misses[0]), `arena misses per sample: ${misses}`);
  assert.ok(p.arena().bytes >= 40 * 40 * 24 * 3, 'the inflated volumes live in the arena');
});

test('data path: uncompressed .nii image and label read through recycled memory keep their own voxels', async (t) => {
  const { readNifti, writeNifti } = await import('../../src/io/index.js');
  const dir = tempDir(t);
  const gz = spleen(dir, 3);
  // The same volumes as .nii: their voxels are views of the bytes read, which the next read must not overwrite.
  const items = gz.map((it, i) => {
    const out = { image: join(dir, `img${i}.nii`), label: join(dir, `lab${i}.nii`) };
    writeNifti(out.image, readNifti(it.image));
    writeNifti(out.label, readNifti(it.label));
    return out;
  });
  const ref = createPipeline(options(gz, { workers: 0 }));
  const plain = createPipeline(options(items, { workers: 2 }));
  try {
    // The voxels only (rows name the files, which differ).
    const voxels = async (p: ReturnType<typeof createPipeline>) => {
      const out: string[] = [];
      for await (const b of p.epoch(0)) {
        out.push(hashOf({ ...b, rows: [] }));
        b.release?.();
      }
      return out;
    };
    assert.deepEqual(await voxels(plain), await voxels(ref));
  } finally {
    await ref.close();
    await plain.close();
  }
});
