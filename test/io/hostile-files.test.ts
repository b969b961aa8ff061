import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { readVolume, readVolumeHeader, writeNifti } from '../../src/io/index.js';
import { identity4 } from '../../src/volume/affine.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

// Issue 15: files that a header points at (MetaImage ElementDataFile, NRRD
// "data file", the .img of a NIfTI pair) must be regular files, sized before
// they are read, and errors about them name the header first.

const MHD = (dataFile: string, extra = '') => `ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n${extra}ElementDataFile = ${dataFile}\n`;
const NHDR = (dataFile: string, encoding = 'raw') => `NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: ${encoding}\ndata file: ${dataFile}\n`;

/** A NIfTI-1 pair `name.hdr` (+ `name.img` unless `img` is false): a .nii's header with magic "ni1" and vox_offset 0. */
function writePair(dir: string, name: string, img = true): string {
  const nii = join(dir, `${name}.nii`);
  writeNifti(nii, { data: new Int16Array(24), shape: [4, 3, 2], dtype: 'int16', spacing: [1, 1, 1], affine: identity4(), meta: {} });
  const b = readFileSync(nii);
  const hdr = Buffer.from(b.subarray(0, 348));
  hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  writeFileSync(join(dir, `${name}.hdr`), hdr);
  if (img) writeFileSync(join(dir, `${name}.img`), b.subarray(352));
  return join(dir, `${name}.hdr`);
}

function mkfifo(path: string): boolean {
  try {
    execFileSync('mkfifo', [path]);
    return true;
  } catch {
    return false;
  }
}

for (const [what, target] of [
  ['/dev/zero', '/dev/zero'],
  ['/dev/urandom', '/dev/urandom'],
] as const) {
  test(`detached data file ${what}: refused as not a regular file, naming the header first`, (t) => {
    const dir = tempDir(t);
    const mhd = join(dir, 'a.mhd');
    writeFileSync(mhd, MHD(target));
    for (const read of [readVolume, readVolumeHeader])
      assertVoxelpipeError(() => read(mhd), 'ERR_FILE_READ', [new RegExp(`^${mhd}: ElementDataFile ${target}: is a character device, expected a regular file`)]);
    const nhdr = join(dir, 'a.nhdr');
    writeFileSync(nhdr, NHDR(target));
    for (const read of [readVolume, readVolumeHeader])
      assertVoxelpipeError(() => read(nhdr), 'ERR_FILE_READ', [new RegExp(`^${nhdr}: data file ${target}: is a character device`)]);
    // A NIfTI pair whose .img is a link to it.
    writePair(dir, 'p', false);
    const img = join(dir, 'p.img');
    symlinkSync(target, img);
    for (const read of [readVolume, readVolumeHeader])
      assertVoxelpipeError(() => read(join(dir, 'p.hdr')), 'ERR_FILE_READ', [new RegExp(`^${join(dir, 'p.hdr')}: image file ${img}: is a character device`)]);
  });
}

test('a data file that is a FIFO is refused without blocking on it', (t) => {
  const dir = tempDir(t);
  if (!mkfifo(join(dir, 'pipe.raw'))) return t.skip('mkfifo is not available');
  const mhd = join(dir, 'f.mhd');
  writeFileSync(mhd, MHD('pipe.raw'));
  assertVoxelpipeError(() => readVolume(mhd), 'ERR_FILE_READ', [`${mhd}: ElementDataFile ${join(dir, 'pipe.raw')}: is a FIFO`]);
  // And an image given directly as a FIFO.
  assertVoxelpipeError(() => readVolume(join(dir, 'pipe.raw')), 'ERR_FILE_READ', ['is a FIFO, expected a regular file']);
});

test('a missing or directory data file: the error names the header first, then the data file', (t) => {
  const dir = tempDir(t);
  const mhd = join(dir, 'm.mhd');
  writeFileSync(mhd, MHD('gone.raw'));
  assertVoxelpipeError(() => readVolume(mhd), 'ERR_FILE_NOT_FOUND', [new RegExp(`^${mhd}: ElementDataFile ${join(dir, 'gone.raw')}: no such file`)]);
  assertVoxelpipeError(() => readVolumeHeader(mhd), 'ERR_FILE_NOT_FOUND', [new RegExp(`^${mhd}: ElementDataFile`)]);
  mkdirSync(join(dir, 'dir.raw'));
  const mhd2 = join(dir, 'd.mhd');
  writeFileSync(mhd2, MHD('dir.raw'));
  assertVoxelpipeError(() => readVolume(mhd2), 'ERR_FILE_READ', [new RegExp(`^${mhd2}: ElementDataFile ${join(dir, 'dir.raw')}: is a directory`)]);
  const nhdr = join(dir, 'n.nhdr');
  writeFileSync(nhdr, NHDR('gone.raw'));
  assertVoxelpipeError(() => readVolume(nhdr), 'ERR_FILE_NOT_FOUND', [new RegExp(`^${nhdr}: data file ${join(dir, 'gone.raw')}: no such file`)]);
  const hdr = writePair(dir, 'x', false);
  assertVoxelpipeError(() => readVolume(hdr), 'ERR_FILE_NOT_FOUND', [new RegExp(`^${hdr}: image file ${join(dir, 'x.img')}: no such file`)]);
  assertVoxelpipeError(() => readVolumeHeader(hdr), 'ERR_FILE_NOT_FOUND', [new RegExp(`^${hdr}: image file`)]);
});

test('a short or corrupt detached data file: the error names the header first', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'short.raw'), Buffer.alloc(10));
  const mhd = join(dir, 's.mhd');
  writeFileSync(mhd, MHD('short.raw'));
  for (const read of [readVolume, readVolumeHeader])
    assertVoxelpipeError(() => read(mhd), 'ERR_TRUNCATED', [new RegExp(`^${mhd}: ElementDataFile ${join(dir, 'short.raw')}: MetaImage data holds 10 bytes, the header declares 48`)]);
  const nhdr = join(dir, 's.nhdr');
  writeFileSync(nhdr, NHDR('short.raw'));
  for (const read of [readVolume, readVolumeHeader])
    assertVoxelpipeError(() => read(nhdr), 'ERR_TRUNCATED', [new RegExp(`^${nhdr}: data file ${join(dir, 'short.raw')}: NRRD data holds 10 bytes`)]);
  writeFileSync(join(dir, 'bad.zraw'), Buffer.from('not zlib at all, not at all'));
  const z = join(dir, 'z.mhd');
  writeFileSync(z, MHD('bad.zraw', 'CompressedData = True\n'));
  assertVoxelpipeError(() => readVolume(z), 'ERR_CORRUPT_GZIP', [new RegExp(`^${z}: ElementDataFile ${join(dir, 'bad.zraw')}: `)]);
});

test('metaimage: a header without DimSize is ERR_BAD_HEADER, not a TypeError', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'nodim.mha');
  writeFileSync(f, Buffer.concat([Buffer.from('ObjectType = Image\nNDims = 3\nElementType = MET_SHORT\nElementDataFile = LOCAL\n'), Buffer.alloc(48)]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_BAD_HEADER', [f, 'MetaImage header lacks DimSize']);
});

test('metaimage: a header line with a long run of spaces is parsed in linear time', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'spaces.mha');
  // 200 KB of spaces then a letter: a lazy "(.*?)\s*$" took quadratic time on it.
  writeFileSync(f, Buffer.concat([Buffer.from(`ObjectType = Image\nComment = ${' '.repeat(200_000)}x\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\nElementDataFile = LOCAL\n`), Buffer.alloc(48)]));
  assert.deepEqual(readVolume(f).shape, [4, 3, 2]);
});

test('readVolumeHeader agrees with readVolume on declared sizes the data cannot hold (NRRD, MetaImage, NumPy)', (t) => {
  const dir = tempDir(t);
  const mha = join(dir, 'big.mha');
  writeFileSync(mha, Buffer.concat([Buffer.from(MHD('LOCAL').replace('4 3 2', '4000 3000 20')), Buffer.alloc(48)]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(mha), 'ERR_TRUNCATED', [mha, 'MetaImage data holds 48 bytes']);
  const mhz = join(dir, 'bigz.mha');
  writeFileSync(mhz, Buffer.concat([Buffer.from(MHD('LOCAL', 'CompressedData = True\n').replace('4 3 2', '4000 3000 20')), deflateSync(Buffer.alloc(48))]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(mhz), 'ERR_TRUNCATED', [mhz, 'compressed bytes can hold']);
  const nrrd = join(dir, 'big.nrrd');
  writeFileSync(nrrd, Buffer.concat([Buffer.from('NRRD0004\ntype: short\ndimension: 3\nsizes: 4000 3000 20\nendian: little\nencoding: gzip\n\n'), deflateSync(Buffer.alloc(48))]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(nrrd), 'ERR_TRUNCATED', [nrrd, 'compressed bytes can hold']);
  const ascii = join(dir, 'big-ascii.nrrd');
  writeFileSync(ascii, 'NRRD0004\ntype: short\ndimension: 3\nsizes: 4000 3000 20\nencoding: ascii\n\n1 2 3\n');
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(ascii), 'ERR_TRUNCATED', [ascii, 'cannot hold the 240000000 values']);
  const npy = join(dir, 'big.npy');
  const header = "{'descr': '<i2', 'fortran_order': False, 'shape': (4000, 3000, 20), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const text = header + ' '.repeat(pad) + '\n';
  const h = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(h);
  h.writeUInt16LE(text.length, 8);
  writeFileSync(npy, Buffer.concat([h, Buffer.from(text, 'latin1'), Buffer.alloc(48)]));
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(npy), 'ERR_TRUNCATED', [npy]);
});

test('nrrd: a negative or fractional "byte skip" / "line skip" is ERR_BAD_HEADER', (t) => {
  const dir = tempDir(t);
  for (const [field, value] of [
    ['byte skip', '-5'],
    ['byte skip', '2.5'],
    ['line skip', '-1'],
    ['line skip', 'many'],
  ]) {
    const f = join(dir, `skip${field.length}${value}.nrrd`);
    writeFileSync(f, Buffer.concat([Buffer.from(`NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\n${field}: ${value}\n\n`), Buffer.alloc(48)]));
    assertVoxelpipeError(() => readVolume(f), 'ERR_BAD_HEADER', [f, `NRRD ${field}`]);
  }
});

test('nrrd: a space named like an Object.prototype member is an unsupported space', (t) => {
  const dir = tempDir(t);
  for (const space of ['constructor', '__proto__', 'toString']) {
    const f = join(dir, `${space}.nrrd`);
    writeFileSync(f, Buffer.concat([Buffer.from(`NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\nspace: ${space}\nspace directions: (1,0,0) (0,1,0) (0,0,1)\n\n`), Buffer.alloc(48)]));
    assertVoxelpipeError(() => readVolume(f), 'ERR_UNSUPPORTED_DATATYPE', [f, 'is not supported']);
  }
});

test('maxBytes must be a positive number (NaN would turn the limit off)', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'ok.mha');
  writeFileSync(f, Buffer.concat([Buffer.from(MHD('LOCAL')), Buffer.alloc(48)]));
  for (const maxBytes of [Number.NaN, -1, 0]) assertVoxelpipeError(() => readVolume(f, { maxBytes }), 'ERR_INVALID_ARGUMENT', ['maxBytes must be a positive number']);
  assert.ok(existsSync(f));
});

test('a file larger than maxBytes plus room for headers is refused before it is read', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'padded.mha');
  writeFileSync(f, Buffer.concat([Buffer.from(MHD('LOCAL')), Buffer.alloc(70 * 1024 * 1024)]));
  assertVoxelpipeError(() => readVolume(f, { maxBytes: 1024 }), 'ERR_TOO_LARGE', [f, 'file is 70.0 MiB']);
});

test('npz: a central directory claiming gigabytes for a 468-byte archive is refused before fflate allocates them', (t) => {
  const dir = tempDir(t);
  const zip = Buffer.from(readFileSync(join(FIXTURES, 'numpy', 'pair-compressed.npz')));
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  assert.ok(central > 0);
  zip.writeUInt32LE(2_456_692_871, central + 20); // compressed size
  zip.writeUInt32LE(2_055_760_578, central + 24); // uncompressed size
  const f = join(dir, 'claims.npz');
  writeFileSync(f, zip);
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'claims 2456692871 stored bytes, the archive holds']);
});
