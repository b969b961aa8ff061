import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteSize } from '../../src/config/byte-size.js';
import { loadConfig } from '../../src/config/index.js';
import { pipelineOptionsFromSpec } from '../../src/pipeline/from-config.js';
import { tempDir } from '../helpers.js';
import { spleenConfig, writeSpleenMmar } from './mmars.js';

test('parseByteSize: bytes as a number, SI units are powers of 1000, IEC units powers of 1024, any case', () => {
  const cases: [unknown, number][] = [
    [8000000000, 8e9],
    ['8000000000', 8e9],
    ['8GB', 8e9],
    ['8 gb', 8e9],
    ['512MiB', 512 * 2 ** 20],
    ['1.5 GiB', 1.5 * 2 ** 30],
    ['2kB', 2000],
    ['3KiB', 3072],
    ['1TB', 1e12],
    ['1tib', 2 ** 40],
    ['100B', 100],
    [1024.7, 1024],
  ];
  for (const [v, bytes] of cases) assert.deepEqual(parseByteSize(v), { bytes }, JSON.stringify(v));
});

test('parseByteSize: anything else is a one-line reason that shows the value', () => {
  const cases: [unknown, string][] = [
    ['8G', 'unknown unit "G" in "8G"; use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)'],
    ['lots', 'expected a number of bytes or a size such as "8GB" or "512MiB", got "lots"'],
    ['-1GB', 'expected a number of bytes or a size such as "8GB" or "512MiB", got "-1GB"'],
    [true, 'expected a number of bytes or a size such as "8GB" or "512MiB", got true'],
    [null, 'expected a number of bytes or a size such as "8GB" or "512MiB", got null'],
    [0, 'expected a size of at least 1 byte, got 0'],
    ['0.5B', 'expected a size of at least 1 byte, got "0.5B"'],
    [Number.NaN, 'expected a size of at least 1 byte, got null'],
    ['99999999TiB', '"99999999TiB" is more bytes than can be counted exactly (at most 9007199254740991)'],
  ];
  for (const [v, problem] of cases) assert.deepEqual(parseByteSize(v), { problem }, String(v));
});

test('image_pipeline.args.max_memory reaches the engine options as bytes; a bad one is a one-line config error', (t) => {
  const c = spleenConfig() as { train: { image_pipeline: { args: Record<string, unknown> } } };
  c.train.image_pipeline.args.max_memory = '512MiB';
  const m = writeSpleenMmar(tempDir(t), 2, 1, c as ReturnType<typeof spleenConfig>);
  const spec = loadConfig({ config: m.config, mmar: m.root });
  assert.equal(spec.train!.imagePipeline.args.max_memory, 512 * 2 ** 20);
  assert.equal(pipelineOptionsFromSpec(spec, spec.train!).maxMemory, 512 * 2 ** 20);
  assert.equal(pipelineOptionsFromSpec(spec, spec.validate!).maxMemory, undefined, 'not given: the engine default');
  assert.throws(() => loadConfig({ config: m.config, mmar: m.root, set: ['train.image_pipeline.args.max_memory=8G'] }), {
    code: 'ERR_CONFIG',
    message: `${m.config}: train.image_pipeline.args.max_memory: unknown unit "G" in "8G"; use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)`,
  });
});
