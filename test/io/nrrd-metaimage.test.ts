import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { linearIndex } from '../../src/volume/volume.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { convertToNifti } from '../../src/cli/commands/convert.js';

/**
 * NRRD and MetaImage files written here from their specifications
 * (teem.sourceforge.net/nrrd/format.html, itk.org MetaIO), with the expected
 * RAS affines worked out by hand: LPS -> RAS negates the first two rows.
 */

const SHAPE = [4, 3, 2];
const N = 24;
/** Value at (i, j, k): distinct, signed. */
const val = (i: number, j: number, k: number) => i + 10 * j + 100 * k - 50;

function int16Bytes(bigEndian = false): Buffer {
  const b = Buffer.alloc(N * 2);
  for (let k = 0, o = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++, o += 2) bigEndian ? b.writeInt16BE(val(i, j, k), o) : b.writeInt16LE(val(i, j, k), o);
  return b;
}

function assertValues(v: { data: ArrayLike<number>; shape: number[] }, what: string) {
  assert.deepEqual(v.shape, SHAPE, what);
  for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) assert.equal(v.data[linearIndex(v.shape, [i, j, k])], val(i, j, k), `${what} [${i},${j},${k}]`);
}

function assertAffine(a: number[][], b: number[][], what: string) {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(a[r][c] - b[r][c]) < 1e-9, `${what} affine[${r}][${c}] ${a[r][c]} vs ${b[r][c]}`);
}

// Directions (LPS): axis 0 along (0.8, 0.6, 0) * 1.5, axis 1 along (-0.6, 0.8, 0) * 2, axis 2 along z * 3; origin (10, -20, 30).
const LPS_HEADER = 'space: left-posterior-superior\nspace directions: (1.2,0.9,0) (-1.2,1.6,0) (0,0,3)\nspace origin: (10,-20,30)\n';
const RAS_AFFINE = [
  [-1.2, 1.2, 0, -10],
  [-0.9, -1.6, 0, 20],
  [0, 0, 3, 30],
  [0, 0, 0, 1],
];

function nrrd(fields: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`NRRD0004\n# made by voxelpipe's tests\n${fields}\n`, 'latin1'), data]);
}

test('nrrd: raw attached int16, LPS space directions -> RAS affine', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'a.nrrd');
  writeFileSync(f, nrrd(`type: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\n${LPS_HEADER}key:=value\n`, int16Bytes()));
  const v = readVolume(f);
  assert.equal(v.meta.format, 'nrrd');
  assert.equal(v.dtype, 'int16');
  assertValues(v, 'raw');
  assertAffine(v.affine, RAS_AFFINE, 'raw');
  assert.deepEqual(v.spacing.map((s) => Number(s.toFixed(9))), [1.5, 2, 3]);
  assert.deepEqual(v.meta.keyValues, { key: 'value' });
  const h = readVolumeHeader(f);
  assert.deepEqual(h.shape, SHAPE);
  assertAffine(h.affine, RAS_AFFINE, 'header');
});

test('nrrd: gzip, big endian, detached .nhdr (raw and gzip data), ascii, RAS space', (t) => {
  const dir = tempDir(t);
  const fields = `type: int16\ndimension: 3\nsizes: 4 3 2\nendian: big\n${LPS_HEADER}`;
  writeFileSync(join(dir, 'gz.nrrd'), nrrd(`${fields}encoding: gzip\n`, gzipSync(int16Bytes(true))));
  assertValues(readVolume(join(dir, 'gz.nrrd')), 'gzip');
  writeFileSync(join(dir, 'd.nhdr'), `NRRD0004\n${fields}encoding: raw\ndata file: d.raw\n`);
  writeFileSync(join(dir, 'd.raw'), int16Bytes(true));
  const d = readVolume(join(dir, 'd.nhdr'));
  assertValues(d, 'detached');
  assert.equal(d.meta.format, 'nrrd-detached');
  assertAffine(d.affine, RAS_AFFINE, 'detached');
  writeFileSync(join(dir, 'dz.nhdr'), `NRRD0004\n${fields}encoding: gzip\ndata file: ./dz.raw.gz\n`);
  writeFileSync(join(dir, 'dz.raw.gz'), gzipSync(int16Bytes(true)));
  assertValues(readVolume(join(dir, 'dz.nhdr')), 'detached gzip');
  const text: string[] = [];
  for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) text.push([0, 1, 2, 3].map((i) => val(i, j, k)).join(' '));
  writeFileSync(join(dir, 'a.nrrd'), nrrd('type: int\ndimension: 3\nsizes: 4 3 2\nencoding: ascii\nspace: RAS\nspace directions: (2,0,0) (0,2,0) (0,0,2)\n', Buffer.from(text.join('\n'))));
  const a = readVolume(join(dir, 'a.nrrd'));
  assertValues(a, 'ascii');
  assert.equal(a.dtype, 'int32');
  assertAffine(a.affine, [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]], 'RAS space is kept');
});

test('nrrd: an interleaved RGB axis becomes a planar last axis; no space -> spacings in ITK LPS', (t) => {
  const dir = tempDir(t);
  const rgb = Buffer.alloc(4 * 3 * 3);
  for (let p = 0; p < 12; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = p + 100 * c;
  writeFileSync(join(dir, 'rgb.nrrd'), nrrd('type: uchar\ndimension: 3\nsizes: 3 4 3\nencoding: raw\nkinds: RGB-color domain domain\nspacings: NaN 2 3\n', rgb));
  const v = readVolume(join(dir, 'rgb.nrrd'));
  assert.deepEqual(v.shape, [4, 3, 3]);
  assert.equal(v.meta.channels, 3);
  for (let p = 0; p < 12; p++) for (let c = 0; c < 3; c++) assert.equal(v.data[c * 12 + p], p + 100 * c);
  assertAffine(v.affine, [[-2, 0, 0, 0], [0, -3, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 'spacings');
});

test('nrrd: truncated, corrupt and absurd files give one-line errors naming the file', (t) => {
  const dir = tempDir(t);
  const w = (name: string, b: Uint8Array | string) => {
    writeFileSync(join(dir, name), b);
    return join(dir, name);
  };
  const f = 'type: short\ndimension: 3\nsizes: 4 3 2\nendian: little\n';
  const cut = w('cut.nrrd', nrrd(`${f}encoding: raw\n`, int16Bytes().subarray(0, 40)));
  assertVoxelpipeError(() => readVolume(cut), 'ERR_TRUNCATED', [cut, 'NRRD data holds 40 bytes, the header declares 48']);
  const gz = gzipSync(int16Bytes());
  const gzcut = w('gzcut.nrrd', nrrd(`${f}encoding: gzip\n`, gz.subarray(0, gz.length - 12)));
  assertVoxelpipeError(() => readVolume(gzcut), 'ERR_TRUNCATED', [gzcut]);
  const huge = w('huge.nrrd', nrrd('type: double\ndimension: 3\nsizes: 100000 100000 1000\nendian: little\nencoding: raw\n', new Uint8Array(16)));
  assertVoxelpipeError(() => readVolume(huge), 'ERR_TOO_LARGE', [huge]);
  const bomb = w('bomb.nrrd', nrrd('type: uchar\ndimension: 3\nsizes: 1000 1000 100\nencoding: gzip\n', gzipSync(Buffer.alloc(10))));
  assertVoxelpipeError(() => readVolume(bomb), 'ERR_TRUNCATED', [bomb, 'more than']);
  const nosizes = w('nosizes.nrrd', nrrd('type: short\ndimension: 3\nendian: little\nencoding: raw\n', int16Bytes()));
  assertVoxelpipeError(() => readVolume(nosizes), 'ERR_BAD_HEADER', [nosizes, 'lacks the required "sizes" field']);
  const badtype = w('badtype.nrrd', nrrd('type: block\ndimension: 1\nsizes: 4\nencoding: raw\n', int16Bytes()));
  assertVoxelpipeError(() => readVolume(badtype), 'ERR_UNSUPPORTED_DATATYPE', [badtype, 'NRRD type "block" is not supported']);
  const bz = w('bz.nrrd', nrrd(`${f}encoding: bzip2\n`, int16Bytes()));
  assertVoxelpipeError(() => readVolume(bz), 'ERR_UNSUPPORTED_DATATYPE', [bz, 'encoding "bzip2"']);
  const nodata = w('nodata.nhdr', `NRRD0004\n${f}encoding: raw\ndata file: missing.raw\n`);
  assertVoxelpipeError(() => readVolume(nodata), 'ERR_FILE_NOT_FOUND', ['missing.raw']);
  const neg = w('neg.nrrd', nrrd('type: short\ndimension: 2\nsizes: 4 -3\nendian: little\nencoding: raw\n', int16Bytes()));
  assertVoxelpipeError(() => readVolume(neg), 'ERR_BAD_HEADER', [neg, 'must be positive integers']);
});

function mha(fields: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\n${fields}ElementDataFile = LOCAL\n`, 'latin1'), data]);
}
// ITK writes each axis's direction in turn: axis 0 (0.8, 0.6, 0), axis 1 (-0.6, 0.8, 0), axis 2 (0, 0, 1).
const MHA_GEOMETRY = 'TransformMatrix = 0.8 0.6 0 -0.6 0.8 0 0 0 1\nOffset = 10 -20 30\nElementSpacing = 1.5 2 3\n';

test('metaimage: .mha raw, zlib-compressed, MSB, .mhd + .raw: ITK geometry (LPS) -> RAS affine', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.mha'), mha(`BinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\n${MHA_GEOMETRY}ElementType = MET_SHORT\n`, int16Bytes()));
  const v = readVolume(join(dir, 'a.mha'));
  assert.equal(v.meta.format, 'metaimage');
  assertValues(v, 'mha');
  assertAffine(v.affine, RAS_AFFINE, 'mha');
  assert.deepEqual(v.spacing, [1.5, 2, 3]);
  assertAffine(readVolumeHeader(join(dir, 'a.mha')).affine, RAS_AFFINE, 'mha header');

  const z = deflateSync(int16Bytes(true));
  writeFileSync(join(dir, 'z.mha'), mha(`BinaryDataByteOrderMSB = True\nCompressedData = True\nCompressedDataSize = ${z.length}\n${MHA_GEOMETRY}ElementType = MET_SHORT\n`, z));
  assertValues(readVolume(join(dir, 'z.mha')), 'compressed MSB');

  writeFileSync(join(dir, 'b.mhd'), `ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\n${MHA_GEOMETRY}ElementType = MET_SHORT\nElementDataFile = b.raw\n`);
  writeFileSync(join(dir, 'b.raw'), int16Bytes());
  const d = readVolume(join(dir, 'b.mhd'));
  assertValues(d, 'mhd');
  assert.equal(d.meta.format, 'metaimage-detached');

  // No TransformMatrix: identity directions in LPS, as ITK reads it.
  writeFileSync(join(dir, 'c.mha'), mha('ElementSpacing = 2 2 2\nElementNumberOfChannels = 1\nElementType = MET_SHORT\n', int16Bytes()));
  assertAffine(readVolume(join(dir, 'c.mha')).affine, [[-2, 0, 0, 0], [0, -2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]], 'default');
});

test('metaimage: interleaved channels become a planar last axis', (t) => {
  const dir = tempDir(t);
  const b = Buffer.alloc(N * 2 * 4);
  for (let p = 0; p < N; p++) for (let c = 0; c < 2; c++) b.writeFloatLE(p + 0.5 * c, (p * 2 + c) * 4);
  writeFileSync(join(dir, 'v.mha'), mha('ElementNumberOfChannels = 2\nElementType = MET_FLOAT\n', b));
  const v = readVolume(join(dir, 'v.mha'));
  assert.deepEqual(v.shape, [4, 3, 2, 2]);
  assert.equal(v.data[N + 5], 5.5);
  assert.equal(v.data[5], 5);
});

test('metaimage: truncated, corrupt and absurd files give one-line errors naming the file', (t) => {
  const dir = tempDir(t);
  const w = (name: string, b: Uint8Array | string) => {
    writeFileSync(join(dir, name), b);
    return join(dir, name);
  };
  const cut = w('cut.mha', mha('ElementType = MET_SHORT\n', int16Bytes().subarray(0, 46)));
  assertVoxelpipeError(() => readVolume(cut), 'ERR_TRUNCATED', [cut, 'MetaImage data holds 46 bytes, the header declares 48']);
  const nodata = w('nodata.mha', 'ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n');
  assertVoxelpipeError(() => readVolume(nodata), 'ERR_TRUNCATED', [nodata, 'no ElementDataFile line']);
  const huge = w('huge.mha', Buffer.concat([Buffer.from('ObjectType = Image\nNDims = 3\nDimSize = 100000 100000 1000\nElementType = MET_DOUBLE\nElementDataFile = LOCAL\n'), Buffer.alloc(8)]));
  assertVoxelpipeError(() => readVolume(huge), 'ERR_TOO_LARGE', [huge]);
  const bomb = w('bomb.mha', mha('CompressedData = True\nElementType = MET_SHORT\n', Buffer.alloc(0)));
  assertVoxelpipeError(() => readVolume(bomb), 'ERR_TRUNCATED', [bomb]);
  const corrupt = w('corrupt.mha', mha('CompressedData = True\nElementType = MET_SHORT\n', Buffer.from('this is not zlib data at all')));
  assertVoxelpipeError(() => readVolume(corrupt), 'ERR_CORRUPT_GZIP', [corrupt]);
  const badtype = w('badtype.mha', mha('ElementType = MET_STRING\n', int16Bytes()));
  assertVoxelpipeError(() => readVolume(badtype), 'ERR_UNSUPPORTED_DATATYPE', [badtype, 'ElementType MET_STRING']);
  const baddims = w('baddims.mha', mha('ElementType = MET_SHORT\n', int16Bytes()).toString('latin1').replace('DimSize = 4 3 2', 'DimSize = 4 x 2'));
  assertVoxelpipeError(() => readVolume(baddims), 'ERR_BAD_HEADER', [baddims, 'DimSize = 4 x 2 is not 3 numbers']);
});

test('nrrd and metaimage: round trip through NIfTI keeps values, affine and spacing', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.nrrd'), nrrd(`type: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: gzip\n${LPS_HEADER}`, gzipSync(int16Bytes())));
  writeFileSync(join(dir, 'a.mha'), mha(`${MHA_GEOMETRY}ElementType = MET_SHORT\n`, int16Bytes()));
  for (const name of ['a.nrrd', 'a.mha']) {
    const out = join(dir, `${name}.nii.gz`);
    const src = convertToNifti(join(dir, name), out);
    const back = readVolume(out);
    assertValues(back, `${name} via NIfTI`);
    assert.equal(back.dtype, 'int16');
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(back.affine[r][c] - RAS_AFFINE[r][c]) < 1e-5, `${name} affine[${r}][${c}]`);
    back.spacing.forEach((x, i) => assert.ok(Math.abs(x - src.spacing[i]) < 1e-5, `${name} spacing[${i}]`));
  }
});
