import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeDemoMmar, DEMO_SIZES } from '../../src/synthetic/mmar.js';
import { ROOT, tempDir } from '../helpers.js';
import { findPython } from '../python/helpers.js';

const { python, torch, reason } = findPython();
const SKIP = !python ? reason! : !torch ? `torch is not installed for ${python} (Debian: apt-get install python3-torch)` : false;
if (SKIP) console.log(`# examples/train_unet_torch.py test skipped: ${SKIP}`);

test('examples/train_unet_torch.py (shortened: 24 steps, no workers): the loss on a fixed batch falls, Dice is printed', { skip: SKIP }, (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const r = spawnSync(python!, [join(ROOT, 'examples', 'train_unet_torch.py'), '--mmar', mmar.root, '--crop', '16', '--steps', '24', '--workers', '0', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(ROOT, 'python'), PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const summary = JSON.parse(lines.pop()!) as { losses: number[]; dice: number[]; before: { loss: number; dice: number }; after: { loss: number; dice: number }; params: number };
  assert.equal(summary.losses.length, 24);
  assert.ok(summary.losses.every(Number.isFinite) && summary.dice.every((d) => d >= 0 && d <= 1));
  assert.ok(summary.after.loss < summary.before.loss, `loss on the fixed batch ${summary.before.loss} -> ${summary.after.loss}`);
  assert.match(lines.find((l) => l.startsWith('model:'))!, /^model: 3D U-Net, \d+ parameters, input \[B, 1, 16, 16, 16\]$/);
  assert.match(lines.find((l) => l.startsWith('step   1/24'))!, /^step {3}1\/24 {2}loss \d\.\d{4} {2}dice \d\.\d{3} {2}\(\d+\.\d s\)$/);
  assert.match(lines.find((l) => l.startsWith('pipeline:'))!, /FastCropByPosNegRatio .* batch 1, 0 workers, Smart Cache/);
  assert.match(lines.at(-1)!, /^loss \d\.\d{4} -> \d\.\d{4} \(mean of the first and last 4 steps\), dice \d\.\d{3}, \d+\.\d s$/);
});
