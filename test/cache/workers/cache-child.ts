// A process of the concurrent-writers test: `writer` puts its own version of
// one key many times; `reader` waits for the key to exist, then gets it many
// times and checks each result is exactly one writer's sample.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskCache } from '../../../src/cache/index.js';
import { makeSample } from '../samples.js';

const [role, dir, key, iterationsArg, writersArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const writers = Number(writersArg);
const SHAPE: [number, number, number] = [48, 40, 24];
const sampleOf = (w: number) => ({ ...makeSample(w, SHAPE), writer: w });

const warnings: string[] = [];
const cache = new DiskCache({ dir, onWarning: (m) => warnings.push(m) });
const report = { role, gets: 0, hits: 0, bad: 0, warnings };

if (role === 'writer') {
  const w = Number(process.argv[7]);
  const sample = sampleOf(w);
  for (let i = 0; i < iterations; i++) cache.put(key, sample);
} else {
  const expected = Array.from({ length: writers }, (_, w) => sampleOf(w));
  const deadline = Date.now() + 60_000;
  while (!cache.has(key) && Date.now() < deadline) await sleep(2);
  for (let i = 0; i < iterations; i++) {
    const got = cache.get(key, { shared: i % 2 === 1 });
    report.gets++;
    if (!got) continue;
    report.hits++;
    try {
      assert.deepStrictEqual(got, expected[got.writer as number]);
    } catch {
      report.bad++;
    }
  }
}
process.stdout.write(JSON.stringify(report));
