import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleRuns } from '../../src/view/sample-runs.js';
import { WorkQueue } from '../../src/view/work-queue.js';
import { HttpError } from '../../src/view/http.js';
import type { Pipeline } from '../../src/pipeline/engine.js';
import type { ApplyOptions } from '../../src/transforms/chain.js';

/** A pipeline of 3 samples whose one step outputs `bytes` of voxels; sample 2 throws after it. */
function fakePipeline(bytes: number) {
  const calls: string[] = [];
  let running = 0;
  let overlapped = false;
  const p = {
    order: () => [10, 11, 12],
    async sample(e: number, i: number, o?: ApplyOptions) {
      calls.push(`${e}:${i}`);
      overlapped ||= running > 0;
      running++;
      await new Promise((r) => setTimeout(r, 5));
      running--;
      const output = { image: new Uint8Array(bytes) };
      o?.onStep?.({ index: 0, name: 'Load', ns: 1e6, random: false, output, result: output, args: {} });
      if (i === 2) throw new Error('Broken: bad case\nmore');
      return output;
    },
  } as unknown as Pipeline;
  return { p, calls, overlapped: () => overlapped };
}

test('sample runs: one chain at a time, kept within the byte budget (newest always), a throwing sample kept with its error', async () => {
  const f = fakePipeline(1000);
  const runs = new SampleRuns(f.p, new WorkQueue(), 2500);
  const [a, b] = await Promise.all([runs.get(0, 0), runs.get(0, 1), runs.get(0, 0)]);
  assert.equal(a.item, 10);
  assert.equal(b.item, 11);
  assert.equal(a.bytes, 1000);
  assert.equal(a.steps[0].ms, 1);
  assert.deepEqual(f.calls, ['0:0', '0:1'], 'the same sample asked twice runs once');
  assert.equal(f.overlapped(), false, 'chains never run at once');
  const c = await runs.get(0, 2);
  assert.equal(c.error, 'Broken: bad case');
  assert.equal(c.steps.length, 1);
  // 3000 bytes held > 2500: the least recently used (0:1; 0:0 was asked again after it) went.
  await runs.get(0, 0);
  await runs.get(0, 2);
  assert.deepEqual(f.calls, ['0:0', '0:1', '0:2']);
  await runs.get(0, 1);
  assert.deepEqual(f.calls, ['0:0', '0:1', '0:2', '0:1']);
  assert.throws(() => runs.get(0, 3), (e: unknown) => e instanceof HttpError && e.status === 404 && e.message === 'sample 3 of epoch 0 does not exist (the epoch has 3: 0..2)');

  // A budget smaller than one sample still keeps the newest.
  const g = fakePipeline(5000);
  const tight = new SampleRuns(g.p, new WorkQueue(), 10);
  await tight.get(1, 0);
  await tight.get(1, 0);
  assert.deepEqual(g.calls, ['1:0']);
});
