/**
 * A fuzz worker process: long-lived, it runs case after case sent by the
 * parent (pool.ts). Each case's files are laid out in a fresh folder, the
 * reader (or the config loader and validate) is run on them, and the outcome
 * classified: `ok`, `error:<code>` (a one-line VoxelpipeError naming the
 * file: what hostile input must get), or a failure. After every case the
 * process checks that no builtin prototype was written to, and how far its
 * peak virtual size (every allocation, touched or not) and peak resident
 * size moved: a parent watching from outside cannot see a buffer that is
 * allocated and freed between two of its samples.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { validateMmar } from '../../src/datalist/validate-mmar.js';
import { readVolume, readVolumeHeader } from '../../src/io/index.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { MAX_MESSAGE_CHARS, VoxelpipeError } from '../../src/util/errors.js';
import type { FuzzCase } from './mutate.js';

export interface CaseResult {
  outcome: string;
  detail?: string;
  ms: number;
  /** Growth of the peak virtual size during the case (bytes). */
  vmPeakGrowth: number;
  /** Peak resident size during the case (bytes). */
  hwm: number;
}

/** An allocation this large during one case is a failure (files are a few KB). */
export const ALLOC_LIMIT = 1024 ** 3;

function status(): { vmPeak: number; hwm: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { vmPeak: kb('VmPeak'), hwm: kb('VmHWM') };
}

function resetHwm(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not permitted: the high-water mark then only grows, which errs on the side of reporting
  }
}

function layout(dir: string, c: FuzzCase): void {
  mkdirSync(dir, { recursive: true });
  for (const f of c.files) {
    const p = join(dir, f.name);
    if (f.link !== undefined) symlinkSync(f.link, p);
    else if (f.fifo) execFileSync('mkfifo', [p]);
    else if (f.dir) mkdirSync(p);
    else writeFileSync(p, f.bytes ?? Buffer.alloc(0));
  }
}

/** A VoxelpipeError must be one bounded line naming a file of the case (or --set / a JSON path for configs). */
function messageProblem(e: VoxelpipeError, dir: string, config: boolean): string | undefined {
  const m = e.message;
  if (m.includes('\n')) return 'message has a line break';
  if (m.length > MAX_MESSAGE_CHARS) return `message of ${m.length} characters`;
  if (!m.startsWith(dir) && !(config && (m.startsWith('--set') || m.startsWith('maxBytes')))) return 'message does not start with the file';
  return undefined;
}

function volumeProblem(v: ReturnType<typeof readVolume>): string | undefined {
  if (!Array.isArray(v.shape) || v.shape.length === 0 || v.shape.some((s) => !Number.isSafeInteger(s) || s < 1)) return `shape [${v.shape}]`;
  const n = v.shape.reduce((a, b) => a * b, 1);
  if (v.data.length !== n) return `data holds ${v.data.length} values for shape [${v.shape}]`;
  if (v.affine.length !== 4 || v.affine.some((r) => r.length !== 4 || r.some((x) => !Number.isFinite(x)))) return `affine ${JSON.stringify(v.affine)}`;
  if (v.spacing.some((x) => !Number.isFinite(x))) return `spacing [${v.spacing}]`;
  return undefined;
}

const registry = createDefaultRegistry();

function classify(e: unknown, dir: string, config: boolean): { outcome: string; detail?: string } {
  if (e instanceof VoxelpipeError) {
    const p = messageProblem(e, dir, config);
    return p ? { outcome: 'bad-message', detail: `${p}: ${e.code} ${e.message.slice(0, 300)}` } : { outcome: `error:${e.code}` };
  }
  const err = e as Error;
  return { outcome: 'stray-exception', detail: `${err?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)} ${String(err?.stack ?? '').split('\n').slice(1, 4).join(' | ')}` };
}

async function runRead(dir: string, c: FuzzCase): Promise<{ outcome: string; detail?: string }> {
  const target = c.target === '.' ? dir : join(dir, c.target);
  let volume: ReturnType<typeof readVolume> | undefined;
  let result: { outcome: string; detail?: string };
  try {
    volume = readVolume(target);
    const p = volumeProblem(volume);
    result = p ? { outcome: 'bad-volume', detail: p } : { outcome: 'ok' };
  } catch (e) {
    result = classify(e, dir, false);
  }
  if (result.outcome !== 'ok' && !result.outcome.startsWith('error:')) return result;
  // readVolumeHeader must agree: never fail where readVolume succeeds, and give the same shape, dtype and affine.
  try {
    const h = readVolumeHeader(target);
    if (volume && (h.shape.join() !== volume.shape.join() || h.dtype !== volume.dtype || h.affine.some((r, i) => r.some((x, j) => Math.abs(x - volume!.affine[i][j]) > 1e-9))))
      return { outcome: 'disagree', detail: `readVolumeHeader ${h.shape}/${h.dtype} vs readVolume ${volume.shape}/${volume.dtype}` };
  } catch (e) {
    const r = classify(e, dir, false);
    if (!r.outcome.startsWith('error:')) return r;
    if (volume) return { outcome: 'disagree', detail: `readVolume succeeded, readVolumeHeader: ${(e as Error).message.slice(0, 200)}` };
  }
  return result;
}

async function runConfig(dir: string, c: FuzzCase): Promise<{ outcome: string; detail?: string }> {
  const config = join(dir, c.target);
  try {
    loadConfig({ config, mmar: dir, set: c.set, registry });
  } catch (e) {
    return classify(e, dir, true);
  }
  // The config loads: `voxelpipe validate` reads the datalist and the images it names.
  try {
    const report = await validateMmar({ config, mmar: dir, set: c.set, registry });
    for (const p of report.problems) {
      if (p.message.includes('\n') || p.message.length > MAX_MESSAGE_CHARS) return { outcome: 'bad-message', detail: `validate problem: ${p.message.slice(0, 300)}` };
    }
    return { outcome: report.ok ? 'ok' : 'error:ERR_CONFIG' };
  } catch (e) {
    return classify(e, dir, true);
  }
}

/**
 * Self-test of the harness: inputs that must be classified as failures
 * (test/fuzz/fuzz.test.ts checks that they are), so that a suite reporting
 * zero failures is known to be able to report some.
 */
function probe(what: string): { outcome: string; detail?: string } {
  switch (what) {
    case 'alloc': {
      // 1.5 GiB, never touched: invisible to a resident-size watch, visible in the peak virtual size.
      const big = new Uint8Array(1.5 * 1024 ** 3);
      return { outcome: big.length > 0 ? 'ok' : 'ok' };
    }
    case 'hang':
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    case 'crash':
      process.abort();
    case 'proto':
      (Object.prototype as Record<string, unknown>).fuzzProbe = 1;
      return { outcome: 'ok' };
    default:
      throw new Error(`probe ${what}`);
  }
}

async function runCase(root: string, id: number, c: FuzzCase, check = true): Promise<CaseResult> {
  // A folder of this process's own: a case whose links lead to ".." finds only itself there, never another worker's case.
  const dir = join(root, `worker-${process.pid}`, `case-${id}`);
  rmSync(dir, { recursive: true, force: true });
  layout(dir, c);
  resetHwm();
  const before = status();
  const t0 = performance.now();
  let r: { outcome: string; detail?: string };
  try {
    r = c.format === 'probe' ? probe(c.target) : c.format === 'config' ? await runConfig(dir, c) : await runRead(dir, c);
  } catch (e) {
    r = classify(e, dir, c.format === 'config');
  }
  const ms = performance.now() - t0;
  const after = status();
  if (check) {
    try {
      poisoning!.assertNoPoisoning();
    } catch (e) {
      poisoning!.restoreGlobals();
      r = { outcome: 'proto-write', detail: String((e as Error)?.message ?? e).slice(0, 300) };
    }
  }
  rmSync(dirname(dir), { recursive: true, force: true });
  const growth = after.vmPeak - before.vmPeak;
  if (growth > ALLOC_LIMIT) r = { outcome: 'alloc>1GB', detail: `peak virtual size grew by ${(growth / 2 ** 20).toFixed(0)} MiB (${r.outcome})` };
  else if (after.hwm - before.hwm > ALLOC_LIMIT) r = { outcome: 'rss>1GB', detail: `peak resident size grew by ${((after.hwm - before.hwm) / 2 ** 20).toFixed(0)} MiB (${r.outcome})` };
  return { ...r, ms, vmPeakGrowth: growth, hwm: after.hwm };
}

interface CaseMessage {
  type: 'case';
  id: number;
  root: string;
  case: FuzzCase;
}

let poisoning: typeof import('@fast-check/poisoning') | undefined;

/**
 * Runs each reader and the loader once on good input, so that libraries
 * set up their own globals (zod's registry, lazily built tables) before the
 * poisoning detector takes its snapshot of what the globals should be.
 */
async function warmUp(root: string): Promise<void> {
  const { allSeeds } = await import('./seeds.js');
  let i = 0;
  for (const seed of allSeeds()) await runCase(root, -++i, { format: seed.format, seed: seed.name, ops: [], files: seed.files.map((f) => ({ ...f })), target: seed.target }, false);
  poisoning = await import('@fast-check/poisoning');
}

if (process.send) {
  process.on('message', (m: CaseMessage) => {
    if (m?.type !== 'case') return;
    runCase(m.root, m.id, m.case).then(
      (result) => process.send!({ type: 'result', id: m.id, result }),
      (e) => process.send!({ type: 'result', id: m.id, result: { outcome: 'stray-exception', detail: `harness: ${String(e)}`, ms: 0, vmPeakGrowth: 0, hwm: 0 } }),
    );
  });
  const scratch = mkdtempSync(join(tmpdir(), 'voxelpipe-fuzz-warm-'));
  warmUp(scratch).then(
    () => {
      rmSync(scratch, { recursive: true, force: true });
      process.send!({ type: 'ready' });
    },
    (e) => {
      console.error(`fuzz worker could not warm up: ${String(e)}`);
      process.exit(3);
    },
  );
}
