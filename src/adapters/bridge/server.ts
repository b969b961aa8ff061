import { createInterface } from 'node:readline';
import { VoxelpipeError } from '../../util/errors.js';
import type { Pipeline } from '../../pipeline/engine.js';
import { PROTOCOL_VERSION, encodeReply, parseRequest, type OpenRequest, type Reply, type Request } from './protocol.js';
import { SlotRing, defaultShmDir } from './slots.js';

/**
 * The server side of the bridge (`voxelpipe serve --stdio`): reads requests
 * line by line, opens one pipeline, streams an epoch's batches into slot
 * files as slots come free, and cleans up on `close`, on the end of its
 * input (the client died) or when `signal` aborts (SIGTERM).
 */

/** What opening a pipeline for a client gives the server. */
export interface BridgeSession {
  pipeline: Pipeline;
  /** Config warnings, sent with the `opened` reply. */
  warnings: string[];
  /** Batches epoch `e` has, or null when unknowable ahead. */
  batchCount(e: number): number | null;
  rank: number;
  worldSize: number;
}

export interface BridgeServerOptions {
  input: NodeJS.ReadableStream;
  /** Writes one protocol line (the caller's stdout, kept for the protocol alone). */
  write: (line: string) => void;
  open: (req: OpenRequest) => BridgeSession | Promise<BridgeSession>;
  /** voxelpipe's version, for the hello line. */
  version: string;
  signal?: AbortSignal;
  /** Where stack traces go under VOXELPIPE_DEBUG=1. */
  debug?: (s: string) => void;
}

export interface BridgeServer {
  /** Settles when the server is done (closed, input ended or aborted) and cleaned up. */
  done: Promise<void>;
  /** Removes the slot files now (synchronous: for a process 'exit' hook). */
  removeSlotsNow(): void;
}

interface Stream {
  id: number;
  abort: AbortController;
  finished: Promise<void>;
}

export function serveBridge(o: BridgeServerOptions): BridgeServer {
  const send = (r: Reply) => o.write(encodeReply(r));
  let session: BridgeSession | undefined;
  let ring: SlotRing | undefined;
  let current: Stream | undefined;
  let shuttingDown: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((res) => (resolveDone = res));

  const errorReply = (e: unknown, stream?: number): Reply => {
    if (o.debug && e instanceof Error && e.stack) o.debug(`${e.stack}\n`);
    if (e instanceof VoxelpipeError) return { op: 'error', code: e.code, message: e.message, ...(stream === undefined ? {} : { stream }) };
    // Not a user error: a bug in voxelpipe, said as the CLI says it.
    return { op: 'error', code: 'ERR_INTERNAL', message: `internal error: ${(e as Error)?.message ?? String(e)}`, ...(stream === undefined ? {} : { stream }) };
  };

  const stopStream = async () => {
    const s = current;
    if (!s) return;
    current = undefined;
    s.abort.abort();
    await s.finished;
  };

  async function runStream(id: number, e: number, signal: AbortSignal): Promise<void> {
    const it = session!.pipeline.epoch(e, { signal })[Symbol.asyncIterator]();
    let batches = 0;
    let writeMs = 0;
    let slotWaitMs = 0;
    let pipelineMs = 0;
    let finished = false;
    try {
      for (;;) {
        let t = performance.now();
        const r = await it.next();
        pipelineMs += performance.now() - t;
        if (r.done) {
          finished = true;
          break;
        }
        t = performance.now();
        const slot = await ring!.acquire(signal);
        slotWaitMs += performance.now() - t;
        t = performance.now();
        let placed;
        try {
          placed = await ring!.write(slot, r.value, { stream: id, epoch: e, index: r.value.index });
        } catch (err) {
          ring!.release(slot);
          throw err;
        }
        writeMs += performance.now() - t;
        // The batch's bytes are in the slot file now: its engine slot takes the next rows.
        r.value.release?.();
        send({ op: 'batch', stream: id, epoch: e, index: r.value.index, slot, seq: placed.seq, bytes: placed.bytes, fields: placed.fields, rows: r.value.rows });
        batches++;
      }
      const ms = (x: number) => Math.round(x * 10) / 10;
      send({ op: 'end', stream: id, epoch: e, batches, write_ms: ms(writeMs), slot_wait_ms: ms(slotWaitMs), pipeline_ms: ms(pipelineMs) });
    } catch (err) {
      // A stream the client stopped ends without a reply: it no longer listens for it.
      if (!signal.aborted) send(errorReply(err, id));
    } finally {
      if (!finished) await it.return?.(undefined).catch(() => undefined);
    }
  }

  async function handle(req: Request): Promise<void> {
    switch (req.op) {
      case 'open': {
        if (session) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'bridge: open: a pipeline is already open (one per server)');
        const s = await o.open(req);
        try {
          ring = new SlotRing(req.shm_dir ?? defaultShmDir(), req.slots);
        } catch (e) {
          await s.pipeline.close();
          throw e;
        }
        session = s;
        s.pipeline.events.on('warning', (message: string) => send({ op: 'warning', message }));
        send({ op: 'opened', describe: s.pipeline.describe(), dir: ring.dir, slots: ring.count, rank: s.rank, world_size: s.worldSize, warnings: s.warnings });
        return;
      }
      case 'close':
        await shutdown();
        send({ op: 'closed' });
        return;
    }
    if (!session) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: ${req.op}: no pipeline is open (send "open" first)`);
    switch (req.op) {
      case 'epoch': {
        await stopStream();
        const abort = new AbortController();
        const stream: Stream = { id: req.stream, abort, finished: Promise.resolve() };
        stream.finished = runStream(req.stream, req.epoch, abort.signal);
        current = stream;
        return;
      }
      case 'stop':
        return stopStream();
      case 'release':
        return ring!.release(req.slot);
      case 'length':
        return send({ op: 'length', epoch: req.epoch, batches: session.batchCount(req.epoch) });
      case 'metrics':
        return send({ op: 'metrics', metrics: session.pipeline.metrics() });
    }
  }

  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      rl.close();
      await stopStream().catch(() => undefined);
      await session?.pipeline.close().catch(() => undefined);
      ring?.close();
      resolveDone();
    })();
    return shuttingDown;
  }

  // Requests are handled one after another, in order; a stream runs on in
  // the background, so releases reach it while it waits for a slot.
  const rl = createInterface({ input: o.input, crlfDelay: Infinity });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      if (shuttingDown) return;
      try {
        await handle(parseRequest(line));
      } catch (e) {
        send(errorReply(e));
      }
    });
  });
  // The client went away (closed our stdin, or died): clean up and stop.
  rl.on('close', () => void queue.then(shutdown));
  o.signal?.addEventListener('abort', () => void shutdown(), { once: true });

  send({ op: 'hello', protocol: PROTOCOL_VERSION, version: o.version, pid: process.pid });
  return { done, removeSlotsNow: () => ring?.close() };
}
