import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaseResult } from './child.js';
import { buildCase } from './apply.js';
import { caseArb, type FuzzCase } from './mutate.js';
import { FuzzPool } from './pool.js';
import { allSeeds, type Seed } from './seeds.js';

/**
 * Runs the fuzzer: for each format, cases drawn by fast-check from a fixed
 * seed (so a run is reproducible), each run in a pool worker under a time
 * limit with its memory watched; outcomes tallied per format; every failure
 * written out as a reproducer (its files and case.json).
 */

/** Outcomes that are failures (everything but `ok` and a VoxelpipeError). */
export const FAILURES = ['hang', 'crash', 'stray-exception', 'bad-message', 'bad-volume', 'disagree', 'alloc>1GB', 'rss>1GB', 'proto-write'] as const;

export interface FormatStats {
  format: string;
  cases: number;
  ok: number;
  errors: number;
  failures: Record<string, number>;
  codes: Map<string, number>;
  maxMs: number;
  maxVmGrowth: number;
}

export interface Failure {
  format: string;
  index: number;
  result: CaseResult;
  case: FuzzCase;
  reproducer?: string;
}

export interface FuzzOptions {
  seed: number;
  formats: string[];
  /** Cases per format; with `durationMs`, the size of each round. */
  cases: number;
  /** Keep drawing rounds of `cases` per format until this much time has passed. */
  durationMs?: number;
  workers: number;
  timeoutMs: number;
  /** Where reproducers go (none written without it). */
  out?: string;
  onRound?: (stats: FormatStats[], elapsedMs: number) => void;
}

const CHUNK = 100;

/** `n` cases of one format, drawn by fast-check from `seed`: a seed file of the format, then a list of mutations. */
export function drawCases(seeds: Seed[], format: string, seed: number, n: number): FuzzCase[] {
  const mine = seeds.filter((s) => s.format === format);
  if (mine.length === 0) throw new Error(`no seeds for format ${format}`);
  const arb = fc.oneof(...mine.map((s) => caseArb(s).map((c) => ({ s, c }))));
  return fc.sample(arb, { seed, numRuns: n }).map(({ s, c }) => buildCase(s, c));
}

function writeReproducer(out: string, f: Failure, fuzzSeed: number): string {
  const dir = join(out, `${f.format}-${f.index}-${f.result.outcome.replace(/[^\w-]/g, '_')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'files'), { recursive: true });
  const specials: Record<string, unknown> = {};
  for (const file of f.case.files) {
    if (file.bytes) writeFileSync(join(dir, 'files', file.name), file.bytes);
    else specials[file.name] = { ...file, bytes: undefined };
  }
  const { files: _files, ...rest } = f.case;
  writeFileSync(
    join(dir, 'case.json'),
    JSON.stringify({ ...rest, specials, fuzzSeed, outcome: f.result.outcome, detail: f.result.detail, ms: Math.round(f.result.ms), replay: `npm run fuzz -- --replay ${dir}` }, null, 1),
  );
  return dir;
}

export async function runFuzz(options: FuzzOptions): Promise<{ stats: FormatStats[]; failures: Failure[]; elapsedMs: number }> {
  const seeds = allSeeds();
  const root = mkdtempSync(join(tmpdir(), 'voxelpipe-fuzz-'));
  const pool = new FuzzPool({ size: options.workers, timeoutMs: options.timeoutMs, root });
  const stats = options.formats.map((format): FormatStats => ({ format, cases: 0, ok: 0, errors: 0, failures: Object.fromEntries(FAILURES.map((k) => [k, 0])), codes: new Map(), maxMs: 0, maxVmGrowth: 0 }));
  const failures: Failure[] = [];
  const t0 = Date.now();
  try {
    await pool.ready();
    for (let round = 0; ; round++) {
      for (const st of stats) {
        // Each (format, round) has its own fast-check seed, so rounds add new cases and any one can be drawn again.
        // Drawn in chunks so that a round's cases (some of a megabyte) are not all held at once.
        for (let done = 0; done < options.cases; done += CHUNK) {
        const cases = drawCases(seeds, st.format, options.seed + round * 7919 + st.format.length * 104729 + done, Math.min(CHUNK, options.cases - done));
        const base = st.cases;
        await Promise.all(
          cases.map(async (c, i) => {
            const r = await pool.run(c);
            st.cases++;
            st.maxMs = Math.max(st.maxMs, r.ms);
            st.maxVmGrowth = Math.max(st.maxVmGrowth, r.vmPeakGrowth);
            if (r.outcome === 'ok') st.ok++;
            else if (r.outcome.startsWith('error:')) {
              st.errors++;
              const code = r.outcome.slice(6);
              st.codes.set(code, (st.codes.get(code) ?? 0) + 1);
            } else {
              st.failures[r.outcome] = (st.failures[r.outcome] ?? 0) + 1;
              const f: Failure = { format: st.format, index: base + i, result: r, case: c };
              if (options.out) f.reproducer = writeReproducer(options.out, f, options.seed);
              failures.push(f);
            }
          }),
        );
        }
      }
      options.onRound?.(stats, Date.now() - t0);
      if (options.durationMs === undefined || Date.now() - t0 >= options.durationMs) break;
    }
  } finally {
    pool.close();
    rmSync(root, { recursive: true, force: true });
  }
  return { stats, failures, elapsedMs: Date.now() - t0 };
}

/** The outcome table, one row per format and a total. */
export function formatTable(stats: FormatStats[]): string {
  const cols = ['format', 'cases', 'ok', 'VoxelpipeError', ...FAILURES, 'max ms', 'top error codes'];
  const rows = stats.map((s) => [
    s.format,
    String(s.cases),
    String(s.ok),
    String(s.errors),
    ...FAILURES.map((k) => String(s.failures[k] ?? 0)),
    s.maxMs.toFixed(0),
    [...s.codes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([c, n]) => `${c.replace(/^ERR_/, '')} ${n}`)
      .join(', '),
  ]);
  const sum = (f: (s: FormatStats) => number) => String(stats.reduce((a, s) => a + f(s), 0));
  rows.push(['total', sum((s) => s.cases), sum((s) => s.ok), sum((s) => s.errors), ...FAILURES.map((k) => sum((s) => s.failures[k] ?? 0)), stats.reduce((a, s) => Math.max(a, s.maxMs), 0).toFixed(0), '']);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((x, i) => (i === 0 || i === r.length - 1 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |`;
  return [line(cols), `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? ':' : '-') + '-'.repeat(w) + (i === 0 || i === widths.length - 1 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}
