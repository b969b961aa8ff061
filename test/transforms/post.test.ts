import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume } from '../../src/io/read-volume.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain, type ChainEntry } from '../../src/transforms/chain.js';
import type { ChainImage, Sample } from '../../src/transforms/image.js';
import { argmaxChannels } from '../../src/transforms/post/argmax-across-channels.js';
import { provenanceOf } from '../../src/transforms/provenance.js';
import type { Mat4 } from '../../src/volume/affine.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { image } from './chain/helpers.js';

const KEY = { seed: 5, epoch: 2, index: 9 };
function run(entry: ChainEntry, sample: Sample, root?: string): Sample {
  return createChain([entry], { registry: createDefaultRegistry(), root }).apply(sample, KEY);
}
const img = (s: Sample, f: string) => s[f] as ChainImage;
const AFFINE: Mat4 = [
  [0, -2, 0, 10],
  [1.5, 0, 0, -5],
  [0, 0, 3, 7],
  [0, 0, 0, 1],
];

test('ArgmaxAcrossChannels: first maximum wins ties, per crop, uint8 (int32 above 256 channels)', () => {
  // 3 voxels x 3 channels: channel values per voxel (0.1, 0.5, 0.5), (2, 1, 0), (-1, -3, 0)
  const model = image([0.1, 2, -1, 0.5, 1, -3, 0.5, 0, 0], [3, 3]);
  const out = img(run({ name: 'ArgmaxAcrossChannels', args: { fields: 'model' } }, { model }), 'model');
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(out.shape, [3, 1]);
  assert.deepEqual([...out.data], [1, 0, 2]);
  const batched = argmaxChannels(image([0, 1, 1, 0, 5, 5, 6, 4], [2, 2, 2], { batched: true }));
  assert.deepEqual(batched.shape, [2, 1, 2]);
  assert.deepEqual([...batched.data], [1, 0, 1, 0]);
  const wide = new Float32Array(257);
  wide[256] = 1;
  const many = argmaxChannels(image(wide, [1, 257]));
  assert.ok(many.data instanceof Int32Array);
  assert.equal(many.data[0], 256);
});

test('SplitBasedOnLabel: label_names[i] = (label == i); the label map must have one channel', () => {
  const label = image(new Uint8Array([0, 1, 2, 1]), [4, 1]);
  const out = run({ name: 'SplitBasedOnLabel', args: { field: 'label', label_names: ['c0', 'c1', 'c2'] } }, { label });
  assert.deepEqual([...img(out, 'c0').data], [1, 0, 0, 0]);
  assert.deepEqual([...img(out, 'c1').data], [0, 1, 0, 1]);
  assert.deepEqual([...img(out, 'c2').data], [0, 0, 1, 0]);
  assert.ok(img(out, 'c1').data instanceof Uint8Array);
  assert.equal(out.label, label);
  const odd = run({ name: 'SplitBasedOnLabel', args: { field: 'label', label_names: ['c0', 'c1'] } }, { label: image([0, 1.5, 7, 1, -1], [5, 1]) });
  assert.deepEqual([...img(odd, 'c0').data], [1, 0, 0, 0, 0]);
  assert.deepEqual([...img(odd, 'c1').data], [0, 0, 0, 1, 0], 'non-integer and out-of-range values are in no class');
  const e = assertVoxelpipeError(
    () => run({ name: 'SplitBasedOnLabel', args: { field: 'model', label_names: ['a'] } }, { model: image([1, 2], [1, 2]) }),
    'ERR_INVALID_VOLUME',
  );
  assert.equal(
    e.message,
    'transforms[0] SplitBasedOnLabel (chain index 0) failed on sample 9 of epoch 2: SplitBasedOnLabel: field "model" should be a 1-channel label map, it has 2 channels (shape [1,2]) [inputs: model float32 [1,2], a missing]',
  );
});

test('CopyProperties: affine, pixdim and meta keys from from_field; a missing property is named', () => {
  const src = image([1, 2], [2, 1], { affine: AFFINE, spacing: [1.5, 2, 3, 1], filename: '/data/ct.nii.gz' });
  const pred = image([0, 1], [2, 1]);
  const out = run(
    { name: 'CopyProperties', args: { fields: ['model'], from_field: 'image', properties: ['affine', 'pixdim', 'filename'] } },
    { image: src, model: pred },
  );
  const m = img(out, 'model');
  assert.deepEqual(m.affine, AFFINE);
  assert.notEqual(m.affine, AFFINE, 'a copy, not shared');
  assert.deepEqual(m.spacing, [1.5, 1]);
  assert.equal(m.meta.filename, '/data/ct.nii.gz');
  assert.equal(m.data, pred.data);
  assert.deepEqual(pred.affine[0], [1, 0, 0, 0], 'input untouched');
  // A batched target keeps its channel and crop spacing; only spatial axes are copied.
  const crops = image([0, 1, 2, 3], [2, 1, 2], { batched: true, spacing: [9, 1, 1] });
  const c = run({ name: 'CopyProperties', args: { fields: 'crops', from_field: 'image', properties: ['pixdim'] } }, { image: src, crops });
  assert.deepEqual(img(c, 'crops').spacing, [1.5, 1, 1]);
  const e = assertVoxelpipeError(
    () => run({ name: 'CopyProperties', args: { fields: 'model', from_field: 'image', properties: ['original_shape'] } }, { image: src, model: pred }),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    e.message,
    'transforms[0] CopyProperties (chain index 0) failed on sample 9 of epoch 2: CopyProperties: field "image" has no property "original_shape" (it has affine, pixdim, filename) [inputs: image float32 [2,1] from /data/ct.nii.gz, model float32 [2,1]]',
  );
});

test('SaveAsNifti: writes the sample as it is (channels as 4th axis, one file per crop), never cached, records the files', (t) => {
  const root = tempDir(t);
  const data = new Float32Array(24);
  for (let i = 0; i < 24; i++) data[i] = i;
  const sample = {
    image: image(data, [3, 2, 2, 2], { affine: AFFINE, spacing: [1.5, 2, 3, 1] }), // 3D, 2 channels
    label: image(new Uint8Array([1, 0, 2, 0, 1, 1]), [3, 1, 1, 2], { batched: true, affine: AFFINE }), // 2 crops of [3,1] 2D
    flat: image(new Int16Array([5, 6, 7, 8, 9, 10]), [3, 1, 2], { affine: AFFINE }), // 2D, 2 channels
  };
  const registry = createDefaultRegistry();
  const chain = createChain([{ name: 'ConvertToChannelsFirst', args: { fields: 'image' } }, { name: 'SaveAsNifti', args: { fields: ['image', 'label', 'flat'], out_dir: 'dump', interrupt: true } }], {
    registry,
    root,
  });
  assert.equal(chain.split().boundary, 1, 'SaveAsNifti is not part of the cacheable prefix');
  const out = chain.apply(sample, KEY);
  const dir = join(root, 'dump');
  assert.deepEqual(readdirSync(dir).sort(), ['e2_s9_flat.nii.gz', 'e2_s9_image.nii.gz', 'e2_s9_label_b0.nii.gz', 'e2_s9_label_b1.nii.gz']);
  const im = readVolume(join(dir, 'e2_s9_image.nii.gz'));
  assert.deepEqual(im.shape, [3, 2, 2, 2]);
  assert.deepEqual([...im.data], [...data]);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(im.affine[r][c] - AFFINE[r][c]) < 1e-5);
  const b1 = readVolume(join(dir, 'e2_s9_label_b1.nii.gz'));
  assert.deepEqual(b1.shape, [3, 1]);
  assert.deepEqual([...b1.data], [0, 1, 1]);
  const flat = readVolume(join(dir, 'e2_s9_flat.nii.gz'));
  assert.deepEqual(flat.shape, [3, 1, 1, 2]);
  assert.deepEqual([...flat.data], [5, 6, 7, 8, 9, 10]);
  assert.ok(flat.data instanceof Int16Array);
  assert.deepEqual(provenanceOf(out)[1].draws, {
    files: ['e2_s9_image.nii.gz', 'e2_s9_label_b0.nii.gz', 'e2_s9_label_b1.nii.gz', 'e2_s9_flat.nii.gz'].map((f) => join(dir, f)),
  });
  assert.ok(!existsSync(join(root, 'e0_s0_image.nii.gz')));
});
