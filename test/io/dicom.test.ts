import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomSeries, readVolume, readVolumeHeader } from '../../src/io/index.js';
import { linearIndex } from '../../src/volume/volume.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const SERIES = join(DIR, 'ct-series');

function assertAffineClose(a: number[][], b: number[][], tol: number, what: string) {
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(a[r][c] - b[r][c]) <= tol, `${what}[${r}][${c}]: ${a[r][c]} vs ${b[r][c]}`);
}

test('dicom: CT series folder matches the same volume written as NIfTI by nibabel (shape, affine, spacing, values)', () => {
  const s = readVolume(SERIES);
  const n = readVolume(join(DIR, 'ct-series.nii.gz'));
  assert.equal(s.meta.format, 'dicom-series');
  assert.equal(s.dtype, 'int16');
  assert.deepEqual(s.shape, [16, 12, 5]);
  assert.deepEqual(s.shape, n.shape);
  assertAffineClose(s.affine, n.affine, 1e-5, 'affine');
  s.spacing.forEach((x, i) => assert.ok(Math.abs(x - n.spacing[i]) < 1e-5, `spacing[${i}] ${x} vs ${n.spacing[i]}`));
  // Spacing between slices comes from the positions (2.5), not SliceThickness (3).
  assert.ok(Math.abs(s.spacing[2] - 2.5) < 1e-5);
  assert.ok(s.data instanceof Float32Array, 'RescaleIntercept applied');
  assert.equal(s.data.length, n.data.length);
  for (let i = 0; i < s.data.length; i++) if (s.data[i] !== n.data[i]) assert.fail(`voxel ${i}: ${s.data[i]} vs ${n.data[i]}`);
  const h = readVolumeHeader(SERIES);
  assert.deepEqual(h.shape, s.shape);
  assert.deepEqual(h.affine, s.affine);
  assert.equal(h.format, 'dicom-series');
});

test('dicom: deferred rescale keeps stored int16 values with slope/intercept in meta', () => {
  const v = readVolume(SERIES, { scaling: 'defer' });
  assert.ok(v.data instanceof Int16Array);
  assert.equal(v.meta.sclInter, -1024);
  assert.equal(v.meta.scalingDeferred, true);
});

test('dicom: an explicit list of files reads like the folder', () => {
  const files = readdirSync(SERIES).map((f) => join(SERIES, f));
  const a = readDicomSeries(files);
  const b = readVolume(SERIES);
  assert.deepEqual(a.affine, b.affine);
  assert.deepEqual(Array.from(a.data.subarray(0, 50)), Array.from(b.data.subarray(0, 50)));
});

test('dicom: every supported transfer syntax decodes to the same pixels (implicit, big endian, deflated, RLE, JPEG lossless, no preamble)', () => {
  const ref = readVolume(join(SERIES, 'img00.dcm'));
  assert.deepEqual(ref.shape, [16, 12], 'a single-frame file is a 2D image [columns, rows]');
  for (const name of ['ts-implicit.dcm', 'ts-bigendian.dcm', 'ts-deflated.dcm', 'ts-rle.dcm', 'ts-jpeg-lossless.dcm', 'bare-implicit.dcm', 'bare-explicit.dcm']) {
    const v = readVolume(join(DIR, name));
    assert.deepEqual(v.shape, ref.shape, name);
    assert.deepEqual(v.affine, ref.affine, name);
    assert.deepEqual(Array.from(v.data), Array.from(ref.data), name);
  }
  assert.equal(readVolume(join(DIR, 'ts-bigendian.dcm')).meta.byteOrder, 'big');
});

test('dicom: an unsupported transfer syntax is a one-line error naming it', () => {
  assertVoxelpipeError(() => readVolume(join(DIR, 'ts-jpegls.dcm')), 'ERR_UNSUPPORTED_DATATYPE', [
    'ts-jpegls.dcm',
    'transfer syntax 1.2.840.10008.1.2.4.80 (JPEG-LS Lossless) not supported',
  ]);
});

test('dicom: enhanced multi-frame file: frames sorted along the normal, shared functional groups, rescale, RLE', () => {
  const frames = readVolume(join(DIR, 'mf-enhanced-frames.npy')); // [frame, row, column] as stored
  for (const name of ['mf-enhanced.dcm', 'mf-enhanced-rle.dcm']) {
    const v = readVolume(join(DIR, name));
    assert.deepEqual(v.shape, [8, 6, 4], name);
    // IOP (0,1,0 / 0,0,-1), PixelSpacing 1.5\1.25, frames at x = 1, 4, 7, 10 stored in that order,
    // slice normal -x: so slice k is frame 3 - k. Worked out by hand, LPS -> RAS.
    assertAffineClose(v.affine, [[0, 0, 3, -10], [-1.25, 0, 0, 20], [0, -1.5, 0, 30], [0, 0, 0, 1]], 1e-9, name);
    assert.deepEqual(v.spacing, [1.25, 1.5, 3]);
    for (const [i, j, k] of [[0, 0, 0], [7, 5, 3], [3, 2, 1], [5, 1, 2]]) {
      const stored = frames.data[linearIndex(frames.shape, [3 - k, j, i])];
      assert.equal(v.data[linearIndex(v.shape, [i, j, k])], stored * 2 + 5, `${name} [${i},${j},${k}]`);
    }
  }
});

test('dicom: RGB (native and RLE) is planar [columns, rows, 3]; JPEG baseline is close to the original', () => {
  const rgb = readVolume(join(DIR, 'rgb8.npy')); // [row, column, sample]
  for (const name of ['rgb8.dcm', 'rgb8-rle.dcm']) {
    const v = readVolume(join(DIR, name));
    assert.deepEqual(v.shape, [14, 10, 3]);
    assert.equal(v.meta.channels, 3);
    for (let j = 0; j < 10; j++)
      for (let i = 0; i < 14; i++)
        for (let c = 0; c < 3; c++) assert.equal(v.data[linearIndex(v.shape, [i, j, c])], rgb.data[linearIndex(rgb.shape, [j, i, c])]);
  }
  // JPEG of RGB components (no YCbCr conversion, as PhotometricInterpretation RGB says) and of YBR_FULL 4:4:4.
  const ref = readVolume(join(DIR, 'rgb8.dcm'));
  for (const [name, tol] of [['rgb8-jpeg-rgb.dcm', 2], ['rgb8-jpeg-ybr.dcm', 6]] as const) {
    const v = readVolume(join(DIR, name));
    assert.deepEqual(v.shape, [14, 10, 3]);
    let w = 0;
    for (let i = 0; i < v.data.length; i++) w = Math.max(w, Math.abs(v.data[i] - ref.data[i]));
    assert.ok(w <= tol, `${name} differs by ${w}`);
  }
  const grey = readVolume(join(DIR, 'grey8.npy'));
  const jpg = readVolume(join(DIR, 'grey8-jpeg.dcm'));
  assert.deepEqual(jpg.shape, [14, 10]);
  let worst = 0;
  for (let j = 0; j < 10; j++) for (let i = 0; i < 14; i++) worst = Math.max(worst, Math.abs(jpg.data[i + 14 * j] - grey.data[linearIndex(grey.shape, [j, i])]));
  assert.ok(worst <= 12, `JPEG baseline q95 differs by ${worst}`);
});

test('dicom: missing slices, non-uniform spacing, duplicates and mixed series are reported, not merged', (t) => {
  const tmp = tempDir(t);
  const files = readdirSync(SERIES).sort();
  // Slices are k = 3,0,4,1,2 in img00..img04: dropping img04 (k = 2) leaves a gap of two steps.
  const missing = join(tmp, 'missing');
  mkdirSync(missing);
  for (const f of files.filter((f) => f !== 'img04.dcm')) copyFileSync(join(SERIES, f), join(missing, f));
  assertVoxelpipeError(() => readVolume(missing), 'ERR_INVALID_VOLUME', [missing, '1 missing slice(s): a gap of 5 mm (slice spacing 2.5 mm)']);

  assertVoxelpipeError(() => readVolume(join(DIR, 'nonuniform')), 'ERR_INVALID_VOLUME', ['non-uniform slice spacing: 1.5 mm between s1.dcm and s2.dcm, 1 mm elsewhere']);

  const dup = join(tmp, 'dup');
  mkdirSync(dup);
  copyFileSync(join(SERIES, 'img00.dcm'), join(dup, 'a.dcm'));
  copyFileSync(join(SERIES, 'img00.dcm'), join(dup, 'b.dcm'));
  assertVoxelpipeError(() => readVolume(dup), 'ERR_INVALID_VOLUME', ['a.dcm and b.dcm are at the same position']);

  const mixed = join(tmp, 'mixed');
  mkdirSync(mixed);
  for (const f of files) copyFileSync(join(SERIES, f), join(mixed, f));
  copyFileSync(join(DIR, 'mf-enhanced.dcm'), join(mixed, 'mr.dcm'));
  writeFileSync(join(mixed, 'notes.txt'), 'not DICOM, ignored');
  assertVoxelpipeError(() => readVolume(mixed), 'ERR_INVALID_VOLUME', ['holds 2 DICOM series, expected one', '1.2.826.0.1.3680043.9.7433.10 (5 files, CT)']);
  const picked = readVolume(mixed, { seriesInstanceUID: '1.2.826.0.1.3680043.9.7433.10' });
  assert.deepEqual(picked.shape, [16, 12, 5]);

  // A non-image DICOM object in the folder (here: a slice cut before its Pixel Data) is skipped.
  const withDoc = join(tmp, 'with-doc');
  mkdirSync(withDoc);
  for (const f of files) copyFileSync(join(SERIES, f), join(withDoc, f));
  const bytes = readFileSync(join(SERIES, 'img00.dcm'));
  writeFileSync(join(withDoc, 'report.dcm'), bytes.subarray(0, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]))));
  const v = readVolume(withDoc);
  assert.deepEqual(v.shape, [16, 12, 5]);
  assert.equal(v.meta.skippedFiles, 1);
  assertVoxelpipeError(() => readVolume(join(withDoc, 'report.dcm')), 'ERR_BAD_HEADER', ['report.dcm: DICOM file has no Pixel Data']);

  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  assertVoxelpipeError(() => readVolume(empty), 'ERR_UNKNOWN_FORMAT', ['folder holds no DICOM files']);
});

test('dicom: truncated, corrupt and absurd files give one-line errors naming the file', (t) => {
  const tmp = tempDir(t);
  const whole = readFileSync(join(SERIES, 'img00.dcm'));
  const cut = join(tmp, 'cut.dcm');
  writeFileSync(cut, whole.subarray(0, whole.length - 100));
  assertVoxelpipeError(() => readVolume(cut), 'ERR_TRUNCATED', [cut]);
  const cutHeader = join(tmp, 'cuthead.dcm');
  writeFileSync(cutHeader, whole.subarray(0, 300));
  const e = assertVoxelpipeError(() => readVolume(cutHeader), 'ERR_TRUNCATED', [cutHeader]);
  assert.ok(e.message.length < 300);

  // Rows/Columns patched to 65535: declares 8 GiB of pixels in a 1 KB file.
  const absurd = Buffer.from(whole);
  const rowsTag = Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]);
  const at = absurd.indexOf(rowsTag);
  assert.ok(at > 0);
  absurd.writeUInt16LE(65535, at + 8);
  absurd.writeUInt16LE(65535, at + 8 + 10); // Columns follows Rows
  const big = join(tmp, 'big.dcm');
  writeFileSync(big, absurd);
  assertVoxelpipeError(() => readVolume(big), 'ERR_TOO_LARGE', [big]);
  assertVoxelpipeError(() => readVolume(big, { maxBytes: 2 ** 40 }), 'ERR_TRUNCATED', [big, 'Pixel Data holds 384 bytes']);

  const garbage = Buffer.from(whole);
  garbage.fill(0xff, 140, 400);
  const bad = join(tmp, 'garbage.dcm');
  writeFileSync(bad, garbage);
  const g = (() => {
    try {
      readVolume(bad);
    } catch (err) {
      return err as Error & { code?: string };
    }
    return undefined;
  })();
  assert.ok(g && ['ERR_BAD_HEADER', 'ERR_TRUNCATED'].includes(g.code ?? ''), `garbage: ${g?.message}`);
  assert.ok(g!.message.startsWith(bad));
});

test('dicom: a series whose slices have different RescaleSlope is rescaled slice by slice (never deferred)', (t) => {
  const tmp = tempDir(t);
  const dir = join(tmp, 'slopes');
  mkdirSync(dir);
  for (const f of readdirSync(SERIES)) copyFileSync(join(SERIES, f), join(dir, f));
  // img00.dcm is slice k = 3: give it RescaleSlope 2 (the DS value "1.0 " patched in place).
  const b = readFileSync(join(dir, 'img00.dcm'));
  const tag = Buffer.from([0x28, 0x00, 0x53, 0x10, 0x44, 0x53, 0x04, 0x00, 0x31, 0x2e]);
  const at = b.indexOf(tag);
  assert.ok(at > 0, 'RescaleSlope element found');
  b[at + 8] = 0x32;
  writeFileSync(join(dir, 'img00.dcm'), b);
  const plain = readVolume(SERIES, { scaling: 'defer' });
  const v = readVolume(dir, { scaling: 'defer' });
  assert.ok(v.data instanceof Float32Array);
  assert.equal(v.meta.perSliceRescale, true);
  assert.notEqual(v.meta.scalingDeferred, true);
  const P = 16 * 12;
  for (const [i, k] of [[0, 3], [100, 3], [5, 0], [191, 4]]) {
    const stored = plain.data[k * P + i];
    assert.equal(v.data[k * P + i], stored * (k === 3 ? 2 : 1) - 1024, `slice ${k} voxel ${i}`);
  }
});
