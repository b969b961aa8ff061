import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz, readVolume, readVolumeHeader } from '../../src/io/index.js';
import { linearIndex } from '../../src/volume/volume.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';

const DIR = join(FIXTURES, 'numpy');
const DTYPES = ['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'] as const;

/** The values make_formats.py wrote: base = arange(24).reshape(2, 3, 4). */
function expected(dt: string, i: number, j: number, k: number): number {
  const b = i * 12 + j * 4 + k;
  if (dt === 'bool') return b % 2 === 0 ? 1 : 0;
  const signed = dt.startsWith('int') || dt.startsWith('float');
  const v = b * (signed ? -7 : 7) + 3;
  return dt === 'int8' ? ((v + 128) & 255) - 128 : dt === 'uint8' ? v & 255 : v;
}

for (const dt of DTYPES)
  for (const order of ['c', 'f'] as const)
    test(`numpy: ${dt} ${order === 'c' ? 'C' : 'Fortran'} order keeps numpy's shape and indexing`, () => {
      const v = readVolume(join(DIR, `${dt}-${order}.npy`));
      assert.deepEqual(v.shape, [2, 3, 4]);
      assert.equal(v.dtype, dt === 'bool' ? 'uint8' : dt);
      assert.equal(v.meta.fortranOrder, order === 'f');
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          for (let k = 0; k < 4; k++) assert.equal(v.data[linearIndex(v.shape, [i, j, k])], expected(dt, i, j, k), `[${i},${j},${k}]`);
      assert.deepEqual(v.affine, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
      const h = readVolumeHeader(join(DIR, `${dt}-${order}.npy`));
      assert.deepEqual(h.shape, v.shape);
    });

test('numpy: big-endian arrays and 0-d arrays', () => {
  const f = readVolume(join(DIR, 'float32-be.npy'));
  assert.equal(f.meta.byteOrder, 'big');
  assert.equal(f.data[linearIndex(f.shape, [1, 2, 3])], 23 * 0.5);
  const i = readVolume(join(DIR, 'int16-be-f.npy'));
  assert.equal(i.data[linearIndex(i.shape, [1, 0, 2])], 14 - 5);
  const s = readVolume(join(DIR, 'scalar.npy'));
  assert.deepEqual(s.shape, [1]);
  assert.equal(s.data[0], 2.5);
});

test('numpy: .npz (stored and compressed) reads the first array, or the one named by key', () => {
  for (const name of ['pair.npz', 'pair-compressed.npz']) {
    const img = readVolume(join(DIR, name));
    assert.equal(img.meta.format, 'npz');
    assert.equal(img.meta.npzKey, 'image');
    assert.deepEqual(img.meta.npzKeys, ['image', 'label']);
    assert.equal(img.data[linearIndex(img.shape, [1, 2, 3])], 23 * 1.5);
    const label = readVolume(join(DIR, name), { key: 'label' });
    assert.equal(label.dtype, 'uint8');
    assert.equal(label.data[linearIndex(label.shape, [1, 2, 3])], 23 % 3);
  }
  assertVoxelpipeError(() => readNpz(join(DIR, 'pair.npz'), { key: 'mask' }), 'ERR_BAD_HEADER', ['has no array "mask" (arrays: image, label)']);
});

test('numpy: truncated, corrupt and absurd files give one-line errors naming the file', (t) => {
  const tmp = tempDir(t);
  const good = readFileSync(join(DIR, 'float64-c.npy'));
  const write = (name: string, b: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, b);
    return p;
  };
  const cut = write('cut.npy', good.subarray(0, good.length - 8));
  assertVoxelpipeError(() => readVolume(cut), 'ERR_TRUNCATED', [cut, 'header declares 192 bytes of voxel data, but only 184 bytes follow the header']);
  const cutHeader = write('cuthead.npy', good.subarray(0, 30));
  assertVoxelpipeError(() => readVolume(cutHeader), 'ERR_TRUNCATED', [cutHeader]);

  const header = (dict: string) => {
    const text = dict.padEnd(118, ' ') + '\n';
    const b = Buffer.alloc(10 + text.length + 16);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(b);
    b.writeUInt16LE(text.length, 8);
    b.write(text, 10, 'latin1');
    return b;
  };
  const huge = write('huge.npy', header("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 1000), }"));
  assertVoxelpipeError(() => readVolume(huge), 'ERR_TOO_LARGE', [huge, 'over the']);
  const complex = write('complex.npy', header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"));
  assertVoxelpipeError(() => readVolume(complex), 'ERR_UNSUPPORTED_DATATYPE', [complex, 'numpy dtype "<c8" is not supported']);
  const neg = write('neg.npy', header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }"));
  assertVoxelpipeError(() => readVolume(neg), 'ERR_BAD_HEADER', [neg, 'shape [2, -3] must be positive integers']);
  const junk = write('junk.npy', header('not a dict at all'));
  assertVoxelpipeError(() => readVolume(junk), 'ERR_BAD_HEADER', [junk]);

  const zip = readFileSync(join(DIR, 'pair-compressed.npz'));
  const zcut = write('cut.npz', zip.subarray(0, zip.length - 40));
  assertVoxelpipeError(() => readVolume(zcut), 'ERR_BAD_HEADER', [zcut, 'not a readable .npz']);
});
