import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry, type TransformEntry } from '../../../src/transforms/registry.js';
import { spatialTransforms } from '../../../src/transforms/spatial/index.js';
import { assertVoxelpipeError } from '../../helpers.js';
import { chainImage, ctxFor } from './synthetic.js';

const PATH = 'train.pre_transforms[3]';

function create(entry: TransformEntry) {
  const def = spatialTransforms.find((d) => d.name === entry.name.split('#')[0]);
  assert.ok(def, entry.name);
  return new TransformRegistry().register(def).create(entry, PATH);
}

test('every spatial definition has a summary, a MONAI equivalent and example args its schema accepts', () => {
  assert.equal(spatialTransforms.filter((d) => (d.vocabulary ?? 'clara') === 'clara').length, 14);
  for (const def of spatialTransforms) {
    assert.equal(def.family, 'spatial');
    assert.ok(def.summary.length > 10 && def.monai, def.name);
    assert.ok(def.example, def.name);
    create({ name: def.name, args: def.example });
  }
});

test('Clara spellings from real configs are accepted, with defaults filled in', () => {
  assert.deepEqual(create({ name: 'ScaleByResolution#ScaleLb', args: { fields: 'label', is_label: true, target_resolution: [1.0, 1.0, 1.0] } }).args, {
    fields: ['label'],
    is_label: true,
    target_resolution: [1, 1, 1],
  });
  assert.equal(create({ name: 'ScaleByResolution#ScaleImg', args: { fields: ['image'], target_resolution: [1, 1, 1] } }).alias, 'ScaleImg');
  assert.deepEqual(create({ name: 'SymmetricPadderDiv', args: { div_int: 32, fields: ['image', 'label'] } }).args, {
    fields: ['image', 'label'],
    div_int: 32,
    mode: 'constant',
    constant_values: 0,
  });
  create({ name: 'SymmetricPadderDiv', args: { divisor: [16, 16, 8], fields: 'image' } });
  create({ name: 'ScaleByFactor', args: { factor: 0.5, fields: ['image', 'label'] } });
  create({ name: 'ScaleToShape', args: { fields: ['image'], target_shape: [256, 256] } });
  create({ name: 'PadCropWithFixedSize', args: { fields: ['image', 'label'], size: [160, 160, 160] } });
  create({ name: 'CropSubVolumeCenter', args: { fields: ['image', 'label'], size: [384, 384] } });
  create({ name: 'RestoreOriginalShape', args: { field: 'model', is_label: true, src_field: 'image' } });
  assert.deepEqual(create({ name: 'RandomSpatialFlip', args: { fields: ['image', 'label'] } }).args, { fields: ['image', 'label'], probability: 0.5 });
  create({ name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.75 } });
  create({ name: 'RandomZoom', args: { image_field: 'image', label_field: 'label', lower_limits: [0.9, 0.9, 0.9], upper_limits: [1.1, 1.1, 1.1] } });
  create({ name: 'RandomRotate2D', args: { angle: 7, fields: ['image'], is_random: true } });
  assert.deepEqual(create({ name: 'RandomRotate3D', args: { fields: ['image', 'label'], probability: 0.1 } }).args, {
    fields: ['image', 'label'],
    probability: 0.1,
    angle_x: 15,
    angle_y: 15,
    angle_z: 15,
    label_fields: ['label'],
  });
});

test('bad args: one line naming the transform, the JSON path of the arg and what was expected', () => {
  const cases: [TransformEntry, string][] = [
    [{ name: 'RandomAxisFlip', args: { fields: ['image'], probability: 1.5 } }, 'RandomAxisFlip: train.pre_transforms[3].args.probability: expected a number <= 1, got 1.5'],
    [{ name: 'RandomAxisFlip', args: { fields: ['image'], probabilty: 0.5 } }, 'RandomAxisFlip: train.pre_transforms[3].args.probabilty: unknown key (did you mean probability?)'],
    [{ name: 'ScaleByResolution', args: { fields: 'image', target_resolution: 'one' } }, 'ScaleByResolution: train.pre_transforms[3].args.target_resolution: expected number or array, got "one"'],
    [{ name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, -1, 1] } }, 'ScaleByResolution: train.pre_transforms[3].args.target_resolution[1]: expected a number > 0, got -1'],
    [{ name: 'ScaleByResolution', args: { fields: 'image' } }, 'ScaleByResolution: train.pre_transforms[3].args.target_resolution: expected number or array, got nothing'],
    [{ name: 'SymmetricPadderDiv', args: { fields: 'image', div_int: 16, divisor: 8 } }, 'SymmetricPadderDiv: train.pre_transforms[3].args.divisor: give div_int or divisor, not both (got 8)'],
    [{ name: 'SymmetricPadderDiv', args: { fields: 'image', div_int: 2.5 } }, 'SymmetricPadderDiv: train.pre_transforms[3].args.div_int: expected an integer or array, got 2.5'],
    [{ name: 'RandomZoom', args: { image_field: 'image', lower_limits: [1.2, 1, 1], upper_limits: [1.1, 1.1, 1.1] } }, 'RandomZoom: train.pre_transforms[3].args.upper_limits: expected >= lower_limits on every axis (got [1.1,1.1,1.1])'],
    [{ name: 'RandomRotate3D', args: { fields: 'image', angle_x: 200 } }, 'RandomRotate3D: train.pre_transforms[3].args.angle_x: expected a number <= 180, got 200'],
    [{ name: 'RandomRotate3D', args: { fields: 'image', angle_y: [20, 10] } }, 'RandomRotate3D: train.pre_transforms[3].args.angle_y: expected [min, max] with min <= max (got [20,10])'],
    [{ name: 'CropForeground', args: { fields: 'image' } }, 'CropForeground: train.pre_transforms[3].args.source_field: expected string, got nothing'],
    [{ name: 'RandomSpatialFlip', args: { fields: 3 } }, 'RandomSpatialFlip: train.pre_transforms[3].args.fields: expected string or array, got 3'],
  ];
  for (const [entry, message] of cases) {
    const e = assertVoxelpipeError(() => create(entry), 'ERR_CONFIG');
    assert.equal(e.message, message);
  }
});

test('args that only the image can check fail at apply time, naming the transform, arg and field', () => {
  const img2d = chainImage(new Float32Array(12), [4, 3]);
  const t = create({ name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, 1, 1] } });
  const e = assertVoxelpipeError(() => t.apply({ image: img2d }, ctxFor(1)), 'ERR_INVALID_ARGUMENT');
  assert.equal(e.message, 'ScaleByResolution: target_resolution has 3 values but field "image" has 2 spatial axes');
  const r3 = create({ name: 'RandomRotate3D', args: { fields: 'image', probability: 1 } });
  assertVoxelpipeError(() => r3.apply({ image: img2d }, ctxFor(1)), 'ERR_INVALID_ARGUMENT', ['RandomRotate3D', 'needs 3 spatial axes']);
  const z = create({ name: 'RandomZoom', args: { image_field: 'image', label_field: 'label' } });
  assertVoxelpipeError(() => z.apply({ image: img2d, label: chainImage(new Uint8Array(6), [3, 2]) }, ctxFor(1)), 'ERR_INVALID_ARGUMENT', [
    'RandomZoom: field "label" has spatial shape [3,2] but "image" has [4,3]',
  ]);
  const flat = chainImage(new Float32Array(12), [4, 3], { spacing: [0, 1] });
  const t2 = create({ name: 'ScaleByResolution', args: { fields: 'image', target_resolution: [1, 1] } });
  assertVoxelpipeError(() => t2.apply({ image: flat }, ctxFor(1)), 'ERR_INVALID_ARGUMENT', ['ScaleByResolution: field "image" has spacing [0,1]']);
  assertVoxelpipeError(() => t2.apply({ img: flat }, ctxFor(1)), 'ERR_INVALID_ARGUMENT', ['ScaleByResolution: field "image" should hold an image, found nothing (no such field)']);
  assertVoxelpipeError(() => t.apply({ image: 'img.nii.gz' }, ctxFor(1)), 'ERR_INVALID_ARGUMENT', ['ScaleByResolution: field "image"', 'not loaded yet']);
});
