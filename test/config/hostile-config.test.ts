import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseJsonText, readJsonFile } from '../../src/config/index.js';
import { validateMmar } from '../../src/datalist/validate-mmar.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { MAX_MESSAGE_CHARS, VoxelpipeError } from '../../src/util/errors.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { spleenConfig, writeJson, writeSpleenMmar } from '../config/mmars.js';

// Issue 15: configs, environment files and --set items made to hurt: no
// prototype pollution, no stack overflow, bounded time, bounded messages.

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

function assertPrototypesUntouched(before: string) {
  assert.equal(prototypeKeys(), before, 'Object.prototype gained or lost a property');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).args, undefined);
}

test('--set through __proto__, constructor or prototype is refused and Object.prototype stays as it was', (t) => {
  const m = writeSpleenMmar(tempDir(t), 2, 1);
  const before = prototypeKeys();
  for (const item of ['__proto__.polluted=1', 'train.__proto__.args=5', 'train.constructor.prototype.polluted=1', 'prototype=1', 'train.pre_transforms[0].__proto__.x=1', 'constructor=2'])
    assertVoxelpipeError(() => loadConfig({ config: m.config, set: [item] }), 'ERR_INVALID_ARGUMENT', [`--set ${item}`, 'is not allowed in a key']);
  assertVoxelpipeError(() => loadConfig({ config: m.config, set: ['train.x={"__proto__": {"polluted": 1}}'] }), 'ERR_INVALID_ARGUMENT', ['value.__proto__', 'is not allowed']);
  assertPrototypesUntouched(before);
});

test('--set of an inherited name (toString) creates a config key, not a walk into Object.prototype', (t) => {
  const m = writeSpleenMmar(tempDir(t), 2, 1);
  const before = prototypeKeys();
  // train.toString is not an own key of the section: it is created (an object), and ignored as a key voxelpipe does not use.
  // (It used to walk into Object.prototype.toString and fail on "a function is not an object".)
  const spec = loadConfig({ config: m.config, mmar: m.root, set: ['train.toString.x=1'] });
  assert.ok(spec.warnings[0].includes('train.toString'), spec.warnings[0]);
  assertPrototypesUntouched(before);
});

test('__proto__, constructor and prototype keys in a config or environment file are refused naming the JSON path', (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 2, 1);
  const before = prototypeKeys();
  const cfg = spleenConfig() as Record<string, any>;
  const text = JSON.stringify(cfg).replace('"loss":', '"__proto__": {"polluted": 1}, "loss":');
  writeFileSync(m.config, text);
  assertVoxelpipeError(() => loadConfig({ config: m.config }), 'ERR_CONFIG', [m.config, 'train.__proto__: the key "__proto__" is not allowed']);
  writeJson(m.config, spleenConfig());
  writeFileSync(m.env, '{"DATA_ROOT": "x", "constructor": {"prototype": {"polluted": 1}}}');
  assertVoxelpipeError(() => loadConfig({ config: m.config }), 'ERR_CONFIG', [m.env, 'constructor: the key "constructor" is not allowed']);
  // A datalist too.
  assertVoxelpipeError(() => parseJsonText('{"training": [{"image": "a", "prototype": 1}]}', 'dataset_0.json'), 'ERR_CONFIG', ['dataset_0.json: training[0].prototype']);
  assertPrototypesUntouched(before);
});

test('a transform named toString (or any Object.prototype member) is just an unknown transform', (t) => {
  const dir = tempDir(t);
  for (const name of ['toString', 'constructor', 'hasOwnProperty', '__defineGetter__']) {
    const cfg = spleenConfig() as Record<string, any>;
    cfg.train.pre_transforms[1] = { name, args: {} };
    const m = writeSpleenMmar(join(dir, name), 2, 1, cfg);
    const e = assertVoxelpipeError(() => loadConfig({ config: m.config, registry: createDefaultRegistry() }), 'ERR_CONFIG', [`train.pre_transforms[1].name: unknown transform "${name}"`]);
    assert.ok(!e.message.includes('native code') && !e.message.includes('function'), e.message);
  }
  assert.throws(() => createDefaultRegistry().get('toString'), (e: unknown) => e instanceof VoxelpipeError && /unknown transform "toString"/.test(e.message));
});

test('an arg nested 2,000 levels deep is refused naming where, not a stack overflow', (t) => {
  const dir = tempDir(t);
  const cfg = spleenConfig() as Record<string, any>;
  let deep: unknown = 1;
  for (let i = 0; i < 2000; i++) deep = { a: deep };
  cfg.train.pre_transforms[2].args.extra = deep;
  const m = writeSpleenMmar(dir, 2, 1, cfg);
  assertVoxelpipeError(() => loadConfig({ config: m.config }), 'ERR_CONFIG', [m.config, 'train.pre_transforms[2].args.extra.a.a', 'nested more than 100 levels deep']);
  // Through --set: a deep value, and a deep path.
  const m2 = writeSpleenMmar(join(dir, 'plain'), 2, 1);
  assertVoxelpipeError(() => loadConfig({ config: m2.config, set: [`train.x=${'['.repeat(3000)}${']'.repeat(3000)}`] }), 'ERR_INVALID_ARGUMENT', ['nested more than 100 levels deep']);
  assertVoxelpipeError(() => loadConfig({ config: m2.config, set: [`train${'.a'.repeat(3000)}=1`] }), 'ERR_INVALID_ARGUMENT', ['expected KEY=VALUE']);
});

test('invalid JSON with 100,000 "[" is located without recursing 100,000 levels', () => {
  const text = '['.repeat(100_000);
  const e = assertVoxelpipeError(() => parseJsonText(text, 'deep.json'), 'ERR_CONFIG', ['deep.json:1:101', 'nested more than 100 levels deep']);
  assert.ok(e.message.length < 200);
  // Deep but valid JSON is refused by the depth check after parsing.
  assertVoxelpipeError(() => parseJsonText(`${'['.repeat(500)}${']'.repeat(500)}`, 'deep.json'), 'ERR_CONFIG', ['deep.json: [0][0]', 'nested more than 100 levels deep']);
});

test('a chain of 5,000 placeholders resolves (no recursion per link)', (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 2, 1);
  const env: Record<string, string> = {};
  for (let i = 0; i < 5000; i++) env[`V${i}`] = `{V${i + 1}}`;
  env.V5000 = 'training';
  env.DATASET_JSON = join(m.root, 'config', 'dataset_0.json');
  env.DATA_ROOT = m.dataRoot;
  writeJson(m.env, env);
  const cfg = spleenConfig() as Record<string, any>;
  cfg.train.image_pipeline.args.data_list_key = '{V0}';
  writeJson(m.config, cfg);
  assert.equal(loadConfig({ config: m.config }).train?.datalist.key, 'training');
  // A cycle through the chain is named, once.
  env.V5000 = '{V0}';
  writeJson(m.env, env);
  assertVoxelpipeError(() => loadConfig({ config: m.config }), 'ERR_CONFIG', ['train.image_pipeline.args.data_list_key: placeholder {V0} refers to itself (V0 -> V1 -> ']);
});

test('placeholders that expand exponentially are refused in bounded time with a bounded message', (t) => {
  const dir = tempDir(t);
  const m = writeSpleenMmar(dir, 2, 1);
  const env: Record<string, string> = { DATASET_JSON: join(m.root, 'config', 'dataset_0.json'), DATA_ROOT: m.dataRoot };
  for (let i = 0; i < 60; i++) env[`A${i}`] = `{A${i + 1}}{A${i + 1}}`;
  env.A60 = 'xy';
  writeJson(m.env, env);
  const cfg = spleenConfig() as Record<string, any>;
  cfg.train.image_pipeline.args.data_list_key = '{A0}';
  writeJson(m.config, cfg);
  const e = assertVoxelpipeError(() => loadConfig({ config: m.config }), 'ERR_CONFIG', ['train.image_pipeline.args.data_list_key', 'expand to', 'more than the 1048576 a string may hold']);
  assert.ok(e.message.length <= MAX_MESSAGE_CHARS);
});

test('a 2.4 MB transform name: quick error, short message, no "did you mean" scan of 2.4 MB', (t) => {
  const dir = tempDir(t);
  const cfg = spleenConfig() as Record<string, any>;
  cfg.train.pre_transforms[1] = { name: 'Scale'.repeat(480_000), args: {} };
  const m = writeSpleenMmar(dir, 2, 1, cfg);
  const e = assertVoxelpipeError(() => loadConfig({ config: m.config, registry: createDefaultRegistry() }), 'ERR_CONFIG', ['train.pre_transforms[1].name: unknown transform "ScaleScale', '(2400000 characters)']);
  assert.ok(e.message.length < 1000, `${e.message.length} characters`);
});

test('every error message is one line of bounded length', () => {
  const e = new VoxelpipeError('ERR_CONFIG', `x${' '.repeat(100_000)}\n${'y'.repeat(1_000_000)}`);
  assert.ok(e.message.length <= MAX_MESSAGE_CHARS);
  assert.ok(!e.message.includes('\n'));
  assert.match(e.message, /more characters\)$/);
});

test('DATASET_JSON pointing at /dev/zero (or a FIFO) is refused, not read forever', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 2, 1);
  assertVoxelpipeError(() => readJsonFile('/dev/zero'), 'ERR_FILE_READ', ['/dev/zero: is a character device, expected a regular file']);
  const report = await validateMmar({ config: m.config, set: ['DATASET_JSON=/dev/zero'] });
  assert.equal(report.ok, false);
  assert.ok(
    report.problems.some((p) => p.message.includes('/dev/zero: is a character device')),
    JSON.stringify(report.problems),
  );
});
