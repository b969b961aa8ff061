import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';
import { batchRowImage } from '../../src/preview/from-batch.js';
import { isChainImage, type ChainImage } from '../../src/transforms/image.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { tempDir } from '../helpers.js';

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Crop `c` of a batched chain image ([X, Y, Z, C, b], b slowest) in the batch's dtype (float32), as bytes. */
function cropBytes(img: ChainImage, c: number): Buffer {
  const per = img.data.length / img.shape[img.shape.length - 1];
  return bytes(Float32Array.from(img.data.subarray(c * per, (c + 1) * per) as ArrayLike<number>));
}

for (const workers of [0, 1]) {
  test(`pipeline.sample(e, i) is the sample epoch(e) batches at position i, bit for bit (Smart Cache window moving, ${workers} workers)`, async (t) => {
    const mmar = writeDemoMmar(tempDir(t), 'segmentation', DEMO_SIZES.small);
    const config = loadConfig({ config: mmar.config, mmar: mmar.root, registry: createDefaultRegistry() });
    const p = createPipeline(pipelineOptionsFromSpec(config, config.train!, { workers, seed: 3 }));
    try {
      const windows: number[][] = [];
      for (const e of [0, 1]) {
        windows.push([...p.order(e)].sort());
        let rows = 0;
        for await (const batch of p.epoch(e)) {
          for (let r = 0; r < batch.rows.length; r++) {
            const row = batch.rows[r];
            const s = await p.sample(e, row.position);
            assert.ok(isChainImage(s.image) && isChainImage(s.label));
            assert.equal(p.order(e)[row.position], row.item);
            for (const f of ['image', 'label'] as const) {
              const fromBatch = batchRowImage(batch.fields[f], r, 'channels_first');
              assert.ok(cropBytes(s[f] as ChainImage, row.crop).equals(bytes(fromBatch.data)), `epoch ${e} batch ${batch.index} row ${r} ${f}`);
            }
            rows++;
          }
        }
        assert.equal(rows, DEMO_SIZES.small.cacheObjects * DEMO_SIZES.small.cropsPerVolume);
      }
      assert.notDeepEqual(windows[0], windows[1], 'the Smart Cache window moved between the epochs');
    } finally {
      await p.close();
    }
  });
}

test('pipeline.sample: an index outside the epoch is a one-line error', async (t) => {
  const mmar = writeDemoMmar(tempDir(t), 'segmentation', DEMO_SIZES.small);
  const config = loadConfig({ config: mmar.config, mmar: mmar.root, registry: createDefaultRegistry() });
  const p = createPipeline(pipelineOptionsFromSpec(config, config.train!, { workers: 0 }));
  try {
    await assert.rejects(p.sample(0, 4), { code: 'ERR_INVALID_ARGUMENT', message: 'pipeline: sample 4 of epoch 0 does not exist (the epoch has 4: 0..3)' });
  } finally {
    await p.close();
  }
});
