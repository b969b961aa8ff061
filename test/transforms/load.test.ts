import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNifti } from '../../src/io/nifti/write.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain } from '../../src/transforms/chain.js';
import type { ChainImage, Sample } from '../../src/transforms/image.js';
import { closestCanonical, ioOrientation } from '../../src/transforms/load/canonical.js';
import { applyAffine, type Mat4 } from '../../src/volume/affine.js';
import { linearIndex } from '../../src/volume/volume.js';
import { FIXTURES, assertVoxelpipeError, close, tempDir } from '../helpers.js';
import { image } from './chain/helpers.js';

interface Expected {
  shape: number[];
  dtype: string;
  affine: number[][];
  probes: { index: number[]; value: number }[];
}
const DIR = join(FIXTURES, 'conformance', 'nifti');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')).files as Record<string, Expected>;
const KEY = { seed: 0, epoch: 0, index: 0 };
/** Fixtures whose affine points voxel axis 0 to the left (nibabel's aff2axcodes says LAS). */
const LAS = new Set(['u16_qform_qfac_neg.nii.gz', 'i32_no_codes.nii', 'u8_analyze.hdr']);

function load(sample: Sample, args: Record<string, unknown>, root?: string): Sample {
  return createChain([{ name: 'LoadNifti', args }], { registry: createDefaultRegistry(), root }).apply(sample, KEY);
}

function assertAffine(actual: Mat4, want: number[][], what: string): void {
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) assert.ok(close(actual[r][c], want[r][c], 1e-6, 1e-6), `${what} affine[${r}][${c}]: ${actual[r][c]} vs ${want[r][c]}`);
}

for (const [name, exp] of Object.entries(expected)) {
  test(`LoadNifti conformance: ${name} as nibabel reads it, channel axis added, as_closest_canonical as nibabel's`, () => {
    const img = load({ image: name }, { fields: 'image' }, DIR).image as ChainImage;
    const rank = Math.min(3, exp.shape.length);
    const channels = exp.shape.slice(rank).reduce((a, b) => a * b, 1);
    assert.deepEqual(img.shape, [...exp.shape.slice(0, rank), channels]);
    assert.equal(img.batched, false);
    assert.equal(img.meta.filename, join(DIR, name));
    assertAffine(img.affine, exp.affine, name);
    // Merging trailing axes into channels keeps memory order, so nibabel's indices address the same voxels.
    for (const p of exp.probes) assert.ok(close(img.data[linearIndex(exp.shape, p.index)], p.value, 1e-5, 1e-6), `${name} at [${p.index}]`);

    const can = load({ image: join(DIR, name) }, { fields: 'image', as_closest_canonical: true }).image as ChainImage;
    assert.deepEqual(can.shape, img.shape);
    if (!LAS.has(name)) {
      assert.deepEqual(can.data, img.data, 'already RAS: unchanged');
      assertAffine(can.affine, exp.affine, `${name} canonical`);
      return;
    }
    // nibabel: flip axis 0, affine = affine @ [[-1,0,0,n0-1],[0,1,0,0],[0,0,1,0],[0,0,0,1]].
    const n0 = exp.shape[0];
    const want = exp.affine.map((row) => [-row[0], row[1], row[2], row[3] + row[0] * (n0 - 1)]);
    assertAffine(can.affine, want, `${name} canonical`);
    for (const p of exp.probes) {
      const q = [n0 - 1 - p.index[0], ...p.index.slice(1)];
      assert.ok(close(can.data[linearIndex(exp.shape, q)], p.value, 1e-5, 1e-6), `${name} canonical at [${q}]`);
    }
  });
}

test('LoadNifti: dtype converts; without it the stored (or scaled) type is kept', () => {
  const raw = load({ image: join(DIR, 'u8_label.nii.gz') }, { fields: 'image' }).image as ChainImage;
  assert.ok(raw.data instanceof Uint8Array);
  const f = load({ image: join(DIR, 'u8_label.nii.gz') }, { fields: 'image', dtype: 'float32' }).image as ChainImage;
  assert.ok(f.data instanceof Float32Array);
  assert.deepEqual([...f.data], [...raw.data]);
  const scaled = load({ image: join(DIR, 'i16_qform_scaled.nii.gz') }, { fields: 'image' }).image as ChainImage;
  assert.ok(scaled.data instanceof Float32Array, 'scl_slope applied as nibabel get_fdata');
});

test('LoadNifti: a list of paths stacks into channels; shapes must agree', (t) => {
  const out = load({ image: ['i16_pair.hdr', 'i16_pair.hdr'], label: 'u8_label.nii.gz' }, { fields: ['image', 'label'] }, DIR);
  const img = out.image as ChainImage;
  assert.deepEqual(img.shape, [14, 12, 10, 2]);
  assert.deepEqual(img.meta.filenames, [join(DIR, 'i16_pair.hdr'), join(DIR, 'i16_pair.hdr')]);
  const n = 14 * 12 * 10;
  assert.deepEqual(img.data.subarray(0, n), img.data.subarray(n));
  assert.deepEqual((out.label as ChainImage).shape, [40, 32, 24, 1]);

  // Mixed types promote to float32.
  const dir = tempDir(t);
  const base = load({ image: 'u8_analyze.hdr' }, { fields: 'image' }, DIR).image as ChainImage;
  writeNifti(join(dir, 'f.nii'), { ...base, shape: [14, 12, 10], spacing: [1, 1, 1], data: Float32Array.from(base.data, (v) => v / 2), dtype: 'float32' });
  const mixed = load({ image: [join(DIR, 'u8_analyze.hdr'), 'f.nii'] }, { fields: 'image' }, dir).image as ChainImage;
  assert.ok(mixed.data instanceof Float32Array);
  assert.equal(mixed.data[n + 5], base.data[5] / 2);

  const e = assertVoxelpipeError(() => load({ image: ['u8_label.nii.gz', 'i8_small.nii'] }, { fields: 'image' }, DIR), 'ERR_INVALID_VOLUME');
  assert.equal(
    e.message,
    `transforms[0] LoadNifti (chain index 0) failed on sample 0 of epoch 0: LoadNifti: field "image": ${join(DIR, 'i8_small.nii')} has spatial shape [9,7,5], but ${join(DIR, 'u8_label.nii.gz')} has [40,32,24]; files stacked as channels must have the same shape [inputs: image ["u8_label.nii.gz","i8_small.nii"]]`,
  );
});

test('LoadNifti: a field without a path is one clear line', () => {
  const e = assertVoxelpipeError(() => load({ label: 'x.nii' }, { fields: ['image'] }), 'ERR_INVALID_ARGUMENT');
  assert.equal(
    e.message,
    'transforms[0] LoadNifti (chain index 0) failed on sample 0 of epoch 0: LoadNifti: field "image" should hold a file path or a list of paths, found nothing (no such field) [inputs: image missing]',
  );
  assertVoxelpipeError(() => load({ image: 3 }, { fields: 'image' }), 'ERR_INVALID_ARGUMENT', ['field "image" should hold a file path or a list of paths, found 3']);
  assertVoxelpipeError(() => load({ image: image([1, 2], [2, 1]) }, { fields: 'image' }), 'ERR_INVALID_ARGUMENT', [
    'LoadNifti: field "image" should hold a file path or a list of paths, found an image of shape [2,1] (loaded twice?) [inputs: image float32 [2,1]]',
  ]);
});

test('as_closest_canonical: axis swaps and flips keep every value at its world position', () => {
  const shape = [4, 3, 2];
  const n = 24;
  // Voxel axis 0 -> -S, axis 1 -> +R, axis 2 -> -A (plus a small rotation, still closest to those).
  const affine: Mat4 = [
    [0, 1.5, 0.05, 10],
    [0, 0, -3, 20],
    [-2, 0.02, 0, 30],
    [0, 0, 0, 1],
  ];
  assert.deepEqual(ioOrientation(affine), [
    { worldAxis: 2, flip: true },
    { worldAxis: 0, flip: false },
    { worldAxis: 1, flip: true },
  ]);
  const data = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) data[i] = i; // channel 1 holds n..2n-1
  const src = image(data, [...shape, 2], { affine, spacing: [2, 1.5, 3, 1] });
  const out = closestCanonical(src);
  assert.deepEqual(out.shape, [3, 2, 4, 2]);
  assert.deepEqual(out.spacing, [1.5, 3, 2, 1]);
  assert.deepEqual(out.meta.originalAffine, affine);
  for (let c = 0; c < 3; c++) assert.ok(out.affine[c][c] > 0, 'axes point R, A, S');
  for (let z = 0; z < 4; z++)
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++) {
        const v = out.data[linearIndex(out.shape, [x, y, z, 1])] - n;
        const i = [v % 4, Math.floor(v / 4) % 3, Math.floor(v / 12)];
        const a = applyAffine(out.affine, [x, y, z]);
        const b = applyAffine(affine, i);
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(a[k] - b[k]) < 1e-9, `voxel [${x},${y},${z}] world ${a} vs ${b}`);
      }
  assert.ok(src.data[0] === 0 && src.data[47] === 47, 'input untouched');
  const flat = image(new Float32Array(6), [3, 2, 1], { affine: [[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] });
  assertVoxelpipeError(() => closestCanonical(flat), 'ERR_INVALID_VOLUME', ['as_closest_canonical needs a 3D image, the image has spatial shape [3,2]']);
});
