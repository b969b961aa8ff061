import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSampler, epochOrder, type SamplingItem, type SamplingOptions } from '../../src/sampling/index.js';

const base: SamplingOptions = { seed: 1234, shuffle: true, duplicateCount: 1 };
const plain = (n: number): SamplingItem[] => Array.from({ length: n }, () => ({}));
/** 70 / 20 / 10 items of classes 0, 1, 2 (interleaved, so datalist order says nothing about class). */
const imbalanced = (): SamplingItem[] => Array.from({ length: 100 }, (_, i) => ({ category: i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2 }));

function counts(order: readonly number[], size: number): number[] {
  const c = new Array<number>(size).fill(0);
  for (const i of order) c[i]++;
  return c;
}

/** `count` of `n` draws with success probability `p` lies within `sd` binomial standard deviations of n·p. */
function assertBinomial(count: number, n: number, p: number, what: string, sd = 5): void {
  const mean = n * p;
  const tol = sd * Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - mean) <= tol, `${what}: ${count} of ${n}, expected ${mean.toFixed(1)} ± ${tol.toFixed(1)}`);
}

/** Draws of several epochs together (each epoch has its own stream), for statistics. */
function drawMany(items: readonly SamplingItem[], options: SamplingOptions, epochs: number): number[] {
  const s = createSampler(items, options);
  const all: number[] = [];
  for (let e = 0; e < epochs; e++) all.push(...s.order(e));
  return all;
}

test('same seed and epoch give the same order, from separate samplers', () => {
  for (const opts of [base, { ...base, sampling: 'automatic' as const }, { ...base, itemsPerCategory: 4 }]) {
    const a = epochOrder(imbalanced(), opts, 5);
    const b = createSampler(imbalanced(), opts).order(5);
    assert.deepEqual(a, b);
    assert.equal(a.length, 'itemsPerCategory' in opts ? 12 : 100);
  }
});

test('shuffle: each epoch is a different permutation; another seed gives another order', () => {
  const s = createSampler(plain(50), base);
  const seen = new Set<string>();
  for (let e = 0; e < 10; e++) {
    const o = s.order(e);
    assert.deepEqual([...o].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i), `epoch ${e} is a permutation`);
    seen.add(o.join());
  }
  assert.equal(seen.size, 10);
  assert.notDeepEqual(epochOrder(plain(50), { ...base, seed: 1235 }, 0), s.order(0));
});

test('no shuffle: the datalist order, repeated duplicate_count times, every epoch', () => {
  const opts = { ...base, shuffle: false, duplicateCount: 3 };
  for (const e of [0, 1, 7]) assert.deepEqual(epochOrder(plain(4), opts, e), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  assert.deepEqual(epochOrder(plain(5), { ...base, shuffle: false }, 2), [0, 1, 2, 3, 4]);
});

test('duplicate_count with shuffle: every item exactly k times, duplicates spread over the epoch', () => {
  const o = epochOrder(plain(20), { ...base, duplicateCount: 3 }, 0);
  assert.equal(o.length, 60);
  assert.deepEqual(counts(o, 20), new Array(20).fill(3));
  // One shuffle of the whole repeated list, not three shuffles back to back.
  assert.ok(new Set(o.slice(0, 20)).size < 20);
});

test('an empty datalist gives empty epochs', () => {
  const s = createSampler([], { ...base, worldSize: 2, rank: 1 });
  assert.equal(s.length, 0);
  assert.deepEqual(s.order(0), []);
});

test('element sampling: draws follow the item weights; weight 0 is never drawn', () => {
  const weights = [1, 2, 3, 4, 0, 10];
  const items = weights.map((weight) => ({ weight }));
  const s = createSampler(items, { ...base, sampling: 'element', duplicateCount: 1000 });
  assert.equal(s.globalLength, 6000);
  const all = drawMany(items, { ...base, sampling: 'element', duplicateCount: 1000 }, 5);
  const c = counts(all, items.length);
  assert.equal(c[4], 0);
  for (let i = 0; i < items.length; i++) assertBinomial(c[i], all.length, weights[i] / 20, `item ${i}`);
});

test('element sampling over many items: each weight class gets its share; a lone positive weight takes every draw', () => {
  // 1000 items of weights 0..4 (i mod 5): the items of weight w together get w / 10 of the draws.
  const items = Array.from({ length: 1000 }, (_, i) => ({ weight: i % 5 }));
  const all = drawMany(items, { ...base, sampling: 'element', duplicateCount: 4 }, 5);
  const byWeight = [0, 0, 0, 0, 0];
  for (const i of all) byWeight[i % 5]++;
  assert.equal(byWeight[0], 0);
  for (let w = 1; w < 5; w++) assertBinomial(byWeight[w], all.length, w / 10, `weight ${w}`);
  const lone = Array.from({ length: 50 }, (_, i) => ({ weight: i === 37 ? 0.5 : 0 }));
  assert.ok(epochOrder(lone, { ...base, sampling: 'element' }, 0).every((i) => i === 37));
});

test('element sampling: fractional and tiny weights keep their ratios', () => {
  const items = [{ weight: 1e-9 }, { weight: 3e-9 }];
  const all = drawMany(items, { ...base, sampling: 'element', duplicateCount: 5000 }, 2);
  assertBinomial(counts(all, 2)[1], all.length, 0.75, 'heavier item');
});

test('automatic sampling balances 70/20/10 classes to a third each, uniformly within a class', () => {
  const items = imbalanced();
  const all = drawMany(items, { ...base, sampling: 'automatic', duplicateCount: 10 }, 5);
  assert.equal(all.length, 5000);
  const byClass = [0, 0, 0];
  for (const i of all) byClass[items[i].category as number]++;
  for (let k = 0; k < 3; k++) assertBinomial(byClass[k], all.length, 1 / 3, `class ${k}`);
  const c = counts(all, items.length);
  for (let i = 9; i < 100; i += 10) assertBinomial(c[i], all.length, 1 / 30, `class-2 item ${i}`);
  // Without sampling options the epoch is the datalist: shares stay 70/20/10.
  const plainClasses = [0, 0, 0];
  for (const i of epochOrder(items, base, 0)) plainClasses[items[i].category as number]++;
  assert.deepEqual(plainClasses, [70, 20, 10]);
});

test('category_weights: class shares follow the weights (list, object, and with automatic)', () => {
  const items = imbalanced();
  const expect = [0.25, 0.5, 0.25];
  for (const extra of [
    { categoryWeights: [1, 2, 1] },
    { categoryWeights: { '0': 1, '1': 2, '2': 1 } },
    { categoryWeights: [0.5, 1, 0.5], sampling: 'automatic' as const },
  ]) {
    const all = drawMany(items, { ...base, ...extra, duplicateCount: 10 }, 4);
    const byClass = [0, 0, 0];
    for (const i of all) byClass[items[i].category as number]++;
    for (let k = 0; k < 3; k++) assertBinomial(byClass[k], all.length, expect[k], `${JSON.stringify(extra)} class ${k}`);
  }
  const none0 = drawMany(items, { ...base, categoryWeights: { 0: 0, 1: 1, 2: 1 } }, 3);
  assert.ok(none0.every((i) => items[i].category !== 0), 'a category of weight 0 is never drawn');
});

test('items_per_category: exact counts per category, every member of a small category used evenly', () => {
  const items = imbalanced(); // 70 / 20 / 10
  for (let e = 0; e < 3; e++) {
    const o = epochOrder(items, { ...base, itemsPerCategory: 15 }, e);
    assert.equal(o.length, 45);
    const byClass: number[][] = [[], [], []];
    for (const i of o) byClass[items[i].category as number].push(i);
    assert.deepEqual(byClass.map((l) => l.length), [15, 15, 15]);
    // Large enough classes give distinct items; the class of 10 gives all 10 once and 5 of them twice.
    assert.equal(new Set(byClass[0]).size, 15);
    assert.equal(new Set(byClass[1]).size, 15);
    const small = counts(byClass[2], 100).filter((x) => x > 0);
    assert.equal(small.length, 10);
    assert.deepEqual(small.sort(), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  }
  // Per-category counts as a list and as an object, with string categories; duplicate_count repeats the selection.
  const named = ['liver', 'tumor', 'tumor', 'cyst', 'liver', 'liver'].map((category) => ({ category }));
  const o = epochOrder(named, { ...base, shuffle: false, duplicateCount: 2, itemsPerCategory: { liver: 2, tumor: 1, cyst: 0 } }, 0);
  assert.equal(o.length, 6);
  assert.deepEqual(o.slice(3), o.slice(0, 3));
  assert.deepEqual(o.slice(0, 3).map((i) => named[i].category), ['liver', 'liver', 'tumor']);
  const listed = epochOrder(imbalanced(), { ...base, itemsPerCategory: [2, 0, 3] }, 0);
  assert.deepEqual(counts(listed.map((i) => items[i].category as number), 3), [2, 0, 3]);
});

test('items_per_category: the selection of a large category changes with the epoch', () => {
  const opts = { ...base, itemsPerCategory: 5 };
  const pick = (e: number) => epochOrder(imbalanced(), opts, e).filter((i) => i % 10 === 0).sort((a, b) => a - b).join();
  assert.notEqual(pick(0), pick(1));
});

test('numeric and string spellings of a category are the same category', () => {
  const items = [{ category: 1 }, { category: '1' }, { category: 0 }];
  const s = createSampler(items, { ...base, itemsPerCategory: [1, 2] });
  assert.equal(s.globalLength, 3);
  assert.match(s.describe(), /over 2 categories/);
});

test('describe() sums the sampler up in one line', () => {
  assert.equal(createSampler(plain(10), { ...base, duplicateCount: 2 }).describe(), 'shuffled, duplicate_count 2, 20 per epoch');
  assert.equal(
    createSampler(imbalanced(), { ...base, sampling: 'automatic', rank: 1, worldSize: 3 }).describe(),
    'automatic sampling over 3 categories, 100 per epoch, rank 1 of 3 (34 per rank)',
  );
  assert.equal(createSampler(plain(3), { ...base, shuffle: false }).describe(), 'datalist order, 3 per epoch');
});
