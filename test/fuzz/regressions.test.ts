import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers.js';
import { FuzzPool } from './pool.js';
import { loadReproducer } from './reproducer.js';

/**
 * Every failure the fuzzer found is a fixture (test/fixtures/hostile, see
 * its README): each is replayed in a fuzz worker, under the same time and
 * memory watch, and must end as it does since its fix.
 */

const DIR = join(FIXTURES, 'hostile');
const cases = readdirSync(DIR).filter((n) => statSync(join(DIR, n)).isDirectory()).sort();
let pool: FuzzPool;
let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'voxelpipe-regress-'));
  pool = new FuzzPool({ size: 2, timeoutMs: 30_000, root });
});
after(() => {
  pool.close();
  rmSync(root, { recursive: true, force: true });
});

test('hostile fixtures are there', () => assert.ok(cases.length >= 30, `${cases.length} fixtures`));

for (const name of cases) {
  const { meta, fuzzCase } = loadReproducer(join(DIR, name));
  test(`hostile fixture ${name} (found: ${meta.found?.outcome}) ends in ${meta.expected}`, async () => {
    const r = await pool.run(fuzzCase);
    assert.equal(r.outcome, meta.expected, `${r.outcome}: ${r.detail ?? ''}`);
  });
}
