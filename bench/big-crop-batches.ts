/**
 * Peak RSS of `voxelpipe run` on the config that the OOM killer used to end
 * (issue 13): FastCropByPosNegRatio 96^3 with batch_size 12 and
 * batches_to_gen_at_once 48 (576 crops per volume, ~4 GB of float32 image +
 * label if made at once), num_workers 16, over 4 CT-like 512x512xZ volumes
 * (the bench's data). The run is watched from outside: its RSS is sampled
 * every 100 ms and it is killed when it passes --limit-mb (default 8000), so
 * an engine that would exhaust the machine is stopped first and reported.
 *
 *   node --import tsx bench/big-crop-batches.ts [--cli dist/cli/main.js] [--data-dir .bench-data] [--limit-mb 8000]
 *
 * `--cli` picks the voxelpipe to measure (another checkout's dist/cli/main.js
 * gives the before of a before/after).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureData } from '../src/bench/measure.js';
import { FULL } from '../src/bench/spec.js';

const { values } = parseArgs({
  options: { cli: { type: 'string', default: 'dist/cli/main.js' }, 'data-dir': { type: 'string', default: '.bench-data' }, 'limit-mb': { type: 'string', default: '8000' }, workers: { type: 'string', default: '16' } },
});
const limitMb = Number(values['limit-mb']);
const data = ensureData(resolve(values['data-dir']!), FULL);
const dir = resolve(values['data-dir']!, 'big-crop-batches');
mkdirSync(join(dir, 'config'), { recursive: true });
const items = data.items.slice(0, 4);
writeFileSync(join(dir, 'config/dataset_0.json'), JSON.stringify({ training: items, validation: [] }));
writeFileSync(join(dir, 'config/environment.json'), JSON.stringify({ DATA_ROOT: '/', DATASET_JSON: join(dir, 'config/dataset_0.json') }));
const crop = [96, 96, 96];
writeFileSync(
  join(dir, 'config/config_train.json'),
  JSON.stringify({
    train: {
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } },
        { name: 'FastCropByPosNegRatio', args: { size: crop, fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 12, batches_to_gen_at_once: 48 } },
        { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.1 } },
        { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1 } },
      ],
      image_pipeline: {
        name: 'SegmentationImagePipeline',
        args: { data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'training', output_crop_size: crop, batched_by_transforms: true, num_workers: Number(values.workers) },
      },
    },
  }),
);

const load = loadavg()[0];
const t0 = performance.now();
const child = spawn(process.execPath, [values.cli!, 'run', '--config', join(dir, 'config/config_train.json'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let err = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (err += d));
let peakMb = 0;
let killed = false;
const timer = setInterval(() => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    const mb = m ? Number(m[1]) / 1024 : 0;
    peakMb = Math.max(peakMb, mb);
    if (mb > limitMb && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  } catch {
    /* the process has ended */
  }
}, 100);
const code = await new Promise<number | null>((res) => child.on('close', res));
clearInterval(timer);
const seconds = (performance.now() - t0) / 1000;
const summary = out.trim() ? (JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>) : undefined;
console.log(
  JSON.stringify({
    cli: values.cli,
    workers: Number(values.workers),
    load_average_start: Math.round(load * 10) / 10,
    seconds: Math.round(seconds * 10) / 10,
    exit: code,
    killed_at_limit_mb: killed ? limitMb : null,
    watched_peak_rss_mb: Math.round(peakMb),
    reported_peak_rss_mb: summary?.peak_rss_mb ?? null,
    batches: summary?.batches ?? null,
    memory_estimate_mb: summary?.memory_estimate_mb ?? null,
    stderr: err.trim().split('\n').slice(-2).join(' | '),
  }),
);
