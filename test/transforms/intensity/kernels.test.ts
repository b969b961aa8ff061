import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import {
  intensityTransforms,
  scaleIntensityRange,
  centerData,
  thresholdValues,
  adjustContrast,
  normalizeNonzero,
} from '../../../src/transforms/intensity/index.js';
import type { ChainImage } from '../../../src/transforms/image.js';
import { assertVoxelpipeError } from '../../helpers.js';
import { ctxFor, sameData, synth } from '../crop/synthetic.js';

const registry = new TransformRegistry();
for (const d of intensityTransforms) registry.register(d);
const make = (name: string, args: Record<string, unknown>) => registry.create({ name, args }, 'train.pre_transforms[3]');

const window = { a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true, dtype: 'float32' as const, a_offset: 0 };

test('ScaleIntensityRange: the int16 lookup table gives exactly the direct float64 map', () => {
  // 80^3 int16 voxels: above the table size, so the table path runs; every value checked against float64 math.
  const ct = synth([80, 80, 80], 'int16', (x, y, z) => ((x * 7919 + y * 104729 + z * 1299709) % 65536) - 32768);
  const out = scaleIntensityRange(ct, window);
  const f32 = new Float32Array(1);
  for (let i = 0; i < ct.data.length; i++) {
    f32[0] = Math.min(1, Math.max(0, (ct.data[i] + 57) / 221));
    assert.equal(out.data[i], f32[0], `voxel ${i} (${ct.data[i]})`);
  }
});

test('ScaleIntensityRange folds deferred NIfTI slope/inter into the map (table and plain paths)', () => {
  for (const side of [80, 10]) {
    const stored = synth([side, side, side], 'int16', (x, y, z) => (x * 31 + y * 17 + z) % 400 - 200);
    const deferred: ChainImage = { ...stored, meta: { scalingDeferred: true, sclSlope: 0.5, sclInter: -10 } };
    const scaled = synth([side, side, side], 'float32', (x, y, z) => ((x * 31 + y * 17 + z) % 400 - 200) * 0.5 - 10);
    const a = scaleIntensityRange(deferred, { ...window, clip: false });
    const b = scaleIntensityRange(scaled, { ...window, clip: false });
    for (let i = 0; i < a.data.length; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) < 1e-6, `side ${side} voxel ${i}`);
    assert.equal(a.meta.scalingDeferred, false);
  }
});

test('ScaleIntensityRange: a_offset shifts values before the window; integer dtype rounds and saturates', () => {
  const img = synth([4], 'float32', (x) => [0, 100, 201, 300][x]);
  const t = make('ScaleIntensityRange', { fields: 'image', a_min: 200, a_max: 400, b_min: 0, b_max: 255, a_offset: 100, dtype: 'uint8' });
  const out = t.apply({ image: img }, ctxFor(0)).image as ChainImage;
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual([...out.data], [0, 0, 129, 255]);
});

test('CenterData gives mean 0 and std 1 per channel; ThresholdValues binarises with >', () => {
  const img = synth([20, 10, 5], 'float32', (x, y, z, c) => (c + 1) * (x * x + y - z), 2);
  const out = centerData(img);
  const N = 1000;
  for (let c = 0; c < 2; c++) {
    let s = 0, s2 = 0;
    for (let i = c * N; i < (c + 1) * N; i++) {
      s += out.data[i];
      s2 += out.data[i] ** 2;
    }
    assert.ok(Math.abs(s / N) < 1e-5 && Math.abs(s2 / N - 1) < 1e-4, `channel ${c}: mean ${s / N}, var ${s2 / N}`);
  }
  const p = synth([5], 'float32', (x) => [0.2, 0.5, 0.51, 0.9, -1][x]);
  assert.deepEqual([...thresholdValues(p, { threshold: 0.5, above_value: 1, below_value: 0, dtype: 'uint8' }).data], [0, 0, 1, 1, 0]);
});

test('NormalizeNonzeroIntensities keeps zeros and leaves an all-zero block alone', () => {
  const img = synth([6], 'float32', (x) => [0, 2, 4, 0, 6, 0][x]);
  const out = normalizeNonzero(img);
  const std = Math.sqrt(8 / 3);
  assert.deepEqual([...out.data].map((v) => +v.toFixed(5)), [0, -2 / std, 0, 0, 2 / std, 0].map((v) => +v.toFixed(5)));
  assert.deepEqual([...normalizeNonzero(synth([3], 'float32', () => 0)).data], [0, 0, 0]);
});

test('AdjustContrast keeps each channel\'s min and max; gamma 1 is the identity', () => {
  const img = synth([30, 4], 'float32', (x, y) => x * 3 - 20 + y);
  const out = adjustContrast(img, 2.5);
  const mn = Math.min(...out.data), mx = Math.max(...out.data);
  assert.ok(Math.abs(mn - -20) < 1e-4 && Math.abs(mx - 70) < 1e-4, `${mn} ${mx}`);
  const id = adjustContrast(img, 1);
  for (let i = 0; i < img.data.length; i++) assert.ok(Math.abs(id.data[i] - img.data[i]) < 1e-4);
});

test('AddGaussianNoise has the asked variance and zero mean', () => {
  const zeros = synth([64, 64, 32], 'float32', () => 0);
  const t = make('AddGaussianNoise', { fields: 'image', probability: 1, variance: 0.25 });
  const out = t.apply({ image: zeros }, ctxFor(3)).image as ChainImage;
  const n = out.data.length;
  let s = 0, s2 = 0;
  for (const v of out.data) {
    s += v;
    s2 += v * v;
  }
  const mean = s / n, variance = s2 / n - mean * mean;
  // sd of the sample variance of n normals is sigma^2 sqrt(2/n): 4 sd is ~0.0018 here.
  assert.ok(Math.abs(variance - 0.25) < 4 * 0.25 * Math.sqrt(2 / n), `variance ${variance}`);
  assert.ok(Math.abs(mean) < 4 * 0.5 / Math.sqrt(n), `mean ${mean}`);
  // Normal, not just the right variance: the share within 1 and 2 sd.
  let in1 = 0, in2 = 0;
  for (const v of out.data) {
    if (Math.abs(v) < 0.5) in1++;
    if (Math.abs(v) < 1) in2++;
  }
  assert.ok(Math.abs(in1 / n - 0.6827) < 0.003 && Math.abs(in2 / n - 0.9545) < 0.002, `${in1 / n} ${in2 / n}`);
});

test('ScaleIntensityOscillation and ScaleShiftIntensity stay within their bounds and actually vary', () => {
  const img = synth([50], 'float32', (x) => x + 1);
  const osc = make('ScaleIntensityOscillation', { fields: 'image', magnitude: 0.1, probability: 1 });
  const sh = make('ScaleShiftIntensity', { fields: 'image', scale: 0.2, shift: 3 });
  const factors = new Set<number>();
  for (let k = 0; k < 200; k++) {
    const o = osc.apply({ image: img }, ctxFor(5, k)).image as ChainImage;
    const f = o.data[9] / 10;
    factors.add(f);
    assert.ok(f >= 0.9 - 1e-6 && f <= 1.1 + 1e-6, `factor ${f}`);
    for (let i = 0; i < 50; i++) assert.ok(Math.abs(o.data[i] - (i + 1) * f) < 1e-4);
    const ctx = ctxFor(6, k);
    const s = sh.apply({ image: img }, ctx).image as ChainImage;
    const { scale, shift } = ctx.draws[0] as { scale: number; shift: number };
    assert.ok(Math.abs(scale) <= 0.2 && Math.abs(shift) <= 3);
    for (let i = 0; i < 50; i++) assert.ok(Math.abs(s.data[i] - ((i + 1) * (1 + scale) + shift)) < 1e-4);
  }
  assert.ok(factors.size > 150);
});

test('probability 0 makes a transform deterministic and a no-op; probability decides per call', () => {
  const img = synth([10], 'float32', (x) => x);
  const never = make('AddGaussianNoise', { fields: 'image', probability: 0 });
  assert.equal(never.isRandom, false);
  assert.equal(never.apply({ image: img }, ctxFor(1)).image, img);
  const p = make('ScaleIntensityOscillation', { fields: 'image', probability: 0.3 });
  let applied = 0;
  for (let k = 0; k < 1000; k++) if (p.apply({ image: img }, ctxFor(2, k)).image !== img) applied++;
  assert.ok(Math.abs(applied - 300) <= 4 * Math.sqrt(1000 * 0.3 * 0.7), `applied ${applied}`);
});

test('random intensity transforms: same key -> bit-identical, different key -> different; input never modified', () => {
  const img = synth([16, 16, 8], 'int16', (x, y, z) => x * y - z);
  const copy = Int16Array.from(img.data);
  for (const [name, args] of [
    ['AddGaussianNoise', { fields: 'image', probability: 1 }],
    ['ScaleIntensityOscillation', { fields: 'image', probability: 1 }],
    ['ScaleShiftIntensity', { fields: 'image' }],
    ['AdjustContrast', { fields: 'image', probability: 1 }],
  ] as const) {
    const t = make(name, args);
    assert.equal(t.isRandom, true);
    const a = t.apply({ image: img }, ctxFor(1, 4)).image as ChainImage;
    const b = t.apply({ image: img }, ctxFor(1, 4)).image as ChainImage;
    const c = t.apply({ image: img }, ctxFor(1, 5)).image as ChainImage;
    assert.ok(sameData(a, b), `${name}: same key`);
    assert.ok(!sameData(a, c), `${name}: different key`);
  }
  assert.deepEqual(img.data, copy);
});

test('bad intensity args: one line naming the transform, the arg and the JSON path', () => {
  const p = 'train.pre_transforms[3]';
  assertVoxelpipeError(() => make('ScaleIntensityRange', { fields: 'image', a_min: '-57', a_max: 164 }), 'ERR_CONFIG', [
    `ScaleIntensityRange: ${p}.args.a_min: expected number, got "-57"`,
  ]);
  assertVoxelpipeError(() => make('ScaleIntensityRange', { fields: 'image', a_min: 1, a_max: 1 }), 'ERR_CONFIG', [
    `ScaleIntensityRange: ${p}.args.a_max: must differ from a_min (the window would be empty) (got 1)`,
  ]);
  assertVoxelpipeError(() => make('ScaleIntensityRange', { fields: 'image', a_min: 0, a_max: 1, a_ofset: 3 }), 'ERR_CONFIG', [
    `ScaleIntensityRange: ${p}.args.a_ofset: unknown key (did you mean a_offset?)`,
  ]);
  assertVoxelpipeError(() => make('AddGaussianNoise', { fields: 'image', probability: 1.5 }), 'ERR_CONFIG', [
    `AddGaussianNoise: ${p}.args.probability: expected a number <= 1, got 1.5`,
  ]);
  assertVoxelpipeError(() => make('ScaleShiftIntensity', { fields: [], scale: 0.1 }), 'ERR_CONFIG', [`ScaleShiftIntensity: ${p}.args.fields`]);
  assertVoxelpipeError(() => make('AdjustContrast', { fields: 'image', gamma: [3, 1] }), 'ERR_CONFIG', [
    `AdjustContrast: ${p}.args.gamma: expected gamma as [low, high] with low <= high (got [3,1])`,
  ]);
  assertVoxelpipeError(() => make('CenterData', { fields: 'image' }).apply({ image: 'imagesTr/a.nii.gz' }, ctxFor(0)), 'ERR_INVALID_ARGUMENT', [
    'CenterData: field "image" should hold an image, found the string "imagesTr/a.nii.gz" (not loaded yet?)',
  ]);
});
