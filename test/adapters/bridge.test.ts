import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { SlotRing, layoutBatch, encodeHeader, epochBatchCount, serveBridge, parseRequest, SLOT_ALIGN, type BridgeSession, type Reply } from '../../src/adapters/bridge/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import type { Pipeline } from '../../src/pipeline/engine.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';

/** Batch `i` of epoch `e`: image float32 [2, 3] = e * 100 + i * 10 + k, label uint8 [2]. */
function fakeBatch(e: number, i: number): Batch {
  const image = Float32Array.from({ length: 6 }, (_, k) => e * 100 + i * 10 + k);
  return {
    epoch: e,
    index: i,
    fields: { image: { data: image, shape: [2, 3], dtype: 'float32' }, label: { data: Uint8Array.of(i, e), shape: [2], dtype: 'uint8' } },
    rows: [{ position: 2 * i, item: i, crop: 0 }, { position: 2 * i + 1, item: i + 1, crop: 0 }],
  };
}

/** A Pipeline whose epochs have `n` fake batches (a failure at batch `failAt` of epoch 9). */
function fakePipeline(n: number): Pipeline & { closed: boolean } {
  const p = {
    closed: false,
    events: new EventEmitter(),
    async *epoch(e: number, o: { signal?: AbortSignal } = {}) {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setImmediate(r));
        if (o.signal?.aborted) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline was aborted');
        if (e === 9 && i === 1) throw new VoxelpipeError('ERR_TRUNCATED', '/data/x.nii.gz: file is truncated');
        if (e === 8) throw new Error('boom');
        yield fakeBatch(e, i);
      }
    },
    describe: () => 'Fake -> Chain | batch 2',
    order: (e: number) => Array.from({ length: n * 2 }, (_, k) => (k + e) % (n * 2)),
    metrics: () => ({ epoch: 0, samples: 7 }),
    close: async () => void (p.closed = true),
  };
  return p as unknown as Pipeline & { closed: boolean };
}

/** A server on in-memory streams; `next()` is its next reply. */
function harness(t: { after: (fn: () => void) => void }, open: () => BridgeSession | Promise<BridgeSession>) {
  const input = new PassThrough();
  const replies: Reply[] = [];
  let wake: (() => void) | undefined;
  const server = serveBridge({
    input,
    write: (line) => {
      replies.push(JSON.parse(line) as Reply);
      wake?.();
    },
    open: () => open(),
    version: '9.9.9',
  });
  t.after(() => {
    input.end();
    server.removeSlotsNow();
  });
  const next = async (timeoutMs = 5000): Promise<Reply> => {
    const deadline = Date.now() + timeoutMs;
    while (!replies.length) {
      if (Date.now() > deadline) throw new Error('no reply');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return replies.shift()!;
  };
  const quiet = async (ms = 150) => {
    await new Promise((r) => setTimeout(r, ms));
    return replies.splice(0);
  };
  return { send: (o: object) => input.write(JSON.stringify(o) + '\n'), next, quiet, input, server };
}

const session = (p: Pipeline, shmDir?: string): BridgeSession => ({ pipeline: p, warnings: ['a config warning'], batchCount: () => 3, rank: 0, worldSize: 1, ...(shmDir ? {} : {}) });

test('layoutBatch places fields at 4096-aligned offsets after the header; the header says the same', () => {
  const b = fakeBatch(1, 2);
  const l = layoutBatch(b);
  assert.deepEqual(l.fields, {
    image: { dtype: 'float32', shape: [2, 3], offset: SLOT_ALIGN, nbytes: 24 },
    label: { dtype: 'uint8', shape: [2], offset: 2 * SLOT_ALIGN, nbytes: 2 },
  });
  assert.equal(l.bytes, 3 * SLOT_ALIGN);
  const h = encodeHeader(7, { stream: 1, epoch: 1, index: 2 }, l);
  assert.equal(h.subarray(0, 8).toString('latin1'), 'VXPSLOT1');
  assert.deepEqual(JSON.parse(h.subarray(12, 12 + h.readUInt32LE(8)).toString()), { seq: 7, stream: 1, epoch: 1, index: 2, fields: l.fields });
});

test('SlotRing: slots come back only through release, in release order; writes land at their offsets; close removes the folder', async (t) => {
  const ring = new SlotRing(tempDir(t), 2);
  assert.match(ring.dir, /\/voxelpipe-\d+-[A-Za-z0-9]{6}$/);
  assert.deepEqual(readdirSync(ring.dir).sort(), ['slot-0', 'slot-1']);
  assert.equal(await ring.acquire(), 0);
  assert.equal(await ring.acquire(), 1);
  let third: number | undefined;
  const waiting = ring.acquire().then((k) => (third = k));
  await new Promise((r) => setImmediate(r));
  assert.equal(third, undefined, 'no slot is free: acquire waits');
  ring.release(1);
  await waiting;
  assert.equal(third, 1);
  assertVoxelpipeError(() => ring.release(5), 'ERR_INVALID_ARGUMENT', ['release of slot 5, but there are slots 0..1']);
  ring.release(0);
  assertVoxelpipeError(() => ring.release(0), 'ERR_INVALID_ARGUMENT', ['release of slot 0, which is not in use']);

  const b = fakeBatch(3, 4);
  await assert.rejects(ring.write(0, b, { stream: 1, epoch: 3, index: 4 }), /write to slot 0, which was not acquired/);
  assert.equal(await ring.acquire(), 0);
  const w = await ring.write(0, b, { stream: 1, epoch: 3, index: 4 });
  const file = readFileSync(ring.file(0));
  assert.equal(file.length, w.bytes);
  const img = w.fields.image;
  assert.deepEqual(new Float32Array(file.buffer.slice(file.byteOffset + img.offset, file.byteOffset + img.offset + img.nbytes)), b.fields.image.data);
  assert.deepEqual([...file.subarray(w.fields.label.offset, w.fields.label.offset + 2)], [4, 3]);
  assert.equal(JSON.parse(file.subarray(12, 12 + file.readUInt32LE(8)).toString()).seq, w.seq);
  assert.equal((await ring.write(0, b, { stream: 1, epoch: 3, index: 4 })).seq, w.seq + 1);

  const abort = new AbortController();
  const stopped = ring.acquire(abort.signal);
  abort.abort();
  await assert.rejects(stopped, (e: unknown) => e instanceof VoxelpipeError && e.code === 'ERR_ABORTED');
  ring.release(1);
  ring.close();
  ring.close();
  assert.equal(existsSync(ring.dir), false);
  await assert.rejects(ring.acquire(), (e: unknown) => e instanceof VoxelpipeError && e.code === 'ERR_ABORTED');
});

test('SlotRing refuses a ring larger than the free shared memory in one line, before writing', async (t) => {
  const ring = new SlotRing(tempDir(t), 3);
  t.after(() => ring.close());
  const huge = { data: { buffer: new ArrayBuffer(8), byteOffset: 0, byteLength: 2 ** 52 }, shape: [2 ** 50], dtype: 'float32' };
  const batch = { epoch: 0, index: 0, fields: { image: huge }, rows: [] } as unknown as Batch;
  const slot = await ring.acquire();
  await assert.rejects(ring.write(slot, batch, { stream: 1, epoch: 0, index: 0 }), (e: unknown) => {
    assert.ok(e instanceof VoxelpipeError && e.code === 'ERR_FILE_WRITE');
    assert.match(e.message, /3 batch slots of 4\.00 PiB need 12\.0 PiB of shared memory, .* is free: give it more \(docker run --shm-size=2g\), use fewer slots, or put the slots elsewhere/);
    return true;
  });
  assert.equal(readFileSync(ring.file(slot)).length, 0, 'nothing written');
});

test('requests are checked: a bad one is a one-line error naming what is wrong', () => {
  assertVoxelpipeError(() => parseRequest('{"op":"open"'), 'ERR_INVALID_ARGUMENT', ['bridge: a request is not JSON: {"op":"open"']);
  assertVoxelpipeError(() => parseRequest('{"op":"fly"}'), 'ERR_INVALID_ARGUMENT', ['request.op: expected one of open, epoch, release, length, metrics, stop, close, got "fly"']);
  assertVoxelpipeError(() => parseRequest('{"op":"epoch","stream":1,"epoch":-2}'), 'ERR_INVALID_ARGUMENT', ['epoch request.epoch: expected a number >= 0, got -2']);
  assertVoxelpipeError(() => parseRequest('{"op":"open","config":"c.json","slot":3}'), 'ERR_INVALID_ARGUMENT', ['open request.slot: unknown key']);
  assert.deepEqual(parseRequest('{"op":"open","config":"/c.json"}'), { op: 'open', config: '/c.json', seed: 0, set: [], slots: 3 });
});

test('the server streams an epoch into free slots only, ends it, and answers length', async (t) => {
  const shm = tempDir(t);
  const p = fakePipeline(4);
  const h = harness(t, () => session(p));
  assert.deepEqual(await h.next(), { op: 'hello', protocol: 1, version: '9.9.9', pid: process.pid });
  h.send({ op: 'epoch', stream: 1, epoch: 0 });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_INVALID_ARGUMENT', message: 'bridge: epoch: no pipeline is open (send "open" first)' });
  h.send({ op: 'open', config: '/c.json', slots: 2, shm_dir: shm });
  const opened = await h.next();
  assert.equal(opened.op, 'opened');
  if (opened.op !== 'opened') return;
  assert.deepEqual({ ...opened, dir: '' }, { op: 'opened', describe: 'Fake -> Chain | batch 2', dir: '', slots: 2, rank: 0, world_size: 1, warnings: ['a config warning'] });
  assert.ok(opened.dir.startsWith(shm));
  h.send({ op: 'length', epoch: 5 });
  assert.deepEqual(await h.next(), { op: 'length', epoch: 5, batches: 3 });
  h.send({ op: 'metrics' });
  assert.deepEqual(await h.next(), { op: 'metrics', metrics: { epoch: 0, samples: 7 } });

  h.send({ op: 'epoch', stream: 1, epoch: 2 });
  const b0 = await h.next();
  const b1 = await h.next();
  assert.deepEqual([b0, b1].map((b) => b.op === 'batch' && [b.index, b.slot]), [[0, 0], [1, 1]]);
  assert.deepEqual(await h.quiet(), [], 'both slots are held: nothing more is written');
  if (b0.op !== 'batch') return;
  assert.deepEqual(b0.rows, fakeBatch(2, 0).rows);
  const file = readFileSync(join(opened.dir, 'slot-0'));
  assert.deepEqual(new Float32Array(file.buffer.slice(file.byteOffset + b0.fields.image.offset, file.byteOffset + b0.fields.image.offset + 24)), fakeBatch(2, 0).fields.image.data);
  h.send({ op: 'release', slot: 1 });
  const b2 = await h.next();
  assert.equal(b2.op === 'batch' && b2.slot, 1);
  h.send({ op: 'release', slot: 0 });
  h.send({ op: 'release', slot: 1 });
  const b3 = await h.next();
  assert.equal(b3.op === 'batch' && b3.index, 3);
  const end = await h.next();
  assert.equal(end.op, 'end');
  if (end.op === 'end') assert.deepEqual([end.stream, end.epoch, end.batches], [1, 2, 4]);
  h.send({ op: 'release', slot: 7 });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_INVALID_ARGUMENT', message: 'bridge: release of slot 7, but there are slots 0..1' });
});

test('a new epoch ends the stream before it; errors in an epoch carry its stream; close cleans up', async (t) => {
  const p = fakePipeline(6);
  const h = harness(t, () => session(p));
  await h.next();
  h.send({ op: 'open', config: '/c.json', slots: 1, shm_dir: tempDir(t) });
  const opened = await h.next();
  h.send({ op: 'epoch', stream: 1, epoch: 0 });
  const first = await h.next();
  assert.equal(first.op === 'batch' && first.stream, 1);
  h.send({ op: 'epoch', stream: 2, epoch: 1 });
  h.send({ op: 'release', slot: 0 });
  const second = await h.next();
  assert.deepEqual(second.op === 'batch' && [second.stream, second.epoch, second.index], [2, 1, 0], 'stream 1 sent nothing more');
  h.send({ op: 'release', slot: 0 });
  h.send({ op: 'stop' });
  await h.quiet();
  h.send({ op: 'epoch', stream: 3, epoch: 9 });
  const b = await h.next();
  h.send({ op: 'release', slot: b.op === 'batch' ? b.slot : -1 });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_TRUNCATED', message: '/data/x.nii.gz: file is truncated', stream: 3 });
  h.send({ op: 'epoch', stream: 4, epoch: 8 });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_INTERNAL', message: 'internal error: boom', stream: 4 });
  h.send({ op: 'open', config: '/c.json' });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_INVALID_ARGUMENT', message: 'bridge: open: a pipeline is already open (one per server)' });
  h.send({ op: 'close' });
  assert.deepEqual(await h.next(), { op: 'closed' });
  await h.server.done;
  assert.equal(p.closed, true);
  assert.equal(opened.op === 'opened' && existsSync(opened.dir), false);
});

test('the end of the input (the client died) closes the pipeline and removes the slots', async (t) => {
  const p = fakePipeline(3);
  const h = harness(t, () => session(p));
  await h.next();
  h.send({ op: 'open', config: '/c.json', shm_dir: tempDir(t) });
  const opened = await h.next();
  h.send({ op: 'epoch', stream: 1, epoch: 0 });
  await h.next();
  h.input.end();
  await h.server.done;
  assert.equal(p.closed, true);
  assert.equal(opened.op === 'opened' && existsSync(opened.dir), false);
});

test('an open that fails is an error reply with voxelpipe\'s code and message; the server stays up', async (t) => {
  let calls = 0;
  const h = harness(t, () => {
    if (calls++ === 0) throw new VoxelpipeError('ERR_CONFIG', 'c.json: train.image_pipeline.args.output_batch_size: expected a number, got "two"');
    return session(fakePipeline(1));
  });
  await h.next();
  h.send({ op: 'open', config: '/c.json', shm_dir: tempDir(t) });
  assert.deepEqual(await h.next(), { op: 'error', code: 'ERR_CONFIG', message: 'c.json: train.image_pipeline.args.output_batch_size: expected a number, got "two"' });
  h.send({ op: 'open', config: '/c.json', shm_dir: tempDir(t) });
  assert.equal((await h.next()).op, 'opened');
});

test('epochBatchCount: batch size, batched_by_transforms, batches_to_gen_at_once, skipped samples', () => {
  const crop = (extra: object = {}) => [{ name: 'FastCropByPosNegRatio', args: { batch_size: 4, ...extra } }];
  assert.equal(epochBatchCount({ batchSize: 2, transforms: crop() }, 5), 3);
  assert.equal(epochBatchCount({ batchSize: 2, transforms: crop() }, 4), 2);
  assert.equal(epochBatchCount({ transforms: crop() }, 25), 3, 'the default batch size is 10');
  assert.equal(epochBatchCount({ batchSize: 2, batchedByTransforms: true, transforms: crop() }, 5), 5);
  assert.equal(epochBatchCount({ batchSize: 2, transforms: crop({ batches_to_gen_at_once: 3 }) }, 5), 8);
  assert.equal(epochBatchCount({ batchSize: 2, transforms: [{ ...crop({ batches_to_gen_at_once: 3 })[0], disabled: true }] }, 5), 3);
  assert.equal(epochBatchCount({ batchSize: 2, transforms: crop(), skipBadSamples: true }, 5), null);
});
