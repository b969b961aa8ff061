import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';
import type { BenchData, ModeResult } from './measure.js';
import type { Target } from './run.js';
import { spleenChain, type BenchProfile, type ModeSpec } from './spec.js';

/**
 * The `bridge` mode of `voxelpipe bench` (issue 17): the Smart Cache mode's
 * pipeline, consumed from Python (numpy only) through `voxelpipe serve` and
 * shared memory, by `python -m voxelpipe.bench`. Its crops/s against the
 * in-process Smart Cache mode's is the cost of the bridge.
 */

const PYTHON_PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'python');

/** The Python to use: $VOXELPIPE_PYTHON, Debian's /usr/bin/python3, `python3`: the first that imports numpy. */
export function findPython(): { python?: string; reason?: string } {
  const candidates = [process.env.VOXELPIPE_PYTHON, existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined, 'python3'].filter((x): x is string => !!x);
  for (const python of candidates) if (spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0) return { python };
  return { reason: `no Python 3 with numpy (tried ${candidates.join(', ')}; Debian: apt-get install python3-numpy, or set VOXELPIPE_PYTHON)` };
}

/** The modes to run: a bridge mode without Python is dropped with a note when it came with the defaults, refused when asked for. */
export function withBridge<M extends { bridge?: boolean }>(modes: M[], explicit: boolean, log: (s: string) => void): M[] {
  if (!modes.some((m) => m.bridge)) return modes;
  const { reason } = findPython();
  if (!reason) return modes;
  if (explicit) throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `bench: the bridge mode needs ${reason}`);
  log(`bridge mode skipped: ${reason}\n`);
  return modes.filter((m) => !m.bridge);
}

/** The Clara config equal to the bench's engine options for `mode` (spec.ts), beside the data. */
export function writeBridgeConfig(p: BenchProfile, mode: ModeSpec, data: BenchData): string {
  const dir = join(data.dir, '..', `${p.name}-bridge`);
  mkdirSync(dir, { recursive: true });
  const crop = [p.crop, p.crop, p.crop];
  const training = data.items.map((it) => ({ image: relative(data.dir, it.image), label: relative(data.dir, it.label) }));
  writeFileSync(join(dir, 'dataset_0.json'), JSON.stringify({ name: 'bench', training }));
  writeFileSync(join(dir, 'environment.json'), JSON.stringify({ DATA_ROOT: data.dir, DATASET_JSON: join(dir, 'dataset_0.json') }));
  const config = {
    train: {
      pre_transforms: spleenChain(p),
      batch_transforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }],
      image_pipeline: {
        name: mode.cache ? 'SegmentationImagePipelineWithCache' : 'SegmentationImagePipeline',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: crop,
          output_batch_size: p.batchSize,
          output_data_format: 'channels_first',
          output_image_dtype: 'float32',
          output_label_dtype: 'float32',
          num_workers: mode.workers,
          shuffle: true,
          ...(mode.cache ? { num_cache_objects: data.items.length, replace_percent: mode.cache.replacePercent } : {}),
        },
      },
    },
  };
  const file = join(dir, 'config_train.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

interface PythonBench {
  epoch_ms: number[];
  median_epoch_ms: number;
  fill_epoch_ms: number | null;
  crops_per_epoch: number;
  crops_per_s: number;
  first_batch_ms: number;
  open_ms: number;
  output_bytes_per_epoch: number;
  client_ms_per_batch: number;
  write_ms_per_batch: number;
  slot_wait_ms_per_batch: number;
  python_peak_rss_mb: number;
  server_peak_rss_mb: number;
  metrics: { transformMs: { name: string; meanMs: number }[]; cache?: { bytes: number; fillMs?: number }; pool?: { utilization: number } };
}

/** Per-batch costs of the bridge, beside the usual mode figures. */
export interface BridgeResult extends ModeResult {
  bridge: { clientMsPerBatch: number; writeMsPerBatch: number; slotWaitMsPerBatch: number; openMs: number; pythonPeakRssMb: number; python: string };
}

/** The bridge mode, measured by a Python consumer started from this process (its server runs this same CLI). */
export async function runBridgeMode(p: BenchProfile, mode: ModeSpec, data: BenchData): Promise<BridgeResult> {
  const { python, reason } = findPython();
  if (!python) throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `bench: the bridge mode needs ${reason}`);
  const config = writeBridgeConfig(p, mode, data);
  const bin = cliCommand().map(shellQuote).join(' ');
  const args = ['-m', 'voxelpipe.bench', '--config', config, '--workers', String(mode.workers), '--epochs', String(p.epochs), ...(mode.cache ? ['--fill-epoch'] : [])];
  const r = await new Promise<{ code: number | null; out: string; err: string }>((res, rej) => {
    const c = spawn(python, args, { env: { ...process.env, PYTHONPATH: PYTHON_PACKAGE, VOXELPIPE_BIN: bin, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', rej);
    c.on('close', (code) => res({ code, out, err }));
  });
  const line = r.out.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{'))
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bench: python -m voxelpipe.bench exited with code ${r.code}: ${r.err.trim().split('\n').slice(-2).join(' | ')}`);
  const b = JSON.parse(line) as PythonBench;
  return {
    mode: mode.name,
    label: mode.label,
    workers: mode.workers,
    epochMs: b.epoch_ms,
    medianEpochMs: b.median_epoch_ms,
    cropsPerEpoch: b.crops_per_epoch,
    cropsPerS: b.crops_per_s,
    firstBatchMs: b.first_batch_ms,
    cacheFillMs: b.metrics.cache?.fillMs ?? null,
    fillEpochMs: b.fill_epoch_ms,
    peakRssMb: b.server_peak_rss_mb,
    bytesCached: b.metrics.cache?.bytes ?? 0,
    outputBytesPerEpoch: b.output_bytes_per_epoch,
    transformMs: b.metrics.transformMs.map((t) => ({ name: t.name, meanMs: Math.round(t.meanMs * 10) / 10 })),
    poolUtilization: b.metrics.pool ? Math.round(b.metrics.pool.utilization * 100) / 100 : null,
    bridge: {
      clientMsPerBatch: b.client_ms_per_batch,
      writeMsPerBatch: b.write_ms_per_batch,
      slotWaitMsPerBatch: b.slot_wait_ms_per_batch,
      openMs: b.open_ms,
      pythonPeakRssMb: b.python_peak_rss_mb,
      python,
    },
  };
}

/** Issue 17's target: the bridge keeps >= 0.9 x the in-process Smart Cache crops/s. */
export function bridgeTargets(modes: readonly ModeResult[]): Target[] {
  const bridge = modes.find((m) => m.mode === 'bridge') as BridgeResult | undefined;
  const inProcess = modes.find((m) => m.mode === 'smart-r0');
  if (!bridge || !inProcess) return [];
  const ratio = bridge.cropsPerS / inProcess.cropsPerS;
  const note = bridge.bridge
    ? `per batch: Python ${bridge.bridge.clientMsPerBatch.toFixed(2)} ms, slot write ${bridge.bridge.writeMsPerBatch.toFixed(1)} ms (server main thread)`
    : undefined;
  return [{ name: 'bridge: crops/s >= 0.9 x smart-r0 (in-process)', value: Math.round(ratio * 100) / 100, limit: 0.9, unit: 'x', ok: ratio >= 0.9, note }];
}

/** The server is this voxelpipe: the built dist beside this module, or the sources through tsx. */
function cliCommand(): string[] {
  const js = new URL('../cli/main.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return [process.execPath, fileURLToPath(js)];
  return [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
