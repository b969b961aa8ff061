import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuzzPool } from './pool.js';
import { formatTable, runFuzz } from './run.js';
import { FORMATS } from './seeds.js';

/**
 * Issue 15's property: for mutations of small valid files of every format,
 * and of a Clara MMAR, every reader call and config load ends in a value or
 * a one-line VoxelpipeError naming the file, in bounded time, with no
 * allocation over 1 GiB and no write to a builtin prototype. Fixed seed, a
 * fixed number of cases per format (VOXELPIPE_FUZZ_CASES, default 2000),
 * two worker processes. Longer runs: `npm run fuzz`.
 */

const CASES = Number(process.env.VOXELPIPE_FUZZ_CASES ?? 2000);
// Generous: a case takes milliseconds, but CI machines are shared; a hang is a case that never ends.
const TIMEOUT_MS = 30_000;

test('fuzz harness: it reports a hang, a crash, an allocation over 1 GiB and a prototype write when it sees one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'voxelpipe-fuzz-probe-'));
  const pool = new FuzzPool({ size: 1, timeoutMs: 3000, root });
  try {
    const probe = (target: string) => pool.run({ format: 'probe', seed: 'probe', ops: [], files: [], target });
    assert.equal((await probe('alloc')).outcome, 'alloc>1GB');
    assert.equal((await probe('proto')).outcome, 'proto-write');
    assert.equal((await probe('hang')).outcome, 'hang');
    assert.equal((await probe('crash')).outcome, 'crash');
    // And the pool goes on after each.
    const ok = await pool.run({ format: 'nifti', seed: 'probe', ops: [], files: [{ name: 'x.nii', bytes: Buffer.from('not a nifti file, not at all') }], target: 'x.nii' });
    assert.equal(ok.outcome, 'error:ERR_UNKNOWN_FORMAT');
  } finally {
    pool.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test(`fuzz: ${CASES} mutated inputs per format (${FORMATS.join(', ')}): no hang, crash, stray exception, bad message, huge allocation or prototype write`, { timeout: 30 * 60_000 }, async () => {
  const { stats, failures, elapsedMs } = await runFuzz({ seed: 15, formats: [...FORMATS], cases: CASES, workers: 2, timeoutMs: TIMEOUT_MS });
  console.log(`${formatTable(stats)}\n${stats.reduce((n, s) => n + s.cases, 0)} cases in ${(elapsedMs / 1000).toFixed(0)} s`);
  for (const s of stats) assert.equal(s.cases, CASES, s.format);
  // Every format must get past its first checks now and then: a mutator that only ever breaks magic numbers tests nothing.
  // (With the default case count; a handful of config cases may all be refused.)
  if (CASES >= 500) for (const s of stats) assert.ok(s.ok > 0 && s.errors > 0, `${s.format}: ${s.ok} ok, ${s.errors} errors`);
  assert.deepEqual(
    failures.map((f) => `${f.format} ${f.case.seed} ${f.result.outcome}: ${f.result.detail} ops=${JSON.stringify(f.case.ops).slice(0, 300)}`),
    [],
  );
});
