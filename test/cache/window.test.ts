import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheWindow } from '../../src/cache/window.js';

const win = (size: number, replacePercent: number, shuffle = false, items = 10) => new CacheWindow({ items, size, replacePercent, seed: 7, shuffle });

test('smart cache window: M=10, N=4, r=0.5 walks the datalist by R=2 and wraps (hand-worked table)', () => {
  const w = win(4, 0.5);
  assert.equal(w.replace, 2);
  const table = [
    [0, 1, 2, 3],
    [2, 3, 4, 5],
    [4, 5, 6, 7],
    [6, 7, 8, 9],
    [0, 1, 8, 9], // 8, 9, then wraps to 0, 1
    [0, 1, 2, 3],
    [2, 3, 4, 5],
  ];
  table.forEach((row, e) => assert.deepEqual(w.itemsAt(e), row, `epoch ${e}`));
  assert.deepEqual(w.entering(0), [4, 5]);
  assert.deepEqual(w.entering(3), [0, 1]);
});

test('smart cache window: r = 0 is static; N >= M caches everything; R = ceil(N * r)', () => {
  const fixed = win(4, 0);
  for (let e = 0; e < 5; e++) assert.deepEqual(fixed.itemsAt(e), [0, 1, 2, 3]);
  assert.deepEqual(fixed.entering(3), []);
  const all = win(12, 0.5);
  assert.equal(all.size, 10);
  for (let e = 0; e < 3; e++) assert.deepEqual(all.itemsAt(e), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(win(4, 0.25).replace, 1);
  assert.equal(win(5, 0.1).replace, 1); // ceil(0.5)
  assert.equal(win(50, 0.1, false, 100).replace, 5); // Clara's worked example
  assert.deepEqual(win(4, 0.25).itemsAt(7), [0, 7, 8, 9]);
});

test('smart cache window: shuffled walk is a seeded permutation that covers every item', () => {
  const w = win(4, 0.5, true);
  const seen = new Set<number>();
  for (let e = 0; e < 5; e++) {
    const items = w.itemsAt(e);
    assert.equal(items.length, 4);
    items.forEach((i) => seen.add(i));
  }
  assert.equal(seen.size, 10, 'five epochs of R=2 visit all ten items');
  assert.deepEqual(win(4, 0.5, true).itemsAt(3), w.itemsAt(3), 'same seed, same walk');
  assert.notDeepEqual([0, 1, 2, 3].map((e) => w.itemsAt(e)), [0, 1, 2, 3].map((e) => win(4, 0.5).itemsAt(e)));
});
