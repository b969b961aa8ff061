import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkItem, checkListValues, FileChecks, type Item } from '../../src/datalist/index.js';
import { writeNifti } from '../../src/io/index.js';
import { tempDir } from '../helpers.js';
import { volume } from '../config/mmars.js';

function item(index: number, image: string | string[], label?: string): Item {
  return { index, fields: label ? { image, label } : { image }, fileFields: label ? ['image', 'label'] : ['image'] };
}

/** A noisy int16 volume: compresses poorly, so cutting the .gz keeps the header readable. */
function writeNoisy(file: string, shape = [32, 32, 16]) {
  const n = shape[0] * shape[1] * shape[2];
  const d = new Int16Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = (x >>> 16) - 32768;
  }
  writeNifti(file, volume(shape, d));
}

test('headers-only: a truncated .nii.gz is found from its gzip trailer without inflating the good files', (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'good.nii.gz');
  const cut = join(dir, 'cut.nii.gz');
  writeNoisy(good);
  writeNoisy(cut);
  const bytes = readFileSync(cut);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const files = new FileChecks(true);
  assert.deepEqual(checkItem(item(0, good), 'training', files, { dims: 3 }), []);
  const p = checkItem(item(1, cut), 'training', files, { dims: 3 });
  assert.deepEqual(p, [{ location: 'training[1].image', index: 1, field: 'image', file: cut, message: `${cut}: gzip stream ends early (truncated file)` }]);
  assert.equal(files.bytesRead, 0, 'nothing decoded whole');
  // Decoding finds it too.
  assert.deepEqual(checkItem(item(1, cut), 'training', new FileChecks(), { dims: 3 }), p);
});

test('affines must agree within tolerance; spatial shapes ignore trailing channel axes', (t) => {
  const dir = tempDir(t);
  const img = join(dir, 'img.nii');
  const four = join(dir, 'img4d.nii');
  const lab = join(dir, 'lab.nii');
  const moved = join(dir, 'moved.nii');
  const shifted = [
    [1, 0, 0, 0.5],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  writeNifti(img, volume([8, 8, 4], new Int16Array(256)));
  writeNifti(four, volume([8, 8, 4, 2], new Int16Array(512)));
  writeNifti(lab, volume([8, 8, 4], new Uint8Array(256)));
  writeNifti(moved, volume([8, 8, 4], new Uint8Array(256), shifted));
  const files = new FileChecks();
  assert.deepEqual(checkItem(item(0, [img, four], lab), 'training', files, { dims: 3 }), []);
  const p = checkItem(item(1, img, moved), 'training', files, { dims: 3 });
  assert.equal(p.length, 1);
  assert.equal(p[0].message, `affine mismatch: image (${img}) and label (${moved}) affines differ by up to 0.5 (tolerance 0.001)`);
  assert.deepEqual(checkItem(item(2, img, moved), 'training', files, { dims: 3, affineTolerance: 1 }), []);
  const twoD = join(dir, 'slice.nii');
  writeNifti(twoD, volume([8, 8], new Int16Array(64)));
  assert.equal(
    checkItem(item(4, twoD), 'training', files, { dims: 3 })[0].message,
    `${twoD}: has 2 axes (shape 8x8), the pipeline expects 3 spatial axes (output_data_dims)`,
  );
});

test('labels: integer dtype suffices; float labels are read and must hold integers', (t) => {
  const dir = tempDir(t);
  const img = join(dir, 'img.nii.gz');
  const fint = join(dir, 'float-int.nii.gz');
  const ffrac = join(dir, 'float-frac.nii.gz');
  writeNifti(img, volume([4, 4, 2], new Int16Array(32)));
  const a = new Float32Array(32);
  a[5] = 2;
  writeNifti(fint, volume([4, 4, 2], a));
  const b = new Float32Array(32);
  b[7] = 0.5;
  writeNifti(ffrac, volume([4, 4, 2], b));
  const files = new FileChecks();
  assert.deepEqual(checkItem(item(0, img, fint), 'training', files, { dims: 3 }), []);
  const p = checkItem(item(1, img, ffrac), 'training', files, { dims: 3 });
  assert.deepEqual(p.map((x) => x.message), [`${ffrac}: label voxel 7 is 0.5, expected integer class values`]);
  assert.deepEqual(checkItem(item(2, img, ffrac), 'training', files, { dims: 3 }), [], 'a shared file is reported once');
});

test('files are decoded whole by default: corruption inside the compressed data, invisible to the header, is found; headers-only misses it', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'img.nii.gz');
  writeNoisy(f);
  const bytes = readFileSync(f);
  for (let i = bytes.length - 400; i < bytes.length - 300; i++) bytes[i] ^= 0xff;
  writeFileSync(f, bytes);
  const fast = new FileChecks(true);
  assert.deepEqual(checkItem(item(0, f), 'training', fast, { dims: 3 }), [], 'the headers-only pass does not inflate the whole file');
  assert.equal(fast.bytesRead, 0);
  const whole = new FileChecks();
  const p = checkItem(item(0, f), 'training', whole, { dims: 3 });
  assert.equal(p.length, 1);
  assert.match(p[0].message, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (corrupt gzip stream|gzip stream ends early)`));
});

test('decoding counts the bytes read and checks a float label from the same read', (t) => {
  const dir = tempDir(t);
  const img = join(dir, 'img.nii.gz');
  const lab = join(dir, 'lab.nii');
  const shape = [8, 8, 4];
  writeNoisy(img, shape);
  const data = new Float32Array(8 * 8 * 4);
  data[9] = 0.25;
  writeNifti(lab, { data, shape, dtype: 'float32', spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {} });
  const files = new FileChecks();
  const p = checkItem(item(0, img, lab), 'training', files, { dims: 3 });
  assert.deepEqual(p.map((x) => x.message), [`${lab}: label voxel 9 is 0.25, expected integer class values`]);
  assert.equal(files.bytesRead, statSync(img).size + statSync(lab).size);
});

test('classification labels agree with output_label_format and each other; element sampling needs weights', () => {
  const pipeline = (args: Record<string, unknown>) =>
    ({ name: 'ClassificationKerasImagePipeline', task: 'classification', keras: true, withCache: false, jsonPath: 'train.image_pipeline', args }) as any;
  const it = (index: number, fields: Record<string, any>): Item => ({ index, fields: { image: '/x.nii', ...fields }, fileFields: ['image'] });
  const items = [it(0, { label: 2, weight: 1 }), it(1, { label: 3 }), it(2, { label: [0, 1, 0], weight: 2 }), it(3, { label: [1, 0], weight: 1 })];
  assert.deepEqual(
    checkListValues(items, 'training', pipeline({ output_label_format: [3], sampling: 'element' })).map((p) => `${p.location}: ${p.message}`),
    [
      'training[1]: no "weight": train.image_pipeline.args.sampling "element" draws items by their weight',
      'training[1].label: class index 3 is out of range: train.image_pipeline.args.output_label_format [3] gives 3 classes',
      'training[3].label: a vector of 2 values, train.image_pipeline.args.output_label_format [3] needs 3',
    ],
  );
  assert.deepEqual(
    checkListValues(items, 'training', pipeline({ output_label_format: null, sampling: null })).map((p) => `${p.location}: ${p.message}`),
    [
      'training[2].label: a vector of 3 values, but training[0].label is a class index; give every item the same kind of label, or set train.image_pipeline.args.output_label_format',
      'training[3].label: a vector of 2 values, but training[0].label is a class index; give every item the same kind of label, or set train.image_pipeline.args.output_label_format',
    ],
  );
  // Without output_label_format, multi-label vectors need one length; a number among vectors is named too.
  assert.deepEqual(
    checkListValues(items.slice(2).concat(it(4, { label: 1 })), 'training', pipeline({ output_label_format: null, sampling: null })).map((p) => `${p.location}: ${p.message}`),
    [
      'training[3].label: a vector of 2 values, but training[2] has 3',
      'training[4].label: a class index, but training[2].label is a vector (multi-label); give every item the same kind of label, or set train.image_pipeline.args.output_label_format',
    ],
  );
});
