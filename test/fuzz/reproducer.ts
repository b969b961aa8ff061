import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CaseFile, FuzzCase } from './mutate.js';

/**
 * Reproducers: a folder holding the case's files (files/), special entries
 * (links, FIFOs, folders: in case.json) and case.json (format, seed file,
 * mutations, outcome). What `npm run fuzz` writes for every failure, and,
 * once fixed and adopted, a regression fixture (test/fixtures/hostile).
 */

export interface ReproducerMeta {
  format: string;
  seed: string;
  target: string;
  set?: string[];
  ops?: unknown;
  specials?: Record<string, Omit<CaseFile, 'name' | 'bytes'>>;
  outcome: string;
  detail?: string;
  /** For an adopted fixture: what the fuzzer saw before the fix. */
  found?: { outcome: string; detail?: string };
  /** For an adopted fixture: the outcome it must keep having. */
  expected?: string;
}

export function loadReproducer(dir: string): { meta: ReproducerMeta; fuzzCase: FuzzCase } {
  const meta = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as ReproducerMeta;
  const filesDir = join(dir, 'files');
  const files: CaseFile[] = existsSync(filesDir) ? readdirSync(filesDir).map((name) => ({ name, bytes: readFileSync(join(filesDir, name)) })) : [];
  for (const [name, s] of Object.entries(meta.specials ?? {})) files.push({ ...s, name });
  return { meta, fuzzCase: { format: meta.format, seed: meta.seed, ops: [], files, target: meta.target, ...(meta.set ? { set: meta.set } : {}) } };
}

/** Copies reproducer `dir` into `into` as a regression fixture that must keep ending in `outcome`. */
export function adoptFixture(dir: string, into: string, outcome: string): string {
  const { meta } = loadReproducer(dir);
  const dest = join(into, basename(dir));
  mkdirSync(dest, { recursive: true });
  if (existsSync(join(dir, 'files'))) cpSync(join(dir, 'files'), join(dest, 'files'), { recursive: true });
  const ops = JSON.stringify(meta.ops ?? []);
  const fixture: ReproducerMeta = {
    format: meta.format,
    seed: meta.seed,
    target: meta.target,
    ...(meta.set ? { set: meta.set } : {}),
    // The mutations that made it, when short enough to read; the files are what is replayed.
    ...(ops.length <= 4000 ? { ops: meta.ops } : {}),
    specials: meta.specials ?? {},
    outcome,
    found: { outcome: meta.found?.outcome ?? meta.outcome, detail: (meta.found?.detail ?? meta.detail)?.slice(0, 400) },
    expected: outcome,
  };
  writeFileSync(join(dest, 'case.json'), JSON.stringify(fixture, null, 1) + '\n');
  return dest;
}
