import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import type { ChainImage, Sample } from '../../../src/transforms/image.js';
import { spatialTransforms } from '../../../src/transforms/spatial/index.js';
import { rot90 } from '../../../src/transforms/kernels/index.js';
import { blobs, chainImage, ctxFor, sorted } from './synthetic.js';

const registry = new TransformRegistry();
for (const def of spatialTransforms) registry.register(def);

const SHAPE: [number, number, number] = [24, 20, 16];

/** image = 100 * label as float32, so every geometric move of one shows in the other. */
function pair(): Sample {
  const label = blobs(SHAPE);
  const image = new Float32Array(label.length);
  for (let i = 0; i < label.length; i++) image[i] = 100 * label[i];
  return { image: chainImage(image, [...SHAPE]), label: chainImage(label, [...SHAPE]) };
}

const RANDOM: { name: string; args: Record<string, unknown> }[] = [
  { name: 'RandomSpatialFlip', args: { fields: ['image', 'label'] } },
  { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.75 } },
  { name: 'RandomZoom', args: { image_field: 'image', label_field: 'label', lower_limits: [0.8, 0.8, 0.8], upper_limits: [1.25, 1.25, 1.25] } },
  { name: 'RandomRotate2D', args: { fields: ['image', 'label'], angle: 30, is_random: true } },
  { name: 'RandomRotate3D', args: { fields: ['image', 'label'], probability: 0.9, angle_x: 20, angle_y: 20, angle_z: 20 } },
];

function data(s: Sample, f: string) {
  return (s[f] as ChainImage).data;
}

for (const entry of RANDOM) {
  test(`${entry.name}: same key gives bit-identical output, other keys other output, input untouched`, () => {
    const t = registry.create(entry, 'test');
    assert.equal(t.isRandom, true);
    const input = pair();
    const before = Float32Array.from(data(input, 'image'));
    const a = t.apply(input, ctxFor(7, 1));
    const b = t.apply(input, ctxFor(7, 1));
    assert.deepEqual(data(a, 'image'), data(b, 'image'));
    assert.deepEqual(data(a, 'label'), data(b, 'label'));
    assert.deepEqual(data(input, 'image'), before, 'input image not modified');
    // Among a few other keys, some output differs from the first (a draw may repeat, not all of them).
    let differs = 0;
    for (let k = 2; k < 8; k++) {
      const c = t.apply(input, ctxFor(7, k));
      if (!sameArray(data(c, 'image'), data(a, 'image'))) differs++;
    }
    assert.ok(differs >= 3, `only ${differs} of 6 other keys changed the output`);
  });

  test(`${entry.name}: keeps shape and type, label values stay in the label set, image and label get the same draw`, () => {
    const t = registry.create(entry, 'test');
    const input = pair();
    for (let k = 0; k < 6; k++) {
      const ctx = ctxFor(11, k);
      const out = t.apply(input, ctx);
      assert.equal(ctx.draws.length, 1, 'one record per application');
      const img = out.image as ChainImage;
      const lab = out.label as ChainImage;
      assert.deepEqual(img.shape, [...SHAPE, 1]);
      assert.deepEqual(lab.shape, [...SHAPE, 1]);
      assert.ok(lab.data instanceof Uint8Array, 'labels keep their type');
      assert.deepEqual(img.affine, (input.image as ChainImage).affine, 'augmentation keeps the affine');
      const values = new Set(lab.data);
      for (const v of values) assert.ok(v === 0 || v === 1 || v === 2, `label value ${v}`);
      // Same draw: where the (linearly interpolated) image is exactly a label's
      // value times 100 with all neighbours alike, the nearest label agrees.
      let checked = 0;
      for (let i = 0; i < lab.data.length; i++) {
        const v = img.data[i];
        if (v === 0 || v === 100 || v === 200) {
          checked++;
          assert.equal(lab.data[i] * 100, v, `voxel ${i}: image ${v}, label ${lab.data[i]}`);
        }
      }
      assert.ok(checked > lab.data.length / 2, `only ${checked} voxels were checkable`);
    }
  });
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

test('flips keep the voxel multiset and image/label stay aligned exactly', () => {
  for (const name of ['RandomSpatialFlip', 'RandomAxisFlip']) {
    const t = registry.create({ name, args: { fields: ['image', 'label'], probability: 1 } }, 'test');
    const input = pair();
    const out = t.apply(input, ctxFor(3));
    assert.deepEqual(sorted(data(out, 'label')), sorted(data(input, 'label')));
    const img = data(out, 'image');
    const lab = data(out, 'label');
    for (let i = 0; i < lab.length; i++) assert.equal(img[i], lab[i] * 100);
  }
});

test('RandomSpatialFlip with probability 1 flips every axis; RandomAxisFlip with 1 flips exactly one', () => {
  const all = registry.create({ name: 'RandomSpatialFlip', args: { fields: 'image', probability: 1 } }, 'test');
  assert.equal(all.isRandom, false, 'probability 1 draws nothing that matters');
  const ctx = ctxFor(1);
  all.apply(pair(), ctx);
  assert.deepEqual(ctx.draws, [{ axes: [0, 1, 2] }]);
  const one = registry.create({ name: 'RandomAxisFlip', args: { fields: 'image', probability: 1 } }, 'test');
  const axes = new Set<number>();
  for (let k = 0; k < 30; k++) {
    const c = ctxFor(1, k);
    one.apply(pair(), c);
    const d = c.draws[0] as { flipped: boolean; axis: number };
    assert.equal(d.flipped, true);
    axes.add(d.axis);
  }
  assert.deepEqual([...axes].sort(), [0, 1, 2], 'every axis gets drawn');
});

test('probability 0 makes a random transform the identity, and not random', () => {
  for (const [name, args] of [
    ['RandomAxisFlip', { fields: 'image', probability: 0 }],
    ['RandomRotate3D', { fields: 'image', probability: 0 }],
    ['RandomZoom', { image_field: 'image', probability: 0 }],
    ['RandomRotate2D', { fields: 'image', probability: 0 }],
  ] as const) {
    const t = registry.create({ name, args }, 'test');
    assert.equal(t.isRandom, false, name);
    const input = pair();
    assert.equal(t.apply(input, ctxFor(1)), input, name);
  }
});

test('RandomRotate2D with is_random false rotates by exactly angle, deterministically; works on 2D images', () => {
  const t = registry.create({ name: 'RandomRotate2D', args: { fields: ['image'], angle: 90, is_random: false } }, 'test');
  assert.equal(t.isRandom, false);
  const img = chainImage(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), [3, 3]);
  const out = t.apply({ image: img }, ctxFor(1)).image as ChainImage;
  assert.deepEqual(out.shape, [3, 3, 1]);
  // Output o reads c + R(90)(o - c): o = (0, 0) reads (2, 0) -> 3.
  assert.deepEqual([...out.data].map((v) => Math.round(v * 1e6) / 1e6), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
});

test('random transforms apply one draw to every channel and crop of a batched image', () => {
  const t = registry.create({ name: 'RandomRotate3D', args: { fields: 'image', probability: 1 } }, 'test');
  const one = pair().image as ChainImage;
  const n = one.data.length;
  const two = new Float32Array(2 * n);
  two.set(one.data);
  two.set(one.data, n);
  const batched: ChainImage = { ...one, data: two, shape: [...SHAPE, 1, 2], batched: true };
  const out = t.apply({ image: batched }, ctxFor(5)).image as ChainImage;
  assert.deepEqual(out.data.subarray(0, n), out.data.subarray(n));
  assert.deepEqual(out.data.subarray(0, n), (t.apply({ image: one }, ctxFor(5)).image as ChainImage).data);
});

test('RandomRotate3D: angle_x turns the plane of axes 1 and 2, angle_z the plane of axes 0 and 1', () => {
  const cube = chainImage(Float32Array.from({ length: 6 * 6 * 6 }, (_, i) => (i * 37) % 101), [6, 6, 6]);
  const grid = { data: cube.data, shape: [6, 6, 6], blocks: 1 };
  for (const [arg, axes] of [['angle_x', [1, 2]], ['angle_y', [2, 0]], ['angle_z', [0, 1]]] as const) {
    const args = { fields: 'image', probability: 1, angle_x: 0, angle_y: 0, angle_z: 0, [arg]: [90, 90] };
    const out = registry.create({ name: 'RandomRotate3D', args }, 'test').apply({ image: cube }, ctxFor(1)).image as ChainImage;
    // o reads c + R(90)(o - c): numpy's clockwise quarter turn (k = 3) in that plane.
    const want = rot90(grid, 3, axes).data;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(out.data[i] - want[i]) < 1e-3, `${arg}: voxel ${i}`);
  }
});

test('RandomZoom draws one factor per axis within [lower_limits, upper_limits] and records it', () => {
  const t = registry.create({ name: 'RandomZoom', args: { image_field: 'image', lower_limits: [0.8, 1, 1.2], upper_limits: [0.9, 1, 1.3] } }, 'test');
  for (let k = 0; k < 20; k++) {
    const ctx = ctxFor(2, k);
    t.apply(pair(), ctx);
    const { factors } = ctx.draws[0] as { factors: number[] };
    assert.ok(factors[0] >= 0.8 && factors[0] < 0.9 && factors[1] === 1 && factors[2] >= 1.2 && factors[2] < 1.3, `${factors}`);
  }
});
