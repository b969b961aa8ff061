// A process of the chunked-cache durability tests.
//   warm DIR              puts items warm0000, warm0001, ... forever, printing
//                         "begin k" before and "done k" after each put (the
//                         test kills it with SIGKILL in the middle of one)
//   writer DIR KEY N W    puts writer W's version of KEY N times
//   reader DIR KEY N WS   waits for KEY, then opens it N times (closing the
//                         store's files in between) and checks each read is
//                         exactly one of the WS writers' samples
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeSync } from 'node:fs';
import { ChunkedStore } from '../../../src/cache/index.js';
import { chunkedSample } from '../chunked-samples.js';

const [role, dir, key, nArg, wArg] = process.argv.slice(2);
const warnings: string[] = [];
const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8], onWarning: (m) => warnings.push(m) });

if (role === 'warm') {
  const sample = chunkedSample(0, [160, 160, 48]);
  for (let k = 0; ; k++) {
    const name = `warm${String(k).padStart(4, '0')}`;
    writeSync(1, `begin ${k}\n`);
    store.put(name, { ...sample, k }, { maps: { image: { k } } });
    writeSync(1, `done ${k}\n`);
  }
} else if (role === 'writer') {
  const w = Number(wArg);
  const sample = { ...chunkedSample(w), writer: w };
  for (let i = 0; i < Number(nArg); i++) store.put(key, sample);
  process.stdout.write(JSON.stringify({ role, warnings }));
} else {
  const writers = Number(wArg);
  const expected = Array.from({ length: writers }, (_, w) => ({ ...chunkedSample(w), writer: w }));
  const report = { role, opens: 0, hits: 0, bad: 0, warnings };
  const deadline = Date.now() + 60_000;
  while (!store.has(key) && Date.now() < deadline) await sleep(2);
  for (let i = 0; i < Number(nArg); i++) {
    store.close();
    const item = store.open(key);
    report.opens++;
    if (!item) continue;
    report.hits++;
    const got = item.toSample();
    try {
      assert.ok(got);
      assert.deepStrictEqual(got, expected[got.writer as number]);
      // A box read through the same handle agrees with the whole read.
      const box = item.readBox('image', [3, 4, 2], [20, 30, 9])!;
      assert.equal(box.length, 17 * 26 * 7);
    } catch {
      report.bad++;
    }
  }
  process.stdout.write(JSON.stringify(report));
}
