import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTfjsAdapter, loadTfjs, toTensors, type TfTensor, type Tfjs } from '../../src/adapters/tfjs.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';
import { makeItems, optional, skipUnless, smallPipeline } from './helpers.js';

const notFound = (name: string) => Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /x/load.js`), { code: 'MODULE_NOT_FOUND' });

/** A loader where `present` packages load as fakes (recording the order) and the others are missing. */
function fakeLoader(present: string[], loaded: string[] = []) {
  return (name: string) => {
    loaded.push(name);
    if (!present.includes(name)) throw notFound(name);
    return { name, data: { generator: () => ({}) } };
  };
}

const HINT = 'install it with "npm install @tensorflow/tfjs" (or the lighter "npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-data")';

test('tfjs: a missing TensorFlow.js says what to install', () => {
  assert.throws(() => loadTfjs(fakeLoader([])), (e: VoxelpipeError) => {
    assert.equal(e.code, 'ERR_MISSING_DEPENDENCY');
    assert.equal(e.message, `voxelpipe/tfjs needs TensorFlow.js, which is not installed (no @tensorflow/tfjs, no @tensorflow/tfjs-core): ${HINT}`);
    return true;
  });
  assert.throws(() => loadTfjs(fakeLoader(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'])), {
    code: 'ERR_MISSING_DEPENDENCY',
    message: `voxelpipe/tfjs needs TensorFlow.js, which is not installed (no @tensorflow/tfjs, no @tensorflow/tfjs-data): ${HINT}`,
  });
});

test('tfjs: @tensorflow/tfjs is preferred; without it the core + cpu + data parts are used', () => {
  const order: string[] = [];
  const full = loadTfjs(fakeLoader(['@tensorflow/tfjs', '@tensorflow/tfjs-core'], order));
  assert.equal(full.source, '@tensorflow/tfjs');
  assert.deepEqual(order, ['@tensorflow/tfjs']);
  order.length = 0;
  const parts = loadTfjs(fakeLoader(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-data'], order));
  assert.equal(parts.source, 'parts');
  assert.deepEqual(order, ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-data']);
  assert.equal((parts.core as unknown as { name: string }).name, '@tensorflow/tfjs-core');
  assert.equal((parts.data as unknown as { name: string }).name, '@tensorflow/tfjs-data');
});

test('tfjs: an installed package that fails to load (or misses its own dependency) is not reported as absent', () => {
  assert.throws(() => loadTfjs(() => { throw new Error('boom\nstack'); }), {
    code: 'ERR_MISSING_DEPENDENCY',
    message: 'voxelpipe/tfjs: @tensorflow/tfjs is installed but failed to load: boom',
  });
  assert.throws(() => loadTfjs((n) => { if (n === '@tensorflow/tfjs') throw notFound('long'); return {}; }), {
    code: 'ERR_MISSING_DEPENDENCY',
    message: "voxelpipe/tfjs: @tensorflow/tfjs is installed but failed to load: Cannot find module 'long'",
  });
});

const SKIP = skipUnless('@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-data');
if (SKIP) console.log(`# tfjs adapter tests with TensorFlow.js skipped: ${SKIP}`);

function batchOf(fields: Batch['fields']): Batch {
  return { epoch: 0, index: 0, fields, rows: [] };
}

test('tfjs: toTensors gives one tensor per field with the batch shape; float32 stays float32, integers become int32', { skip: SKIP }, async () => {
  const tf = loadTfjs();
  const before = tf.core.memory().numTensors;
  const image = new Float32Array([0.5, 1.5, -2, 3, 4, 5]);
  const ts = toTensors(
    batchOf({
      image: { data: image, shape: [1, 1, 3, 2, 1], dtype: 'float32' },
      label: { data: new Uint8Array([0, 1, 2, 255, 1, 0]), shape: [1, 1, 3, 2, 1], dtype: 'uint8' },
      weight: { data: new Float64Array([0.25, 1e-3]), shape: [2], dtype: 'float64' },
      big: { data: new Uint32Array([7, 2147483647]), shape: [2], dtype: 'uint32' },
      neg: { data: new Int16Array([-32768, 32767]), shape: [2], dtype: 'int16' },
    }),
  );
  assert.deepEqual(Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, [t.dtype, t.shape.join('x')]])), {
    image: ['float32', '1x1x3x2x1'],
    label: ['int32', '1x1x3x2x1'],
    weight: ['float32', '2'],
    big: ['int32', '2'],
    neg: ['int32', '2'],
  });
  const values = async (t: TfTensor) => [...(await (t as unknown as { data(): Promise<Float32Array | Int32Array> }).data())];
  assert.deepEqual(await values(ts.image), [...image]);
  // One copy: the tensor owns its values, so the batch's (shared, reused) array may change under it.
  const core = tf.core as unknown as { getBackend(): string; backend(): { data: { get(id: unknown): { values: unknown } } } };
  if (core.getBackend() === 'cpu') assert.notEqual(core.backend().data.get((ts.image as unknown as { dataId: unknown }).dataId).values, image);
  const kept = [...image];
  image.fill(-1);
  assert.deepEqual(await values(ts.image), kept, 'the tensor keeps its values when the batch memory is reused');
  assert.deepEqual(await values(ts.label), [0, 1, 2, 255, 1, 0]);
  assert.deepEqual(await values(ts.weight), [0.25, Math.fround(1e-3)]);
  assert.deepEqual(await values(ts.big), [7, 2147483647]);
  assert.deepEqual(await values(ts.neg), [-32768, 32767]);
  assert.equal(tf.core.memory().numTensors, before + 5);
  for (const t of Object.values(ts)) t.dispose();
  assert.equal(tf.core.memory().numTensors, before);
  // uint32 beyond int32 is refused, and nothing is left allocated.
  assert.throws(
    () => toTensors(batchOf({ ok: { data: new Float32Array(1), shape: [1], dtype: 'float32' }, big: { data: new Uint32Array([2147483648]), shape: [1], dtype: 'uint32' } })),
    { code: 'ERR_INVALID_ARGUMENT', message: 'voxelpipe/tfjs: field "big" is uint32 with value 2147483648, beyond int32 (tfjs\'s only integer type); convert it to float32 in the chain' },
  );
  assert.throws(() => toTensors(batchOf({ image: { data: new Float32Array(5), shape: [2, 3], dtype: 'float32' } })), {
    code: 'ERR_SHAPE_MISMATCH',
    message: 'voxelpipe/tfjs: field "image" has 5 values, its shape [2,3] needs 6',
  });
  assert.equal(tf.core.memory().numTensors, before);
});

interface Iter { next(): Promise<IteratorResult<{ xs: TfTensor; ys: TfTensor }>> }

test('tfjs: 1,000 pipeline batches through asTfDataset leave no tensor behind', { skip: SKIP }, async (t) => {
  const tf: Tfjs = loadTfjs();
  const { asTfDataset } = createTfjsAdapter(tf);
  const p = smallPipeline(makeItems(tempDir(t), 4), { batchSize: 1 });
  try {
    const ds = asTfDataset(p, { epochs: 250 });
    const before = tf.core.memory().numTensors;
    const it = (await ds.iterator()) as Iter;
    let n = 0;
    let peak = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      assert.deepEqual(r.value.xs.shape, [1, 1, 4, 3, 2]);
      assert.deepEqual(r.value.ys.shape, [1, 1, 4, 3, 2]);
      peak = Math.max(peak, tf.core.memory().numTensors - before);
      r.value.xs.dispose();
      r.value.ys.dispose();
      n++;
    }
    assert.equal(n, 1000);
    assert.equal(peak, 2, 'only the element being consumed is alive');
    assert.equal(tf.core.memory().numTensors, before);
  } finally {
    await p.close();
  }
});

test('tfjs: each pass over the dataset is the next pipeline epoch; xs/ys pick fields', { skip: SKIP }, async (t) => {
  const tf = loadTfjs();
  const { asTfDataset } = createTfjsAdapter(tf);
  const p = smallPipeline(makeItems(tempDir(t), 3), { batchSize: 3 });
  try {
    const ds = asTfDataset(p, { xs: ['image', 'label'], ys: null, start: 5 });
    const firstOf = async () => {
      const it = (await ds.iterator()) as unknown as { next(): Promise<IteratorResult<{ xs: TfTensor[]; ys?: TfTensor }>> };
      const r = await it.next();
      assert.equal(r.done, false);
      assert.equal(r.value.ys, undefined);
      assert.equal(r.value.xs.length, 2);
      const v = [...((await (r.value.xs[0] as unknown as { data(): Promise<Float32Array> }).data()) as Float32Array)];
      for (let x = await it.next(); !x.done; x = await it.next()) for (const t2 of x.value.xs) t2.dispose();
      for (const t2 of r.value.xs) t2.dispose();
      return v;
    };
    const want = async (e: number) => {
      for await (const b of p.epoch(e)) return [...b.fields.image.data];
      return [];
    };
    assert.deepEqual(await firstOf(), await want(5));
    assert.deepEqual(await firstOf(), await want(6));
  } finally {
    await p.close();
  }
});

interface Layers {
  sequential(c: { layers: unknown[] }): { compile(c: object): void; fitDataset(ds: unknown, c: object): Promise<{ history: { loss: number[] } }>; dispose(): void };
  layers: { flatten(c: object): unknown; dense(c: object): unknown; reshape(c: object): unknown };
}

const SKIP_FIT = SKIP || (!optional('@tensorflow/tfjs') && skipUnless('@tensorflow/tfjs-layers'));

test('tfjs: model.fitDataset trains a tiny model on asTfDataset for a few steps', { skip: SKIP_FIT }, async (t) => {
  const tf = loadTfjs();
  const tfl = (tf.source === '@tensorflow/tfjs' ? tf.core : optional('@tensorflow/tfjs-layers')) as unknown as Layers;
  const p = smallPipeline(makeItems(tempDir(t), 4), { batchSize: 2 });
  const model = tfl.sequential({
    layers: [tfl.layers.flatten({ inputShape: [1, 4, 3, 2] }), tfl.layers.dense({ units: 24 }), tfl.layers.reshape({ targetShape: [1, 4, 3, 2] })],
  });
  try {
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = tf.core.memory().numTensors;
    // Learn the identity on the label crops (values 0..2, well scaled for plain SGD).
    const ds = createTfjsAdapter(tf).asTfDataset(p, { xs: 'label', ys: 'label' });
    const { history } = await model.fitDataset(ds, { epochs: 6, verbose: 0 });
    assert.equal(history.loss.length, 6);
    assert.ok(history.loss.every(Number.isFinite), `losses ${history.loss}`);
    assert.ok(history.loss[5] < history.loss[0], `the loss falls: ${history.loss}`);
    // The optimizer keeps no slots for plain SGD: every batch tensor was disposed by fitDataset.
    assert.equal(tf.core.memory().numTensors, before);
  } finally {
    model.dispose();
    await p.close();
  }
});
