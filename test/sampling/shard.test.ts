import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSampler, globalPosition, shard, shardLength, type SamplingItem, type SamplingOptions } from '../../src/sampling/index.js';

const plain = (n: number): SamplingItem[] => Array.from({ length: n }, () => ({}));

test('shard: equal lengths, disjoint positions, together the global order padded by wrapping to its start', () => {
  for (let worldSize = 1; worldSize <= 4; worldSize++) {
    for (let n = 0; n <= 11; n++) {
      const global = Array.from({ length: n }, (_, i) => 100 + i);
      const shards = Array.from({ length: worldSize }, (_, r) => shard(global, r, worldSize));
      const len = shardLength(n, worldSize);
      for (const s of shards) assert.equal(s.length, len, `world ${worldSize}, ${n} items`);
      // Interleaving the shards step by step gives back the padded global order: positions are disjoint and cover it.
      const padded: number[] = [];
      for (let j = 0; j < len; j++) for (let r = 0; r < worldSize; r++) padded.push(shards[r][j]);
      const expected = Array.from({ length: len * worldSize }, (_, p) => global[p % n]);
      assert.deepEqual(padded, expected, `world ${worldSize}, ${n} items`);
      assert.ok(padded.length - n < worldSize, 'fewer than world_size padding entries');
      for (let j = 0; j < len; j++) for (let r = 0; r < worldSize; r++) assert.equal(padded[globalPosition(j, r, worldSize)], shards[r][j]);
    }
  }
});

test('sampler shards for world sizes 1..4: disjoint, equal-length, covering the datalist, reshuffled every epoch', () => {
  const opts: SamplingOptions = { seed: 99, shuffle: true, duplicateCount: 1 };
  for (let worldSize = 1; worldSize <= 4; worldSize++) {
    for (const n of [12, 13]) {
      const items = plain(n);
      const samplers = Array.from({ length: worldSize }, (_, rank) => createSampler(items, { ...opts, rank, worldSize }));
      for (const epoch of [0, 1]) {
        const shards = samplers.map((s) => s.order(epoch));
        const len = Math.ceil(n / worldSize);
        for (const s of shards) assert.equal(s.length, len);
        const all = shards.flat();
        assert.deepEqual([...new Set(all)].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'covers the datalist');
        // Items repeat only through the documented padding: the first entries of the global order.
        const global = samplers[0].globalOrder(epoch);
        const pad = len * worldSize - n;
        const seen = new Map<number, number>();
        for (const i of all) seen.set(i, (seen.get(i) ?? 0) + 1);
        const repeated = [...seen].filter(([, c]) => c > 1).map(([i]) => i).sort((a, b) => a - b);
        assert.deepEqual(repeated, global.slice(0, pad).sort((a, b) => a - b), `world ${worldSize}, ${n} items, epoch ${epoch}`);
        if (n % worldSize === 0) assert.equal(new Set(all).size, all.length, 'disjoint when the list divides evenly');
      }
      if (worldSize > 1) assert.notDeepEqual(samplers[0].order(0), samplers[0].order(1), 'the shard changes with the reshuffle');
    }
  }
});

test('every rank computes the same global order', () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ category: i % 3, weight: 1 + (i % 4) }));
  for (const extra of [{}, { sampling: 'element' as const }, { sampling: 'automatic' as const }, { itemsPerCategory: 7 }]) {
    const opts = { seed: 5, shuffle: true, duplicateCount: 2, ...extra };
    const ref = createSampler(items, opts).globalOrder(3);
    for (let rank = 0; rank < 3; rank++) {
      const s = createSampler(items, { ...opts, rank, worldSize: 3 });
      assert.deepEqual(s.globalOrder(3), ref);
      assert.deepEqual(s.order(3), shard(ref, rank, 3));
      assert.equal(s.length, Math.ceil(ref.length / 3));
    }
  }
});

test('a list shorter than the world wraps around more than once', () => {
  assert.deepEqual([0, 1, 2, 3].map((r) => shard([7], r, 4)), [[7], [7], [7], [7]]);
  assert.deepEqual([0, 1, 2].map((r) => shard([7, 8], r, 3)), [[7], [8], [7]]);
});
