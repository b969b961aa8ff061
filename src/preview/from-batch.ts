import { VoxelpipeError } from '../util/errors.js';
import { identity4 } from '../volume/affine.js';
import { ARRAY_CTORS } from '../volume/dtype.js';
import type { BatchField, DataFormat } from '../pipeline/batch.js';
import type { ChainImage } from '../transforms/image.js';

/**
 * Row `row` of a batch field (C-order `[B, C, ...spatial]` or
 * `[B, ...spatial, C]`) as a chain image (`[...spatial, C]`, first axis
 * fastest), to preview exactly what a network was fed. A batch carries no
 * affine: the image gets the identity (voxel axes taken as RAS).
 */
export function batchRowImage(field: BatchField, row: number, dataFormat: DataFormat = 'channels_first'): ChainImage {
  const [B, ...rest] = field.shape;
  if (rest.length < 3 || rest.length > 4)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `preview: a batch field of shape [${field.shape}] is not [B, C, X, Y(, Z)] or [B, X, Y(, Z), C]`);
  if (!Number.isInteger(row) || row < 0 || row >= B) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `preview: row ${row} does not exist (the batch has ${B})`);
  const C = dataFormat === 'channels_first' ? rest[0] : rest[rest.length - 1];
  const sp = dataFormat === 'channels_first' ? rest.slice(1) : rest.slice(0, -1);
  const n = sp.reduce((a, b) => a * b, 1);
  const src = field.data.subarray(row * n * C, (row + 1) * n * C);
  const out = new ARRAY_CTORS[field.dtype](n * C);
  // C-order strides of the spatial axes (last fastest); output is first axis fastest.
  const cStrides = sp.map((_, a) => sp.slice(a + 1).reduce((x, y) => x * y, 1));
  const [X, Y] = sp;
  const Z = sp[2] ?? 1;
  const [sx, sy] = cStrides;
  const sz = sp.length === 3 ? cStrides[2] : 0;
  for (let c = 0; c < C; c++) {
    let o = c * n;
    for (let k = 0; k < Z; k++)
      for (let j = 0; j < Y; j++)
        for (let i = 0; i < X; i++) {
          const s = i * sx + j * sy + k * sz;
          out[o++] = dataFormat === 'channels_first' ? src[c * n + s] : src[s * C + c];
        }
  }
  return { data: out, shape: [...sp, C], dtype: field.dtype, spacing: [...sp.map(() => 1), 1], affine: identity4(), meta: {}, batched: false };
}
