import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeDemoMmar, DEMO_SIZES } from '../../src/synthetic/mmar.js';
import { dice, inferOnnx } from '../../examples/infer-onnx.js';
import { tempDir } from '../helpers.js';
import { skipUnless } from '../adapters/helpers.js';

const SKIP = skipUnless('onnxruntime-node');
if (SKIP) console.log(`# examples/infer-onnx.ts test skipped: ${SKIP}`);

test('dice: 2|A and B| / (|A| + |B|) of thresholded masks; two empty masks agree', () => {
  assert.equal(dice([1, 1, 0, 0], [1, 0, 1, 0]), 0.5);
  assert.equal(dice([0.9, 0.2], [1, 0]), 1);
  assert.equal(dice([0, 0], [0, 0]), 1);
  assert.equal(dice([1, 0], [0, 1]), 0);
});

test('examples/infer-onnx.ts: the hand-written ONNX threshold model finds the synthetic spleen in every validation volume', { skip: SKIP }, async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', { ...DEMO_SIZES.small, validation: 2 });
  const lines: string[] = [];
  const results = await inferOnnx({ mmar: mmar.root, workers: 0, log: (l) => lines.push(l) });
  assert.equal(results.length, 2);
  for (const r of results) {
    assert.equal(r.shape.length, 5);
    assert.deepEqual(r.shape.slice(0, 4), [1, 1, 48, 48]);
    assert.ok(r.dice > 0.9, `${r.source}: dice ${r.dice}`);
  }
  assert.match(lines.at(-1)!, /^mean dice 0\.9\d\d|^mean dice 1\.000/);
  assert.match(lines.at(-1)!, / over 2 validation volumes$/);
});

test('examples/infer-onnx.ts: a wrong output name says which outputs the model has', { skip: SKIP }, async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  await assert.rejects(inferOnnx({ mmar: mmar.root, workers: 0, output: 'prob', log: () => {} }), { message: 'the model has no output "prob" (outputs: mask); pass --output' });
});
