import { api, ApiError } from './api.js';
import { basename, byId, el } from './dom.js';

/**
 * The batch view: every row of one batch of the epoch, as the network gets
 * it, in a grid of thumbnails; a click opens that row's sample (and crop).
 */
export class BatchView {
  private readonly section = byId('batch');
  private readonly grid = byId('batch-grid');
  private readonly index = byId<HTMLInputElement>('batch-index');
  private readonly info = byId('batch-info');
  private readonly toggle = byId<HTMLButtonElement>('batch-toggle');
  private epoch = 0;
  private shown = -1;

  constructor(
    private readonly open: (epoch: number, position: number, crop: number) => void,
    private readonly error: (message: string | undefined) => void,
  ) {
    this.toggle.addEventListener('click', () => this.setOpen(this.section.hidden));
    this.index.addEventListener('change', () => void this.load(this.epoch, Number(this.index.value)));
    byId('batch-prev').addEventListener('click', () => void this.load(this.epoch, Math.max(0, this.shown - 1)));
    byId('batch-next').addEventListener('click', () => void this.load(this.epoch, this.shown + 1));
  }

  get isOpen(): boolean {
    return !this.section.hidden;
  }

  setOpen(open: boolean): void {
    this.section.hidden = !open;
    this.toggle.setAttribute('aria-pressed', String(open));
    if (open) void this.load(this.epoch, Math.max(0, this.shown));
  }

  /** Follows the sample's epoch (the grid reloads when it changes while open). */
  setEpoch(epoch: number): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.shown = -1;
    if (this.isOpen) void this.load(epoch, 0);
  }

  private async load(epoch: number, index: number): Promise<void> {
    if (!Number.isInteger(index) || index < 0) return;
    this.info.textContent = `reading batch ${index} of epoch ${epoch}...`;
    this.grid.dataset.state = 'loading';
    try {
      const b = await api.batch(epoch, index);
      this.shown = b.index;
      this.index.value = String(b.index);
      const shapes = Object.entries(b.fields).map(([k, f]) => `${k} [${f.shape.join(', ')}] ${f.dtype}`);
      this.info.textContent = `epoch ${b.epoch} batch ${b.index}: ${b.rows.length} rows · ${shapes.join(' · ')} · thumbnails: the network's tensors (i right, j up, middle slice)`;
      this.grid.replaceChildren(
        ...b.rows.map((r, k) => {
          const img = el('img', { src: api.thumbUrl(b.epoch, b.index, k), width: r.width, height: r.height, alt: `row ${k}` });
          const fig = el(
            'figure',
            { 'data-row': k, title: r.source ?? '' },
            img,
            el('figcaption', {}, `row ${k} · position ${r.position}${r.crop ? ` crop ${r.crop}` : ''}`, el('br'), r.caption ? `class ${r.caption}` : basename(r.source ?? `item ${r.item}`)),
          );
          fig.addEventListener('click', () => this.open(b.epoch, r.position, r.crop));
          return fig;
        }),
      );
      this.grid.dataset.state = 'ready';
      this.error(undefined);
    } catch (e) {
      this.grid.dataset.state = 'error';
      this.info.textContent = '';
      this.error(e instanceof ApiError ? e.message : String(e));
    }
  }
}
