import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseNiftiHeader, qformAffine, readNifti, readVolume, writeNifti } from '../../src/io/index.js';
import { DTypes, DTYPE_INFO, allocArray, type DType } from '../../src/volume/dtype.js';
import { identity4, type Mat4 } from '../../src/volume/affine.js';
import type { Volume } from '../../src/volume/volume.js';
import { assertVoxelpipeError, close, tempDir } from '../helpers.js';

/** A rotated, anisotropic, left-handed affine: exercises qform quaternion + qfac. */
function obliqueAffine(): Mat4 {
  const a = (20 * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  return [
    [c * 0.8, -s * 0.9, 0, -40.5],
    [s * 0.8, c * 0.9, 0, 12.25],
    [0, 0, -2.5, 7],
    [0, 0, 0, 1],
  ];
}

/** Values spanning the dtype's range, deterministic. */
function sampleVolume(dtype: DType): Volume {
  const info = DTYPE_INFO[dtype];
  const spatial = [7, 5, 3];
  const shape = info.channels > 1 ? [...spatial, info.channels] : spatial;
  const n = shape.reduce((a, b) => a * b);
  const data = allocArray(info.arrayDType, n);
  const ranges: Record<string, [number, number]> = {
    uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1], int64: [-(2 ** 53), 2 ** 53], uint64: [0, 2 ** 53], float32: [-1e6, 1e6], float64: [-1e300, 1e300],
    rgb24: [0, 255], rgba32: [0, 255],
  };
  const [lo, hi] = ranges[dtype];
  for (let i = 0; i < n; i++) {
    const t = ((i * 7919) % n) / (n - 1);
    const v = lo + (hi - lo) * t;
    data[i] = info.integer ? Math.round(v) : v;
  }
  data[0] = lo;
  data[n - 1] = hi;
  return { data, shape, dtype, spacing: info.channels > 1 ? [0.8, 0.9, 2.5, 1] : [0.8, 0.9, 2.5], affine: obliqueAffine(), meta: { description: `round trip ${dtype}` } };
}

for (const dtype of DTypes) {
  for (const ext of ['.nii', '.nii.gz']) {
    test(`write/read round trip: ${dtype} ${ext}`, (t) => {
      const dir = tempDir(t);
      const file = join(dir, `v${ext}`);
      const v = sampleVolume(dtype);
      writeNifti(file, v, { dtype });
      const back = readVolume(file);
      assert.equal(back.dtype, dtype);
      assert.deepEqual(back.shape, v.shape);
      assert.equal(back.meta.description, `round trip ${dtype}`);
      assert.equal(back.data.length, v.data.length);
      for (let i = 0; i < v.data.length; i++)
        if (dtype === 'float32') assert.equal(back.data[i], Math.fround(v.data[i]));
        else assert.equal(back.data[i], v.data[i], `voxel ${i}`);
      // sform is written exactly (as float32), qform as the nearest rigid + zooms + qfac.
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 4; c++) assert.ok(close(back.affine[r][c], v.affine[r][c], 1e-6, 1e-6), `affine[${r}][${c}]`);
      [0.8, 0.9, 2.5].forEach((s, i) => assert.ok(close(back.spacing[i], s, 1e-6, 0), `spacing ${i}`));
      const raw = readFileSync(file);
      const header = parseNiftiHeader(ext === '.nii' ? raw : gunzipSync(raw), file);
      const q = qformAffine(header);
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 4; c++) assert.ok(close(q[r][c], v.affine[r][c], 1e-5, 1e-5), `qform[${r}][${c}] = ${q[r][c]} vs ${v.affine[r][c]}`);
      assert.ok(header.qformCode > 0 && header.sformCode > 0);
    });
  }
}

test('writing with scaling stores integers that read back as the values', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'scaled.nii.gz');
  const data = new Float32Array(60).map((_, i) => -3 + 0.5 * i);
  writeNifti(file, { data, shape: [5, 4, 3], dtype: 'float32', spacing: [1, 1, 1], affine: identity4(), meta: {} }, { dtype: 'int16', slope: 0.5, inter: -3 });
  const raw = readNifti(file, { scaling: 'defer' });
  assert.ok(raw.data instanceof Int16Array);
  assert.deepEqual([...raw.data.slice(0, 4)], [0, 1, 2, 3]);
  const back = readNifti(file);
  assert.deepEqual([...back.data], [...data]);
  // A volume read with deferred scaling is written back with the same stored values and scaling.
  const again = join(dir, 'again.nii');
  writeNifti(again, raw);
  const back2 = readNifti(again);
  assert.deepEqual([...back2.data], [...data]);
  assert.equal(back2.meta.sclSlope, 0.5);
});

test('4D volume keeps TR and time units', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'fmri.nii');
  const data = new Float32Array(4 * 3 * 2 * 5).map((_, i) => i / 7);
  writeNifti(file, { data, shape: [4, 3, 2, 5], dtype: 'float32', spacing: [2, 2, 3, 1.5], affine: [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]], meta: {} });
  const back = readVolume(file);
  assert.deepEqual(back.shape, [4, 3, 2, 5]);
  assert.deepEqual(back.spacing, [2, 2, 3, 1.5]);
  assert.equal(back.meta.repetitionTime, 1.5);
  assert.equal(back.meta.temporalUnits, 's');
  assert.equal(back.meta.spatialUnits, 'mm');
});

test('writes are atomic: no temporary file is left, and a failed write leaves nothing', (t) => {
  const dir = tempDir(t);
  const v = sampleVolume('int16');
  writeNifti(join(dir, 'a.nii.gz'), v);
  assert.deepEqual(readdirSync(dir), ['a.nii.gz']);
  const missing = join(dir, 'no', 'such', 'dir', 'b.nii');
  assertVoxelpipeError(() => writeNifti(missing, v), 'ERR_FILE_WRITE', [missing]);
  assert.deepEqual(readdirSync(dir), ['a.nii.gz']);
});

test('writing an inconsistent volume is refused with a clear message', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'bad.nii');
  const v = { ...sampleVolume('int16'), shape: [7, 5, 4] };
  assertVoxelpipeError(() => writeNifti(f, v), 'ERR_INVALID_VOLUME', [f, 'shape [7,5,4] does not match its 105 voxels']);
  const cube: Volume = { data: new Float32Array(64), shape: [4, 4, 4], dtype: 'float32', spacing: [1, 1, 1], affine: identity4(), meta: {} };
  assertVoxelpipeError(() => writeNifti(f, cube, { dtype: 'rgb24' }), 'ERR_INVALID_ARGUMENT', [f, 'rgb24 needs a last axis of 3 channels']);
  assert.deepEqual(readdirSync(dir), []);
});
