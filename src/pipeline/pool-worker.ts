import { parentPort } from 'node:worker_threads';
import { serializeError, type WorkerReply } from './pool.js';

/** What a task handler returns: the result and the buffers to transfer (not copy) with it. */
export interface TaskOutput {
  result: unknown;
  transferList?: ArrayBuffer[];
}

/**
 * The whole worker side of `WorkerPool`: call it once from a worker entry
 * with a handler; each message is one task, answered with its result or its
 * error. The handler may be async; tasks on one worker never overlap.
 */
export function serveTasks(handler: (payload: unknown) => TaskOutput | Promise<TaskOutput>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run inside a worker thread');
  port.on('message', async ({ id, payload }: { id: number; payload: unknown }) => {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const out = await handler(payload);
      reply = { id, ok: true, result: out.result };
      transfer = out.transferList ?? [];
    } catch (e) {
      reply = { id, ok: false, error: serializeError(e) };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ ready: true });
}
