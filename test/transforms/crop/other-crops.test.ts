import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { cropTransforms, sampleAt, warpCoordinates } from '../../../src/transforms/crop/index.js';
import type { ChainImage, Sample } from '../../../src/transforms/image.js';
import { assertVoxelpipeError } from '../../helpers.js';
import { at, ctxFor, sameData, synth } from './synthetic.js';

const registry = new TransformRegistry();
for (const d of cropTransforms) registry.register(d);
const make = (name: string, args: Record<string, unknown>) => registry.create({ name, args }, 'train.pre_transforms[3]');

const dims = [30, 28, 26];
const image = synth(dims, 'float32', (x, y, z) => x + 100 * y + 10000 * z);
const label = synth(dims, 'uint8', (x, y, z) => ((x - 15) ** 2 + (y - 14) ** 2 + (z - 13) ** 2 <= 16 ? 1 : (x + y + z) % 7 === 0 ? 3 : 0));
const sample = (): Sample => ({ image, label });

test('FastPosNegRatioCropROI without warps is the plain crop (unbatched when batch_size is 1)', () => {
  const roi = make('FastPosNegRatioCropROI', { image_field: 'image', label_field: 'label', size: [8, 8, 8] }).apply(sample(), ctxFor(4));
  const plain = make('FastCropByPosNegRatio', { fields: 'image', label_field: 'label', size: [8, 8, 8] }).apply(sample(), ctxFor(4));
  const r = roi.image as ChainImage, p = plain.image as ChainImage;
  assert.equal(r.batched, false);
  assert.deepEqual(r.shape, [8, 8, 8, 1]);
  assert.deepEqual([...r.data], [...p.data]);
  assert.deepEqual([...(roi.label as ChainImage).data], [...(plain.label as ChainImage).data]);
});

test('FastPosNegRatioCropROI with rotation, scale and deform: exact shape, float32 image, label values stay in the label set', () => {
  const t = make('FastPosNegRatioCropROI', {
    image_field: 'image', label_field: 'label', size: [10, 9, 8], batch_size: 3, rotation: true, rotation_degree: 30, scale: true, deform: true,
  });
  const ctx = ctxFor(8);
  const out = t.apply(sample(), ctx);
  const img = out.image as ChainImage, lab = out.label as ChainImage;
  assert.deepEqual(img.shape, [10, 9, 8, 1, 3]);
  assert.ok(img.data instanceof Float32Array);
  assert.ok(lab.data instanceof Uint8Array);
  for (const v of lab.data) assert.ok(v === 0 || v === 1 || v === 3);
  // Warped image values stay within the source's range (trilinear interpolation is a convex combination).
  for (const v of img.data) assert.ok(v >= 0 && v <= 29 + 2700 + 250000);
  assert.ok(ctx.draws.some((d) => 'rotation_rad' in d && 'scale' in d && d.deform === true));
  const again = t.apply(sample(), ctxFor(8));
  assert.ok(sameData(img, again.image as ChainImage), 'same key, same warp');
  assert.ok(!sameData(img, t.apply(sample(), ctxFor(9)).image as ChainImage));
});

test('FastPosNegRatioCropROI: a small rotation of a smooth image stays close to the plain crop', () => {
  const smooth = synth(dims, 'float32', (x, y, z) => x + y + z);
  const base = make('FastPosNegRatioCropROI', { image_field: 'image', size: [8, 8, 8] });
  const rot = make('FastPosNegRatioCropROI', { image_field: 'image', size: [8, 8, 8], rotation: true, rotation_degree: 1 });
  const a = base.apply({ image: smooth, label }, ctxFor(2)).image as ChainImage;
  const b = rot.apply({ image: smooth, label }, ctxFor(2)).image as ChainImage;
  for (let i = 0; i < a.data.length; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) < 0.5, `voxel ${i}: ${a.data[i]} vs ${b.data[i]}`);
});

test('CropFixedSizeRandomCenter: exact size, inside, every field from the same place, uniform-ish positions', () => {
  const t = make('CropFixedSizeRandomCenter', { fields: ['image', 'label'], size: [10, 10, 10] });
  const seen = new Set<number>();
  for (let k = 0; k < 60; k++) {
    const ctx = ctxFor(1, k);
    const out = t.apply(sample(), ctx);
    const s = (ctx.draws[0] as { start: number[] }).start;
    seen.add(s[0]);
    for (let a = 0; a < 3; a++) assert.ok(s[a] >= 0 && s[a] + 10 <= dims[a]);
    const img = out.image as ChainImage, lab = out.label as ChainImage;
    assert.deepEqual(img.shape, [10, 10, 10, 1]);
    for (const [x, y, z] of [[0, 0, 0], [9, 9, 9], [3, 7, 1]]) {
      assert.equal(at(img, x, y, z), at(image, s[0] + x, s[1] + y, s[2] + z));
      assert.equal(at(lab, x, y, z), at(label, s[0] + x, s[1] + y, s[2] + z));
    }
  }
  assert.ok(seen.size > 10, 'positions vary');
});

test('CropRandomSizeWithDisplacement: sizes within [lower, volume], fractions of the volume, box inside', () => {
  const t = make('CropRandomSizeWithDisplacement', { fields: ['image', 'label'], lower_size: [0.5, 20, 1], max_displacement: 5 });
  for (let k = 0; k < 40; k++) {
    const ctx = ctxFor(2, k);
    const out = t.apply(sample(), ctx);
    const { size, start } = ctx.draws[0] as { size: number[]; start: number[] };
    assert.ok(size[0] >= 15 && size[0] <= 30 && size[1] >= 20 && size[1] <= 28 && size[2] >= 26 && size[2] <= 26, `size ${size}`);
    for (let a = 0; a < 3; a++) assert.ok(start[a] >= 0 && start[a] + size[a] <= dims[a]);
    assert.deepEqual((out.label as ChainImage).shape, [...size, 1]);
    assert.equal(at(out.image as ChainImage, 1, 2, 3), at(image, start[0] + 1, start[1] + 2, start[2] + 3));
  }
});

test('bad args and bad samples: one line naming the transform, the arg and the JSON path', () => {
  const path = 'train.pre_transforms[3]';
  assertVoxelpipeError(() => make('FastCropByPosNegRatio', { fields: 'image', size: [96, 96, 96], pos: 'one' }), 'ERR_CONFIG', [
    `FastCropByPosNegRatio: ${path}.args.pos: expected number, got "one"`,
  ]);
  assertVoxelpipeError(() => make('FastCropByPosNegRatio', { fields: 'image', size: [96, -1, 96] }), 'ERR_CONFIG', [
    `FastCropByPosNegRatio: ${path}.args.size[1]: expected a number > 0, got -1`,
  ]);
  assertVoxelpipeError(() => make('CropByPosNegRatio', { fields: 'image', size: [9, 9, 9], batch_sise: 4 }), 'ERR_CONFIG', [
    `CropByPosNegRatio: ${path}.args.batch_sise: unknown key (did you mean batch_size?)`,
  ]);
  assertVoxelpipeError(() => make('CropByPosNegRatio', { fields: 'image', size: [9, 9, 9], pos: 0, neg: 0 }), 'ERR_CONFIG', [
    `CropByPosNegRatio: ${path}.args.pos: pos and neg cannot both be 0 (no crop centre could be drawn) (got 0)`,
  ]);
  assertVoxelpipeError(() => make('FastCropByPosNegRatio', { size: [9, 9, 9] }), 'ERR_CONFIG', [
    `FastCropByPosNegRatio: ${path}.args.fields: expected the image field(s) to crop in \`fields\` (or \`image_field\`)`,
  ]);
  assertVoxelpipeError(() => make('FastPosNegRatioCropROI', { image_field: 'image', size: [9, 9, 9], scale_factor: 1.5 }), 'ERR_CONFIG', [
    `FastPosNegRatioCropROI: ${path}.args.scale_factor: expected a number < 1, got 1.5`,
  ]);
  // Known only when the volume is seen: the message names the transform, the arg and the field.
  assertVoxelpipeError(
    () => make('CropRandomSizeWithDisplacement', { fields: 'image', lower_size: [64, 64, 64] }).apply(sample(), ctxFor(0)),
    'ERR_INVALID_ARGUMENT',
    ['CropRandomSizeWithDisplacement: lower_size [64,64,64] is larger than field "image" (spatial shape [30,28,26]) on axis 0; this crop does not pad'],
  );
  assertVoxelpipeError(() => make('FastCropByPosNegRatio', { fields: 'image', size: [8, 8] }).apply(sample(), ctxFor(0)), 'ERR_INVALID_ARGUMENT', [
    'FastCropByPosNegRatio: size [8,8] has 2 axes but field "label" has 3 spatial axes (shape [30,28,26,1])',
  ]);
  assertVoxelpipeError(() => make('FastCropByPosNegRatio', { fields: 'img', size: [8, 8, 8] }).apply(sample(), ctxFor(0)), 'ERR_INVALID_ARGUMENT', [
    'FastCropByPosNegRatio: field "img" should hold an image, found nothing (no such field)',
  ]);
});

test('FastPosNegRatioCropROI in 2D rotates in-plane and keeps the label set', () => {
  const img2 = synth([60, 50], 'float32', (x, y) => x + y);
  const lab2 = synth([60, 50], 'uint8', (x, y) => (x > 20 && x < 40 && y > 15 && y < 35 ? 2 : 0));
  const t = make('FastPosNegRatioCropROI', { image_field: 'image', size: [16, 16], rotation: true, rotation_degree: 45, deform: true });
  const ctx = ctxFor(12);
  const out = t.apply({ image: img2, label: lab2 }, ctx);
  assert.deepEqual((out.image as ChainImage).shape, [16, 16, 1]);
  for (const v of (out.label as ChainImage).data) assert.ok(v === 0 || v === 2);
  assert.equal(typeof ctx.draws.find((d) => 'rotation_rad' in d)?.rotation_rad, 'number', 'one in-plane angle');
});

test('the ROI sampler: a quarter turn about z reads the source at centre + R(o - h), exactly on the grid', () => {
  const src = synth([20, 20, 10], 'float32', (x, y, z) => x + 20 * y + 400 * z);
  const size = [7, 7, 5];
  const centre = [10, 9, 4];
  const c = Math.cos(Math.PI / 2), s = Math.sin(Math.PI / 2);
  const coords = warpCoordinates([20, 20, 10], centre, size, { matrix: [c, -s, 0, s, c, 0, 0, 0, 1] });
  const out = new Float32Array(7 * 7 * 5);
  sampleAt(src, coords, false, out, 0);
  const near = new Float32Array(out.length);
  sampleAt(src, coords, true, near, 0);
  let o = 0;
  for (let z = 0; z < 5; z++)
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 7; x++, o++) {
        const want = at(src, centre[0] - (y - 3), centre[1] + (x - 3), centre[2] + (z - 2));
        assert.ok(Math.abs(out[o] - want) < 1e-3, `(${x},${y},${z}): ${out[o]} vs ${want}`);
        assert.equal(near[o], want);
      }
});
