import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeClassLabel, inferLabelEncoding, labelEncoding, labelEncodingFor } from '../../src/pipeline/class-label.js';
import { assertVoxelpipeError } from '../helpers.js';

const at = (values: unknown[]) => values.map((value, i) => ({ value, where: `training[${i}].label` }));
const data = (r: { buffer: ArrayBuffer; dtype: string }) => [...new Float32Array(r.buffer)];

test('output_label_format: [K] is one-hot, [1, ..., 1] multi-label, mixed heads refused', () => {
  assert.deepEqual(labelEncoding([3], 'train.image_pipeline.args'), { kind: 'onehot', classes: 3 });
  assert.deepEqual(labelEncoding([1, 1, 1, 1], 'p'), { kind: 'multilabel', classes: 4 });
  assert.deepEqual(labelEncoding([1], 'p'), { kind: 'multilabel', classes: 1 });
  assertVoxelpipeError(() => labelEncoding([2, 1], 'train.image_pipeline.args'), 'ERR_CONFIG', [
    'train.image_pipeline.args.output_label_format: [2,1] mixes heads',
  ]);
});

test('no output_label_format: numbers stay class indices, 0/1 vectors are multi-label with K from the vectors', () => {
  assert.deepEqual(inferLabelEncoding(at([0, 2, 1])), { kind: 'index' });
  assert.deepEqual(inferLabelEncoding(at([[0, 1, 0, 0], [1, 1, 0, 1]])), { kind: 'multilabel', classes: 4 });
  assert.deepEqual(inferLabelEncoding(at([[1]])), { kind: 'multilabel', classes: 1 });
  assert.deepEqual(inferLabelEncoding([]), { kind: 'index' });
  // The format, when given, wins over the labels.
  assert.deepEqual(labelEncodingFor([3], at([[0, 1, 0]]), 'p'), { kind: 'onehot', classes: 3 });
  assert.deepEqual(labelEncodingFor(null, at([[0, 1, 0]]), 'p'), { kind: 'multilabel', classes: 3 });
});

test('no output_label_format: vectors of different K, or numbers mixed with vectors, name the item', () => {
  assertVoxelpipeError(() => inferLabelEncoding(at([[0, 1, 0], [1, 0, 0], [0, 1]]), 'd.json'), 'ERR_CONFIG', [
    'd.json: training[2].label: a vector of 2 values, but training[0].label has 3',
  ]);
  assertVoxelpipeError(() => inferLabelEncoding(at([[0, 1], 1]), 'd.json'), 'ERR_CONFIG', [
    'd.json: training[1].label: a class index (1), but training[0].label is a vector of 2 values (multi-label)',
  ]);
  assertVoxelpipeError(() => inferLabelEncoding(at([2, [0, 1]])), 'ERR_CONFIG', [
    /^training\[1\]\.label: a vector of 2 values, but training\[0\]\.label is a class index \(2\)/,
  ]);
});

test('encodeClassLabel: one row per sample in the label dtype', () => {
  const idx = encodeClassLabel({ kind: 'index' }, 2, 'float32', 'a.png');
  assert.deepEqual([idx.rowShape, idx.rows, idx.batched, data(idx)], [[], 1, false, [2]]);
  assert.deepEqual(data(encodeClassLabel(undefined, [1], 'float32', 'a.png')), [1], 'absent encoding: class index; [i] is i');
  const hot = encodeClassLabel({ kind: 'onehot', classes: 3 }, 1, 'float32', 'a.png');
  assert.deepEqual([hot.rowShape, data(hot)], [[3], [0, 1, 0]]);
  assert.deepEqual(data(encodeClassLabel({ kind: 'onehot', classes: 3 }, [0, 0, 1], 'float32', 'a.png')), [0, 0, 1], 'already one-hot');
  const multi = encodeClassLabel({ kind: 'multilabel', classes: 4 }, [1, 0, 1, 1], 'float32', 'a.png');
  assert.deepEqual([multi.rowShape, data(multi)], [[4], [1, 0, 1, 1]]);
  assert.deepEqual(data(encodeClassLabel({ kind: 'multilabel', classes: 1 }, 1, 'float32', 'a.png')), [1], 'one binary head');
  const u8 = encodeClassLabel({ kind: 'multilabel', classes: 2 }, [1, 0], 'uint8', 'a.png');
  assert.deepEqual([u8.dtype, [...new Uint8Array(u8.buffer)]], ['uint8', [1, 0]]);
});

test('encodeClassLabel: a value that does not fit its encoding names the item', () => {
  assertVoxelpipeError(() => encodeClassLabel({ kind: 'index' }, 1.5, 'float32', 'a.png'), 'ERR_SHAPE_MISMATCH', ['a.png: label 1.5 is not a class index']);
  assertVoxelpipeError(() => encodeClassLabel(undefined, [0, 1, 1], 'float32', 'a.png'), 'ERR_SHAPE_MISMATCH', [
    "a.png: label [0,1,1] is not a class index (a vector of 3 is a multi-label label: encode it as { kind: 'multilabel', classes: 3 })",
  ]);
  assertVoxelpipeError(() => encodeClassLabel({ kind: 'onehot', classes: 3 }, 5, 'float32', 'a.png'), 'ERR_SHAPE_MISMATCH', [
    'a.png: label 5 is not a class index in 0..2 or a vector of 3',
  ]);
  assertVoxelpipeError(() => encodeClassLabel({ kind: 'multilabel', classes: 3 }, [0, 1], 'float32', 'a.png'), 'ERR_SHAPE_MISMATCH', [
    'a.png: label [0,1] is not a vector of 3 numbers (multi-label)',
  ]);
});
