import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocOutput, networkShape, writeNetworkLayout } from '../../src/pipeline/layout.js';
import type { ChainImage } from '../../src/transforms/image.js';

/** A chain image [...spatial, C] or [...spatial, C, B] whose voxel at F-order index f holds f (as int16). */
function numbered(spatial: number[], C: number, B?: number): ChainImage {
  const shape = B === undefined ? [...spatial, C] : [...spatial, C, B];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Int16Array(n);
  for (let f = 0; f < n; f++) data[f] = f - 100;
  return { data, shape, dtype: 'int16', spacing: spatial.map(() => 1), affine: [], meta: {}, batched: B !== undefined } as unknown as ChainImage;
}

/** The layout by definition: C-order destination index of every (b, c, i, j, k). */
function reference(img: ChainImage, format: 'channels_first' | 'channels_last', total: number, offset: number): Float32Array {
  const rank = img.batched ? img.shape.length - 2 : img.shape.length - 1;
  const [X, Y, Z = 1] = img.shape.slice(0, rank);
  const C = img.shape[rank];
  const B = img.batched ? img.shape[rank + 1] : 1;
  const out = new Float32Array(total);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let k = 0; k < Z; k++)
        for (let j = 0; j < Y; j++)
          for (let i = 0; i < X; i++) {
            const src = i + X * (j + Y * (k + Z * (c + C * b)));
            const dst = format === 'channels_first' ? (((b * C + c) * X + i) * Y + j) * Z + k : (((b * X + i) * Y + j) * Z + k) * C + c;
            out[offset + dst] = img.data[src];
          }
  return out;
}

test('writeNetworkLayout: the tiled transpose equals the definition (3D/2D, channels first/last, batched, odd sizes, offset, int16 -> float32)', () => {
  const cases: [number[], number, number | undefined][] = [
    [[5, 7, 3], 2, 3],
    [[19, 4, 6], 1, undefined],
    [[8, 8, 8], 3, 2],
    [[17, 9, 1], 1, 2],
    [[9, 4], 2, undefined],
    [[1, 1, 1], 1, 1],
  ];
  for (const [spatial, C, B] of cases)
    for (const format of ['channels_first', 'channels_last'] as const) {
      const img = numbered(spatial, C, B);
      const offset = 11;
      const out = allocOutput('float32', img.data.length + offset + 5);
      out.fill(-7);
      const written = writeNetworkLayout(img, format, out, offset);
      assert.equal(written, img.data.length);
      const want = reference(img, format, out.length, offset);
      want.fill(-7, 0, offset);
      want.fill(-7, offset + img.data.length);
      assert.deepEqual(out, want, `${format} [${spatial}] C=${C} B=${B}`);
      const shape = networkShape(img, format);
      assert.equal(shape.reduce((a, b) => a * b, 1), img.data.length);
    }
});
