import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { linearIndex } from '../../src/volume/volume.js';
import { volumeStats } from '../../src/volume/stats.js';
import { FIXTURES, close } from '../helpers.js';

/** Reference values written by nibabel 5.0 (see test/fixtures/conformance/README.md). */
interface Expected {
  note: string;
  shape: number[];
  dtype: string;
  byteorder: 'little' | 'big';
  spacing: number[];
  affine: number[][];
  stats: { min: number; max: number; mean: number; sum: number };
  probes: { index: number[]; value: number }[];
}

const DIR = join(FIXTURES, 'conformance', 'nifti');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')).files as Record<string, Expected>;

function assertClose(actual: number, want: number, rel: number, abs: number, what: string) {
  assert.ok(close(actual, want, rel, abs), `${what}: got ${actual}, nibabel says ${want}`);
}

for (const [name, exp] of Object.entries(expected)) {
  test(`conformance: ${name} (${exp.note})`, () => {
    const file = join(DIR, name);
    const v = readVolume(file);
    assert.deepEqual(v.shape, exp.shape, 'shape');
    assert.equal(v.dtype, exp.dtype, 'dtype');
    assert.equal(v.meta.byteOrder, exp.byteorder, 'byte order');
    assert.equal(v.spacing.length, exp.spacing.length, 'spacing length');
    exp.spacing.forEach((s, i) => assertClose(v.spacing[i], s, 1e-6, 0, `spacing[${i}]`));
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) assertClose(v.affine[r][c], exp.affine[r][c], 1e-6, 1e-6, `affine[${r}][${c}]`);
    const s = volumeStats(v);
    for (const k of ['min', 'max', 'mean', 'sum'] as const) assertClose(s[k], exp.stats[k], 1e-5, 1e-6, `stats.${k}`);
    for (const p of exp.probes)
      assertClose(v.data[linearIndex(v.shape, p.index)], p.value, 1e-5, 1e-6, `value at [${p.index}]`);

    // The header-only path agrees with the full read.
    const h = readVolumeHeader(file);
    assert.deepEqual(h.shape, v.shape);
    assert.deepEqual(h.affine, v.affine);
    assert.equal(h.dtype, v.dtype);
  });
}

test('conformance: deferred scaling gives the same statistics as applied scaling', () => {
  const file = join(DIR, 'i16_qform_scaled.nii.gz');
  const applied = readVolume(file);
  const deferred = readVolume(file, { scaling: 'defer' });
  assert.ok(deferred.data instanceof Int16Array, 'deferred keeps the stored int16 values');
  assert.ok(applied.data instanceof Float32Array, 'applied scaling of int16 gives float32');
  assert.equal(deferred.meta.scalingDeferred, true);
  const a = volumeStats(applied);
  const d = volumeStats(deferred);
  for (const k of ['min', 'max', 'mean', 'sum'] as const) assertClose(d[k], a[k], 1e-9, 1e-9, k);
});
