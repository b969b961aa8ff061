import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../../src/cli/program.js';
import { tempDir } from '../helpers.js';
import { writeBratsMmar } from '../config/mmars.js';

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
