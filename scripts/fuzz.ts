/**
 * `npm run fuzz -- [--seed N] [--minutes M | --seconds S] [--cases N] [--formats a,b]
 *                  [--workers W] [--timeout MS] [--out DIR] [--replay DIR]`
 *
 * Long fuzz runs of every reader and the config loader (the CI suite in
 * test/fuzz runs a fixed few thousand cases per format). Prints the table of
 * outcomes and writes a reproducer of every failure to --out (default
 * fuzz-out/): the case's files and a case.json with the seed, the mutations
 * and a replay command. Exit code 1 when any case failed.
 *
 * `npm run fuzz -- --replay DIR[,DIR...] [--adopt [FOLDER]]` runs reproducers
 * again; with --adopt, each one that now ends well is copied into
 * test/fixtures/hostile (or FOLDER) with its outcome, where
 * test/fuzz/regressions.test.ts replays it on every test run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FuzzPool } from '../test/fuzz/pool.js';
import { adoptFixture, loadReproducer } from '../test/fuzz/reproducer.js';
import { formatTable, runFuzz } from '../test/fuzz/run.js';
import { FORMATS } from '../test/fuzz/seeds.js';

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), argv[++i]];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    out[k] = v;
  }
  return out;
}

async function replay(dirs: string[], adoptInto?: string): Promise<void> {
  const pool = new FuzzPool({ size: 1, timeoutMs: 30000, root: mkdtempSync(join(tmpdir(), 'voxelpipe-replay-')) });
  try {
    for (const dir of dirs) {
      const { meta, fuzzCase } = loadReproducer(dir);
      const r = await pool.run(fuzzCase);
      const fixed = r.outcome === 'ok' || r.outcome.startsWith('error:');
      console.log(`${dir}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''} in ${r.ms.toFixed(0)} ms (was ${meta.outcome})`);
      if (!fixed) process.exitCode = 1;
      else if (adoptInto) console.log(`  -> ${adoptFixture(dir, adoptInto, r.outcome)}`);
    }
  } finally {
    pool.close();
  }
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  // --replay DIR[,DIR...]: run reproducers again; with --adopt, copy the fixed ones into the regression fixtures.
  if (a.replay) return replay(a.replay.split(','), a.adopt === undefined ? undefined : resolve(a.adopt === 'true' ? 'test/fixtures/hostile' : a.adopt));
  const formats = a.formats ? a.formats.split(',') : [...FORMATS];
  for (const f of formats) if (!(FORMATS as readonly string[]).includes(f)) throw new Error(`unknown format ${f}; formats: ${FORMATS.join(', ')}`);
  const seconds = a.minutes !== undefined ? Number(a.minutes) * 60 : a.seconds !== undefined ? Number(a.seconds) : undefined;
  const out = resolve(a.out ?? 'fuzz-out');
  const seed = Number(a.seed ?? 1);
  console.log(`fuzz: seed ${seed}, formats ${formats.join(', ')}, ${seconds !== undefined ? `${seconds} s` : `${a.cases ?? 500} cases per format`}, reproducers in ${out}`);
  const { stats, failures, elapsedMs } = await runFuzz({
    seed,
    formats,
    cases: Number(a.cases ?? 500),
    durationMs: seconds === undefined ? undefined : seconds * 1000,
    workers: Number(a.workers ?? 2),
    timeoutMs: Number(a.timeout ?? 10000),
    out,
    onRound: (s, ms) => process.stderr.write(`  ${(ms / 1000).toFixed(0)} s: ${s.reduce((n, x) => n + x.cases, 0)} cases, ${s.reduce((n, x) => n + Object.values(x.failures).reduce((p, q) => p + q, 0), 0)} failures\n`),
  });
  console.log(formatTable(stats));
  console.log(`${stats.reduce((n, s) => n + s.cases, 0)} cases in ${(elapsedMs / 1000).toFixed(0)} s; ${failures.length} failures${failures.length ? `, reproducers in ${out}` : ''}`);
  for (const f of failures.slice(0, 20)) console.log(`  ${f.format} ${f.case.seed} ${f.result.outcome}: ${f.result.detail ?? ''}`.slice(0, 300));
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
