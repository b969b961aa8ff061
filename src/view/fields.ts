import { batchCount, channelCount, isChainImage, spatialShape, type ChainImage, type Sample } from '../transforms/image.js';
import { PROVENANCE } from '../transforms/provenance.js';
import { arrayDTypeOf } from '../volume/dtype.js';
import { IMAGE_PLANE, planesOf } from '../preview/planes.js';
import type { FieldInfo, ImageFieldInfo } from './client/api-types.js';

export type { FieldInfo, ImageFieldInfo, ValueFieldInfo } from './client/api-types.js';

/**
 * What the page learns about one field of a step's output: for an image,
 * its geometry and the planes to draw (the preview's orientation rules, so
 * page and PNG previews agree); for anything else, a short text.
 */
export function imageInfo(img: ChainImage): ImageFieldInfo {
  const sp = spatialShape(img);
  const flat = sp.length === 2 || sp[2] === 1;
  return {
    kind: 'image',
    shape: img.shape.slice(),
    dtype: img.meta?.scalingDeferred === true ? 'float32' : arrayDTypeOf(img.data),
    spatial: sp,
    channels: channelCount(img),
    crops: batchCount(img),
    spacing: img.spacing.slice(0, sp.length),
    affine: img.affine.map((r) => r.slice()),
    planes: flat ? [{ ...IMAGE_PLANE, sliceAxis: 2 }] : planesOf(img.affine),
  };
}

/** Every field of a sample but the provenance list (the page gets it per step). */
export function describeFields(sample: Sample): Record<string, FieldInfo> {
  const out: Record<string, FieldInfo> = {};
  for (const [name, v] of Object.entries(sample)) {
    if (name === PROVENANCE) continue;
    out[name] = isChainImage(v) ? imageInfo(v) : { kind: 'value', text: valueText(v) };
  }
  return out;
}

function valueText(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})` : x)) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** Bytes of voxel memory a sample holds; `seen` skips buffers already counted (steps share them). */
export function sampleBytes(sample: Sample, seen: Set<ArrayBufferLike>): number {
  let n = 0;
  const add = (a: ArrayBufferView) => {
    if (seen.has(a.buffer)) return;
    seen.add(a.buffer);
    n += a.buffer.byteLength;
  };
  for (const v of Object.values(sample)) {
    if (ArrayBuffer.isView(v)) add(v);
    else if (v && typeof v === 'object')
      for (const x of Object.values(v as Record<string, unknown>)) if (ArrayBuffer.isView(x)) add(x);
  }
  return n;
}
