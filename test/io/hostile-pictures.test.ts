import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

// Issue 15: a picture's declared size must be checked against what its
// compressed data can hold, and against the budget, before a decoder runs.

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR says `w` x `h` (colour type `ct`, 8-bit) and whose IDAT is `idat`. */
function png(w: number, h: number, ct: number, idat: Uint8Array, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = ct;
  ihdr[12] = interlace;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

test('png: a 75-byte file claiming 20000x20000 is refused before decoding (it used to "succeed" as zeros)', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'huge.png');
  const bytes = png(20000, 20000, 0, deflateSync(Buffer.alloc(10)));
  assert.ok(bytes.length < 80);
  writeFileSync(f, bytes);
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f), 'ERR_TRUNCATED', [f, 'PNG 20000x20000', 'compressed bytes can hold']);
  // 30000x30000 RGBA (3.4 GiB as pngjs holds it): within the default budget, refused for its data; over a smaller budget, for that first.
  const g = join(dir, 'rgba.png');
  writeFileSync(g, png(30000, 30000, 6, deflateSync(Buffer.alloc(10))));
  for (const read of [readVolume, readVolumeHeader]) {
    assertVoxelpipeError(() => read(g), 'ERR_TRUNCATED', [g, 'compressed bytes can hold']);
    assertVoxelpipeError(() => read(g, { maxBytes: 2 ** 30 }), 'ERR_TOO_LARGE', [g, 'over the 1.00 GiB limit']);
  }
});

test('png: image data that inflates to fewer scanlines than the IHDR declares is ERR_TRUNCATED, not zeros', (t) => {
  const dir = tempDir(t);
  // 300x200 grey needs 200 * 301 bytes of scanlines; give it one row (of noise, so that it does not compress below what it could hold).
  const row = Buffer.from(new Uint8Array(301).map((_, i) => (i * 2654435761) >>> 24));
  row[0] = 0;
  const f = join(dir, 'short.png');
  writeFileSync(f, png(300, 200, 0, deflateSync(row)));
  assertVoxelpipeError(() => readVolume(f), 'ERR_TRUNCATED', [f, 'PNG image data holds 301 of the 60200 bytes']);
  // The same for an interlaced image.
  const g = join(dir, 'short-adam7.png');
  writeFileSync(g, png(300, 200, 0, deflateSync(row), 1));
  assertVoxelpipeError(() => readVolume(g), 'ERR_TRUNCATED', [g, 'PNG image data holds 301 of the']);
  // Exactly the scanlines: a valid image of zeros.
  const ok = join(dir, 'ok.png');
  writeFileSync(ok, png(300, 200, 0, deflateSync(Buffer.alloc(200 * 301))));
  const v = readVolume(ok);
  assert.deepEqual(v.shape, [300, 200]);
  // More data than the scanlines: refused rather than guessed at.
  const more = join(dir, 'more.png');
  writeFileSync(more, png(30, 20, 0, deflateSync(Buffer.alloc(20 * 31 + 500))));
  assertVoxelpipeError(() => readVolume(more), 'ERR_BAD_HEADER', [more, 'inflates past the 620 bytes']);
});

test('png: corrupt image data is ERR_BAD_HEADER naming the file', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'corrupt.png');
  writeFileSync(f, png(30, 20, 0, Buffer.from('this is not a zlib stream at all, no')));
  assertVoxelpipeError(() => readVolume(f), 'ERR_BAD_HEADER', [f, 'PNG image data is corrupt']);
});

/** A baseline JPEG's bytes with its SOF0 height and width replaced. */
function jpegClaiming(w: number, h: number): Buffer {
  const b = Buffer.from(readFileSync(join(FIXTURES, 'jpeg', 'grey.jpg')));
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0);
  b.writeUInt16BE(h, sof + 5);
  b.writeUInt16BE(w, sof + 7);
  return b;
}

test('jpeg: a small file claiming 26000x26000 is refused before jpeg-js sizes its buffers', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'huge.jpg');
  const bytes = jpegClaiming(26000, 26000);
  writeFileSync(f, bytes);
  for (const read of [readVolume, readVolumeHeader])
    assertVoxelpipeError(() => read(f), 'ERR_TRUNCATED', [f, 'JPEG frame header declares 26000x26000 pixels', `more than ${bytes.length} bytes`]);
  // Under a smaller budget it is over the limit first.
  for (const read of [readVolume, readVolumeHeader]) assertVoxelpipeError(() => read(f, { maxBytes: 2 ** 30 }), 'ERR_TOO_LARGE', [f]);
});

test('jpeg: arithmetic-coded and hierarchical frames are refused as unsupported, not handed to jpeg-js', (t) => {
  const dir = tempDir(t);
  const b = Buffer.from(readFileSync(join(FIXTURES, 'jpeg', 'grey.jpg')));
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  for (const marker of [0xc9, 0xc5, 0xcd]) {
    b[sof + 1] = marker;
    const f = join(dir, `sof${marker.toString(16)}.jpg`);
    writeFileSync(f, b);
    assertVoxelpipeError(() => readVolume(f), 'ERR_UNSUPPORTED_DATATYPE', [f, `SOF${marker - 0xc0}`]);
  }
});
