import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crop, flip, foregroundBox, pad, planeRotation, resample, rot90, rotate, window, zoom, type Grid } from '../../../src/transforms/kernels/index.js';
import { blobs, ramp, sorted } from './synthetic.js';

const S: [number, number, number] = [7, 5, 4];
const N = 7 * 5 * 4;

test('flip: an involution on every axis and axis set, keeping the voxel multiset, for every block', () => {
  const data = ramp(N * 2);
  const g: Grid = { data, shape: S, blocks: 2 };
  for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
    const once = flip(g, axes);
    assert.notDeepEqual(once, data, `flip ${axes} changed something`);
    assert.deepEqual(sorted(once), sorted(data));
    assert.deepEqual(flip({ ...g, data: once }, axes), data, `flip ${axes} twice is the identity`);
  }
  // Flip of axis 1 reverses j: voxel (i, j, k) of block 1 comes from (i, 4 - j, k).
  const f = flip(g, 1);
  assert.equal(f[N + 2 + 7 * (1 + 5 * 3)], data[N + 2 + 7 * (3 + 5 * 3)]);
  assert.ok(flip({ data: new Uint8Array(4), shape: [4], blocks: 1 }, 0) instanceof Uint8Array, 'keeps the element type');
});

test('rot90: four quarter turns are the identity, k and 4-k undo each other, k=1 is numpy\'s rot90', () => {
  const data = ramp(N);
  const g: Grid = { data, shape: S, blocks: 1 };
  for (const axes of [[0, 1], [1, 2], [2, 0]] as [number, number][]) {
    let cur = { data: data as Float32Array | ReturnType<typeof rot90>['data'], shape: S as number[] };
    for (let q = 0; q < 4; q++) cur = rot90({ data: cur.data, shape: cur.shape, blocks: 1 }, 1, axes);
    assert.deepEqual(cur.data, data);
    const r1 = rot90(g, 1, axes);
    assert.deepEqual(rot90({ data: r1.data, shape: r1.shape, blocks: 1 }, 3, axes).data, data);
  }
  // numpy: np.rot90(a, 1, (0, 1))[x, y, z] == a[y, n1 - 1 - x, z]
  const r = rot90(g, 1, [0, 1]);
  assert.deepEqual(r.shape, [5, 7, 4]);
  assert.equal(r.data[2 + 5 * (3 + 7 * 1)], data[3 + 7 * (5 - 1 - 2 + 5 * 1)]);
});

test('window: a pad then the matching crop gives the input back; numpy.pad modes on one axis', () => {
  const data = ramp(N);
  const g: Grid = { data, shape: S, blocks: 1 };
  const p = pad(g, [2, 0, 1], [1, 3, 0]);
  assert.equal(p.length, 10 * 8 * 5);
  assert.deepEqual(crop({ data: p, shape: [10, 8, 5], blocks: 1 }, [2, 0, 1], S), data);
  const line: Grid = { data: Float32Array.of(1, 2, 3), shape: [3], blocks: 1 };
  const modes = {
    constant: [9, 9, 1, 2, 3, 9, 9],
    edge: [1, 1, 1, 2, 3, 3, 3],
    reflect: [3, 2, 1, 2, 3, 2, 1],
    symmetric: [2, 1, 1, 2, 3, 3, 2],
    wrap: [2, 3, 1, 2, 3, 1, 2],
  } as const;
  for (const [mode, want] of Object.entries(modes)) assert.deepEqual([...pad(line, [2], [2], mode as keyof typeof modes, 9)], want, mode);
  // A window that is part crop, part pad.
  assert.deepEqual([...window(line, [-1], [3])], [0, 1, 2]);
  assert.throws(() => crop(g, [1, 0, 0], S), /leaves shape/);
});

test('resample: identity maps copy, nearest keeps the type, edges clamp or fill', () => {
  const data = ramp(N);
  const g: Grid = { data, shape: S, blocks: 1 };
  const id = [0, 1, 2].map(() => ({ scale: 1, offset: 0 }));
  assert.deepEqual(resample(g, S, id, 'linear'), data);
  const labels: Grid = { data: blobs(S), shape: S, blocks: 1 };
  const up = resample(labels, [14, 10, 8], id.map(() => ({ scale: 0.5, offset: 0 })), 'nearest');
  assert.ok(up instanceof Uint8Array);
  // Upsampling by 2 then taking every other voxel gives the labels back.
  assert.deepEqual(resample({ data: up, shape: [14, 10, 8], blocks: 1 }, S, id.map(() => ({ scale: 2, offset: 0 })), 'nearest'), labels.data);
  const line: Grid = { data: Float32Array.of(0, 10), shape: [2], blocks: 1 };
  assert.deepEqual([...resample(line, [5], [{ scale: 0.5, offset: -0.5 }], 'linear', 'clamp')], [0, 0, 5, 10, 10]);
  assert.deepEqual([...resample(line, [5], [{ scale: 0.5, offset: -0.5 }], 'linear', 'fill', -1)], [-1, 0, 5, 10, -1]);
});

test('zoom: factor 1 is the identity; zooming in magnifies about the centre', () => {
  const data = ramp(N);
  const g: Grid = { data, shape: S, blocks: 1 };
  assert.deepEqual(zoom(g, [1, 1, 1], 'linear'), data);
  const line: Grid = { data: Float32Array.of(0, 1, 2, 3, 4), shape: [5], blocks: 1 };
  assert.deepEqual([...zoom(line, [2], 'linear')], [1, 1.5, 2, 2.5, 3]);
  assert.deepEqual([...zoom(line, [0.5], 'linear', -1)], [-1, 0, 2, 4, -1]);
});

test('rotate: the identity matrix copies; a quarter turn of a square plane equals rot90', () => {
  const shape: [number, number, number] = [6, 6, 3];
  const data = ramp(6 * 6 * 3);
  const g: Grid = { data, shape, blocks: 1 };
  assert.deepEqual(rotate(g, planeRotation(0, [0, 1]), 'linear'), data);
  // Output o reads c + R(o - c): R(+90deg) reads in[a] = c - (o_b - c), in[b] = o_a, which is numpy's k = 3 (clockwise) turn.
  const quarter = planeRotation(Math.PI / 2, [0, 1]);
  const want = rot90(g, 3, [0, 1]).data;
  const near = rotate(g, quarter, 'nearest');
  const lin = rotate(g, quarter, 'linear');
  for (let i = 0; i < data.length; i++) {
    assert.equal(near[i], want[i]);
    assert.ok(Math.abs(lin[i] - want[i]) < 1e-3, `linear voxel ${i}`);
  }
});

test('foregroundBox: bounding box of voxels > 0 over all blocks; undefined when empty', () => {
  const data = new Float32Array(N * 2);
  data[3 + 7 * (1 + 5 * 2)] = 1; // block 0: (3, 1, 2)
  data[N + 5 + 7 * (4 + 5 * 0)] = 0.5; // block 1: (5, 4, 0)
  data[N + 1 + 7 * (2 + 5 * 1)] = -3; // negative: background
  assert.deepEqual(foregroundBox({ data, shape: S, blocks: 2 }), { start: [3, 1, 0], end: [6, 5, 3] });
  assert.equal(foregroundBox({ data: new Float32Array(N), shape: S, blocks: 1 }), undefined);
  assert.deepEqual(foregroundBox({ data: Uint8Array.of(0, 1, 0, 1, 1, 0), shape: [3, 2], blocks: 1 }), { start: [0, 0], end: [2, 2] });
  assert.deepEqual(foregroundBox({ data: Uint8Array.of(0, 0, 1, 1, 0, 0), shape: [3, 2], blocks: 1 }), { start: [0, 0], end: [3, 2] });
});
