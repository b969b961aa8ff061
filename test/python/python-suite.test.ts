import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeDemoMmar, DEMO_SIZES } from '../../src/synthetic/mmar.js';
import { ROOT, tempDir } from '../helpers.js';
import { findPython } from './helpers.js';

// The Python package's own tests (python/tests, unittest), run here so that
// their failure fails `npm test` and CI reads one summary: one subtest per
// Python test, skipped only with the reason the Python test gave (torch absent).
const { python, reason } = findPython();
if (!python) console.log(`# python/tests skipped: ${reason}`);

interface Result {
  test: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  ms: number;
}

test('python/tests (unittest): the numpy/torch package over voxelpipe serve', { skip: python ? false : reason }, async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const child = spawn(python!, [join(ROOT, 'test', 'python', 'unittest_json.py')], {
    cwd: ROOT,
    env: { ...process.env, VOXELPIPE_TEST_MMAR: mmar.root, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  const results: Result[] = out.split('\n').filter((l) => l.startsWith('@@ ')).map((l) => JSON.parse(l.slice(3)) as Result);
  for (const r of results) {
    await t.test(`${r.test} (${(r.ms / 1000).toFixed(1)} s)`, { skip: r.status === 'skip' ? r.detail : false }, () => {
      if (r.status === 'fail') assert.fail(r.detail);
    });
  }
  assert.ok(results.length > 0, `no Python test ran (exit code ${code}): ${err.slice(-2000)}`);
  assert.equal(code, 0, `the Python tests failed (exit code ${code}); their stderr ends with:\n${err.slice(-3000)}`);
});
