import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { VoxelpipeError, type ErrorCode } from '../src/util/errors.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A fresh temporary folder, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'voxelpipe-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `fn` throws a VoxelpipeError with `code`, a one-line message, mentioning every string in `mentions`. */
export function assertVoxelpipeError(fn: () => unknown, code: ErrorCode, mentions: (string | RegExp)[] = []): VoxelpipeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof VoxelpipeError, `expected a VoxelpipeError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, `wrong code for: ${caught.message}`);
  assert.ok(!caught.message.includes('\n'), 'message must be one line');
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(caught.message.includes(m), `message "${caught.message}" should mention "${m}"`);
    else assert.match(caught.message, m);
  }
  return caught;
}

/** |a - b| <= abs + rel * |b|, the conformance tolerance rule. */
export function close(a: number, b: number, rel: number, abs: number): boolean {
  return Math.abs(a - b) <= abs + rel * Math.abs(b);
}
