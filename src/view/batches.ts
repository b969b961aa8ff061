import type { Pipeline } from '../pipeline/engine.js';
import type { Batch, BatchRow } from '../pipeline/batch.js';
import { HttpError } from './http.js';
import { rowThumbnail, type ThumbnailOptions } from './thumbnail.js';
import type { WorkQueue } from './work-queue.js';

/** A batch as the page shows it: its rows (where each came from) and a thumbnail each. */
export interface BatchView {
  epoch: number;
  index: number;
  rows: (BatchRow & { caption: string; width: number; height: number })[];
  fields: Record<string, { shape: number[]; dtype: string }>;
  thumbs: Buffer[];
}

/** Batch views kept for revisits (their PNGs are small). */
const KEEP = 8;

/**
 * Batches exactly as training gets them: the engine's own `epoch(e)`, so
 * the rows are the real batch's, whatever the batch size, crop batching,
 * Smart Cache window or sampling. A batch is reached by reading the epoch
 * up to it; the reader stays open, so going on to the next batch costs one
 * batch. Thumbnails are made on arrival (a batch's arrays are only valid
 * until the reader moves on).
 */
export class BatchBrowser {
  private reader?: { epoch: number; next: number; it: AsyncIterator<Batch> };
  private readonly views = new Map<string, BatchView>();
  /** Batches per epoch, once an epoch has been read to its end. */
  private readonly counts = new Map<number, number>();
  private pipeline?: Pipeline;

  constructor(
    private readonly makePipeline: () => Pipeline,
    private readonly queue: WorkQueue,
    private readonly thumbs: ThumbnailOptions,
  ) {}

  get(epoch: number, index: number): Promise<BatchView> {
    const kept = this.views.get(`${epoch}:${index}`);
    if (kept) return Promise.resolve(kept);
    const count = this.counts.get(epoch);
    if (count !== undefined && index >= count) return Promise.reject(outOfRange(epoch, index, count));
    return this.queue.run(() => this.read(epoch, index));
  }

  private async read(epoch: number, index: number): Promise<BatchView> {
    const kept = this.views.get(`${epoch}:${index}`);
    if (kept) return kept;
    if (!this.reader || this.reader.epoch !== epoch || this.reader.next > index) {
      await this.reader?.it.return?.();
      this.pipeline ??= this.makePipeline();
      this.reader = { epoch, next: 0, it: this.pipeline.epoch(epoch)[Symbol.asyncIterator]() };
    }
    const r = this.reader;
    try {
      while (r.next <= index) {
        const step = await r.it.next();
        if (step.done) {
          this.counts.set(epoch, r.next);
          this.reader = undefined;
          throw outOfRange(epoch, index, r.next);
        }
        r.next++;
        const view = this.viewOf(step.value);
        this.views.set(`${epoch}:${view.index}`, view);
        for (const k of this.views.keys()) if (this.views.size > KEEP) this.views.delete(k);
        if (view.index === index) return view;
      }
    } catch (e) {
      // A failed epoch read cannot go on: the next request starts it again.
      if (this.reader === r) this.reader = undefined;
      await r.it.return?.().catch(() => undefined);
      if (e instanceof HttpError) throw e;
      // A sample that fails its chain: the request was fine, the batch cannot be made (the message names the sample and transform).
      throw new HttpError(422, `batch ${index} of epoch ${epoch} cannot be made: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    throw new HttpError(500, `batch ${index} of epoch ${epoch} was not produced`);
  }

  private viewOf(b: Batch): BatchView {
    const fields = Object.fromEntries(Object.entries(b.fields).map(([k, f]) => [k, { shape: f.shape.slice(), dtype: f.dtype }]));
    const thumbs: Buffer[] = [];
    const rows = b.rows.map((row, k) => {
      const t = rowThumbnail(b, k, this.thumbs);
      thumbs.push(t.png);
      return { ...row, caption: t.caption, width: t.width, height: t.height };
    });
    return { epoch: b.epoch, index: b.index, rows, fields, thumbs };
  }

  async close(): Promise<void> {
    await this.reader?.it.return?.().catch(() => undefined);
    this.reader = undefined;
    await this.pipeline?.close();
  }
}

function outOfRange(epoch: number, index: number, count: number): HttpError {
  return new HttpError(404, `batch ${index} of epoch ${epoch} does not exist (the epoch has ${count} batches: 0..${count - 1})`);
}
