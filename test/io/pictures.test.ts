import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

/** Pixels as Pillow decoded them (make_formats.py): [row][column] or [row][column][channel]. */
const REF = JSON.parse(readFileSync(join(FIXTURES, 'png', 'pillow-decoded.json'), 'utf8')) as Record<string, { mode: string; array_hw_c: number[][] | number[][][] }>;

/** Largest |voxelpipe - Pillow| over all pixels; checks shape [W, H(, C)] and planar layout. */
function compare(name: string, file: string): number {
  const v = readVolume(file);
  const ref = REF[name].array_hw_c;
  const H = ref.length;
  const W = ref[0].length;
  const C = Array.isArray(ref[0][0]) ? (ref[0][0] as number[]).length : 1;
  assert.deepEqual(v.shape, C === 1 ? [W, H] : [W, H, C], `${name} shape`);
  assert.deepEqual(v.affine, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  assert.deepEqual(v.spacing, v.shape.map(() => 1));
  let worst = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        const want = C === 1 ? (ref[y][x] as number) : (ref[y][x] as number[])[c];
        worst = Math.max(worst, Math.abs(v.data[x + W * y + W * H * c] - want));
      }
  const h = readVolumeHeader(file);
  assert.deepEqual(h.shape, v.shape, `${name} header shape`);
  assert.equal(h.dtype, v.dtype);
  return worst;
}

for (const name of ['grey8.png', 'grey16.png', 'rgb8.png', 'rgba8.png', 'greyalpha8.png', 'palette.png', 'interlaced.png'])
  test(`png: ${name} decodes exactly as Pillow does`, () => {
    assert.equal(compare(`png/${name}`, join(FIXTURES, 'png', name)), 0);
    assert.equal(readVolume(join(FIXTURES, 'png', name)).dtype, name === 'grey16.png' ? 'uint16' : 'uint8');
  });

for (const name of ['grey.jpg', 'rgb.jpg', 'rgb-progressive.jpg'])
  test(`jpeg: ${name} decodes within 4 levels of Pillow (libjpeg; IDCT and colour rounding differ)`, () => {
    const worst = compare(`jpeg/${name}`, join(FIXTURES, 'jpeg', name));
    assert.ok(worst <= 4, `differs from libjpeg by up to ${worst}`);
  });

/** A minimal PNG encoder (filter 0, one IDAT), written from the PNG spec, for files Pillow cannot make. */
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'latin1');
  Buffer.from(data).copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}
function png(width: number, height: number, bitDepth: number, colorType: number, rows: Buffer[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

test('png: 16-bit RGB keeps every sample exactly, planar channels', (t) => {
  const dir = tempDir(t);
  const rows: Buffer[] = [];
  const value = (x: number, y: number, c: number) => (x * 9000 + y * 1000 + c * 20000 + 3) % 65536;
  for (let y = 0; y < 3; y++) {
    const r = Buffer.alloc(5 * 6);
    for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) r.writeUInt16BE(value(x, y, c), (x * 3 + c) * 2);
    rows.push(r);
  }
  const f = join(dir, 'rgb16.png');
  writeFileSync(f, png(5, 3, 16, 2, rows));
  const v = readVolume(f);
  assert.deepEqual(v.shape, [5, 3, 3]);
  assert.equal(v.dtype, 'uint16');
  for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) assert.equal(v.data[x + 5 * y + 15 * c], value(x, y, c));
});

test('png and jpeg: truncated, corrupt and absurd files give one-line errors naming the file', (t) => {
  const dir = tempDir(t);
  const w = (name: string, b: Uint8Array) => {
    writeFileSync(join(dir, name), b);
    return join(dir, name);
  };
  const good = readFileSync(join(FIXTURES, 'png', 'rgb8.png'));
  const cut = w('cut.png', good.subarray(0, good.length - 30));
  assertVoxelpipeError(() => readVolume(cut), 'ERR_TRUNCATED', [cut, 'PNG image data holds']);
  const stub = w('stub.png', good.subarray(0, 20));
  assertVoxelpipeError(() => readVolume(stub), 'ERR_TRUNCATED', [stub, 'PNG ends inside its IHDR chunk']);
  // IHDR claiming 100000 x 100000 pixels, in a file of a few bytes: refused before decoding.
  const huge = w('huge.png', png(100000, 100000, 16, 6, [Buffer.alloc(8)]));
  assertVoxelpipeError(() => readVolume(huge), 'ERR_TOO_LARGE', [huge]);
  // Interlaced 4x4 grey whose image data inflates to 1 MB (a few hundred bytes expected): refused, not inflated.
  const bombIhdr = png(4, 4, 8, 0, [Buffer.alloc(2 ** 20 - 1)]);
  bombIhdr[8 + 8 + 12] = 1; // interlace method byte of IHDR
  bombIhdr.writeUInt32BE(crc32(bombIhdr.subarray(12, 12 + 17)), 29); // fix the IHDR CRC
  const bomb = w('bomb.png', bombIhdr);
  assertVoxelpipeError(() => readVolume(bomb), 'ERR_BAD_HEADER', [bomb, 'PNG image data inflates past the']);
  const badDepth = w('depth.png', png(2, 2, 7, 0, [Buffer.alloc(2), Buffer.alloc(2)]));
  assertVoxelpipeError(() => readVolume(badDepth), 'ERR_BAD_HEADER', [badDepth, 'bit depth 7']);
  const corrupt = Buffer.from(good);
  corrupt.fill(0x55, 45, 75);
  const bad = w('corrupt.png', corrupt);
  const e = (() => {
    try {
      readVolume(bad);
    } catch (err) {
      return err as Error & { code: string };
    }
  })();
  assert.ok(e && ['ERR_BAD_HEADER', 'ERR_TRUNCATED'].includes(e.code) && e.message.startsWith(bad) && !e.message.includes('\n'), String(e?.message));

  const jpg = readFileSync(join(FIXTURES, 'jpeg', 'rgb.jpg'));
  const jcut = w('cut.jpg', jpg.subarray(0, 200));
  const je = (() => {
    try {
      readVolume(jcut);
    } catch (err) {
      return err as Error & { code: string };
    }
  })();
  assert.ok(je && ['ERR_BAD_HEADER', 'ERR_TRUNCATED'].includes(je.code) && je.message.startsWith(jcut), String(je?.message));
  const nosof = w('nosof.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]));
  assertVoxelpipeError(() => readVolume(nosof), 'ERR_TRUNCATED', [nosof, 'no frame header']);
  // SOF0 claiming 65535 x 65535 with 3 components: 17 GB, refused before decoding.
  const big = Buffer.from(jpg);
  const sof = big.indexOf(Buffer.from([0xff, 0xc0]));
  big.writeUInt16BE(65535, sof + 5);
  big.writeUInt16BE(65535, sof + 7);
  const jhuge = w('huge.jpg', big);
  assertVoxelpipeError(() => readVolume(jhuge), 'ERR_TOO_LARGE', [jhuge]);
  const twelve = Buffer.from(jpg);
  twelve[sof + 4] = 12;
  const j12 = w('twelve.jpg', twelve);
  assertVoxelpipeError(() => readVolume(j12), 'ERR_UNSUPPORTED_DATATYPE', [j12, '12-bit JPEG is not supported']);
});
