import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';
import { ctSlice, dicomFile, type DicomElement } from './dicom-writer.js';

// Issue 15: DICOM files and folders made to hurt. Each must end in a one-line
// VoxelpipeError (or a sane volume) quickly and without a large allocation.

const SERIES = join(FIXTURES, 'dicom', 'ct-series');

function write(dir: string, name: string, bytes: Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function seriesCopy(dir: string): string {
  const d = join(dir, 'series');
  mkdirSync(d);
  for (const f of readdirSync(SERIES)) copyFileSync(join(SERIES, f), join(d, f));
  return d;
}

test('dicom folder: a symbolic link to a missing file is an error naming the link', (t) => {
  const d = seriesCopy(tempDir(t));
  symlinkSync('/nonexistent/slice.dcm', join(d, 'x.dcm'));
  assertVoxelpipeError(() => readVolume(d), 'ERR_FILE_NOT_FOUND', [join(d, 'x.dcm'), 'symbolic link to a missing file']);
  assertVoxelpipeError(() => readVolumeHeader(d), 'ERR_FILE_NOT_FOUND', [join(d, 'x.dcm')]);
});

test('dicom folder: a symbolic link to itself is an error naming the link', (t) => {
  const d = seriesCopy(tempDir(t));
  symlinkSync('loop.dcm', join(d, 'loop.dcm'));
  assertVoxelpipeError(() => readVolume(d), 'ERR_FILE_READ', [join(d, 'loop.dcm'), 'symbolic link loop']);
  // The folder itself given through a looping link.
  const top = tempDir(t);
  symlinkSync(join(top, 'a'), join(top, 'b'));
  symlinkSync(join(top, 'b'), join(top, 'a'));
  assertVoxelpipeError(() => readVolume(join(top, 'a')), 'ERR_FILE_READ', [join(top, 'a')]);
});

test('dicom folder: a link back up the tree is walked once, not followed round', (t) => {
  const d = seriesCopy(tempDir(t));
  symlinkSync('.', join(d, 'self'));
  symlinkSync('..', join(d, 'parent'));
  const v = readVolume(d);
  assert.equal(v.meta.files, 5, 'each slice read once');
  assert.deepEqual(v.shape, [16, 12, 5]);
});

test('dicom folder: a FIFO among the slices is skipped, and a FIFO given as the file is refused without blocking', (t) => {
  const d = seriesCopy(tempDir(t));
  try {
    execFileSync('mkfifo', [join(d, 'pipe.dcm')]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  assert.deepEqual(readVolume(d).shape, [16, 12, 5]);
  assertVoxelpipeError(() => readVolume(join(d, 'pipe.dcm')), 'ERR_FILE_READ', [join(d, 'pipe.dcm'), 'is a FIFO, expected a regular file']);
});

test('dicom: DS values with fewer numbers than the attribute needs are treated as missing geometry, not a TypeError', (t) => {
  const dir = tempDir(t);
  const f = write(
    dir,
    'short-ds.dcm',
    dicomFile(
      ctSlice([
        [0x0020, 0x0032, 'DS', '1'],
        [0x0020, 0x0037, 'DS', '0\\1'],
        [0x0028, 0x0030, 'DS', '0.5'],
      ]),
    ),
  );
  const v = readVolume(f);
  assert.deepEqual(v.shape, [4, 3]);
  assert.equal(v.meta.oriented, false, 'no usable ImageOrientationPatient');
  assert.deepEqual(v.spacing, [1, 1], 'no usable PixelSpacing');
  // Garbled numbers too.
  const g = write(dir, 'garbled.dcm', dicomFile(ctSlice([[0x0020, 0x0037, 'DS', 'a\\b\\c\\d\\e\\f']])));
  assert.equal(readVolume(g).meta.oriented, false);
});

test('dicom: a file cut inside the Rows value is ERR_TRUNCATED naming Rows', (t) => {
  const dir = tempDir(t);
  const whole = dicomFile(ctSlice());
  const rows = whole.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53]));
  assert.ok(rows > 0);
  // Cut inside the value, inside the length, inside the VR: the message names the file and says it is cut.
  for (const cutAt of [rows + 9, rows + 7, rows + 5]) {
    const f = write(dir, `cut${cutAt}.dcm`, whole.subarray(0, cutAt));
    assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f]);
    assertVoxelpipeError(() => readVolumeHeader(f), 'ERR_TRUNCATED', [f]);
  }
  // Implicit VR: dicom-parser accepts the cut element, and reading Rows then ran past the buffer.
  const implicit = readFileSync(join(FIXTURES, 'dicom', 'ts-implicit.dcm'));
  const at = implicit.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00]));
  assert.ok(at > 0);
  const inValue = write(dir, 'in-value.dcm', implicit.subarray(0, at + 9));
  assertVoxelpipeError(() => readVolume(inValue), 'ERR_TRUNCATED', [inValue, 'Rows (0028,0010) runs past the end of the file']);
  assertVoxelpipeError(() => readVolumeHeader(inValue), 'ERR_TRUNCATED', [inValue, 'Rows (0028,0010)']);
});

test('dicom: NumberOfFrames 2,147,483,647 in an 800-byte file is refused at once (budget, then Pixel Data length)', (t) => {
  const dir = tempDir(t);
  const f = write(dir, 'frames.dcm', dicomFile(ctSlice([[0x0028, 0x0008, 'IS', '2147483647']])));
  assert.ok(f.length > 0);
  assertVoxelpipeError(() => readVolume(f), 'ERR_TOO_LARGE', [f, 'NumberOfFrames', 'limit']);
  assertVoxelpipeError(() => readVolume(f, { maxBytes: 2 ** 50 }), 'ERR_TRUNCATED', [f, 'Pixel Data holds 24 bytes', '4x3x2147483647x1x2']);
  assertVoxelpipeError(() => readVolumeHeader(f, { maxBytes: 2 ** 50 }), 'ERR_TRUNCATED', [f, 'Pixel Data holds 24 bytes']);
});

test('dicom: a file claiming 4096x4096x200 is refused before the volume is allocated, by readVolumeHeader too', (t) => {
  const dir = tempDir(t);
  const absurd: DicomElement[] = [
    [0x0028, 0x0008, 'IS', '200'],
    [0x0028, 0x0010, 'US', 4096],
    [0x0028, 0x0011, 'US', 4096],
    [0x0028, 0x0100, 'US', 8],
    [0x0028, 0x0101, 'US', 8],
  ];
  const f = write(dir, 'big.dcm', dicomFile(ctSlice(absurd)));
  const before = process.memoryUsage().arrayBuffers;
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'Pixel Data holds 24 bytes']);
  assertVoxelpipeError(() => readVolumeHeader(f), 'ERR_TRUNCATED', [f, 'Pixel Data holds 24 bytes']);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 ** 2, 'no volume-sized buffer left behind');
});

test('dicom folder: a series member claiming 999,999,999 frames is refused naming that file', (t) => {
  const d = seriesCopy(tempDir(t));
  write(d, 'zz-frames.dcm', dicomFile(ctSlice([[0x0028, 0x0008, 'IS', '999999999']])));
  assertVoxelpipeError(() => readVolume(d), 'ERR_TOO_LARGE', [join(d, 'zz-frames.dcm'), 'NumberOfFrames']);
  assertVoxelpipeError(() => readVolume(d, { maxBytes: 2 ** 50 }), 'ERR_TRUNCATED', [join(d, 'zz-frames.dcm')]);
});

test('dicom: NumberOfFrames that is not an integer is ERR_BAD_HEADER naming it', (t) => {
  const dir = tempDir(t);
  const f = write(dir, 'nan.dcm', dicomFile(ctSlice([[0x0028, 0x0008, 'IS', '1e400']])));
  assertVoxelpipeError(() => readVolume(f), 'ERR_BAD_HEADER', [f, 'NumberOfFrames (0028,0008)', 'is not an integer']);
});

test('dicom: encapsulated Pixel Data with fewer fragments than frames, or too few bytes for the image, is refused before decoding', (t) => {
  const dir = tempDir(t);
  // RLE: an empty offset table then one 70-byte fragment; the header claims 3 frames.
  const item = (bytes: Uint8Array) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(bytes.length, 4);
    return Buffer.concat([h, bytes]);
  };
  const seqEnd = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  const encapsulated = (frames: string, rows: number, columns: number) => {
    const file = dicomFile(ctSlice([[0x0028, 0x0008, 'IS', frames], [0x0028, 0x0010, 'US', rows], [0x0028, 0x0011, 'US', columns]], new Uint8Array(0)), '1.2.840.10008.1.2.5');
    // Replace the empty Pixel Data with undefined length + items.
    const at = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    const head = Buffer.from(file.subarray(0, at + 12));
    head.writeUInt32LE(0xffffffff, at + 8);
    return Buffer.concat([head, item(new Uint8Array(0)), item(new Uint8Array(70)), seqEnd]);
  };
  const few = write(dir, 'few.dcm', encapsulated('3', 3, 4));
  assertVoxelpipeError(() => readVolume(few), 'ERR_TRUNCATED', [few, 'holds 1 fragments, fewer than the 3 frames']);
  const big = write(dir, 'rle-big.dcm', encapsulated('1', 4000, 4000));
  assertVoxelpipeError(() => readVolume(big), 'ERR_TRUNCATED', [big, 'encapsulated Pixel Data of 70 bytes cannot hold']);
  assertVoxelpipeError(() => readVolumeHeader(big), 'ERR_TRUNCATED', [big]);
});

test('dicom: a transfer syntax UID naming an Object.prototype member is just an unknown syntax', (t) => {
  const dir = tempDir(t);
  const f = write(dir, 'ts.dcm', dicomFile(ctSlice(), 'constructor'));
  const e = assertVoxelpipeError(() => readVolume(f), 'ERR_UNSUPPORTED_DATATYPE', [f, 'constructor']);
  assert.ok(!e.message.includes('function'), e.message);
});

test('dicom: a JPEG frame whose own header claims another size than Rows/Columns is refused before the decoder sizes its output', (t) => {
  const dir = tempDir(t);
  for (const [name, marker] of [
    ['ts-jpeg-lossless.dcm', 0xc3],
    ['grey8-jpeg.dcm', 0xc0],
  ] as const) {
    const b = Buffer.from(readFileSync(join(FIXTURES, 'dicom', name)));
    const sof = b.indexOf(Buffer.from([0xff, marker]));
    assert.ok(sof > 0, name);
    b.writeUInt16BE(60000, sof + 5);
    b.writeUInt16BE(60000, sof + 7);
    const f = write(dir, name, b);
    assertVoxelpipeError(() => readVolume(f), 'ERR_BAD_HEADER', [f, 'says 60000x60000']);
  }
});
