import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/program.js';

// The serve command end to end (a real child, a Python client) is tested by
// test/python/*.test.ts; here: what it says when started wrongly.
test('serve without --stdio says how it is meant to be started', async () => {
  let err = '';
  const code = await runCli(['node', 'voxelpipe', 'serve'], { out: () => {}, err: (s) => (err += s) });
  assert.equal(code, 1);
  assert.equal(err, 'voxelpipe: serve: pass --stdio (requests on stdin, replies on stdout; the Python package starts it so)\n');
});
