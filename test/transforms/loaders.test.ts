import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain } from '../../src/transforms/chain.js';
import { channelCount, spatialShape, type ChainImage, type Sample } from '../../src/transforms/image.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

const KEY = { seed: 0, epoch: 0, index: 0 };
const decoded = JSON.parse(readFileSync(join(FIXTURES, 'png', 'pillow-decoded.json'), 'utf8')) as Record<string, { array_hw_c: number[][] | number[][][] }>;

function load(name: string, args: Record<string, unknown>, sample: Sample): ChainImage {
  return createChain([{ name, args }], { registry: createDefaultRegistry() }).apply(sample, KEY).image as ChainImage;
}

test('LoadPng: an RGB PNG is a 2D image [W, H, 3] with planar channels, pixel (x, y) = Pillow row y, column x', () => {
  const img = load('LoadPng', { fields: 'image' }, { image: join(FIXTURES, 'png', 'rgb8.png') });
  const ref = decoded['png/rgb8.png'].array_hw_c as number[][][];
  const [H, W] = [ref.length, ref[0].length];
  assert.deepEqual(img.shape, [W, H, 3]);
  assert.deepEqual(spatialShape(img), [W, H]);
  for (const [x, y] of [[0, 0], [W - 1, 0], [3, H - 1], [W - 1, H - 1]])
    for (let c = 0; c < 3; c++) assert.equal(img.data[x + W * y + W * H * c], ref[y][x][c], `(${x},${y}) channel ${c}`);
});

test('LoadPng: a 16-bit grey PNG keeps its values and gets one channel; dtype converts', () => {
  const img = load('LoadPng', { fields: 'image', dtype: 'float32' }, { image: join(FIXTURES, 'png', 'grey16.png') });
  const ref = decoded['png/grey16.png'].array_hw_c as number[][];
  assert.equal(channelCount(img), 1);
  assert.ok(img.data instanceof Float32Array);
  const W = ref[0].length;
  assert.equal(img.data[1], ref[0][1]);
  assert.equal(img.data[W + 2], ref[1][2]);
});

test('LoadJpg and LoadImage: pictures are 2D whatever their channels; volumes keep three spatial axes', () => {
  const jpg = load('LoadJpg', { fields: 'image' }, { image: join(FIXTURES, 'jpeg', 'rgb.jpg') });
  assert.equal(jpg.shape.length, 3);
  assert.equal(jpg.shape[2], 3);
  const png = load('LoadImage', { fields: 'image' }, { image: join(FIXTURES, 'png', 'rgb8.png') });
  assert.equal(spatialShape(png).length, 2);
  assert.equal(channelCount(png), 3);
  const nii = load('LoadImage', { fields: 'image' }, { image: join(FIXTURES, 'conformance', 'nifti', 'f32_4d.nii.gz') });
  assert.deepEqual(nii.shape, [16, 16, 8, 5], 'the time axis becomes channels');
});

test('LoadNumpy: shape names the axes and a C axis becomes the channel axis', (t) => {
  const dir = tempDir(t);
  // A hand-made C-order .npy of shape (2, 3, 4): "CHW" = 2 channels of 3x4 pixels; value = 100c + 10h + w.
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.alloc(2), Buffer.from(header + ' '.repeat(pad) + '\n')]);
  head.writeUInt16LE(head.length - 10, 8);
  const data = new Float32Array(24);
  for (let c = 0; c < 2; c++) for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) data[c * 12 + h * 4 + w] = 100 * c + 10 * h + w;
  const file = join(dir, 'chw.npy');
  writeFileSync(file, Buffer.concat([head, Buffer.from(data.buffer)]));
  const img = load('LoadNumpy', { fields: 'image', shape: 'CHW' }, { image: file });
  assert.deepEqual(img.shape, [3, 4, 2], '[H, W, C]');
  for (let c = 0; c < 2; c++) for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) assert.equal(img.data[h + 3 * w + 12 * c], 100 * c + 10 * h + w);
  const plain = load('LoadNumpy', { fields: 'image' }, { image: file });
  assert.deepEqual(plain.shape, [2, 3, 4, 1]);
  assertVoxelpipeError(() => load('LoadNumpy', { fields: 'image', shape: 'HW' }, { image: file }), 'ERR_INVALID_VOLUME', ['has 3 axes [2,3,4], but shape "HW" names 2']);
  assertVoxelpipeError(
    () => createChain([{ name: 'LoadNumpy', args: { fields: 'image', shape: 'XYZ' } }], { registry: createDefaultRegistry() }),
    'ERR_CONFIG',
    ['transforms[0].args.shape', 'expected axis letters from C, D, H, W'],
  );
});
