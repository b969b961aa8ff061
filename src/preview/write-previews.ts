import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Pipeline } from '../pipeline/engine.js';
import { batchCount, isChainImage, type ChainImage, type Sample } from '../transforms/image.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { VoxelpipeError } from '../util/errors.js';
import { renderPreview } from './render.js';

export interface WritePreviewsOptions {
  out: string;
  epoch: number;
  /** Indices in the epoch's order to draw. */
  indices: number[];
  /** Crops drawn of a batched sample (each its own file); default 1: the first. */
  crops?: number;
  window?: [number, number];
  labels?: Record<string, string>;
  axialSlices?: number;
  imageField?: string;
  labelField?: string;
}

export interface PreviewFile {
  file: string;
  epoch: number;
  index: number;
  /** Crop of a batched sample; absent when the chain emits one image per sample. */
  crop?: number;
  item: number;
  source: string;
  width: number;
  height: number;
}

/**
 * Draws samples after the chain, exactly as training sees them
 * (`pipeline.sample(epoch, index)`): one PNG per sample, or per crop of a
 * batched crop sample (`epoch<E>-sample<I>-crop<C>.png`).
 */
export async function writePreviews(pipeline: Pipeline, o: WritePreviewsOptions): Promise<PreviewFile[]> {
  mkdirSync(o.out, { recursive: true });
  const imageField = o.imageField ?? 'image';
  const labelField = o.labelField ?? 'label';
  const order = pipeline.order(o.epoch);
  const files: PreviewFile[] = [];
  for (const index of o.indices) {
    const s = await pipeline.sample(o.epoch, index);
    const image = s[imageField];
    if (!isChainImage(image)) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `preview: sample ${index} of epoch ${o.epoch} has no image field "${imageField}" after the chain`);
    const label = isChainImage(s[labelField]) ? (s[labelField] as ChainImage) : undefined;
    const source = sourceOf(s, image);
    const crops = image.batched ? Math.min(batchCount(image), Math.max(1, o.crops ?? 1)) : 1;
    for (let c = 0; c < crops; c++) {
      const name = image.batched ? `epoch${o.epoch}-sample${index}-crop${c}.png` : `epoch${o.epoch}-sample${index}.png`;
      const title = `epoch ${o.epoch} sample ${index}${image.batched ? ` crop ${c}` : ''}: ${basename(source)}${label ? '' : classCaption(s[labelField], o.labels)}`;
      const p = renderPreview(image, label, { crop: c, window: o.window, labels: o.labels, axialSlices: o.axialSlices, title });
      const file = resolve(join(o.out, name));
      writeFileAtomic(file, [p.png]);
      files.push({ file, epoch: o.epoch, index, ...(image.batched ? { crop: c } : {}), item: order[index], source, width: p.width, height: p.height });
    }
  }
  return files;
}

/** A classification label as a caption: " label 2 (class 2)". */
function classCaption(v: unknown, labels?: Record<string, string>): string {
  if (v === undefined) return '';
  const k = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof k === 'number' || typeof k === 'string') return ` - label ${k}${labels?.[String(k)] ? ` (${labels[String(k)]})` : ''}`;
  return ` - label ${JSON.stringify(v)}`;
}

function sourceOf(s: Sample, image: ChainImage): string {
  const f = image.meta?.filename;
  if (typeof f === 'string') return f;
  return typeof s.image === 'string' ? s.image : '';
}
