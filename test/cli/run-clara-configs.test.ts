import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../../src/cli/program.js';
import { tempDir } from '../helpers.js';
import { findings, writeBratsMmar, writeMultiLabelPngMmar } from '../config/mmars.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';

/** Clara 3.x training configs that real users run, through `voxelpipe run`. */

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('run: a BraTS validate section makes 3 label channels without output_label_channels; a stated count is still checked', async (t) => {
  const m = writeBratsMmar(tempDir(t));
  for (const section of ['validate', 'train']) {
    const r = await cli('run', '--config', m.config, '--mmar', m.root, '--section', section, '--json');
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    const spatial = section === 'validate' ? [16, 16, 8] : [8, 8, 8];
    assert.deepEqual(s.fields.image, { shape: [1, 4, ...spatial], dtype: 'float32' });
    assert.deepEqual(s.fields.label, { shape: [1, 3, ...spatial], dtype: 'float32' });
    assert.equal(s.batches, 2);
  }
  // Where the config states a count, it is checked.
  const config = JSON.parse(readFileSync(m.config, 'utf8'));
  config.validate.image_pipeline.args.output_label_channels = 1;
  writeFileSync(m.config, JSON.stringify(config));
  const bad = await cli('run', '--config', m.config, '--mmar', m.root, '--section', 'validate', '--json');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /BraTS_0_flair\.nii\.gz.*: field "label" has 3 channels, output_label_channels is 1\n$/);
});

test('run: a multi-label PNG datalist without output_label_format gives [B, K] 0/1 labels, K from the vectors', async (t) => {
  const m = writeMultiLabelPngMmar(tempDir(t), 14);
  const r = await cli('run', '--config', m.config, '--mmar', m.root, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.fields.label, { shape: [3, 14], dtype: 'float32' });
  assert.deepEqual(s.fields.image, { shape: [3, 1, 32, 32], dtype: 'float32' });
  assert.equal(s.samples, 6);

  // The rows are the datalist's vectors, in datalist order (shuffle: false).
  const config = loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  const p = createPipeline(pipelineOptionsFromSpec(config, config.train!, { workers: 0 }));
  try {
    const rows: number[][] = [];
    for await (const b of p.epoch(0)) for (let i = 0; i < b.fields.label.shape[0]; i++) rows.push([...b.fields.label.data.subarray(i * 14, (i + 1) * 14)]);
    assert.deepEqual(rows, m.labels);
  } finally {
    await p.close();
  }
});

test('run: multi-label vectors of different lengths are refused in one line naming the item', async (t) => {
  const m = writeMultiLabelPngMmar(tempDir(t), 14);
  const list = JSON.parse(readFileSync(m.datalist, 'utf8'));
  list.training[4].label = findings(4, 13);
  writeFileSync(m.datalist, JSON.stringify(list));
  const r = await cli('run', '--config', m.config, '--mmar', m.root, '--json');
  assert.equal(r.code, 1);
  assert.equal(
    r.err.split('\n').at(-2),
    `voxelpipe: ${m.datalist}: training[4].label: a vector of 13 values, but training[0].label has 14; every multi-label vector needs the same length (or set output_label_format)`,
  );
});

test('an evaluation-free training config (no validate section, no metrics) validates and runs; --section validate says what is missing', async (t) => {
  const m = writeBratsMmar(tempDir(t), 1);
  const config = JSON.parse(readFileSync(m.config, 'utf8'));
  delete config.validate;
  writeFileSync(m.config, JSON.stringify(config));
  const v = await cli('validate', '--config', m.config, '--mmar', m.root);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /^train +SegmentationImagePipeline, datalist .* \[training\]: 1 entry\nok: 1 entry, 5 files decoded, no problems\n$/);
  const r = await cli('run', '--config', m.config, '--mmar', m.root, '--json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).fields.label.shape, [1, 3, 8, 8, 8]);
  const none = await cli('run', '--config', m.config, '--mmar', m.root, '--section', 'validate');
  assert.equal(none.code, 1);
  assert.match(none.err, /has no "validate" section with an image_pipeline\n$/);
});
