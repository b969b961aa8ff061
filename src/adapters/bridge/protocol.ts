import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { formatZodIssues } from '../../util/schema-errors.js';
import type { ArrayDType } from '../../volume/dtype.js';
import type { BatchRow } from '../../pipeline/batch.js';
import type { PipelineMetrics } from '../../pipeline/engine.js';

/**
 * The bridge protocol (docs/python.md): one JSON object per line, requests
 * on the server's stdin, replies and events on its stdout; batch bytes go
 * through slot files in shared memory, never through the pipe. Every
 * message has an `op`. Bump the version on any change a client would notice.
 */
export const PROTOCOL_VERSION = 1;

const count = z.number().int().min(0);

const OpenRequest = z.strictObject({
  op: z.literal('open'),
  /** Absolute paths (the client resolves them against its own working folder). */
  config: z.string().min(1),
  env: z.string().min(1).optional(),
  mmar: z.string().min(1).optional(),
  /** Default: train (validate for an evaluation config, which has only that). */
  section: z.enum(['train', 'validate']).optional(),
  seed: count.default(0),
  workers: count.optional(),
  prefetch: count.optional(),
  set: z.array(z.string()).default([]),
  rank: count.optional(),
  world_size: z.number().int().min(1).optional(),
  cache_dir: z.string().min(1).optional(),
  skip_bad_samples: z.boolean().optional(),
  /** Batch slots in shared memory: the batches the server may have written ahead, plus the one the client holds. */
  slots: z.number().int().min(1).max(64).default(3),
  /** Folder of the slot files (default: /dev/shm, or VOXELPIPE_SHM_DIR). */
  shm_dir: z.string().min(1).optional(),
});

const requestSchemas = {
  open: OpenRequest,
  /** Start streaming epoch `epoch` as stream `stream` (ends the stream before it). */
  epoch: z.strictObject({ op: z.literal('epoch'), stream: count, epoch: count }),
  /** The client is done with a slot: it may be written again. */
  release: z.strictObject({ op: z.literal('release'), slot: count }),
  /** How many batches epoch `epoch` has (null when it cannot be known ahead). */
  length: z.strictObject({ op: z.literal('length'), epoch: count }),
  /** The pipeline's metrics (`pipeline.metrics()`: samples, transform times, cache, pool). */
  metrics: z.strictObject({ op: z.literal('metrics') }),
  /** End the current stream early (the client left its loop). */
  stop: z.strictObject({ op: z.literal('stop') }),
  close: z.strictObject({ op: z.literal('close') }),
} as const;

export type OpenRequest = z.infer<typeof OpenRequest>;
export type Request = { [K in keyof typeof requestSchemas]: z.infer<(typeof requestSchemas)[K]> }[keyof typeof requestSchemas];

/** Where one field of a batch lies in its slot file. */
export interface FieldPlacement {
  dtype: ArrayDType;
  shape: number[];
  /** Byte offset in the slot file (a multiple of 4096). */
  offset: number;
  nbytes: number;
}

export type Reply =
  | { op: 'hello'; protocol: number; version: string; pid: number }
  | { op: 'opened'; describe: string; dir: string; slots: number; rank: number; world_size: number; warnings: string[] }
  | {
      op: 'batch';
      stream: number;
      epoch: number;
      index: number;
      slot: number;
      /** Sequence number of this write of the slot; the slot file's header carries the same. */
      seq: number;
      /** Bytes of the slot file the batch needs mapped. */
      bytes: number;
      fields: Record<string, FieldPlacement>;
      rows: BatchRow[];
    }
  | { op: 'end'; stream: number; epoch: number; batches: number; write_ms: number; slot_wait_ms: number; pipeline_ms: number }
  | { op: 'length'; epoch: number; batches: number | null }
  | { op: 'metrics'; metrics: PipelineMetrics }
  | { op: 'warning'; message: string }
  | { op: 'error'; code: string; message: string; stream?: number }
  | { op: 'closed' };

/** Parses one request line; a bad one is a one-line ERR_INVALID_ARGUMENT naming what is wrong. */
export function parseRequest(line: string): Request {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: a request is not JSON: ${line.length > 80 ? `${line.slice(0, 77)}...` : line}`);
  }
  const op = (json as { op?: unknown } | null)?.op;
  const schema = typeof op === 'string' && Object.hasOwn(requestSchemas, op) ? requestSchemas[op as keyof typeof requestSchemas] : undefined;
  if (!schema)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: request.op: expected one of ${Object.keys(requestSchemas).join(', ')}, got ${JSON.stringify(op)}`);
  const r = schema.safeParse(json, { reportInput: true });
  if (!r.success) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: ${formatZodIssues(r.error.issues, `${op} request`).join('; ')}`);
  return r.data as Request;
}

/** A reply as its line on the wire. */
export function encodeReply(r: Reply): string {
  return JSON.stringify(r) + '\n';
}
