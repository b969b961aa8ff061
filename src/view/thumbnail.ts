import type { Batch, DataFormat } from '../pipeline/batch.js';
import { batchRowImage } from '../preview/from-batch.js';
import { renderPreview } from '../preview/render.js';
import { encodePng } from '../preview/png.js';
import type { ChainImage } from '../transforms/image.js';

/**
 * A batch row as a small picture: the row's tensor exactly as the network
 * gets it (network layout and dtype), drawn by the preview renderer, and
 * only its first panel kept (the axial plane through the middle of a 3D
 * crop, or the 2D image). A batch has no affine, so the plane is in voxel
 * order: i to the right, j up.
 */
export interface RowThumbnail {
  png: Buffer;
  width: number;
  height: number;
  /** Classification: the row's class names ("1 class 1"); segmentation: empty. */
  caption: string;
}

export interface ThumbnailOptions {
  imageField: string;
  labelField: string;
  dataFormat: DataFormat;
  labels?: Record<string, string>;
}

/** Longest side of a thumbnail, in pixels (bigger rows are subsampled). */
const MAX_SIDE = 160;

export function rowThumbnail(batch: Batch, row: number, o: ThumbnailOptions): RowThumbnail {
  const image = batchRowImage(batch.fields[o.imageField], row, o.dataFormat);
  const lf = batch.fields[o.labelField];
  const imageRank = batch.fields[o.imageField].shape.length;
  const label: ChainImage | undefined = lf && lf.shape.length === imageRank ? batchRowImage(lf, row, o.dataFormat) : undefined;
  const p = renderPreview(image, label, { panelSize: 96, labels: o.labels });
  const panel = p.panels[0];
  const step = Math.max(1, Math.ceil(Math.max(panel.width, panel.height) / MAX_SIDE));
  const w = Math.ceil(panel.width / step);
  const h = Math.ceil(panel.height / step);
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = ((panel.y + y * step) * p.width + panel.x + x * step) * 4;
      rgba.set(p.rgba.subarray(src, src + 4), (y * w + x) * 4);
    }
  return { png: encodePng(rgba, w, h), width: w, height: h, caption: lf && !label ? classCaption(Array.from(lf.data.subarray(row * rowLength(lf.shape), (row + 1) * rowLength(lf.shape))), lf.shape.length === 1, o.labels) : '' };
}

function rowLength(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * A classification label as names: a class index (`[B]` labels), or the
 * classes set in a one-hot / multi-label row (`[B, K]`, values >= 0.5).
 */
export function classCaption(row: readonly number[], isIndex: boolean, labels?: Record<string, string>): string {
  const name = (k: number) => `${k} ${labels?.[String(k)] ?? ''}`.trim();
  if (isIndex) return Number.isInteger(row[0]) ? name(row[0]) : String(row[0]);
  const on = row.flatMap((v, k) => (v >= 0.5 ? [k] : []));
  return on.length ? on.map(name).join(', ') : 'none';
}
