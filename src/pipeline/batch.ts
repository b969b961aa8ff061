import type { ArrayDType, VoxelArray } from '../volume/dtype.js';

/** Memory layout of the tensors a network receives. */
export type DataFormat = 'channels_first' | 'channels_last';

/**
 * One field of a batch: a contiguous C-order array ready for
 * `tf.tensor(data, shape)` / `new ort.Tensor(dtype, data, shape)`:
 * `[B, C, X, Y, Z]` (channels_first) or `[B, X, Y, Z, C]` (channels_last) for
 * images, `[B, K]` or `[B]` for classification labels.
 */
export interface BatchField {
  data: VoxelArray;
  shape: number[];
  dtype: ArrayDType;
}

/** Where each row of a batch came from (for logs, previews and errors). */
export interface BatchRow {
  /** Position in the epoch's order. */
  position: number;
  /** Index of the datalist item. */
  item: number;
  /** Crop number within the item's crop batch (0 when the chain emits one crop). */
  crop: number;
  /** The item's image file(s), when known. */
  source?: string;
}

export interface Batch {
  epoch: number;
  /** Index of the batch within its epoch. */
  index: number;
  fields: Record<string, BatchField>;
  rows: BatchRow[];
  /**
   * Frees the batch's shared memory for new rows now (it would be freed
   * anyway once the consumer has asked for prefetch + 1 more batches); the
   * data must not be read afterwards. A no-op for batches with owned arrays.
   * Not enumerable: a batch still compares and clones as a plain record.
   */
  release?: () => void;
}
