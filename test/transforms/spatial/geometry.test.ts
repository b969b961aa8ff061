import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry, type TransformEntry } from '../../../src/transforms/registry.js';
import type { ChainImage, Sample } from '../../../src/transforms/image.js';
import { spatialTransforms } from '../../../src/transforms/spatial/index.js';
import { applyAffine } from '../../../src/volume/affine.js';
import { blobs, chainImage, ctxFor, ramp } from './synthetic.js';

const registry = new TransformRegistry();
for (const def of spatialTransforms) registry.register(def);

function run(entry: TransformEntry, sample: Sample): Sample {
  return registry.create(entry, 'test').apply(sample, ctxFor(1));
}

/** An oblique LPS-ish affine with spacing [0.7, 0.9, 2] and an offset origin. */
const AFFINE = [
  [-0.7 * Math.cos(0.3), 0.9 * Math.sin(0.3), 0, 101.5],
  [-0.7 * Math.sin(0.3), -0.9 * Math.cos(0.3), 0, -40.25],
  [0, 0, 2, 12],
  [0, 0, 0, 1],
];
const SHAPE: [number, number, number] = [20, 18, 9];

function ct(): ChainImage {
  return chainImage(ramp(20 * 18 * 9), [...SHAPE], { spacing: [0.7, 0.9, 2], affine: AFFINE });
}

function near(a: number[], b: number[], tol = 1e-9) {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${a}] vs [${b}]`);
}

test('resampling keeps voxel 0 in place and scales the affine columns to the new spacing', () => {
  const out = run({ name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, 1, 1] } }, { image: ct() }).image as ChainImage;
  assert.deepEqual(out.shape, [14, 16, 18, 1]);
  near(out.spacing, [1, 1, 1, 1]);
  near(applyAffine(out.affine, [0, 0, 0]), applyAffine(AFFINE, [0, 0, 0]));
  // Output voxel 3 on axis 1 sits where input coordinate 3 * 1 / 0.9 does.
  near(applyAffine(out.affine, [0, 3, 0]), applyAffine(AFFINE, [0, 3 / 0.9, 0]));
  assert.ok(out.data instanceof Float32Array);
  assert.equal(out.dtype, 'float32');
});

test('pads and crops move the origin so kept voxels stay at their world position', () => {
  const img = ct();
  for (const entry of [
    { name: 'SymmetricPadderDiv', args: { fields: 'image', div_int: 8 } },
    { name: 'PadCropWithFixedSize', args: { fields: 'image', size: [16, 24, -1] } },
    { name: 'CropSubVolumeCenter', args: { fields: 'image', size: [10, 30, 5] } },
  ]) {
    const out = run(entry, { image: img }).image as ChainImage;
    const step = (out.meta.shapeHistory as { offset: number[] }[])[0];
    near(applyAffine(out.affine, [0, 0, 0]), applyAffine(AFFINE, step.offset));
    // Voxel values agree where both grids have them.
    const [o0, o1, o2] = step.offset;
    const [m0, m1] = out.shape;
    for (const [i, j, k] of [[5, 5, 2], [9, 3, 4]]) {
      const si = i + o0, sj = j + o1, sk = k + o2;
      if (si < 0 || sj < 0 || sk < 0 || si >= 20 || sj >= 18 || sk >= 9) continue;
      assert.equal(out.data[i + m0 * (j + m1 * k)], img.data[si + 20 * (sj + 18 * sk)], entry.name);
    }
  }
  const padded = run({ name: 'SymmetricPadderDiv', args: { fields: 'image', div_int: 8 } }, { image: img }).image as ChainImage;
  assert.deepEqual(padded.shape, [24, 24, 16, 1]);
  const centre = run({ name: 'CropSubVolumeCenter', args: { fields: 'image', size: [10, 30, 5] } }, { image: img }).image as ChainImage;
  assert.deepEqual(centre.shape, [10, 18, 5, 1], 'axes shorter than size are kept whole');
});

test('flips change data, not the affine', () => {
  const img = ct();
  const out = run({ name: 'RandomAxisFlip', args: { fields: 'image', probability: 1 } }, { image: img }).image as ChainImage;
  assert.deepEqual(out.affine, img.affine);
  assert.notDeepEqual(out.data, img.data);
});

test('RestoreOriginalShape undoes resampling, padding and cropping recorded on src_field', () => {
  const label = chainImage(blobs(SHAPE), [...SHAPE], { spacing: [0.7, 0.9, 2], affine: AFFINE });
  let s: Sample = { image: ct(), label };
  // Half the spacing: every input voxel centre is an output voxel centre, so a nearest round trip is exact.
  s = run({ name: 'ScaleByResolution', args: { fields: ['image', 'label'], target_resolution: [0.35, 0.45, 1], is_label: true } }, s);
  s = run({ name: 'SymmetricPadderDiv', args: { fields: ['image', 'label'], div_int: 16 } }, s);
  s = run({ name: 'CropForeground', args: { fields: ['image', 'label'], source_field: 'label', margin: 1 } }, s);
  s = run({ name: 'PadCropWithFixedSize', args: { fields: ['image', 'label'], size: [40, 40, 20] } }, s);
  // A "prediction" on the final grid: the label itself, without its own history.
  const pred = { ...(s.label as ChainImage), meta: {} };
  const out = run({ name: 'RestoreOriginalShape', args: { field: 'model', src_field: 'image', is_label: true } }, { ...s, model: pred });
  const model = out.model as ChainImage;
  assert.deepEqual(model.shape, [...SHAPE, 1]);
  near(model.spacing, [0.7, 0.9, 2, 1], 1e-12);
  for (let r = 0; r < 4; r++) near(model.affine[r], AFFINE[r], 1e-9);
  assert.deepEqual(model.data, label.data);
  assert.equal(model.meta.shapeHistory, undefined);
  // The field must be on src_field's current grid.
  assert.throws(() => run({ name: 'RestoreOriginalShape', args: { field: 'label', src_field: 'image' } }, { image: s.image, label }), /has spatial shape \[20,18,9\] but "image" has \[40,40,20\]/);
});

test('ScaleToShape and NPResize on a 2D image leave the third affine column alone', () => {
  const img = chainImage(ramp(12 * 8), [12, 8], { spacing: [0.5, 0.5] });
  const a = run({ name: 'ScaleToShape', args: { fields: 'image', target_shape: [23, 15] } }, { image: img }).image as ChainImage;
  assert.deepEqual(a.shape, [23, 15, 1]);
  near(a.spacing, [0.25, 0.25, 1]);
  near(a.affine[2], [0, 0, 1, 0]);
  assert.equal(a.data[0], img.data[0], 'corners aligned');
  assert.equal(a.data[23 * 15 - 1], img.data[12 * 8 - 1]);
  // Degenerate axes: one output voxel reads the centre, one input voxel spreads; spacing stays positive.
  const line = chainImage(Float32Array.of(2, 4, 6), [3, 1]);
  const c = run({ name: 'ScaleToShape', args: { fields: 'image', target_shape: [1, 4] } }, { image: line }).image as ChainImage;
  assert.deepEqual([...c.data], [4, 4, 4, 4]);
  near(c.spacing, [3, 0.25, 1]);
  near(applyAffine(c.affine, [0, 0, 0]), [1, 0, 0]);
  const b = run({ name: 'NPResize', args: { fields: 'image', output_shape: [6, 4] } }, { image: img }).image as ChainImage;
  // Halving with centres aligned averages 2x2 blocks.
  assert.ok(Math.abs(b.data[0] - (img.data[0] + img.data[1] + img.data[12] + img.data[13]) / 4) < 1e-3);
  near(applyAffine(b.affine, [0, 0, 0]), [0.5, 0.5, 0]);
});

test('multi-channel images: every channel moves the same way', () => {
  const one = ramp(20 * 18 * 9);
  const two = new Float32Array(one.length * 2);
  two.set(one);
  for (let i = 0; i < one.length; i++) two[one.length + i] = 2 * one[i];
  const img = chainImage(two, [...SHAPE], { channels: 2, spacing: [0.7, 0.9, 2] });
  const out = run({ name: 'ScaleByFactor', args: { fields: 'image', factor: [0.5, 1.5, 1] } }, { image: img }).image as ChainImage;
  assert.deepEqual(out.shape, [10, 27, 9, 2]);
  const n = 10 * 27 * 9;
  for (let i = 0; i < n; i++) assert.ok(Math.abs(out.data[n + i] - 2 * out.data[i]) < 1e-3);
});

test('CropForeground with an empty source leaves the sample as it is', () => {
  const s = { image: ct(), label: chainImage(new Uint8Array(20 * 18 * 9), [...SHAPE]) };
  assert.equal(run({ name: 'CropForeground', args: { fields: ['image', 'label'], source_field: 'label' } }, s), s);
});
