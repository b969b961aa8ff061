import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createChain, createChainAsync } from '../../src/transforms/chain.js';
import { loadCustomTransforms, parseCustomSpec } from '../../src/transforms/custom.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { provenanceOf } from '../../src/transforms/provenance.js';
import type { ChainImage } from '../../src/transforms/image.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { rngFor } from '../../src/util/rng.js';
import { ROOT, assertVoxelpipeError, tempDir } from '../helpers.js';
import { image } from './chain/helpers.js';

const KEY = { seed: 1, epoch: 0, index: 3 };
const ZOD = import.meta.resolve('zod');

/** A user's module as the README shows it: plain JavaScript, an ES module beside the MMAR config. */
const MODULE = `
import { z } from ${JSON.stringify(ZOD)};

// A definition object with a zod schema.
export const AddConstant = {
  name: 'AddConstant',
  args: z.strictObject({ fields: z.union([z.string(), z.array(z.string())]), value: z.number().default(1) }),
  create(args) {
    const fields = typeof args.fields === 'string' ? [args.fields] : args.fields;
    return {
      fields,
      apply(sample) {
        const out = { ...sample };
        for (const f of fields) {
          const img = sample[f];
          const data = new Float32Array(img.data.length);
          for (let i = 0; i < data.length; i++) data[i] = img.data[i] + args.value;
          out[f] = { ...img, data };
        }
        return out;
      },
    };
  },
};

// A Clara-style class: is_deterministic() false makes it random.
export class RandomSign {
  constructor(args) { this.field = args.field; }
  is_deterministic() { return false; }
  get fields() { return [this.field]; }
  apply(sample, ctx) {
    const sign = ctx.rng.bernoulli(0.5) ? -1 : 1;
    ctx.record({ sign });
    const img = sample[this.field];
    const data = new Float32Array(img.data.length);
    for (let i = 0; i < data.length; i++) data[i] = sign * img.data[i];
    return { ...sample, [this.field]: { ...img, data } };
  }
}

// A factory function.
export function tagger(args) {
  return { apply: (sample) => ({ ...sample, tag: args.tag }) };
}

export default class Identity {
  apply(sample) { return { ...sample }; }
}

export const notATransform = 42;
export function badFactory() { return { nope: true }; }
export class Careless { apply(sample, ctx) { ctx.rng.random(); return sample; } }
`;

function writeModule(dir: string): void {
  mkdirSync(join(dir, 'custom'), { recursive: true });
  writeFileSync(join(dir, 'custom', 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 'custom', 'my-transforms.js'), MODULE);
  writeFileSync(join(dir, 'custom', 'broken.js'), 'export const x = ;\n');
}

test('custom: parseCustomSpec splits file and export (default without #)', () => {
  assert.deepEqual(parseCustomSpec('./a/b.js#X'), { file: './a/b.js', exportName: 'X' });
  assert.deepEqual(parseCustomSpec('./a/b.js'), { file: './a/b.js', exportName: 'default' });
});

test('custom: definition objects, Clara-style classes and factories run in a chain', async (t) => {
  const dir = tempDir(t);
  writeModule(dir);
  const registry = createDefaultRegistry();
  const entries = [
    { path: './custom/my-transforms.js#AddConstant', args: { fields: 'image', value: 10 } },
    { name: 'ConvertToChannelsFirst', args: { fields: 'image' } },
    { path: './custom/my-transforms.js#RandomSign', args: { field: 'image' } },
    { path: './custom/my-transforms.js#tagger', args: { tag: 'seen' } },
    { path: './custom/my-transforms.js' },
  ];
  const chain = await createChainAsync(entries, { registry, root: dir, path: 'train.pre_transforms' });
  assert.equal(chain.describe(), 'AddConstant -> ConvertToChannelsFirst -> RandomSign -> tagger -> Identity');
  assert.deepEqual(
    chain.transforms.map((x) => [x.isRandom, [...x.fields]]),
    [
      [false, ['image']],
      [false, ['image']],
      [true, ['image']],
      [false, []],
      [false, []],
    ],
  );
  assert.deepEqual(chain.transforms[0].args, { fields: 'image', value: 10 }, 'schema defaults and parsing apply');
  assert.equal(chain.transforms[0].source, join(dir, 'custom', 'my-transforms.js'));
  assert.equal(chain.transforms[1].source, undefined);
  assert.equal(chain.split().boundary, 2);
  const out = chain.apply({ image: image([1, 2, 3], [3, 1]) }, KEY);
  const sign = rngFor(1, 0, 3, 2).bernoulli(0.5) ? -1 : 1;
  assert.deepEqual([...(out.image as ChainImage).data], [11 * sign, 12 * sign, 13 * sign]);
  assert.equal(out.tag, 'seen');
  assert.deepEqual(provenanceOf(out)[2].draws, { sign });

  // Loaded once, modules build chains synchronously (what each worker does).
  const custom = await loadCustomTransforms(entries, { root: dir });
  assert.equal(custom.size, 4);
  const again = createChain(entries, { registry, root: dir, custom });
  assert.deepEqual([...(again.apply({ image: image([1, 2, 3], [3, 1]) }, KEY).image as ChainImage).data], [...(out.image as ChainImage).data]);
});

test('custom: clear errors for a missing module, a missing export, a non-transform, bad args, a broken module', async (t) => {
  const dir = tempDir(t);
  writeModule(dir);
  const registry = createDefaultRegistry();
  const opts = { registry, root: dir, path: 'train.pre_transforms' };
  const fails = async (entry: Record<string, unknown>): Promise<VoxelpipeError> => {
    try {
      await createChainAsync([{ name: 'ConvertToChannelsFirst', args: { fields: 'image' } }, entry as never], opts);
    } catch (e) {
      assert.ok(e instanceof VoxelpipeError, String(e));
      assert.ok(!e.message.includes('\n'));
      return e;
    }
    assert.fail('expected an error');
  };
  const file = join(dir, 'custom', 'my-transforms.js');
  const missing = await fails({ path: './custom/nope.js#X' });
  assert.equal(missing.code, 'ERR_FILE_NOT_FOUND');
  assert.equal(missing.message, `train.pre_transforms[1].path: custom transform module "./custom/nope.js" not found (looked for ${join(dir, 'custom', 'nope.js')})`);
  const noExport = await fails({ path: './custom/my-transforms.js#Missing' });
  assert.equal(
    noExport.message,
    `train.pre_transforms[1].path: ${file} has no export "Missing" (its exports: AddConstant, Careless, RandomSign, badFactory, default, notATransform, tagger)`,
  );
  const notT = await fails({ path: './custom/my-transforms.js#notATransform' });
  assert.equal(
    notT.message,
    `train.pre_transforms[1].path: export "notATransform" of ${file} is not a transform: expected a class or factory whose result has apply(sample, ctx), or an object with create(args); got number`,
  );
  const bad = await fails({ path: './custom/my-transforms.js#badFactory' });
  assert.equal(bad.message, `badFactory at train.pre_transforms[1]: ${file} export "badFactory" made {"nope":true}, expected an object with apply(sample, ctx)`);
  const args = await fails({ path: './custom/my-transforms.js#AddConstant', args: { fields: 'image', value: 'x', extra: 1 } });
  assert.equal(args.code, 'ERR_CONFIG');
  assert.equal(
    args.message,
    'AddConstant: train.pre_transforms[1].args.value: expected number, got "x"; train.pre_transforms[1].args.extra: unknown key',
  );
  const broken = await fails({ path: './custom/broken.js#x' });
  assert.match(broken.message, /^train\.pre_transforms\[1\]\.path: cannot load custom transform module .*broken\.js: .+/);

  // Without loading first, the synchronous builder says what to do.
  assertVoxelpipeError(() => createChain([{ path: './custom/my-transforms.js#tagger' }], opts), 'ERR_CONFIG', [
    'train.pre_transforms[0].path: custom transform "./custom/my-transforms.js#tagger" is not loaded: build the chain with createChainAsync, or pass loadCustomTransforms\' result as options.custom',
  ]);
  // A custom transform that draws without declaring itself random is refused when it runs.
  const careless = await createChainAsync([{ path: './custom/my-transforms.js#Careless' }], opts);
  assertVoxelpipeError(() => careless.apply({}, KEY), 'ERR_TRANSFORM', [
    'Careless is declared deterministic (isRandom false) but used ctx.rng; declare it random',
  ]);
});

test('custom: the README example (docs/transforms-chain.md) runs as written', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs', 'transforms-chain.md'), 'utf8');
  const js = /```js\n([\s\S]*?)```/.exec(doc)![1];
  const entry = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]);
  const dir = tempDir(t);
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'my-transforms.mjs'), js);
  const chain = await createChainAsync([entry], { registry: createDefaultRegistry(), root: dir });
  assert.equal(chain.split().boundary, 0, 'is_deterministic() false makes it random');
  const gains = new Set<number>();
  for (let index = 0; index < 20; index++) {
    const out = chain.apply({ image: image([1, 2], [2, 1]) }, { seed: 0, epoch: 0, index });
    const d = (out.image as ChainImage).data;
    assert.ok(Math.abs(d[1] - 2 * d[0]) < 1e-6 && d[0] >= 0.8 - 1e-6 && d[0] <= 1.2 + 1e-6);
    gains.add(d[0]);
  }
  assert.ok(gains.has(1) && gains.size > 2, 'some samples unchanged (probability 0.3), others scaled');
});
