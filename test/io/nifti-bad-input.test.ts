import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readNifti, readNiftiHeader, readVolume, readVolumeHeader, writeNifti } from '../../src/io/index.js';
import { identity4 } from '../../src/volume/affine.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

const NIFTI = join(FIXTURES, 'conformance', 'nifti');

/** A small valid little-endian .nii (int16, 8x6x4) to corrupt. */
function validNii(dir: string, name = 'ok.nii'): { file: string; bytes: Buffer } {
  const file = join(dir, name);
  const data = new Int16Array(8 * 6 * 4).map((_, i) => i - 50);
  writeNifti(file, { data, shape: [8, 6, 4], dtype: 'int16', spacing: [1, 1, 1], affine: identity4(), meta: {} });
  return { file, bytes: readFileSync(file) };
}

function withBytes(dir: string, name: string, bytes: Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

/** Patches a little-endian header field of a copy of `bytes`. */
function patch(bytes: Buffer, fn: (dv: DataView) => void): Buffer {
  const copy = Buffer.from(bytes);
  fn(new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return copy;
}

test('bad input: missing file', () => {
  assertVoxelpipeError(() => readVolume('/nonexistent/x.nii.gz'), 'ERR_FILE_NOT_FOUND', ['/nonexistent/x.nii.gz', 'no such file']);
});

test('bad input: a directory', (t) => {
  const dir = tempDir(t);
  assertVoxelpipeError(() => readNifti(dir), 'ERR_FILE_READ', [dir, 'is a directory']);
  // readVolume takes a folder as a DICOM series.
  assertVoxelpipeError(() => readVolume(dir), 'ERR_UNKNOWN_FORMAT', [dir, 'folder holds no DICOM files']);
});

test('bad input: empty file', (t) => {
  const dir = tempDir(t);
  const f = withBytes(dir, 'empty.nii', new Uint8Array(0));
  assertVoxelpipeError(() => readVolume(f), 'ERR_EMPTY_FILE', [f, 'file is empty']);
  assertVoxelpipeError(() => readNifti(f), 'ERR_EMPTY_FILE', [f]);
});

test('bad input: random bytes, plain and gzipped', (t) => {
  const dir = tempDir(t);
  const noise = new Uint8Array(5000).map((_, i) => (i * 2654435761) >>> 24);
  const f = withBytes(dir, 'noise.nii', noise);
  assertVoxelpipeError(() => readVolume(f), 'ERR_UNKNOWN_FORMAT', [f, 'not a recognised image file: expected NIfTI (.nii, .nii.gz, .hdr/.img), DICOM, NRRD']);
  assertVoxelpipeError(() => readNifti(f), 'ERR_BAD_HEADER', [f, 'sizeof_hdr']);
  const g = withBytes(dir, 'noise.nii.gz', gzipSync(noise));
  assertVoxelpipeError(() => readVolume(g), 'ERR_UNKNOWN_FORMAT', [g, '(inside gzip)']);
});

test('bad input: wrong sizeof_hdr', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const f = withBytes(dir, 'sizeof.nii', patch(bytes, (dv) => dv.setInt32(0, 349, true)));
  assertVoxelpipeError(() => readNifti(f), 'ERR_BAD_HEADER', [f, 'sizeof_hdr is 349, expected 348 (NIfTI-1/Analyze) or 540 (NIfTI-2)']);
  assertVoxelpipeError(() => readVolume(f), 'ERR_UNKNOWN_FORMAT', [f]);
});

test('bad input: file truncated inside the header', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const f = withBytes(dir, 'short.nii', bytes.subarray(0, 200));
  assertVoxelpipeError(() => readNifti(f), 'ERR_TRUNCATED', [f, 'inside its 348-byte header']);
});

test('bad input: file truncated inside the voxel data', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const f = withBytes(dir, 'trunc.nii', bytes.subarray(0, bytes.length - 10));
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'declares 384 bytes of voxel data at offset 352, but the file holds only 726 bytes']);
  assertVoxelpipeError(() => readVolumeHeader(f), 'ERR_TRUNCATED', [f]);
});

test('bad input: truncated gzip stream', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const gz = gzipSync(bytes);
  const f = withBytes(dir, 'trunc.nii.gz', gz.subarray(0, gz.length - 30));
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'gzip stream ends early']);
});

test('bad input: corrupt gzip stream and bad CRC', (t) => {
  const dir = tempDir(t);
  const src = join(NIFTI, 'i16_qform_scaled.nii.gz');
  const gz = readFileSync(src);
  const body = Buffer.from(gz);
  for (let i = 200; i < 260; i++) body[i] ^= 0x5a;
  const f = withBytes(dir, 'corrupt.nii.gz', body);
  assertVoxelpipeError(() => readVolume(f), 'ERR_CORRUPT_GZIP', [f, 'corrupt gzip stream']);
  const crc = Buffer.from(gz);
  crc[crc.length - 8] ^= 0xff; // CRC32 of the trailer
  const g = withBytes(dir, 'crc.nii.gz', crc);
  assertVoxelpipeError(() => readVolume(g), 'ERR_CORRUPT_GZIP', [g, 'incorrect data check']);
});

test('bad input: header claims more voxels than the file holds', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const f = withBytes(dir, 'claims.nii', patch(bytes, (dv) => dv.setInt16(46, 4000, true)));
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'declares 384000 bytes']);
  // Gzipped, the bound is what deflate can expand to (~1032:1).
  const g = withBytes(dir, 'claims.nii.gz', gzipSync(patch(bytes, (dv) => { dv.setInt16(42, 3000, true); dv.setInt16(44, 3000, true); dv.setInt16(46, 20, true); })));
  assertVoxelpipeError(() => readVolume(g), 'ERR_TRUNCATED', [g, 'more than this', 'gzip file can hold']);
});

test('bad input: header claims more than the byte limit (2^40 bytes)', (t) => {
  const dir = tempDir(t);
  // NIfTI-2 with 64-bit dims: 2^37 float64 voxels = 2^40 bytes.
  const n2 = readFileSync(join(NIFTI, 'i16_nifti2.nii.gz'));
  const raw = Buffer.from(gunzipSync(n2));
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  dv.setBigInt64(24, 2n ** 17n, true);
  dv.setBigInt64(32, 2n ** 10n, true);
  dv.setBigInt64(40, 2n ** 10n, true);
  dv.setInt16(12, 64, true);
  const f = withBytes(dir, 'huge.nii', raw);
  const before = process.memoryUsage().arrayBuffers;
  assertVoxelpipeError(() => readVolume(f), 'ERR_TOO_LARGE', [f, '1.00 TiB', 'over the 4.00 GiB limit']);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'nothing big was allocated');
  assertVoxelpipeError(() => readVolume(f, { maxBytes: 1000 }), 'ERR_TOO_LARGE', [f]);
});

test('bad input: zero, negative and too many dims', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const zero = withBytes(dir, 'zero.nii', patch(bytes, (dv) => dv.setInt16(44, 0, true)));
  assertVoxelpipeError(() => readVolume(zero), 'ERR_BAD_HEADER', [zero, 'dim[2] is 0, expected a positive size']);
  const neg = withBytes(dir, 'neg.nii', patch(bytes, (dv) => dv.setInt16(42, -8, true)));
  assertVoxelpipeError(() => readVolume(neg), 'ERR_BAD_HEADER', [neg, 'dim[1] is -8']);
  const many = withBytes(dir, 'many.nii', patch(bytes, (dv) => dv.setInt16(40, 9, true)));
  assertVoxelpipeError(() => readVolume(many), 'ERR_BAD_HEADER', [many, 'dim[0] is 9, expected 1 to 7 dimensions']);
  const none = withBytes(dir, 'none.nii', patch(bytes, (dv) => dv.setInt16(40, 0, true)));
  assertVoxelpipeError(() => readVolume(none), 'ERR_BAD_HEADER', [none, 'dim[0] is 0']);
});

test('bad input: unknown and complex datatypes', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const unk = withBytes(dir, 'unk.nii', patch(bytes, (dv) => dv.setInt16(70, 9999, true)));
  assertVoxelpipeError(() => readVolume(unk), 'ERR_UNSUPPORTED_DATATYPE', [unk, 'unsupported datatype 9999']);
  const cpx = withBytes(dir, 'cpx.nii', patch(bytes, (dv) => dv.setInt16(70, 32, true)));
  assertVoxelpipeError(() => readVolume(cpx), 'ERR_UNSUPPORTED_DATATYPE', [cpx, 'unsupported datatype 32 (complex64)']);
});

test('bad input: vox_offset past the end, inside the header, or not a number', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const past = withBytes(dir, 'past.nii', patch(bytes, (dv) => dv.setFloat32(108, 100000, true)));
  assertVoxelpipeError(() => readVolume(past), 'ERR_BAD_HEADER', [past, 'vox_offset 100000 is past the end of the file (736 bytes)']);
  const inside = withBytes(dir, 'inside.nii', patch(bytes, (dv) => dv.setFloat32(108, 100, true)));
  assertVoxelpipeError(() => readVolume(inside), 'ERR_BAD_HEADER', [inside, 'vox_offset 100 lies inside the 348-byte header']);
  const nan = withBytes(dir, 'nan.nii', patch(bytes, (dv) => dv.setFloat32(108, NaN, true)));
  assertVoxelpipeError(() => readVolume(nan), 'ERR_BAD_HEADER', [nan, 'vox_offset is NaN']);
  const gz = withBytes(dir, 'past.nii.gz', gzipSync(patch(bytes, (dv) => dv.setFloat32(108, 720, true))));
  assertVoxelpipeError(() => readVolume(gz), 'ERR_TRUNCATED', [gz]);
});

test('bad input: finite slope with a non-finite intercept', (t) => {
  const dir = tempDir(t);
  const { bytes } = validNii(dir);
  const f = withBytes(dir, 'inter.nii', patch(bytes, (dv) => { dv.setFloat32(112, 2, true); dv.setFloat32(116, Infinity, true); }));
  assertVoxelpipeError(() => readVolume(f), 'ERR_BAD_HEADER', [f, 'scl_slope is 2 but scl_inter is Infinity']);
});

test('bad input: a NIfTI pair whose .img is missing or short', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'pair'));
  const hdr = join(dir, 'pair', 'i16_pair.hdr');
  copyFileSync(join(NIFTI, 'i16_pair.hdr'), hdr);
  assertVoxelpipeError(() => readVolume(hdr), 'ERR_FILE_NOT_FOUND', [join(dir, 'pair', 'i16_pair.img')]);
  assertVoxelpipeError(() => readNiftiHeader(hdr), 'ERR_FILE_NOT_FOUND', [join(dir, 'pair', 'i16_pair.img')]);
  writeFileSync(join(dir, 'pair', 'i16_pair.img'), readFileSync(join(NIFTI, 'i16_pair.img')).subarray(0, 100));
  assertVoxelpipeError(() => readVolume(hdr), 'ERR_TRUNCATED', [join(dir, 'pair', 'i16_pair.img'), 'holds only 100 bytes']);
});
