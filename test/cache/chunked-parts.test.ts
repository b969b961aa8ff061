import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillInto, isConstant, lz4Compress, lz4DecompressInto } from '../../src/cache/chunked/codecs.js';
import { deltaDecodeInPlace, deltaEncode } from '../../src/cache/chunked/fg-bg.js';
import { ChunkGrid } from '../../src/cache/chunked/grid.js';

test('isConstant: bit-exact for 1-8 byte voxels, any length, one flipped bit anywhere is seen', () => {
  for (const es of [1, 2, 4, 8])
    for (const n of [1, 2, 3, 5, 8, 13, 64, 67]) {
      const b = new Uint8Array(n * es);
      for (let i = 0; i < n; i++) for (let k = 0; k < es; k++) b[i * es + k] = 7 + k;
      assert.equal(isConstant(b, es), true, `${es} x ${n}`);
      for (let j = 0; j < b.length; j++) {
        const c = b.slice();
        c[j] ^= 1;
        assert.equal(isConstant(c, es), n === 1, `${es} x ${n}, byte ${j} flipped`);
      }
    }
  // -0 and 0, two NaN payloads: not the same voxel.
  assert.equal(isConstant(new Uint8Array(new Float32Array([0, -0]).buffer), 4), false);
  const nan = new Uint32Array([0x7fc00000, 0x7fc00001]);
  assert.equal(isConstant(new Uint8Array(nan.buffer), 4), false);
  const out = new Uint8Array(8 * 7);
  fillInto(new Uint8Array(new Float64Array([-2.5]).buffer), out, 8);
  assert.deepEqual(Array.from(new Float64Array(out.buffer)), new Array(7).fill(-2.5));
});

test('lz4 chunks round-trip; a wrong length or damaged block is a message, not a throw', () => {
  const data = new Uint8Array(5000).map((_, i) => (i * 7) % 13);
  const c = lz4Compress(data);
  const out = new Uint8Array(5000);
  assert.equal(lz4DecompressInto(c, out), undefined);
  assert.deepEqual(out, data);
  assert.match(lz4DecompressInto(c, new Uint8Array(10))!, /declares 5000 bytes, the chunk has 10/);
  const bad = Buffer.from(c);
  bad[bad.length - 3] ^= 0xff;
  bad[6] ^= 0xff;
  const r = lz4DecompressInto(bad, new Uint8Array(5000));
  assert.ok(r === undefined || /does not decode|decodes to/.test(r), String(r));
  assert.match(lz4DecompressInto(new Uint8Array(2), out)!, /shorter than its length prefix/);
});

test('fg/bg index deltas round-trip; a non-ascending result is refused', () => {
  const ix = new Uint32Array([0, 1, 2, 9, 10, 4_000_000_000]);
  const d = deltaEncode(ix);
  assert.deepEqual(Array.from(d), [0, 1, 1, 7, 1, 3_999_999_990]);
  assert.equal(deltaDecodeInPlace(d), true);
  assert.deepEqual(d, ix);
  assert.equal(deltaDecodeInPlace(new Uint32Array([3, 0])), false);
});

test('ChunkGrid: chunks touched by a box equal a brute-force search, edge chunks clipped', () => {
  const grid = new ChunkGrid([23, 9, 7, 2], [8, 4, 3, 1]);
  assert.deepEqual(grid.counts, [3, 3, 3, 2]);
  assert.equal(grid.size, 54);
  assert.deepEqual(grid.box(53), { lo: [16, 8, 6, 1], hi: [23, 9, 7, 2] });
  assert.equal(grid.voxels(53), 7);
  let seed = 5;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
  for (let k = 0; k < 200; k++) {
    const lo = grid.shape.map((s) => rnd(s + 6) - 3);
    const hi = lo.map((l, a) => l + 1 + rnd(grid.shape[a] + 2));
    const want: number[] = [];
    for (let n = 0; n < grid.size; n++) {
      const b = grid.box(n);
      if (b.lo.every((l, a) => l < hi[a] && b.hi[a] > lo[a])) want.push(n);
    }
    assert.deepEqual(grid.touched(lo, hi), want, `[${lo}]..[${hi}]`);
  }
});
