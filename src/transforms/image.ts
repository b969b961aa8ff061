import { VoxelpipeError } from '../util/errors.js';
import type { Volume } from '../volume/volume.js';
import { numElements } from '../volume/volume.js';

/**
 * An image inside a transform chain: a `Volume` that always has a channel
 * axis, kept planar as the memory order of `Volume` dictates (first axis
 * fastest, so the last axes are the slowest):
 *
 *     batched = false:  shape = [...spatial, C]      e.g. [X, Y, Z, 1], [W, H, 3]
 *     batched = true:   shape = [...spatial, C, b]   b crops of one volume (a batching crop)
 *
 * Every channel (and every crop) is therefore one contiguous block. Loaders
 * add the channel axis, so `ConvertToChannelsFirst`/`ConvertToChannelsLast`
 * only mark the format a Clara config asked for: the layout of the tensors a
 * network receives is the pipeline's `output_data_format`, applied once when
 * crops are batched.
 */
export interface ChainImage extends Volume {
  batched: boolean;
}

export function isChainImage(v: unknown): v is ChainImage {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v && 'batched' in v && ArrayBuffer.isView((v as ChainImage).data);
}

/** The part of an image (made or lazy) that its shape helpers read. */
export type ImageShape = Pick<ChainImage, 'shape' | 'batched'>;

/** Number of spatial axes (1 to 3). */
export function spatialRank(img: ImageShape): number {
  return img.shape.length - (img.batched ? 2 : 1);
}

/** The spatial part of the shape. */
export function spatialShape(img: ImageShape): number[] {
  return img.shape.slice(0, spatialRank(img));
}

export function channelCount(img: ImageShape): number {
  return img.shape[spatialRank(img)];
}

/** Crops in a batched image (1 when not batched). */
export function batchCount(img: ImageShape): number {
  return img.batched ? img.shape[img.shape.length - 1] : 1;
}

/** Voxels in one channel of one crop. */
export function voxelsPerChannel(img: ImageShape): number {
  return numElements(spatialShape(img));
}

/**
 * Makes a read Volume a chain image: axes from `spatialRank` on (NIfTI time,
 * vector, or RGB axes) become the channel axis; a volume with only spatial
 * axes gets a channel axis of 1. No voxel is copied: for first-axis-fastest
 * storage, merging trailing axes into one is only a change of shape.
 */
export function toChainImage(v: Volume, rank = Math.min(3, v.shape.length)): ChainImage {
  if (rank < 1 || rank > v.shape.length)
    throw new VoxelpipeError('ERR_INVALID_VOLUME', `cannot take ${rank} spatial axes from shape [${v.shape}]`);
  const spatial = v.shape.slice(0, rank);
  const channels = numElements(v.shape.slice(rank));
  return { ...v, shape: [...spatial, channels], spacing: [...v.spacing.slice(0, rank), 1], batched: false };
}

/**
 * The image stored under `field`, or a one-line error naming the transform,
 * the field and what was found there.
 */
export function getImage(sample: Sample, field: string, transform: string): ChainImage {
  const v = sample[field];
  if (isChainImage(v)) return v;
  const found = v === undefined ? 'nothing (no such field)' : typeof v === 'string' ? `the string "${v}" (not loaded yet?)` : typeof v;
  throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: field "${field}" should hold an image, found ${found}`, {
    context: { field, transform },
  });
}

/** A sample: named fields (images, file paths, class labels, weights...). */
export type Sample = Record<string, unknown>;
