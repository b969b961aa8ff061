import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDefaultRegistry } from '../../../src/transforms/catalogue.js';
import { batchCount, spatialShape, type ChainImage, type Sample } from '../../../src/transforms/image.js';
import type { TransformContext } from '../../../src/transforms/types.js';
import { rngFor } from '../../../src/util/rng.js';
import { assertVoxelpipeError } from '../../helpers.js';

/** Random MONAI transforms: draws come from voxelpipe's keyed stream, so test what must hold of their distributions. */

const registry = createDefaultRegistry();

function image(shape: number[], fill: (i: number, j: number, k: number) => number, Ctor: Float32ArrayConstructor | Uint8ArrayConstructor = Float32Array): ChainImage {
  const [X, Y, Z] = shape;
  const data = new Ctor(X * Y * Z);
  for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++) data[i + X * (j + Y * k)] = fill(i, j, k);
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return { data, shape: [...shape, 1], dtype: Ctor === Float32Array ? 'float32' : 'uint8', spacing: [1, 1, 1, 1], affine, meta: {}, batched: false };
}

function ctxFor(n: number, draws?: Record<string, unknown>[]): TransformContext {
  return { rng: rngFor(7, 0, n, 3), record: (d) => draws?.push(d) };
}

const ramp = () => image([12, 10, 8], (i, j, k) => i + 100 * j + 10000 * k);
const blob = () => image([12, 10, 8], (i, j, k) => (i >= 3 && i < 6 && j >= 4 && j < 7 && k >= 2 && k < 5 ? 1 : 0), Uint8Array);

test('RandCropByPosNegLabeld: pos/neg ratio, centres in the right class, batched crops of every key', () => {
  const t = registry.create({ name: 'RandCropByPosNegLabeld', args: { keys: ['image', 'label'], label_key: 'label', spatial_size: [4, 4, 4], pos: 3, neg: 1, num_samples: 4 } });
  let fg = 0, total = 0;
  for (let n = 0; n < 300; n++) {
    const draws: Record<string, unknown>[] = [];
    const out = t.apply({ image: ramp(), label: blob() }, ctxFor(n, draws));
    const img = out.image as ChainImage, lab = out.label as ChainImage;
    assert.equal(batchCount(img), 4);
    assert.deepEqual(lab.shape, [4, 4, 4, 1, 4]);
    const rec = draws[0] as { foreground: boolean[]; centres: number[][] };
    rec.foreground.forEach((f, j) => {
      const [i, jj, k] = rec.centres[j];
      const isFg = i >= 3 && i < 6 && jj >= 4 && jj < 7 && k >= 2 && k < 5;
      assert.equal(isFg, f);
      fg += f ? 1 : 0;
      total++;
    });
  }
  const p = fg / total;
  assert.ok(Math.abs(p - 0.75) < 0.04, `foreground share ${p}, expected 0.75`);
});

test('RandCropByPosNegLabeld: image_threshold keeps background centres where the image is above it', () => {
  const t = registry.create({ name: 'RandCropByPosNegLabeld', args: { keys: ['image', 'label'], label_key: 'label', spatial_size: [2, 2, 2], pos: 0, neg: 1, num_samples: 8, image_key: 'image', image_threshold: 30000 } });
  for (let n = 0; n < 50; n++) {
    const draws: Record<string, unknown>[] = [];
    t.apply({ image: ramp(), label: blob() }, ctxFor(n, draws));
    for (const [i, j, k] of (draws[0] as { centres: number[][] }).centres) assert.ok(i + 100 * j + 10000 * k > 30000, `centre [${i},${j},${k}] at or below the threshold`);
  }
});

test('RandCropByPosNegLabeld without image_key crops exactly as FastCropByPosNegRatio for the same key', () => {
  const monai = registry.create({ name: 'RandCropByPosNegLabeld', args: { keys: ['image', 'label'], label_key: 'label', spatial_size: [4, 4, 4], num_samples: 3 } });
  const clara = registry.create({ name: 'FastCropByPosNegRatio', args: { fields: 'image', label_field: 'label', size: [4, 4, 4], batch_size: 3 } });
  for (let n = 0; n < 10; n++) {
    const a = monai.apply({ image: ramp(), label: blob() }, ctxFor(n));
    const b = clara.apply({ image: ramp(), label: blob() }, ctxFor(n));
    assert.deepEqual([...(a.image as ChainImage).data], [...(b.image as ChainImage).data]);
  }
});

test('RandFlipd: flip rate = prob, and after a num_samples crop each crop draws its own flip', () => {
  const t = registry.create({ name: 'RandFlipd', args: { keys: ['image'], prob: 0.3, spatial_axis: 0 } });
  let flips = 0;
  const N = 2000;
  for (let n = 0; n < N; n++) {
    const out = t.apply({ image: ramp() }, ctxFor(n));
    if ((out.image as ChainImage).data[0] !== 0) flips++;
  }
  assert.ok(Math.abs(flips / N - 0.3) < 0.03, `flip rate ${flips / N}`);
  // Four crops of one volume: some flipped, some not, in the same sample.
  const crop = registry.create({ name: 'RandSpatialCropSamplesd', args: { keys: ['image'], roi_size: [12, 10, 8], num_samples: 4 } });
  const flip = registry.create({ name: 'RandFlipd', args: { keys: ['image'], prob: 0.5, spatial_axis: 0 } });
  let mixed = 0;
  for (let n = 0; n < 40; n++) {
    const s = flip.apply(crop.apply({ image: ramp() }, ctxFor(n)), ctxFor(n + 1000));
    const img = s.image as ChainImage;
    const per = img.data.length / 4;
    const first = [0, 1, 2, 3].map((j) => img.data[j * per]);
    if (new Set(first).size > 1) mixed++;
  }
  assert.ok(mixed > 20, `crops flipped independently in only ${mixed} of 40 samples`);
});

test('RandZoomd: zoom factors stay in [min_zoom, max_zoom], scalar limits are isotropic, the shape is kept', () => {
  const t = registry.create({ name: 'RandZoomd', args: { keys: ['image'], prob: 1, min_zoom: 0.8, max_zoom: 1.3 } });
  let lo = Infinity, hi = -Infinity;
  for (let n = 0; n < 200; n++) {
    const draws: Record<string, unknown>[] = [];
    const out = t.apply({ image: ramp() }, ctxFor(n, draws));
    const z = (draws[0] as { zoom: number[] }).zoom;
    assert.equal(new Set(z).size, 1);
    lo = Math.min(lo, z[0]);
    hi = Math.max(hi, z[0]);
    assert.deepEqual(spatialShape(out.image as ChainImage), [12, 10, 8]);
  }
  assert.ok(lo >= 0.8 && hi < 1.3 && lo < 0.85 && hi > 1.25, `zooms in [${lo}, ${hi}]`);
});

test('RandGaussianNoised: every key gets the same noise; std drawn in [0, std)', () => {
  const t = registry.create({ name: 'RandGaussianNoised', args: { keys: ['a', 'b'], prob: 1, std: 0.5 } });
  const draws: Record<string, unknown>[] = [];
  const zero = () => image([12, 10, 8], () => 0);
  const out: Sample = t.apply({ a: zero(), b: zero() }, ctxFor(1, draws));
  assert.deepEqual([...(out.a as ChainImage).data], [...(out.b as ChainImage).data]);
  const std = (draws[0] as { std: number }).std;
  assert.ok(std >= 0 && std < 0.5);
});

test('MONAI spellings, per-key args and bad args', () => {
  assert.equal(registry.create({ name: 'ToTensorD', args: { keys: 'image' } }).name, 'ToTensord');
  assert.equal(registry.create({ name: 'RandFlipDict', args: { keys: 'image' } }).name, 'RandFlipd');
  assertVoxelpipeError(
    () => registry.create({ name: 'Spacingd', args: { keys: ['image', 'label'], pixdim: 2, mode: ['bilinear', 'nearest', 'nearest'] } }, 'train.pre_transforms[1]'),
    'ERR_INVALID_ARGUMENT',
    ['Spacingd at train.pre_transforms[1]', 'mode has 3 values for 2 keys'],
  );
  assertVoxelpipeError(() => registry.create({ name: 'RandShiftIntensityd', args: { keys: 'image', offsets: 0.1, factor_key: 'x' } }, 'train.pre_transforms[4]'), 'ERR_CONFIG', [
    'train.pre_transforms[4].args.factor_key',
  ]);
  const missing = registry.create({ name: 'ScaleIntensityRanged', args: { keys: ['image', 'weight'], a_min: 0, a_max: 10 } });
  assertVoxelpipeError(() => missing.apply({ image: ramp() }, ctxFor(0)), 'ERR_INVALID_ARGUMENT', ['key "weight" is not in the sample']);
  const allowed = registry.create({ name: 'ScaleIntensityRanged', args: { keys: ['image', 'weight'], a_min: 0, a_max: 10, allow_missing_keys: true } });
  assert.ok(allowed.apply({ image: ramp() }, ctxFor(0)).image);
});
