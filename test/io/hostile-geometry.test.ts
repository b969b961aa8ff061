import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume, readVolumeHeader, writeNifti } from '../../src/io/index.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { ctSlice, dicomFile } from './dicom-writer.js';

// Issue 15: no reader hands a NaN or Inf affine (or spacing) onward.
// nibabel passes a non-finite sform/qform through to img.affine; voxelpipe
// falls back along nibabel's own order (sform, qform, pixdim) to the first
// finite one and says so in meta.affineFallback, and refuses a non-finite
// pixdim. The other formats refuse a non-finite geometry.

const AFFINE = [
  [2, 0, 0, -10],
  [0, 3, 0, 20],
  [0, 0, 4, 30],
  [0, 0, 0, 1],
];

function nii(dir: string, patch: (dv: DataView) => void, name = 'x.nii'): string {
  const f = join(dir, name);
  writeNifti(f, { data: new Int16Array(24), shape: [4, 3, 2], dtype: 'int16', spacing: [2, 3, 4], affine: AFFINE, meta: {} });
  const b = readFileSync(f);
  patch(new DataView(b.buffer, b.byteOffset, b.byteLength));
  writeFileSync(f, b);
  return f;
}

const finite = (m: number[][]) => m.every((r) => r.every(Number.isFinite));

test('nifti: a NaN in the sform falls back to the (finite) qform, and says so', (t) => {
  const dir = tempDir(t);
  const f = nii(dir, (dv) => dv.setFloat32(280, Number.NaN, true));
  const v = readVolume(f);
  assert.ok(finite(v.affine));
  v.affine.forEach((row, r) => row.forEach((x, c) => assert.ok(Math.abs(x - AFFINE[r][c]) < 1e-4, `affine[${r}][${c}] ${x}`)));
  assert.equal(v.meta.affineFallback, 'sform not finite, qform used');
  assert.deepEqual(readVolumeHeader(f).affine, v.affine);
});

test('nifti: NaN in the sform and an Inf qoffset fall back to the pixdim affine', (t) => {
  const dir = tempDir(t);
  const f = nii(dir, (dv) => {
    dv.setFloat32(280 + 16 + 4, Number.POSITIVE_INFINITY, true);
    dv.setFloat32(268, Number.POSITIVE_INFINITY, true);
  });
  const v = readVolume(f);
  assert.ok(finite(v.affine));
  assert.equal(v.meta.affineFallback, 'sform and qform not finite, pixdim used');
  assert.deepEqual(v.affine[0], [-2, 0, 0, 3]);
});

test('nifti: a non-finite pixdim of an axis is ERR_BAD_HEADER naming it', (t) => {
  const dir = tempDir(t);
  const f = nii(dir, (dv) => dv.setFloat32(76 + 8, Number.NaN, true));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_BAD_HEADER', [f, 'pixdim[2] is NaN, expected a finite voxel size']);
  // pixdim beyond the image's dimensions is not used: no error.
  const g = nii(dir, (dv) => dv.setFloat32(76 + 28, Number.NaN, true), 'y.nii');
  assert.ok(finite(readVolume(g).affine));
});

test('nrrd: directions whose length overflows to Inf are refused', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'inf.nrrd');
  writeFileSync(f, Buffer.concat([Buffer.from('NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\nspace: RAS\nspace directions: (1.5e308,1.5e308,0) (0,1,0) (0,0,1)\n\n'), Buffer.alloc(48)]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_BAD_HEADER', [f, 'voxel spacing Infinity along axis 0 is not finite']);
});

test('metaimage: spacing times direction overflowing to Inf is refused', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'inf.mha');
  writeFileSync(f, Buffer.concat([Buffer.from('ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementSpacing = 1e308 1 1\nTransformMatrix = 10 0 0 0 1 0 0 0 1\nElementType = MET_SHORT\nElementDataFile = LOCAL\n'), Buffer.alloc(48)]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_BAD_HEADER', [f, 'non-finite affine']);
});

test('dicom: PixelSpacing times ImageOrientationPatient overflowing to Inf is refused; an Inf position is no position', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'inf.dcm');
  writeFileSync(f, dicomFile(ctSlice([[0x0028, 0x0030, 'DS', '1e308\\1e308'], [0x0020, 0x0037, 'DS', '10\\0\\0\\0\\1\\0']])));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_BAD_HEADER', [f, 'non-finite affine']);
  const g = join(dir, 'infpos.dcm');
  writeFileSync(g, dicomFile(ctSlice([[0x0020, 0x0032, 'DS', 'Infinity\\0\\0']])));
  const v = readVolume(g);
  assert.ok(finite(v.affine));
  assert.deepEqual(v.affine.map((r) => r[3]), [0, 0, 0, 1]);
});
