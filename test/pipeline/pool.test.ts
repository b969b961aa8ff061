import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool } from '../../src/pipeline/pool.js';
import { VoxelpipeError } from '../../src/util/errors.js';

const WORKER = new URL('./workers/echo-worker.ts', import.meta.url);

test('pool: runs tasks on all workers, queues the rest, keeps results with their tasks', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 2 });
  try {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run<number>({ op: 'echo', value: i })));
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(pool.stats.completed, 20);
    assert.equal(pool.stats.size, 2);
  } finally {
    await pool.close();
  }
});

test('pool: buffers are transferred both ways, not copied', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 1 });
  try {
    const a = new Float32Array(1 << 20).fill(0.5);
    const r = await pool.run<{ sum: number; out: ArrayBuffer; received: number }>({ op: 'sum', buffer: a.buffer }, { transferList: [a.buffer] });
    assert.equal(r.sum, 1 << 19);
    assert.equal(r.received, 4 << 20);
    assert.equal(a.buffer.byteLength, 0, 'the sender no longer owns a transferred buffer');
    assert.equal(new Float32Array(r.out)[0], 1 << 19);
  } finally {
    await pool.close();
  }
});

test('pool: a task error comes back with its code; the worker keeps serving', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 1 });
  try {
    await assert.rejects(pool.run({ op: 'throw' }), (e: unknown) => e instanceof VoxelpipeError && e.code === 'ERR_TRANSFORM' && e.message === 'planted failure');
    await assert.rejects(pool.run({ op: 'throw-plain' }), (e: Error) => e.name === 'TypeError' && e.message === 'plain failure');
    assert.equal(await pool.run({ op: 'echo', value: 7 }), 7);
    assert.equal(pool.stats.respawned, 0);
  } finally {
    await pool.close();
  }
});

test('pool: a worker that dies is replaced; its task fails with ERR_WORKER_DIED; others finish', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 2 });
  try {
    const tasks = [pool.run({ op: 'exit' }), ...Array.from({ length: 6 }, (_, i) => pool.run<number>({ op: 'echo', value: i }))];
    const settled = await Promise.allSettled(tasks);
    assert.equal(settled[0].status, 'rejected');
    assert.equal(((settled[0] as PromiseRejectedResult).reason as VoxelpipeError).code, 'ERR_WORKER_DIED');
    assert.deepEqual(settled.slice(1).map((s) => (s as PromiseFulfilledResult<number>).value), [0, 1, 2, 3, 4, 5]);
    assert.equal(pool.stats.respawned, 1);
    assert.equal(pool.stats.size, 2);
    assert.equal(await pool.run({ op: 'echo', value: 9 }), 9);
  } finally {
    await pool.close();
  }
});

test('pool: a hung task times out, its worker is replaced', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 1, taskTimeoutMs: 300 });
  try {
    await assert.rejects(pool.run({ op: 'hang' }), (e: VoxelpipeError) => e.code === 'ERR_TIMEOUT' && /longer than 300 ms/.test(e.message));
    assert.equal(await pool.run({ op: 'echo', value: 1 }), 1);
  } finally {
    await pool.close();
  }
});

test('pool: abort signal rejects a queued task; close rejects the rest', async () => {
  const pool = new WorkerPool({ filename: WORKER, size: 1 });
  const ctrl = new AbortController();
  const first = pool.run({ op: 'echo', value: 1 });
  const queued = pool.run({ op: 'echo', value: 2 }, { signal: ctrl.signal });
  ctrl.abort();
  await assert.rejects(queued, (e: VoxelpipeError) => e.code === 'ERR_ABORTED');
  assert.equal(await first, 1);
  await pool.close();
  await assert.rejects(pool.run({ op: 'echo', value: 3 }), (e: VoxelpipeError) => e.code === 'ERR_ABORTED');
  assert.throws(() => new WorkerPool({ filename: WORKER, size: 0 }), /positive integer, got 0/);
});
