import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { ValidateReport } from '../../src/cli/commands/validate.js';
import { writeNifti } from '../../src/io/index.js';
import { tempDir } from '../helpers.js';
import { volume, writeSpleenMmar } from '../config/mmars.js';
import { automlConfig } from '../config/automl.js';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** A noisy int16 volume (compresses poorly, so its gzip body is far from its header). */
function noisy(shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Int16Array(n);
  let x = 777;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = (x >>> 16) - 32768;
  }
  return volume(shape, d);
}

test('validate decodes every file by default: a .nii.gz with a corrupt gzip body is found; --headers-only misses it', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 2, 1);
  const shape = [32, 32, 16];
  const image = join(m.dataRoot, 'imagesTr/spleen_2.nii.gz');
  writeNifti(image, noisy(shape));
  writeNifti(join(m.dataRoot, 'labelsTr/spleen_2.nii.gz'), volume(shape, new Uint8Array(32 * 32 * 16)));
  const bytes = readFileSync(image);
  // Flip bytes deep in the deflate body: the header (first bytes) and the trailer (size, CRC) stay intact.
  for (let i = bytes.length - 400; i < bytes.length - 300; i++) bytes[i] ^= 0xff;
  writeFileSync(image, bytes);

  const whole = await run(['validate', '--config', m.config, '--mmar', m.root]);
  assert.equal(whole.code, 1);
  assert.match(whole.err, new RegExp(`\\ntraining\\[1\\]\\.image: ${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt gzip stream \\([^)]+\\)\\n$`));
  assert.match(whole.out, /\n1 problem found \(3 entries, 6 files decoded\)\n$/);

  const fast = await run(['validate', '--config', m.config, '--mmar', m.root, '--headers-only']);
  assert.equal(fast.code, 0, fast.err);
  assert.match(fast.out, /\nok: 3 entries, 6 files checked \(headers only\), no problems\n$/);

  const j = JSON.parse((await run(['validate', '--config', m.config, '--mmar', m.root, '--json'])).out) as ValidateReport;
  assert.equal(j.headersOnly, false);
  const files = ['imagesTr/spleen_1.nii.gz', 'labelsTr/spleen_1.nii.gz', 'labelsTr/spleen_2.nii.gz', 'imagesTr/spleen_100.nii.gz', 'labelsTr/spleen_100.nii.gz'];
  // Every file but the corrupt one was decoded whole (its bytes are not counted).
  assert.equal(j.bytes, files.reduce((n, f) => n + statSync(join(m.dataRoot, f)).size, 0));
  // Decoded: 16x16x8 int16 images and uint8 labels (writeCase) and the 32x32x16 uint8 label.
  assert.equal(j.decoded_bytes, 2 * (16 * 16 * 8 * 3) + 32 * 32 * 16);
  const jf = JSON.parse((await run(['validate', '--config', m.config, '--mmar', m.root, '--json', '--headers-only'])).out) as ValidateReport;
  assert.deepEqual([jf.ok, jf.headersOnly, jf.bytes, jf.decoded_bytes], [true, true, 0, 0]);
});

test('validate lists an AutoML search space; --set picks a point; a value outside targets names the search entry', async (t) => {
  const m = writeSpleenMmar(tempDir(t), 1, 1, automlConfig() as ReturnType<typeof import('../config/mmars.js').spleenConfig>);
  const r = await run(['validate', '--config', m.config, '--mmar', m.root]);
  assert.equal(r.code, 0, r.err);
  const listing = r.out.split('\n').slice(2, -2).join('\n');
  assert.equal(
    listing,
    [
      'search space (AutoML): 5 variables; the values written are used; --set NAME=VALUE picks a point',
      '  learning_rate: float [0.0001, 0.001] (lr; defined at search[0])',
      '    learning_rate = 0.001',
      '  myTransformDisable: enum true | false (transform; defined at search[1])',
      '    train.pre_transforms[3].disabled = false  [apply]',
      '    train.pre_transforms[4].disabled = false  [apply]',
      '  train.lr_policy.args.poly_power: enum 0.9 | 0.99 (lr; defined at train.lr_policy.search[0])',
      '    train.lr_policy.args.poly_power = 0.99',
      '  myProb: float [0, 0.2] (transform; defined at train.pre_transforms[5].search[0])',
      '    train.pre_transforms[5].args.probability = 0.1',
      '    train.pre_transforms[6].args.probability = 0.1  [apply]',
      '  train.pre_transforms[6].disabled: enum true | false (transform; defined at train.pre_transforms[6].search[0])',
      '    train.pre_transforms[6].disabled = false',
    ].join('\n'),
  );
  assert.ok(!r.err.includes('search'), 'search blocks are neither unknown keys nor ignored keys');

  const p = await run(['validate', '--config', m.config, '--mmar', m.root, '--json', '--set', 'myProb=0.15', 'myTransformDisable=true']);
  assert.equal(p.code, 0, p.err);
  const report = JSON.parse(p.out) as ValidateReport;
  const prob = report.search.find((v) => v.name === 'myProb')!;
  assert.deepEqual(prob, {
    name: 'myProb',
    type: 'float',
    domain: 'transform',
    entry: 'train.pre_transforms[5].search[0]',
    range: [0, 0.2],
    places: [
      { path: 'train.pre_transforms[5].args.probability', via: 'search', value: 0.15 },
      { path: 'train.pre_transforms[6].args.probability', via: 'apply', value: 0.15 },
    ],
    picked: 0.15,
  });
  assert.deepEqual(
    report.search.find((v) => v.name === 'myTransformDisable')!.places.map((x) => x.value),
    [true, true],
  );

  const bad = await run(['validate', '--config', m.config, '--mmar', m.root, '--set', 'myProb=0.5']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err, `${m.config}: --set myProb=0.5: 0.5 is outside train.pre_transforms[5].search[0].targets [0, 0.2]\n`);
});
