import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScratchArena } from '../../src/pipeline/scratch-arena.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain } from '../../src/transforms/chain.js';
import { toChainImage, type ChainImage } from '../../src/transforms/image.js';

test('scratch arena: distinct buffers within a sample, the same ones after reset, growth with headroom', () => {
  const a = new ScratchArena();
  const x = a.alloc('float32', 1000);
  const y = a.alloc('float32', 1000);
  assert.notEqual(x.buffer, y.buffer, 'two live outputs of one sample never share memory');
  assert.equal(x.length, 1000);
  a.reset();
  const x2 = a.alloc('float32', 900);
  assert.equal(x2.buffer, x.buffer, 'reused after reset (a shorter volume fits)');
  assert.equal(x2.length, 900);
  a.reset();
  const big = a.alloc('float32', 1060);
  assert.equal(big.buffer, x.buffer, 'within the 1/16 headroom');
  const bytes = a.bytes;
  a.reset();
  a.alloc('float32', 5000);
  assert.ok(a.bytes > bytes, 'grows for a bigger volume');
  assert.ok(a.alloc('int16', 10) instanceof Int16Array);
});

test('scratch arena: ScaleIntensityRange writes the same values into recycled (stale) memory', () => {
  const data = new Int16Array(200_000).map((_, i) => ((i * 7919) % 3000) - 1500);
  const image = toChainImage({ data, shape: [100, 100, 20], dtype: 'int16', spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {} });
  const chain = createChain([{ name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } }], { registry: createDefaultRegistry() });
  const key = { seed: 0, epoch: 0, index: 0 };
  const fresh = (chain.apply({ image }, key).image as ChainImage).data;
  const arena = new ScratchArena();
  // Dirty the arena's buffer first, as a previous sample would.
  arena.alloc('float32', 200_000).fill(123);
  arena.reset();
  const recycled = (chain.apply({ image }, key, { alloc: arena.alloc }).image as ChainImage).data;
  assert.equal(recycled.buffer, (arena.reset(), arena.alloc('float32', 1)).buffer, 'the output came from the arena');
  assert.deepEqual(Buffer.from(recycled.buffer, 0, recycled.byteLength), Buffer.from(fresh.buffer, fresh.byteOffset, fresh.byteLength));
});

test('scratch arena: PosNeg crops and oscillation into stale memory equal fresh ones, padding included', () => {
  const shape = [20, 18, 6]; // smaller than the crop along z: every crop is padded
  const n = 20 * 18 * 6;
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const image = toChainImage({ data: new Float32Array(n).map((_, i) => (i % 97) / 10 + 1), shape, dtype: 'float32', spacing: [1, 1, 1], affine, meta: {} });
  const label = toChainImage({ data: new Uint8Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0)), shape, dtype: 'uint8', spacing: [1, 1, 1], affine, meta: {} });
  const chain = createChain(
    [
      { name: 'FastCropByPosNegRatio', args: { size: [8, 8, 8], fields: 'image', label_field: 'label', batch_size: 3 } },
      { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.2, probability: 1 } },
    ],
    { registry: createDefaultRegistry() },
  );
  for (let index = 0; index < 6; index++) {
    const key = { seed: 5, epoch: 0, index };
    const fresh = chain.apply({ image, label }, key);
    const arena = new ScratchArena();
    for (const [t, len] of [['float32', 8 * 8 * 8 * 3], ['uint8', 8 * 8 * 8 * 3]] as const) arena.alloc(t, len).fill(77);
    arena.alloc('float32', 8 * 8 * 8 * 3).fill(99);
    arena.reset();
    const recycled = chain.apply({ image, label }, key, { alloc: arena.alloc });
    for (const f of ['image', 'label']) {
      const a = (fresh[f] as ChainImage).data;
      const b = (recycled[f] as ChainImage).data;
      assert.deepEqual([...b], [...a], `${f}, sample ${index}`);
    }
  }
});
