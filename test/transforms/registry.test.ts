import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { TransformRegistry } from '../../src/transforms/registry.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { defineTransform } from '../../src/transforms/types.js';
import { assertVoxelpipeError } from '../helpers.js';

const AT = 'train.pre_transforms[2]';

test('registry: registering a name twice throws', () => {
  const def = defineTransform({
    name: 'Twice',
    family: 'test',
    summary: 's',
    args: z.strictObject({}),
    isRandom: false,
    create: () => ({ fields: [], apply: (s) => s }),
  });
  const r = new TransformRegistry().register(def);
  assert.throws(() => r.register(def), { message: 'transform "Twice" is registered twice' });
  // The default catalogue itself has no duplicates (registering it did not throw) and lists its names sorted.
  const names = createDefaultRegistry().names();
  assert.deepEqual(names, [...names].sort());
});

test('registry: an unknown name is one line with the JSON path and the closest names', () => {
  const r = createDefaultRegistry();
  assertVoxelpipeError(() => r.create({ name: 'LoadNifty' }, AT), 'ERR_CONFIG', [
    'train.pre_transforms[2].name: unknown transform "LoadNifty" (did you mean LoadNifti or LoadNumpy?)',
  ]);
  const e = assertVoxelpipeError(() => r.create({ name: 'ConvertToChannelFirst' }, AT), 'ERR_CONFIG');
  assert.equal(
    e.message,
    'train.pre_transforms[2].name: unknown transform "ConvertToChannelFirst" (did you mean ConvertToChannelsFirst, ConvertToChannelsLast or EnsureChannelFirstd?)',
  );
  const far = assertVoxelpipeError(() => r.create({ name: 'Zzzzzzzzzzzzzzzzzzzzzzz' }, AT), 'ERR_CONFIG');
  assert.equal(far.message, 'train.pre_transforms[2].name: unknown transform "Zzzzzzzzzzzzzzzzzzzzzzz"');
});

test('registry: arg errors name the transform, the arg and its JSON path', () => {
  const r = createDefaultRegistry();
  const cases: [Record<string, unknown>, string][] = [
    [
      { name: 'RepeatChannel', args: { fields: 'image', repeat_times: 0 } },
      'RepeatChannel: train.pre_transforms[2].args.repeat_times: expected a number >= 1, got 0',
    ],
    [
      { name: 'RepeatChannel', args: { fields: 'image', repeat_times: 3, repeat: 3 } },
      'RepeatChannel: train.pre_transforms[2].args.repeat: unknown key (did you mean repeat_times?)',
    ],
    [
      { name: 'RepeatChannel', args: { fields: 5, repeat_times: 2.5 } },
      'RepeatChannel: train.pre_transforms[2].args.fields: expected string or array, got 5; train.pre_transforms[2].args.repeat_times: expected an integer, got 2.5',
    ],
    [
      { name: 'ConvertToMultiChannelBasedOnBratsClasses', args: { fields: 'label', class_names: ['TC', 'XX'] } },
      'ConvertToMultiChannelBasedOnBratsClasses: train.pre_transforms[2].args.class_names[1]: expected one of "TC", "WT", "ET", got "XX"',
    ],
    [
      { name: 'SaveAsNifti#dump', args: { fields: 'image' } },
      'SaveAsNifti: train.pre_transforms[2].args.out_dir: expected string, got nothing',
    ],
  ];
  for (const [entry, message] of cases) {
    const e = assertVoxelpipeError(() => r.create(entry as never, AT), 'ERR_CONFIG');
    assert.equal(e.message, message);
  }
});

test('registry: name#alias keeps the alias; args come back parsed with defaults', () => {
  const r = createDefaultRegistry();
  const t = r.create({ name: 'LoadNifti#ct', args: { fields: 'image' } }, AT);
  assert.equal(t.name, 'LoadNifti');
  assert.equal(t.alias, 'ct');
  assert.deepEqual(t.args, { fields: ['image'], as_closest_canonical: false });
  assert.equal(t.isRandom, false);
  assert.deepEqual(t.fields, ['image']);
  const plain = r.create({ name: 'LoadNifti', args: { fields: ['image', 'label'] } }, AT);
  assert.equal('alias' in plain, false);
  assert.ok(Object.isFrozen(plain) && Object.isFrozen(plain.args));
});

test('registry: every catalogue definition parses its own example args', () => {
  const r = createDefaultRegistry();
  for (const def of r.definitions()) {
    if (!def.example) continue;
    const parsed = def.args.safeParse(def.example);
    assert.ok(parsed.success, `${def.name}: example args do not parse`);
    assert.ok(def.summary.length > 0 && def.family.length > 0, def.name);
  }
});
