import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain } from '../../src/transforms/chain.js';
import type { ChainImage } from '../../src/transforms/image.js';
import { keepLargestComponents } from '../../src/transforms/post/keep-largest-cc.js';
import { image } from './chain/helpers.js';

/** A 2D label map from rows of text (first axis fastest: a row is y, a character x). */
function map(rows: string[]): ChainImage {
  const X = rows[0].length;
  return image(Uint8Array.from(rows.join('').split('').map(Number)), [X, rows.length, 1]);
}
const text = (img: ChainImage, X: number) => [...img.data].join('').match(new RegExp(`.{${X}}`, 'g'));

test('KeepLargestCC: the largest region of each label stays, islands become 0; connectivity decides what touches', () => {
  const m = map(['1100002', '1100002', '0010000', '0000022']);
  // Full connectivity: the single 1 touches the 2x2 block by a corner; the 2s form two regions (sizes 2 and 2: the first found stays).
  assert.deepEqual(text(keepLargestComponents(m, undefined, true, 3), 7), ['1100002', '1100002', '0010000', '0000000']);
  // Faces only: the diagonal 1 is an island.
  assert.deepEqual(text(keepLargestComponents(m, undefined, true, 1), 7), ['1100002', '1100002', '0000000', '0000000']);
  // applied_labels: only label 2 is cleaned.
  assert.deepEqual(text(keepLargestComponents(map(['1010', '0002', '2000']), [2], true, 1), 4), ['1010', '0002', '0000']);
  // Not independent: labels 1 and 2 together; the largest foreground region keeps its labels.
  assert.deepEqual(text(keepLargestComponents(map(['1200', '0001']), undefined, false, 1), 4), ['1200', '0000']);
});

test('KeepLargestCC from a config entry, in 3D, per channel (one-hot masks)', () => {
  // [3, 1, 3] with 2 channels: channel 0 = [1,0,1 / 0,0,0 / 1,1,1] along z, channel 1 = the complement.
  const c0 = [1, 0, 1, 0, 0, 0, 1, 1, 1];
  const c1 = c0.map((v) => 1 - v);
  const model = image(Float32Array.from([...c0, ...c1]), [3, 1, 3, 2]);
  const chain = createChain([{ name: 'KeepLargestCC', args: { fields: 'model', connectivity: 1 } }], { registry: createDefaultRegistry() });
  const out = chain.apply({ model }, { seed: 0, epoch: 0, index: 0 }).model as ChainImage;
  assert.deepEqual([...out.data], [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual([...model.data], [...c0, ...c1], 'the input is not modified');
});
