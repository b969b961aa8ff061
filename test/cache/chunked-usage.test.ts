import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkedStore, CHUNKED_FORMAT_VERSION } from '../../src/cache/index.js';
import { readUsage, recordUsage } from '../../src/cache/chunked/usage.js';
import { tempDir } from '../helpers.js';
import { chunkedSample } from './chunked-samples.js';

test('hit rate over the cache\'s lifetime: stores of several runs flush their lookups, stats sums them, clear resets them', (t) => {
  const dir = tempDir(t);
  const first = new ChunkedStore({ dir });
  first.put('usage0001', chunkedSample(1));
  assert.ok(first.open('usage0001'));
  assert.equal(first.open('usage0002'), undefined);
  first.close();
  const second = new ChunkedStore({ dir });
  for (let i = 0; i < 3; i++) assert.ok(second.open('usage0001'));
  // Not flushed yet: stats() still counts this instance's own lookups.
  const s = second.stats();
  assert.deepEqual([s.lifetime.hits, s.lifetime.misses], [4, 1]);
  assert.equal(s.lifetime.hitRate, 0.8);
  second.close();
  assert.deepEqual([new ChunkedStore({ dir }).stats().lifetime.hits, new ChunkedStore({ dir }).stats().lifetime.misses], [4, 1]);
  second.close();
  assert.equal(readdirSync(join(dir, `chunked-v${CHUNKED_FORMAT_VERSION}`, 'usage')).length, 2, 'closing again adds nothing');
  new ChunkedStore({ dir }).clear();
  assert.deepEqual(new ChunkedStore({ dir }).stats().lifetime, { hits: 0, misses: 0, corrupt: 0, evicted: 0, refused: 0, hitRate: 0 });
});

test('many usage files are merged into one sum without losing or doubling a count', (t) => {
  const root = tempDir(t);
  for (let i = 0; i < 40; i++) recordUsage(root, { hits: i, misses: 1, corrupt: i % 2, evicted: 0, refused: 0 });
  const want = { hits: 780, misses: 40, corrupt: 20, evicted: 0, refused: 0 };
  assert.deepEqual(readUsage(root), want);
  assert.equal(readdirSync(join(root, 'usage')).length, 1);
  assert.deepEqual(readUsage(root), want);
});
