import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, statfsSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VoxelpipeError, formatBytes } from '../../util/errors.js';
import type { Batch } from '../../pipeline/batch.js';
import type { FieldPlacement } from './protocol.js';

/**
 * The batch slots of the bridge: one file per slot in shared memory
 * (/dev/shm), which the client maps once and reads in place.
 *
 * A slot file is a 4096-byte header, then each field at a 4096-aligned
 * offset, C-order, in the field's dtype:
 *
 *     0    "VXPSLOT1"                       magic, 8 bytes
 *     8    uint32 LE: length L of the JSON
 *     12   JSON {"seq","stream","epoch","index","fields":{name:{dtype,shape,offset,nbytes}}}
 *     4096 first field ... (each field's offset is in the header and in the batch message)
 *
 * Because the placement of every field (and so of every row: offset +
 * row * rowBytes) is known before any byte is written, the writer may be
 * anything that can write at an offset: today the server's main thread
 * writes a finished batch; later each worker can write its rows straight
 * into the slot. The header is written last, so a header carrying a batch's
 * `seq` means the batch's bytes are complete.
 */

export const SLOT_MAGIC = 'VXPSLOT1';
export const SLOT_ALIGN = 4096;
/** Prefix of the folder holding a server's slot files (the client checks it before removing the folder). */
export const SLOT_DIR_PREFIX = 'voxelpipe-';

const align = (n: number) => Math.ceil(n / SLOT_ALIGN) * SLOT_ALIGN;

export interface SlotLayout {
  /** Bytes the slot file must have. */
  bytes: number;
  fields: Record<string, FieldPlacement>;
}

export interface SlotMeta {
  stream: number;
  epoch: number;
  index: number;
}

/** Where each field of `batch` goes in a slot file (pure: the same batch shapes give the same layout). */
export function layoutBatch(batch: Pick<Batch, 'fields'>): SlotLayout {
  let offset = SLOT_ALIGN;
  const fields: Record<string, FieldPlacement> = {};
  for (const [name, f] of Object.entries(batch.fields)) {
    const nbytes = f.data.byteLength;
    fields[name] = { dtype: f.dtype, shape: [...f.shape], offset, nbytes };
    offset = align(offset + nbytes);
  }
  return { bytes: offset, fields };
}

/** The header of a slot file: magic, JSON length, JSON; at most SLOT_ALIGN bytes. */
export function encodeHeader(seq: number, meta: SlotMeta, layout: SlotLayout): Buffer {
  const json = Buffer.from(JSON.stringify({ seq, ...meta, fields: layout.fields }));
  if (12 + json.length > SLOT_ALIGN)
    throw new VoxelpipeError('ERR_TOO_LARGE', `bridge: a batch with ${Object.keys(layout.fields).length} fields does not fit a slot header (${12 + json.length} bytes, at most ${SLOT_ALIGN})`);
  const out = Buffer.alloc(12 + json.length);
  out.write(SLOT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  return out;
}

/** The default folder of slot files: VOXELPIPE_SHM_DIR, else /dev/shm (RAM), else the temp folder. */
export function defaultShmDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOXELPIPE_SHM_DIR) return env.VOXELPIPE_SHM_DIR;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

interface Slot {
  fd: number;
  size: number;
  busy: boolean;
}

/**
 * `count` slot files in a fresh folder under `parent`. A slot is handed out
 * by `acquire`, written once, and comes back only through `release` (the
 * client said it is done with it), in the order slots were released.
 */
export class SlotRing {
  readonly dir: string;
  private readonly slots: Slot[];
  private readonly free: number[];
  private waiters: { resolve: (slot: number) => void; reject: (e: unknown) => void }[] = [];
  private seq = 0;
  private closed = false;

  constructor(parent: string, count: number) {
    try {
      this.dir = mkdtempSync(join(parent, `${SLOT_DIR_PREFIX}${process.pid}-`));
    } catch (e) {
      throw new VoxelpipeError('ERR_FILE_WRITE', `${parent}: cannot make the folder of the batch slots: ${(e as Error).message}`, { cause: e });
    }
    this.slots = [];
    for (let k = 0; k < count; k++) this.slots.push({ fd: openSync(join(this.dir, `slot-${k}`), 'w+', 0o600), size: 0, busy: false });
    this.free = this.slots.map((_, k) => k);
  }

  get count(): number {
    return this.slots.length;
  }

  /** Path of slot `k`'s file. */
  file(k: number): string {
    return join(this.dir, `slot-${k}`);
  }

  /** The next free slot, waiting for a release when none is free; rejects when `signal` aborts or the ring closes. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (this.closed) return Promise.reject(new VoxelpipeError('ERR_ABORTED', 'bridge: the slots are closed'));
    const k = this.free.shift();
    if (k !== undefined) {
      this.slots[k].busy = true;
      return Promise.resolve(k);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (slot: number) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject,
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new VoxelpipeError('ERR_ABORTED', 'bridge: the stream was stopped'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives slot `k` back (the client released it); a slot not in use is a client bug, said in one line. */
  release(k: number): void {
    const s = this.slots[k];
    if (!s) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: release of slot ${k}, but there are slots 0..${this.slots.length - 1}`);
    if (!s.busy) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: release of slot ${k}, which is not in use`);
    const w = this.waiters.shift();
    if (w) return w.resolve(k);
    s.busy = false;
    this.free.push(k);
  }

  /**
   * Writes `batch` into slot `k` (growing its file when the batch is larger
   * than any before) and resolves to its placement and sequence number. The
   * copy runs on libuv's threads, so the main thread goes on handing work to
   * the pipeline's workers meanwhile; `batch` must stay untouched until then.
   */
  async write(k: number, batch: Batch, meta: SlotMeta): Promise<SlotLayout & { seq: number }> {
    const s = this.slots[k];
    if (!s?.busy) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bridge: write to slot ${k}, which was not acquired`);
    const layout = layoutBatch(batch);
    if (layout.bytes > s.size) this.grow(k, layout.bytes);
    const seq = ++this.seq;
    const header = encodeHeader(seq, meta, layout);
    try {
      await Promise.all(
        Object.entries(batch.fields).map(([name, f]) => writeAll(s.fd, Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength), layout.fields[name].offset)),
      );
      // Last: a header with this seq means the fields are complete.
      await writeAll(s.fd, header, 0);
    } catch (e) {
      throw this.writeError(e, layout.bytes);
    }
    return { ...layout, seq };
  }

  /** Removes the slot files and their folder (idempotent); waiting acquires reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w.reject(new VoxelpipeError('ERR_ABORTED', 'bridge: the slots are closed'));
    this.waiters = [];
    for (const s of this.slots) {
      try {
        closeSync(s.fd);
      } catch {
        // already closed: nothing to release
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Makes slot `k` `bytes` long. Files in tmpfs take memory only when
   * written, so the check covers every slot at this size: a full /dev/shm
   * (Docker gives 64 MB by default) is refused up front in one line rather
   * than as a failed write, or a SIGBUS in the client, later.
   */
  private grow(k: number, bytes: number): void {
    const more = this.slots.reduce((a, s) => a + Math.max(0, bytes - s.size), 0);
    let freeBytes = Infinity;
    try {
      const st = statfsSync(this.dir);
      freeBytes = st.bavail * st.bsize;
    } catch {
      // no statfs here: the writes will tell
    }
    if (more > freeBytes) throw this.spaceError(bytes, freeBytes);
    try {
      ftruncateSync(this.slots[k].fd, bytes);
    } catch (e) {
      throw this.writeError(e, bytes);
    }
    this.slots[k].size = bytes;
  }

  private spaceError(bytes: number, freeBytes: number): VoxelpipeError {
    return new VoxelpipeError(
      'ERR_FILE_WRITE',
      `${this.dir}: ${this.slots.length} batch slots of ${formatBytes(bytes)} need ${formatBytes(bytes * this.slots.length)} of shared memory, ${formatBytes(freeBytes)} is free: ` +
        'give it more (docker run --shm-size=2g), use fewer slots, or put the slots elsewhere (shm_dir= / VOXELPIPE_SHM_DIR)',
    );
  }

  private writeError(e: unknown, bytes: number): VoxelpipeError {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOSPC') return this.spaceError(bytes, 0);
    return new VoxelpipeError('ERR_FILE_WRITE', `${this.dir}: cannot write a batch slot: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

async function writeAll(fd: number, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await new Promise<number>((res, rej) => write(fd, buf, done, buf.length - done, position + done, (e, written) => (e ? rej(e) : res(written))));
    done += n;
  }
}
