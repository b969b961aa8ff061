import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { showValue } from '../../util/schema-errors.js';
import { allocArray, arrayDTypeOf, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import type { ReadOptions } from '../../io/options.js';
import { dtypeArg, fieldsArg } from '../args.js';
import { channelCount, isChainImage, spatialShape, toChainImage, type ChainImage, type Sample } from '../image.js';
import type { TransformContext, TransformImpl } from '../types.js';

/**
 * What every loader shares, so a new format is a few lines: the args
 * (`fields`, optional `dtype`), turning each path field into a ChainImage,
 * multi-modal stacking, dtype conversion, and recording the source file in
 * `meta.filename` so later errors can name it.
 *
 *     export const loadPng = defineTransform({
 *       name: 'LoadPng', family: 'load', summary: '...', monai: 'LoadImaged',
 *       args: loaderArgs, isRandom: false, example: { fields: 'image' },
 *       create: (a) => loaderImpl('LoadPng', a, { read: readPng, spatialRank: 2 }),
 *     });
 */

/** `fields` and `dtype`: the args of every loader. Extend with `.extend({...})` for more. */
export const loaderArgs = z.strictObject({
  fields: fieldsArg,
  /**
   * Element type of the loaded image. Default: keep what the reader returns
   * (the stored type, or float32/float64 when scl_slope applies), which lets
   * intensity transforms use lookup tables for 8/16-bit data; Clara loaded
   * float32, so give `"dtype": "float32"` to match it exactly.
   */
  dtype: dtypeArg.optional(),
});

export interface LoaderSpec {
  /** Reads one file (absolute path) into a Volume; `options.into` is memory to inflate voxels into (when the reader can). */
  read(file: string, options: ReadOptions): Volume;
  /** Spatial axes of a loaded image (a number, or decided per volume); the remaining axes become channels (default min(3, ndim)). */
  spatialRank?: number | ((v: Volume) => number);
  /** Applied to each loaded image before stacking (e.g. reorientation). */
  prepare?(img: ChainImage, file: string): ChainImage;
}

/**
 * The TransformImpl of a loader: every field holding a path (or a list of
 * paths: one channel block per file, multi-modal) is replaced by its image.
 * Relative paths resolve against the chain's root.
 */
export function loaderImpl(name: string, args: { fields: string[]; dtype?: ArrayDType }, spec: LoaderSpec): TransformImpl {
  const readOne = (file: string, ctx: TransformContext): ChainImage => {
    const abs = isAbsolute(file) || !ctx.root ? file : resolve(ctx.root, file);
    // The runner's allocator (recycled scratch in a worker, shared memory for a cache) takes the inflated
    // voxels; the compressed bytes, which die with the read, go to the worker's recycled scratch only.
    const v = spec.read(abs, {
      ...(ctx.alloc ? { into: (n: number) => ctx.alloc!('uint8', n) as Uint8Array } : {}),
      ...(ctx.scratchBytes ? { readInto: ctx.scratchBytes } : {}),
    });
    const rank = typeof spec.spatialRank === 'function' ? spec.spatialRank(v) : spec.spatialRank ?? Math.min(3, v.shape.length);
    let img = toChainImage(v, Math.min(rank, v.shape.length));
    img = { ...img, meta: { ...img.meta, filename: abs } };
    return spec.prepare ? spec.prepare(img, abs) : img;
  };
  return {
    fields: args.fields,
    apply(sample: Sample, ctx: TransformContext): Sample {
      const out: Sample = { ...sample };
      for (const field of args.fields) {
        const v = sample[field];
        let img: ChainImage;
        if (typeof v === 'string') img = readOne(v, ctx);
        else if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string'))
          img = stackChannels(
            v.map((p) => readOne(p, ctx)),
            name,
            field,
          );
        else
          throw new VoxelpipeError(
            'ERR_INVALID_ARGUMENT',
            `${name}: field "${field}" should hold a file path or a list of paths, found ${describeValue(v)}`,
            { context: { field, transform: name } },
          );
        out[field] = args.dtype ? convertImage(img, args.dtype) : img;
      }
      return out;
    },
  };
}

/** The image with its data converted to `dtype` (the same record when it already is). */
export function convertImage(img: ChainImage, dtype: ArrayDType): ChainImage {
  if (arrayDTypeOf(img.data) === dtype) return img;
  const out = allocArray(dtype, img.data.length);
  // TypedArray.set converts (float -> int truncates toward zero and wraps, as numpy's astype).
  out.set(img.data);
  return { ...img, data: out };
}

/**
 * Stacks images of one sample (e.g. the four BraTS modalities) along the
 * channel axis. Spatial shapes must agree; the affine, spacing and meta are
 * the first file's (`meta.filenames` lists all). Mixed element types are
 * promoted to float32 (float64 when one is float64).
 */
export function stackChannels(images: ChainImage[], name: string, field: string): ChainImage {
  const first = images[0];
  if (images.length === 1) return first;
  const spatial = spatialShape(first);
  let dtype = arrayDTypeOf(first.data);
  let channels = 0;
  for (const img of images) {
    const s = spatialShape(img);
    if (s.length !== spatial.length || s.some((d, i) => d !== spatial[i]))
      throw new VoxelpipeError(
        'ERR_INVALID_VOLUME',
        `${name}: field "${field}": ${img.meta.filename} has spatial shape [${s}], but ${first.meta.filename} has [${spatial}]; files stacked as channels must have the same shape`,
        { context: { field, transform: name } },
      );
    const t = arrayDTypeOf(img.data);
    if (t !== dtype) dtype = t === 'float64' || dtype === 'float64' ? 'float64' : 'float32';
    channels += channelCount(img);
  }
  const data: VoxelArray = allocArray(dtype, first.data.length / channelCount(first) * channels);
  let off = 0;
  // Channels are planar, so stacking is one block copy per file.
  for (const img of images) {
    data.set(img.data, off);
    off += img.data.length;
  }
  return {
    ...first,
    data,
    shape: [...spatial, channels],
    meta: { ...first.meta, filenames: images.map((i) => i.meta.filename) },
  };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (no such field)';
  if (isChainImage(v)) return `an image of shape [${v.shape}] (loaded twice?)`;
  return showValue(v);
}
