import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { writePreviews, type PreviewFile } from '../../preview/write-previews.js';
import { DEMO_SIZES, writeDemoMmar, type DemoFlavor, type DemoMmar, type DemoTask } from '../../synthetic/mmar.js';
import { intArg, openPipeline, type CliIO } from '../common.js';

/** The closing JSON line of `demo --json`. */
export interface DemoSummary {
  task: DemoTask;
  /** `clara` (Clara 3.x names, image_pipeline) or `monai` (a Clara 4 config: MONAI names, dataset + dataloader). */
  flavor: DemoFlavor;
  /** The MMAR folder (config/, data/, previews/). */
  out: string;
  config: string;
  /** The evaluation config (config_validation.json). */
  validation_config: string;
  /** Segmentation: the ONNX model `evaluate` runs (a threshold, not a trained network). */
  model: string | null;
  env: string;
  datalist: string;
  data: string;
  training_items: number;
  epochs: number;
  workers: number;
  batches: number;
  samples: number;
  fields: Record<string, { shape: number[]; dtype: string }>;
  samples_per_s: number;
  first_batch_ms: number;
  /** Time until the Smart Cache held every item of the first epoch's window (null without a cache). */
  cache_fill_ms: number | null;
  cache_mib: number | null;
  peak_rss_mb: number;
  generate_ms: number;
  total_ms: number;
  previews: string[];
  /** The commands to go on with (on this MMAR; replace the paths by your own MMAR's). */
  commands: { run: string; preview: string; profile: string; view: string; evaluate: string };
}

interface DemoOpts {
  out?: string;
  task: DemoTask;
  flavor: DemoFlavor;
  workers: number;
  size: 'full' | 'small';
  seed: number;
  json?: boolean;
  progress: boolean;
}

const EPOCHS = 2;
const PREVIEWS = 3;

function quote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

function commandsFor(m: DemoMmar): DemoSummary['commands'] {
  const base = `--config ${quote(m.config)} --mmar ${quote(m.root)}`;
  return {
    run: `npx voxelpipe run ${base} --epochs 2`,
    preview: `npx voxelpipe preview ${base} --out ${quote(join(m.root, 'previews'))} --count 4`,
    profile: `npx voxelpipe profile ${base} --samples 20`,
    view: `npx voxelpipe view ${base}`,
    evaluate: `npx voxelpipe evaluate --config ${quote(m.validationConfig)} --mmar ${quote(m.root)} --model ${m.model ? quote(m.model) : 'your-model.onnx'}`,
  };
}

export function demoCommand(io: CliIO): Command {
  return new Command('demo')
    .description('make a small synthetic MMAR (data, Clara config, datalist), run its training pipeline for two epochs and draw previews: voxelpipe end to end, offline, in seconds')
    .option('-o, --out <dir>', 'folder for the MMAR (default: a new temporary folder)')
    .option('--task <task>', 'segmentation (3D CT-like volumes) or classification (2D PNGs)', (v: string) => {
      if (v !== 'segmentation' && v !== 'classification') throw new InvalidArgumentError(`expected segmentation or classification, got "${v}"`);
      return v as DemoTask;
    }, 'segmentation' as DemoTask)
    .option('--flavor <flavor>', 'clara (a Clara 3.x config) or monai (a Clara 4 config: MONAI transform names, dataset + dataloader blocks)', (v: string) => {
      if (v !== 'clara' && v !== 'monai') throw new InvalidArgumentError(`expected clara or monai, got "${v}"`);
      return v as DemoFlavor;
    }, 'clara' as DemoFlavor)
    .option('--workers <n>', 'worker threads', intArg(0), 2)
    .option('--size <size>', 'full, or small (a few tiny cases: tests, slow machines)', (v: string) => {
      if (v !== 'full' && v !== 'small') throw new InvalidArgumentError(`expected full or small, got "${v}"`);
      return v as 'full' | 'small';
    }, 'full' as const)
    .option('--seed <n>', 'seed of the data and of every random draw', intArg(0), 0)
    .option('--json', 'print one JSON summary line at the end (nothing else on stdout)')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .action(async (opts: DemoOpts) => {
      const t0 = performance.now();
      const out = resolve(opts.out ?? mkdtempSync(join(tmpdir(), 'voxelpipe-demo-')));
      const say = (s: string) => {
        if (!opts.json) io.out(s);
      };
      const size = DEMO_SIZES[opts.size];
      say(`voxelpipe demo (${opts.task}${opts.flavor === 'monai' ? ', Clara 4 / MONAI names' : ''}): writing a synthetic MMAR to ${out}\n`);
      const mmar = writeDemoMmar(out, opts.task, size, opts.seed, opts.flavor);
      const generateMs = performance.now() - t0;

      // The demo's config names a model, loss and optimizer as Clara's do; the "ignored keys" warning would only be noise here.
      const { pipeline, labels, spec } = openPipeline({ config: mmar.config, mmar: mmar.root, section: 'train', seed: opts.seed }, io, { workers: opts.workers }, true);
      pipeline.events.on('warning', (w: string) => io.err(`voxelpipe: warning: ${w}\n`));
      const showBar = !opts.json && opts.progress && process.stderr.isTTY === true;
      const bar = showBar
        ? new cliProgress.SingleBar(
            { stream: process.stderr, format: 'epoch {epoch} {bar} {value}/{total} batches | cache {cache} | {rate} samples/s', hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      say(`${pipeline.describe()}\n`);

      const tRun = performance.now();
      let cacheFillMs: number | null = null;
      let cacheText = '-';
      pipeline.events.on('cache-progress', (p: { ready: number; total: number }) => {
        cacheText = `${p.ready}/${p.total}`;
        if (cacheFillMs === null && p.total > 0 && p.ready === p.total) cacheFillMs = performance.now() - tRun;
      });
      const fields: DemoSummary['fields'] = {};
      let batches = 0;
      let samples = 0;
      let firstBatchMs = 0;
      let last = tRun;
      let previews: PreviewFile[] = [];
      let cacheMib: number | null = null;
      try {
        for (let e = 0; e < EPOCHS; e++) {
          const total = Math.ceil(pipeline.order(e).length / Math.max(1, spec.imagePipeline.args.output_batch_size ?? 1));
          bar?.start(total, 0, { epoch: e, rate: '-', cache: cacheText });
          let n = 0;
          for await (const batch of pipeline.epoch(e)) {
            last = performance.now();
            if (batches === 0) {
              firstBatchMs = last - tRun;
              for (const [name, f] of Object.entries(batch.fields)) fields[name] = { shape: f.shape, dtype: f.dtype };
            }
            batches++;
            n++;
            samples += Object.values(batch.fields)[0]?.shape[0] ?? 0;
            batch.release?.();
            if (bar) {
              bar.setTotal(Math.max(n, bar.getTotal()));
              bar.update(n, { rate: (samples / ((last - tRun) / 1000)).toFixed(1), cache: cacheText });
            }
          }
          bar?.stop();
        }
        const m = pipeline.metrics();
        if (m.cache) cacheMib = m.cache.bytes / 1048576;
        // The first samples of epoch 0, exactly as they were batched above.
        const count = Math.min(PREVIEWS, pipeline.order(0).length);
        previews = await writePreviews(pipeline, { out: join(out, 'previews'), epoch: 0, indices: Array.from({ length: count }, (_, i) => i), labels });
      } finally {
        bar?.stop();
        await pipeline.close();
      }

      const summary: DemoSummary = {
        task: opts.task,
        flavor: opts.flavor,
        out,
        config: mmar.config,
        validation_config: mmar.validationConfig,
        model: mmar.model ?? null,
        env: mmar.env,
        datalist: mmar.datalist,
        data: mmar.dataRoot,
        training_items: mmar.training,
        epochs: EPOCHS,
        workers: opts.workers,
        batches,
        samples,
        fields,
        samples_per_s: last > tRun ? (samples * 1000) / (last - tRun) : 0,
        first_batch_ms: firstBatchMs,
        cache_fill_ms: cacheFillMs,
        cache_mib: cacheMib,
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        generate_ms: generateMs,
        total_ms: performance.now() - t0,
        previews: previews.map((p) => p.file),
        commands: commandsFor(mmar),
      };
      if (opts.json) {
        io.out(JSON.stringify(summary) + '\n');
        return;
      }
      io.out(formatDemo(summary, opts.task === 'segmentation' ? 'crops' : 'images'));
    });
}

/** The human summary: a short table, where the files are, what to run next. */
export function formatDemo(s: DemoSummary, unit: string): string {
  const rel = (p: string) => relative(s.out, p) || '.';
  const rows: [string, string][] = [
    ['epochs', `${s.epochs} (${s.batches} batches, ${s.samples} ${unit}, ${s.workers} worker${s.workers === 1 ? '' : 's'})`],
    ['samples/s', s.samples_per_s.toFixed(1)],
    ['first batch', `${s.first_batch_ms.toFixed(0)} ms`],
    ['cache fill', s.cache_fill_ms === null ? '- (no Smart Cache)' : `${s.cache_fill_ms.toFixed(0)} ms (${(s.cache_mib ?? 0).toFixed(1)} MiB held)`],
    ['peak memory', `${s.peak_rss_mb} MB RSS`],
    ...Object.entries(s.fields).map(([k, f]): [string, string] => [`${k} batch`, `[${f.shape.join(', ')}] ${f.dtype}`]),
    ['data made in', `${(s.generate_ms / 1000).toFixed(1)} s (${s.training_items} training items)`],
    ['total', `${(s.total_ms / 1000).toFixed(1)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const files: [string, string][] = [
    [rel(s.config), s.flavor === 'monai' ? 'the Clara 4 training config (MONAI names; train + validate sections)' : 'the Clara training config (train + validate sections)'],
    [rel(s.validation_config), 'the Clara evaluation config (voxelpipe evaluate)'],
    ...(s.model ? [[rel(s.model), 'a tiny ONNX model to evaluate (an intensity threshold, not a trained network)'] as [string, string]] : []),
    [rel(s.env), 'DATA_ROOT, DATASET_JSON'],
    [rel(s.datalist), 'the datalist (training / validation lists, labels)'],
    [`${rel(s.data)}/`, s.task === 'segmentation' ? 'the NIfTI volumes and labels' : 'the PNG images'],
    ['previews/', `${s.previews.length} pictures of samples exactly as the network gets them:`],
  ];
  const fw = Math.max(...files.map(([f]) => f.length));
  return [
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    '',
    `Everything is in ${s.out}:`,
    ...files.map(([f, what]) => `  ${f.padEnd(fw)}  ${what}`),
    ...s.previews.map((p) => `    ${p}`),
    '',
    'Go on with this MMAR:',
    `  ${s.commands.run}`,
    `  ${s.commands.preview}`,
    `  ${s.commands.profile}`,
    `  ${s.commands.view}`,
    `  ${s.commands.evaluate}`,
    '',
    'On your own Clara MMAR:',
    '  npx voxelpipe run --config /path/to/mmar/config/config_train.json --mmar /path/to/mmar',
    ...(s.flavor === 'monai' ? ['or a MONAI bundle (its dataloader, dataset and transforms):', '  npx voxelpipe run --config /path/to/bundle/configs/train.json --section train'] : []),
    '',
  ].join('\n');
}
