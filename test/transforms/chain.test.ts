import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { writeNifti } from '../../src/io/nifti/write.js';
import { Chain, ChainStats, createChain, type ChainEntry } from '../../src/transforms/chain.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { PROVENANCE, formatProvenance, provenanceOf } from '../../src/transforms/provenance.js';
import { defineTransform } from '../../src/transforms/types.js';
import { rngFor } from '../../src/util/rng.js';
import { identity4 } from '../../src/volume/affine.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { bytesOf, image, testNoise, testRegistry } from './chain/helpers.js';
import { digest, type Digest, type WorkerJob } from './chain/worker.js';

const KEY = { seed: 42, epoch: 1, index: 7 };

/** Writes a small int16 image and a BraTS-like uint8 label to `dir`. */
function writeInputs(dir: string): { image: string; label: string } {
  const shape = [6, 5, 4];
  const n = 120;
  const img = new Int16Array(n);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    img[i] = (i * 37) % 200 - 100;
    lab[i] = [0, 1, 2, 4][i % 4];
  }
  const affine = identity4();
  const vol = (data: Int16Array | Uint8Array, dtype: 'int16' | 'uint8') => ({ data, shape, dtype, spacing: [1, 1, 1], affine, meta: {} });
  writeNifti(join(dir, 'img.nii.gz'), vol(img, 'int16'));
  writeNifti(join(dir, 'lab.nii.gz'), vol(lab, 'uint8'));
  return { image: 'img.nii.gz', label: 'lab.nii.gz' };
}

const ENTRIES: ChainEntry[] = [
  { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
  { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
  { name: 'RepeatChannel', args: { fields: 'image', repeat_times: 2 } },
  { name: 'TestNoise#noisy', args: { fields: 'image' } },
  { name: 'ConvertToMultiChannelBasedOnBratsClasses', args: { fields: 'label' } },
  { name: 'TestNoise', args: { fields: 'label', std: 0.1 } },
  { name: 'ArgmaxAcrossChannels', args: { fields: 'label' } },
];

test('chain: transform i draws from rngFor(seed, epoch, index, i)', () => {
  const seen: number[] = [];
  const probe = defineTransform({
    name: 'Probe',
    family: 'test',
    summary: 's',
    args: z.strictObject({}),
    isRandom: true,
    create: () => ({ fields: [], apply: (s, ctx) => (seen.push(ctx.rng.uint32()), s) }),
  });
  const registry = createDefaultRegistry().register(probe);
  const chain = createChain([{ name: 'Probe' }, { name: 'ConvertToChannelsFirst', args: { fields: 'image' } }, { name: 'Probe' }], { registry });
  chain.apply({ image: image([1, 2], [2, 1]) }, KEY);
  assert.deepEqual(seen, [rngFor(42, 1, 7, 0).uint32(), rngFor(42, 1, 7, 2).uint32()]);
});

test('chain: a disabled entry is skipped but keeps its position, so the other draws do not change', () => {
  const registry = testRegistry();
  const sample = { image: image([1, 2, 3], [3, 1]) };
  const both = createChain([{ name: 'TestNoise', args: { fields: 'image' } }, { name: 'TestNoise', args: { fields: 'image', std: 0 } }], { registry });
  const off = createChain([{ name: 'TestNoise', args: { fields: 'image' }, disabled: true }, { name: 'TestNoise', args: { fields: 'image', std: 0 } }], { registry, path: 'p' });
  assert.equal(off.length, 1);
  assert.deepEqual(off.positions, [1]);
  const a = both.apply(sample, KEY);
  const b = off.apply(sample, KEY);
  assert.deepEqual(provenanceOf(b).map((p) => p.index), [1]);
  assert.deepEqual(provenanceOf(b)[0].draws, provenanceOf(a)[1].draws, 'transform 1 draws the same shift with or without transform 0');
  const e = assertVoxelpipeError(() => createChain([{ name: 'LoadNifti', disabled: true }, { name: 'Boom' }], { registry, path: 'p' }), 'ERR_CONFIG');
  assert.match(e.message, /^p\[1\]\.name: unknown transform "Boom"/);
});

test('chain: signature names the prefix by transform and args, whatever the key order', () => {
  const registry = testRegistry();
  const make = (args: Record<string, unknown>) =>
    createChain([{ name: 'LoadNifti', args }, { name: 'TestNoise', args: { fields: 'image' } }], { registry });
  const a = make({ fields: 'image', as_closest_canonical: true });
  const b = make({ as_closest_canonical: true, fields: ['image'] });
  assert.equal(a.signature(), b.signature());
  assert.equal(a.signature(), '[[0,"LoadNifti",null,{"as_closest_canonical":true,"fields":["image"]}]]');
  assert.notEqual(a.signature(), make({ fields: 'image' }).signature());
  assert.notEqual(a.signature(0, 2), a.signature());
});

test('chain: split ends the cacheable prefix at the first random transform; describe is one line', (t) => {
  const chain = createChain(ENTRIES, { registry: testRegistry() });
  const { prefix, tail, boundary } = chain.split();
  assert.equal(boundary, 3);
  assert.deepEqual(prefix.map((x) => x.name), ['LoadNifti', 'ConvertToChannelsFirst', 'RepeatChannel']);
  assert.deepEqual(tail.map((x) => x.name), ['TestNoise', 'ConvertToMultiChannelBasedOnBratsClasses', 'TestNoise', 'ArgmaxAcrossChannels']);
  assert.equal(
    chain.describe(),
    'LoadNifti -> ConvertToChannelsFirst -> RepeatChannel -> TestNoise#noisy -> ConvertToMultiChannelBasedOnBratsClasses -> TestNoise -> ArgmaxAcrossChannels',
  );
  assert.equal(createChain(ENTRIES.slice(0, 2), { registry: testRegistry() }).split().boundary, 2);
  assert.equal(new Chain([]).describe(), '(empty chain)');
  void t;
});

test('chain: a cached prefix finished with applyRange is bit-identical to a full apply; keys matter', (t) => {
  const dir = tempDir(t);
  const sample = writeInputs(dir);
  const chain = createChain(ENTRIES, { registry: testRegistry(), root: dir });
  const full = chain.apply(sample, KEY);
  const { boundary } = chain.split();
  const cached = chain.applyRange(sample, { seed: 0, epoch: 0, index: 0 }, 0, boundary);
  const frozenProv = JSON.stringify(cached[PROVENANCE]);
  const a = chain.applyRange(cached, KEY, boundary, chain.length);
  const b = chain.applyRange(cached, KEY, boundary, chain.length);
  for (const f of ['image', 'label']) {
    assert.ok(bytesOf(full[f]).equals(bytesOf(a[f])), `${f}: cached prefix + tail equals full apply`);
    assert.ok(bytesOf(a[f]).equals(bytesOf(b[f])), `${f}: same key, same output`);
  }
  assert.deepEqual(a[PROVENANCE], full[PROVENANCE]);
  assert.equal(JSON.stringify(cached[PROVENANCE]), frozenProv, 'the cached sample is not modified');
  const other = chain.apply(sample, { ...KEY, index: 8 });
  assert.ok(!bytesOf(other.image).equals(bytesOf(full.image)), 'another index gives other noise');
  const otherEpoch = chain.apply(sample, { ...KEY, epoch: 2 });
  assert.ok(!bytesOf(otherEpoch.image).equals(bytesOf(full.image)), 'another epoch gives other noise');
  const otherSeed = chain.apply(sample, { ...KEY, seed: 43 });
  assert.ok(!bytesOf(otherSeed.image).equals(bytesOf(full.image)), 'another seed gives other noise');
  assert.deepEqual(sample, { image: 'img.nii.gz', label: 'lab.nii.gz' }, 'the input sample is not modified');
});

test('chain: same key gives bit-identical output in-process and in a worker thread', async (t) => {
  const dir = tempDir(t);
  const sample = writeInputs(dir);
  const runs = [0, 1, 2].map((index) => ({ sample, key: { seed: 2024, epoch: 3, index } }));
  const chain = createChain(ENTRIES, { registry: testRegistry(), root: dir });
  const local = runs.map((r) => digest(chain.apply(r.sample, r.key)));
  const job: WorkerJob = { entries: ENTRIES, root: dir, runs };
  const remote = await new Promise<Digest[]>((resolve, reject) => {
    // On Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry module
    // ("Unknown file extension .ts"); registering tsx from a bootstrap script does.
    const entry = new URL('./chain/worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    const w = new Worker(boot, { eval: true, workerData: job });
    w.once('message', resolve);
    w.once('error', reject);
  });
  assert.equal(remote.length, 3);
  for (let i = 0; i < runs.length; i++) {
    assert.deepEqual(Object.keys(remote[i].fields).sort(), ['image', 'label']);
    for (const f of ['image', 'label']) {
      assert.deepEqual(remote[i].fields[f].shape, local[i].fields[f].shape);
      assert.ok(Buffer.from(remote[i].fields[f].bytes).equals(Buffer.from(local[i].fields[f].bytes)), `run ${i} field ${f}`);
    }
    assert.deepEqual(remote[i].provenance, local[i].provenance);
  }
  assert.ok(!Buffer.from(local[0].fields.image.bytes).equals(Buffer.from(local[1].fields.image.bytes)), 'different samples differ');
});

test('chain: provenance lists name#alias, parsed args and recorded draws, off the voxel data', (t) => {
  const dir = tempDir(t);
  const chain = createChain(ENTRIES.slice(0, 4), { registry: testRegistry(), root: dir });
  const out = chain.apply(writeInputs(dir), KEY);
  const prov = provenanceOf(out);
  assert.deepEqual(
    prov.map((p) => [p.index, p.transform]),
    [
      [0, 'LoadNifti'],
      [1, 'ConvertToChannelsFirst'],
      [2, 'RepeatChannel'],
      [3, 'TestNoise#noisy'],
    ],
  );
  assert.deepEqual(prov[2].args, { fields: ['image'], repeat_times: 2 });
  assert.equal(prov[0].draws, undefined);
  const shift = rngFor(42, 1, 7, 3).uniform(-1, 1);
  assert.deepEqual(prov[3].draws, { shift });
  assert.equal(formatProvenance(out), `LoadNifti -> ConvertToChannelsFirst -> RepeatChannel -> TestNoise#noisy{"shift":${shift}}`);
  const off = createChain(ENTRIES.slice(0, 2), { registry: testRegistry(), root: dir, provenance: false }).apply(writeInputs(dir), KEY);
  assert.equal(PROVENANCE in off, false);
});

test('chain: per-transform timing is collected into a stats object and merges', (t) => {
  const dir = tempDir(t);
  const chain = createChain(ENTRIES, { registry: testRegistry(), root: dir });
  const stats = chain.newStats();
  const sample = writeInputs(dir);
  chain.apply(sample, KEY, { stats });
  chain.applyRange(sample, KEY, 0, 2, { stats });
  assert.deepEqual(
    stats.transforms.map((x) => [x.name, x.calls]),
    [
      ['LoadNifti', 2],
      ['ConvertToChannelsFirst', 2],
      ['RepeatChannel', 1],
      ['TestNoise#noisy', 1],
      ['ConvertToMultiChannelBasedOnBratsClasses', 1],
      ['TestNoise', 1],
      ['ArgmaxAcrossChannels', 1],
    ],
  );
  assert.ok(stats.transforms.every((x) => Number.isInteger(x.totalNs) && x.totalNs >= 0));
  const merged = chain.newStats().merge(stats).merge(stats.toJSON());
  assert.equal(merged.transforms[0].calls, 4);
  assert.equal(merged.transforms[0].totalNs, stats.transforms[0].totalNs * 2);
  assert.match(stats.format()[0], /^0 LoadNifti: 2 calls, \d+\.\d{3} ms\/call$/);
  assert.ok(new ChainStats(['a']).format()[0].endsWith('0 calls, - ms/call'));
});

test('chain: a failing transform is rethrown naming it, its index, the sample and its inputs with their source file', (t) => {
  const dir = tempDir(t);
  const boom = defineTransform({
    name: 'Boom',
    family: 'test',
    summary: 's',
    args: z.strictObject({ fields: z.string() }),
    isRandom: false,
    create: (a) => ({
      fields: [a.fields],
      apply: () => {
        throw new TypeError('kaboom\nsecond line');
      },
    }),
  });
  const registry = testRegistry().register(boom);
  const entries: ChainEntry[] = [{ name: 'LoadNifti', args: { fields: 'image' } }, { name: 'Boom#b', args: { fields: 'label' } }];
  const chain = createChain(entries, { registry, root: dir, path: 'train.pre_transforms' });
  const e = assertVoxelpipeError(() => chain.apply(writeInputs(dir), KEY), 'ERR_TRANSFORM');
  assert.equal(
    e.message,
    `train.pre_transforms[1] Boom#b (chain index 1) failed on sample 7 of epoch 1: kaboom [inputs: image int16 [6,5,4,1] from ${join(dir, 'img.nii.gz')}, label "lab.nii.gz"]`,
  );
  assert.ok(e.cause instanceof TypeError);
  assert.equal(e.context.index, 1);

  // A VoxelpipeError keeps its code; an explicit jsonPath wins over the list path.
  const chain2 = createChain([{ name: 'LoadNifti', args: { fields: 'image' }, jsonPath: 'validate.pre_transforms[4]' }], { registry, root: dir });
  const e2 = assertVoxelpipeError(() => chain2.apply({ image: 'missing.nii' }, KEY), 'ERR_FILE_NOT_FOUND');
  assert.equal(
    e2.message,
    `validate.pre_transforms[4] LoadNifti (chain index 0) failed on sample 7 of epoch 1: ${join(dir, 'missing.nii')}: no such file or directory [inputs: image "missing.nii"]`,
  );
});

test('chain: a deterministic transform touching ctx.rng, a non-record result and bad keys are errors', () => {
  const sneaky = defineTransform({
    name: 'Sneaky',
    family: 'test',
    summary: 's',
    args: z.strictObject({}),
    isRandom: false,
    create: () => ({ fields: [], apply: (s, ctx) => (ctx.rng.random(), s) }),
  });
  const nothing = defineTransform({
    name: 'Nothing',
    family: 'test',
    summary: 's',
    args: z.strictObject({}),
    isRandom: false,
    create: () => ({ fields: [], apply: () => undefined as never }),
  });
  const registry = createDefaultRegistry().register(sneaky).register(nothing);
  const e = assertVoxelpipeError(() => createChain([{ name: 'Sneaky' }], { registry }).apply({}, KEY), 'ERR_TRANSFORM');
  assert.equal(
    e.message,
    'transforms[0] Sneaky (chain index 0) failed on sample 7 of epoch 1: Sneaky is declared deterministic (isRandom false) but used ctx.rng; declare it random',
  );
  const n = assertVoxelpipeError(() => createChain([{ name: 'Nothing' }], { registry }).apply({}, KEY), 'ERR_TRANSFORM');
  assert.equal(n.message, 'transforms[0] Nothing (chain index 0) failed on sample 7 of epoch 1: returned undefined, expected a sample record');
  const chain = createChain([], { registry });
  assertVoxelpipeError(() => chain.apply({}, { seed: -1, epoch: 0, index: 0 }), 'ERR_INVALID_ARGUMENT', [
    'chain key: seed must be a non-negative integer, got -1',
  ]);
  assertVoxelpipeError(() => chain.applyRange({}, KEY, 0, 1), 'ERR_INVALID_ARGUMENT', ['applyRange(0, 1): expected 0 <= from <= to <= 0']);
  assertVoxelpipeError(() => createChain([{ args: {} } as never], { registry, path: 'train.pre_transforms' }), 'ERR_CONFIG', [
    'train.pre_transforms[0]: expected an object with "name" (a catalogue transform) or "path" (a custom module)',
  ]);
  // Bad args of one entry name that entry's JSON path.
  assertVoxelpipeError(() => createChain([{ name: 'LoadNifti', args: { fields: 'image' } }, { name: 'RepeatChannel', args: { fields: 'image' } }], { registry, path: 'p' }), 'ERR_CONFIG', [
    'RepeatChannel: p[1].args.repeat_times: expected number, got nothing',
  ]);
  void testNoise;
});
