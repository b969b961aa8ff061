import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ensureData, type Floors, type ModeResult, type WarmResult } from './measure.js';
import { FULL, MODES, QUICK, type BenchProfile } from './spec.js';
import { bridgeTargets, withBridge } from './bridge.js';

/**
 * The orchestrating side of `voxelpipe bench`: makes the data, runs the
 * floors and every mode each in a fresh child process
 * (`voxelpipe bench --child <name>`), then compares them with the targets of
 * issue 9 and prints a table.
 */

export interface BenchOptions {
  quick: boolean;
  /** Where the generated dataset is kept between runs (default .bench-data). */
  dataDir: string;
  /** Where the JSON report goes (default bench/results); null: not written. */
  outDir: string | null;
  /** Modes to run (default: all). */
  modes?: string[];
  log: (s: string) => void;
}

export interface Target {
  name: string;
  /** What was measured and what it must stay under/over, in the target's own unit. */
  value: number;
  limit: number;
  unit: string;
  ok: boolean;
  note?: string;
}

export interface BenchReport {
  version: 1;
  date: string;
  profile: string;
  machine: { cpus: number; cpuModel: string; memoryMb: number; node: string; platform: string; loadAvgStart: number[]; loadAvgEnd: number[] };
  dataset: {
    dir: string;
    volumes: number;
    size: number;
    slices: [number, number];
    compressedBytes: number;
    voxelBytes: number;
    generatedNow: boolean;
    generateMs: number;
  };
  chain: string[];
  crop: number;
  cropsPerVolume: number;
  batchSize: number;
  floors: Floors;
  modes: ModeResult[];
  targets: Target[];
  /** MONAI 1.2 on this machine, same chain, 2 workers (DESIGN.md). */
  peer: { name: string; uncachedCropsPerS: number; cachedCropsPerS: number };
  file?: string;
}

export const PEER = { name: 'MONAI 1.2 (2 workers, same chain)', uncachedCropsPerS: 5, cachedCropsPerS: 16 };

export function profileOf(quick: boolean): BenchProfile {
  return quick ? QUICK : FULL;
}

/** How to start the CLI in a child: the built dist directly, the TypeScript source through tsx. */
function cliCommand(): string[] {
  const js = new URL('../cli/main.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return [fileURLToPath(js)];
  const ts = new URL('../cli/main.ts', import.meta.url);
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(ts)];
}

/** Runs `voxelpipe bench --child <what>` and parses the JSON line it prints. */
function child<T>(what: string, o: BenchOptions): Promise<T> {
  const args = [...cliCommand(), 'bench', '--child', what, '--data-dir', o.dataDir, ...(o.quick ? ['--quick'] : [])];
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', rej);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return rej(new Error(`bench: the "${what}" child exited with code ${code}: ${err.trim().split('\n').slice(-3).join(' | ') || out.trim()}`));
      res(JSON.parse(line) as T);
    });
  });
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const p = profileOf(o.quick);
  const modes = withBridge(o.modes ? o.modes.map((n) => {
    const m = MODES.find((x) => x.name === n);
    if (!m) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bench: unknown mode "${n}" (modes: ${MODES.map((x) => x.name).join(', ')})`);
    return m;
  }) : [...MODES], o.modes !== undefined, o.log);
  o.log(`data: ${resolve(o.dataDir, p.name)} (${p.dataset.train} volumes ${p.dataset.size}x${p.dataset.size}x${p.dataset.slices?.join('..')})\n`);
  const loadAvgStart = loadavg().map((x) => round(x));
  const data = ensureData(o.dataDir, p);
  if (data.written) o.log(`  generated ${data.written} files in ${(data.generateMs / 1000).toFixed(1)} s (kept for the next runs)\n`);
  o.log('floors ...\n');
  const floors = await child<Floors>('floors', o);
  const results: ModeResult[] = [];
  for (const m of modes) {
    if (m.persistent) {
      o.log('warming the persistent cache ...\n');
      const w = await child<WarmResult>(`warm:${m.name}`, o);
      o.log(`${m.label} ...\n`);
      const r = await child<ModeResult>(m.name, o);
      // The fill is the warming run, when this run had to warm (a cache left by an earlier run is free).
      results.push({ ...r, cacheFillMs: w.misses > 0 ? w.warmMs : 0, warm: w });
      continue;
    }
    o.log(`${m.label} ...\n`);
    results.push(await child<ModeResult>(m.name, o));
  }
  const report: BenchReport = {
    version: 1,
    date: new Date().toISOString(),
    profile: p.name,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryMb: Math.round(totalmem() / 1048576), node: process.version, platform: `${process.platform}-${process.arch}`, loadAvgStart, loadAvgEnd: loadavg().map((x) => round(x)) },
    dataset: {
      dir: data.dir, volumes: data.items.length, size: p.dataset.size ?? 512, slices: p.dataset.slices ?? [80, 120],
      compressedBytes: data.compressedBytes, voxelBytes: floors.voxelBytes, generatedNow: data.written > 0, generateMs: Math.round(data.generateMs),
    },
    chain: ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'FastCropByPosNegRatio', 'RandomAxisFlip', 'ScaleIntensityOscillation', 'MergeBatchDims'],
    crop: p.crop,
    cropsPerVolume: p.cropsPerVolume,
    batchSize: p.batchSize,
    floors,
    modes: results,
    targets: targets(p, floors, results, loadAvgStart[0]),
    peer: PEER,
  };
  if (o.outDir !== null) {
    mkdirSync(o.outDir, { recursive: true });
    const file = join(o.outDir, `bench-${p.name}-${report.date.replace(/[:.]/g, '-')}.json`);
    writeFileAtomic(file, [Buffer.from(JSON.stringify(report, null, 2) + '\n')]);
    report.file = file;
  }
  return report;
}

/**
 * The data-path targets (issue 14; issue 16 for the persistent mode), for
 * the modes that ran, each from the floors measured in the same run. The
 * first wave's cached bytes (float32 image + uint8 label per voxel) are the
 * baseline of the byte targets: 5/3 of the decompressed int16 + uint8 files.
 */
export function targets(p: BenchProfile, f: Floors, modes: ModeResult[], backgroundLoad = 0): Target[] {
  const out: Target[] = [];
  const ran = modes.filter((m) => m.mode !== 'bridge');
  const get = (name: string) => ran.find((m) => m.mode === name);
  const add = (name: string, value: number, limit: number, unit: string, ok: boolean, note?: string) =>
    out.push({ name, value: round(value), limit: round(limit), unit, ok, ...(note ? { note } : {}) });
  const busy = cpus().length < 2 ? 'fewer than 2 cores' : backgroundLoad > 0.5 ? `not 2 idle cores: load average ${backgroundLoad.toFixed(1)} before the bench started` : undefined;
  const u1 = get('uncached-1');
  const u2 = get('uncached-2');
  if (u1) add('uncached-1: epoch / gunzip floor <= 1.25', u1.medianEpochMs / f.gunzipMs, 1.25, 'x', u1.medianEpochMs <= 1.25 * f.gunzipMs);
  if (u2) add('uncached-2: epoch / (gunzip floor / 2) <= 1.4', u2.medianEpochMs / (f.gunzipMs / 2), 1.4, 'x', u2.medianEpochMs <= 0.7 * f.gunzipMs);
  if (u1 && u2) {
    const ratio = u2.cropsPerS / u1.cropsPerS;
    const want = 0.9 * f.calibration.ratio;
    add(`2 workers / 1 worker crops/s >= 0.9 x calibration (${f.calibration.ratio})`, ratio, want, 'x', ratio >= want, busy);
  }
  const firstWaveCached = (f.voxelBytes * 5) / 3;
  for (const m of ran.filter((x) => x.mode.startsWith('smart'))) {
    add(`${m.mode}: crops/s >= 300`, m.cropsPerS, 300, 'crops/s', m.cropsPerS >= 300);
    add(`${m.mode}: Smart Cache bytes <= 0.65 x the first wave's (float32 image)`, m.bytesCached / 1048576, (0.65 * firstWaveCached) / 1048576, 'MB', m.bytesCached <= 0.65 * firstWaveCached);
    const rss = (m.bytesCached * 1.1) / 1048576 + 250;
    add(`${m.mode}: peak RSS <= cached x 1.1 + 250 MB`, m.peakRssMb, rss, 'MB', m.peakRssMb <= rss);
  }
  if (u2) add('uncached-2: peak RSS <= 600 MB', u2.peakRssMb, 600, 'MB', u2.peakRssMb <= 600);
  for (const m of [u2, get('smart-r0'), get('smart-r25')]) {
    if (!m) continue;
    const limit = f.oneVolumeMs + 150;
    add(`${m.mode}: first batch <= one volume + 150 ms`, m.firstBatchMs, limit, 'ms', m.firstBatchMs <= limit);
  }
  const pm = get('persistent');
  if (pm) {
    add('persistent: crops/s >= 250', pm.cropsPerS, 250, 'crops/s', pm.cropsPerS >= 250);
    add('persistent: peak RSS <= 450 MB', pm.peakRssMb, 450, 'MB', pm.peakRssMb <= 450);
    add('persistent: first batch <= 200 ms', pm.firstBatchMs, 200, 'ms', pm.firstBatchMs <= 200);
    const disk = pm.warm?.bytes ?? 0;
    add("persistent: cache on disk <= 0.5 x the first wave's", disk / 1048576, (0.5 * firstWaveCached) / 1048576, 'MB', disk <= 0.5 * firstWaveCached);
    if (pm.warm && pm.warm.misses > 0 && u2) add('persistent: cold warm-up <= 1.3 x one uncached epoch (2 workers)', pm.warm.warmMs, 1.3 * u2.medianEpochMs, 'ms', pm.warm.warmMs <= 1.3 * u2.medianEpochMs);
  }
  out.push(...bridgeTargets(modes));
  return out;
}

/** Crops per second the memcpy floor allows. */
export function memcpyCropsPerS(r: Pick<BenchReport, 'floors' | 'crop'>): number {
  return (r.floors.memcpyBytes / (2 * 4 * r.crop ** 3) / r.floors.memcpyMs) * 1000;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const mb = (b: number) => (b / 1048576).toFixed(0);
const fmt = (x: number | null, d = 0) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

/** The stdout table: modes, floors, ratios, targets, the peer. */
export function formatReport(r: BenchReport): string {
  const gunzipCropsPerS = (r.dataset.volumes * r.cropsPerVolume * 1000) / r.floors.gunzipMs;
  const memcpy = memcpyCropsPerS(r);
  const head = ['mode', 'crops/s', 'epoch s', 'first batch ms', 'cache fill s', 'peak RSS MB', 'cached MB', 'vs floor'];
  const rows = r.modes.map((m) => {
    const floor = m.mode.startsWith('smart') || m.mode === 'bridge'
      ? `memcpy / ${fmt(memcpy / m.cropsPerS, 1)}`
      : `gunzip/${m.workers} x ${fmt(m.medianEpochMs / (r.floors.gunzipMs / m.workers), 2)}`;
    const cachedMb = m.warm ? `${mb(m.warm.bytes)} disk` : m.bytesCached ? mb(m.bytesCached) : '-';
    return [m.label, fmt(m.cropsPerS, 1), fmt(m.medianEpochMs / 1000, 2), fmt(m.firstBatchMs), m.cacheFillMs === null ? '-' : fmt(m.cacheFillMs / 1000, 2), fmt(m.peakRssMb), cachedMb, floor];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const d = r.dataset;
  const out = [
    `voxelpipe bench (${r.profile}): ${d.volumes} volumes ${d.size}x${d.size}x${d.slices.join('..')} int16 .nii.gz, ${mb(d.compressedBytes)} MB compressed, ${mb(d.voxelBytes)} MB of voxels (images + labels)`,
    `chain: ${r.chain.join(' -> ')} | ${r.crop}^3 crops, ${r.cropsPerVolume} per volume, batch ${r.batchSize} volumes`,
    `machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryMb} MB, node ${r.machine.node}, load average ${r.machine.loadAvgStart[0]} at the start, ${r.machine.loadAvgEnd[0]} at the end`,
    '',
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i]))),
    ...rows.map(line),
    '',
    'floors (same run):',
    `  gunzip every file once (node:zlib, chunk = ISIZE): ${fmt(r.floors.gunzipMs)} ms per epoch = ${fmt(gunzipCropsPerS, 1)} crops/s per worker`,
    `  memcpy of a cached epoch's output (${mb(r.floors.memcpyBytes)} MB): ${fmt(r.floors.memcpyMs, 1)} ms = ${fmt(memcpy)} crops/s`,
    `  load + prepare one volume on one thread: ${fmt(r.floors.oneVolumeMs)} ms (${r.floors.oneVolumeSteps.map((s) => `${s.name} ${fmt(s.ms)}`).join(', ')})`,
    `  pure-CPU calibration: 1 thread ${fmt(r.floors.calibration.oneThreadMs)} ms, 2 threads at once ${fmt(r.floors.calibration.twoThreadsMs)} ms: 2 threads give ${fmt(r.floors.calibration.ratio, 2)} x 1`,
    '',
    r.profile === FULL.name ? 'targets (issue 9):' : 'targets (issue 9; meaningful on the full data only: here worker start-up and tiny volumes dominate):',
    ...r.targets.map((t) => `  ${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${fmt(t.value, t.unit === 'x' ? 2 : 0)} ${t.unit} (limit ${fmt(t.limit, t.unit === 'x' ? 2 : 0)} ${t.unit})${t.note ? ` [${t.note}]` : ''}`),
    '',
    `peer: ${r.peer.name}: ${r.peer.uncachedCropsPerS} crops/s uncached, ${r.peer.cachedCropsPerS} crops/s cached`,
  ];
  if (r.file) out.push(`results: ${r.file}`);
  return out.join('\n') + '\n';
}
