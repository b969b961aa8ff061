import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { annotationTransforms, extremePoints } from '../../../src/transforms/annotation/index.js';
import type { ChainImage } from '../../../src/transforms/image.js';
import { assertVoxelpipeError } from '../../helpers.js';
import { at, ctxFor, sameData, synth } from '../crop/synthetic.js';

const registry = new TransformRegistry();
for (const d of annotationTransforms) registry.register(d);
const make = (args: Record<string, unknown>) => registry.create({ name: 'AddExtremePointsChannel', args }, 'train.pre_transforms[5]');

// A box x 5..9, y 3..12, z 2..4 of foreground in a 20x16x8 volume.
const dims = [20, 16, 8];
const label = synth(dims, 'uint8', (x, y, z) => (x >= 5 && x <= 9 && y >= 3 && y <= 12 && z >= 2 && z <= 4 ? 1 : 0));
const image = synth(dims, 'float32', (x) => x);

test('extreme points: lowest and highest foreground voxel on each axis, middle of ties', () => {
  const pts = extremePoints(label.data, 0, dims, 1);
  assert.equal(pts.length, 6);
  assert.equal(pts[0][0], 5);
  assert.equal(pts[1][0], 9);
  assert.equal(pts[2][1], 3);
  assert.equal(pts[3][1], 12);
  assert.equal(pts[4][2], 2);
  assert.equal(pts[5][2], 4);
  for (const p of pts) assert.equal(at(label, p[0], p[1], p[2]), 1, `point ${p} is foreground`);
  assert.deepEqual(extremePoints(synth(dims, 'uint8', () => 0).data, 0, dims, 1), []);
});

test('AddExtremePointsChannel appends a rescaled heat map peaking at the points (deterministic at permutation 0)', () => {
  const t = make({ image_field: 'image', label_field: 'label' });
  assert.equal(t.isRandom, false);
  const ctx = ctxFor(0);
  const out = t.apply({ image, label }, ctx);
  const img = out.image as ChainImage;
  assert.deepEqual(img.shape, [20, 16, 8, 2]);
  assert.equal(at(img, 7, 7, 3, 0), 7, 'image channel kept');
  let mn = Infinity, mx = -Infinity;
  const N = 20 * 16 * 8;
  for (let i = N; i < 2 * N; i++) {
    mn = Math.min(mn, img.data[i]);
    mx = Math.max(mx, img.data[i]);
  }
  assert.ok(Math.abs(mn + 1) < 1e-6 && Math.abs(mx - 1) < 1e-6, `rescaled to [-1, 1]: ${mn} ${mx}`);
  const [p] = (ctx.draws[0] as { points: number[][][] }).points[0];
  assert.ok(at(img, p[0], p[1], p[2], 1) > at(img, 19, 0, 0, 1), 'higher at a point than far away');
  const sep = make({ image_field: 'image', label_field: 'label', points_channel_field: 'points' }).apply({ image, label }, ctxFor(0));
  assert.equal(sep.image, image);
  assert.deepEqual((sep.points as ChainImage).shape, [20, 16, 8, 1]);
});

test('permutation > 0 is random: same key same output, points stay within ±permutation', () => {
  const t = make({ image_field: 'image', label_field: 'label', permutation: 2 });
  assert.equal(t.isRandom, true);
  const a = t.apply({ image, label }, ctxFor(1)).image as ChainImage;
  const b = t.apply({ image, label }, ctxFor(1)).image as ChainImage;
  assert.ok(sameData(a, b));
  let differs = false;
  for (let k = 2; k < 8; k++) if (!sameData(a, t.apply({ image, label }, ctxFor(k)).image as ChainImage)) differs = true;
  assert.ok(differs);
  const ctx = ctxFor(3);
  t.apply({ image, label }, ctx);
  const base = extremePoints(label.data, 0, dims, 1);
  (ctx.draws[0] as { points: number[][][] }).points[0].forEach((p, k) => p.forEach((v, ax) => assert.ok(Math.abs(v - base[k][ax]) <= 2)));
});

test('AddExtremePointsChannel: bad args and mismatched fields', () => {
  assertVoxelpipeError(() => make({ image_field: 'image', label_field: 'label', sigma: 0 }), 'ERR_CONFIG', [
    'AddExtremePointsChannel: train.pre_transforms[5].args.sigma: expected a number > 0, got 0',
  ]);
  assertVoxelpipeError(() => make({ image_field: 'image', label_field: 'label', permutation: 1.5 }), 'ERR_CONFIG', [
    'AddExtremePointsChannel: train.pre_transforms[5].args.permutation: expected an integer, got 1.5',
  ]);
  const other = synth([10, 16, 8], 'uint8', () => 1);
  assertVoxelpipeError(() => make({ image_field: 'image', label_field: 'label' }).apply({ image, label: other }, ctxFor(0)), 'ERR_INVALID_ARGUMENT', [
    'AddExtremePointsChannel: image_field "image" has shape [20,16,8,1] but label_field "label" has [10,16,8,1]',
  ]);
});
