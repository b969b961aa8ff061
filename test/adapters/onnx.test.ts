import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOnnxAdapter, loadOrt, toOrtTensors, type Ort } from '../../src/adapters/onnx.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { tempDir } from '../helpers.js';
import { makeItems, optional, skipUnless, smallPipeline } from './helpers.js';
import { tinyOnnxModel } from './tiny-onnx.js';

test('onnx: a missing onnxruntime-node says what to install', () => {
  const load = (name: string) => {
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
  };
  assert.throws(() => loadOrt(load), {
    code: 'ERR_MISSING_DEPENDENCY',
    message:
      'voxelpipe/onnx needs onnxruntime-node, which is not installed: install it with "ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node" (the variable skips the CUDA download; the CPU runtime is in the package)',
  });
});

test('onnx: toOrtTensors shares the batch arrays, keeps shape and dtype, and renames inputs', () => {
  const made: { type: string; data: unknown; dims: readonly number[] }[] = [];
  const fake: Ort = {
    Tensor: class {
      constructor(readonly type: string, readonly data: unknown, readonly dims: readonly number[]) {
        made.push(this);
      }
    },
  };
  const image = new Float32Array(6);
  const label = new Int16Array(6);
  const batch: Batch = { epoch: 0, index: 0, rows: [], fields: { image: { data: image, shape: [1, 1, 3, 2, 1], dtype: 'float32' }, label: { data: label, shape: [1, 1, 3, 2, 1], dtype: 'int16' } } };
  const feeds = createOnnxAdapter(fake).toOrtTensors(batch, { names: { image: 'input_1' } });
  assert.deepEqual(Object.keys(feeds), ['input_1', 'label']);
  assert.equal(feeds.input_1.data, image);
  assert.equal(feeds.label.data, label);
  assert.deepEqual([feeds.input_1.type, feeds.label.type], ['float32', 'int16']);
  assert.deepEqual(feeds.label.dims, [1, 1, 3, 2, 1]);
  assert.throws(() => createOnnxAdapter(fake).toOrtTensors(batch, { fields: ['weight'] }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: 'voxelpipe/onnx: batch 0 of epoch 0 has no field "weight" (fields: image, label)',
  });
});

const SKIP = skipUnless('onnxruntime-node');
if (SKIP) console.log(`# onnx adapter test with onnxruntime skipped: ${SKIP}`);

interface Session {
  run(feeds: object): Promise<Record<string, { data: Float32Array; dims: readonly number[]; type: string }>>;
  release(): Promise<void>;
}

test('onnx: an ONNX model (image + label, written in the test) runs over pipeline batches', { skip: SKIP }, async (t) => {
  const ort = optional<{ InferenceSession: { create(b: Uint8Array): Promise<Session> } }>('onnxruntime-node')!;
  const session = await ort.InferenceSession.create(tinyOnnxModel('Add', ['image', 'label'], 'sum', 5));
  const p = smallPipeline(makeItems(tempDir(t), 3), { batchSize: 3, shuffle: false });
  try {
    let batches = 0;
    for await (const batch of p.epoch(0)) {
      const out = await session.run(toOrtTensors(batch));
      assert.equal(out.sum.type, 'float32');
      assert.deepEqual(out.sum.dims, [3, 1, 4, 3, 2]);
      const { image, label } = batch.fields;
      const want = new Float32Array(image.data.length);
      for (let i = 0; i < want.length; i++) want[i] = image.data[i] + label.data[i];
      assert.deepEqual(out.sum.data, want);
      assert.ok(label.data.some((v) => v > 0), 'the label contributes');
      batches++;
    }
    assert.equal(batches, 1);
  } finally {
    await session.release();
    await p.close();
  }
});
