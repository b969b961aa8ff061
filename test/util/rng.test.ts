import { test } from 'node:test';
import assert from 'node:assert/strict';
import { philox4x32, rngFor } from '../../src/util/rng.js';

test('philox4x32-10 matches the Random123 known-answer vectors', () => {
  const out = new Uint32Array(4);
  const hex = () => [...out].map((x) => x.toString(16).padStart(8, '0'));
  philox4x32(new Uint32Array([0, 0, 0, 0]), 0, 0, out);
  assert.deepEqual(hex(), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  philox4x32(new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]), 0xffffffff, 0xffffffff, out);
  assert.deepEqual(hex(), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  philox4x32(new Uint32Array([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344]), 0xa4093822, 0x299f31d0, out);
  assert.deepEqual(hex(), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

test('same key gives the same stream; any part of the key changes it', () => {
  const draw = (s: number, e: number, i: number, t: number) => {
    const r = rngFor(s, e, i, t);
    return Array.from({ length: 8 }, () => r.uint32());
  };
  assert.deepEqual(draw(1, 2, 3, 4), draw(1, 2, 3, 4));
  const base = draw(1, 2, 3, 4).join();
  for (const other of [draw(2, 2, 3, 4), draw(1, 3, 3, 4), draw(1, 2, 4, 4), draw(1, 2, 3, 5), draw(1 + 2 ** 32, 2, 3, 4)])
    assert.notEqual(other.join(), base);
});

test('uniform, int and normal have the expected moments', () => {
  const r = rngFor(42, 0, 0, 0);
  const n = 200_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.random();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005, 'uniform mean');
  assert.ok(Math.abs(s2 / n - s * s / n / n - 1 / 12) < 0.002, 'uniform variance');
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[r.int(3, 10) - 3]++;
  // Each bin expects 10,000 with sd ~93: 5 sd bounds.
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 470, `int bins ${counts}`);
  let m = 0, v = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    m += x;
    v += x * x;
  }
  assert.ok(Math.abs(m / n) < 0.012, 'normal mean');
  assert.ok(Math.abs(v / n - 1) < 0.015, 'normal variance');
});
