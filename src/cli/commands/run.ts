import { resolve } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { formatBytes } from '../../util/errors.js';
import { byteSizeArg, collect, intArg, openPipeline, pipelineCliOptions, type CliIO, type PipelineCliOpts } from '../common.js';

/** The closing JSON line of `run --json` (DESIGN.md's CLI contract). */
export interface RunSummary {
  epochs: number;
  batches: number;
  samples: number;
  fields: Record<string, { shape: number[]; dtype: string }>;
  samples_per_s: number;
  first_batch_ms: number;
  peak_rss_mb: number;
  /** The engine's estimate of what it holds (batch slots, workers' volumes, caches) and its budget, MB. */
  memory_estimate_mb?: number;
  memory_budget_mb?: number;
}

interface RunOpts extends PipelineCliOpts {
  epochs: number;
  workers?: number;
  maxMemory?: number;
  json?: boolean;
  cacheMaxBytes?: number;
  cacheMaxBytesDisk?: number;
  cacheDir?: string;
  skipBadSamples?: boolean;
  progress: boolean;
}

export function runCommand(io: CliIO): Command {
  return pipelineCliOptions(new Command('run').description('run a Clara config\'s image pipeline, drawing batches as a trainer would, and report throughput'))
    .option('--epochs <n>', 'epochs to run', intArg(1), 1)
    .option('--workers <n>', 'worker threads, exactly (default: the config\'s num_workers, at most one per core; VOXELPIPE_WORKERS=N also forces; 0 runs on the main thread)', intArg(0))
    .option('--max-memory <size>', 'memory budget for batches, caches and volumes in flight, e.g. 8GB or 512MiB (default: max_memory, else half the machine\'s memory)', byteSizeArg)
    .option('--cache-max-bytes <n>', 'refuse a Smart Cache larger than this many bytes', intArg(1))
    .option('--cache-max-bytes-disk <size>', 'bound on the persistent cache on disk, e.g. 20GB (least recently used items are evicted; overrides cache_max_disk)', byteSizeArg)
    .option('--cache-dir <dir>', 'persistent cache of prefix outputs (reused across runs; overrides cache_dir)')
    .option('--skip-bad-samples', 'skip samples whose chain fails (counted, with a warning) instead of stopping')
    .option('--json', 'print one JSON summary line at the end (nothing else on stdout)')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .action(async (opts: RunOpts) => {
      const { pipeline } = openPipeline(opts, io, {
        workers: opts.workers,
        maxMemory: opts.maxMemory,
        cacheMaxBytes: opts.cacheMaxBytes,
        cacheMaxBytesDisk: opts.cacheMaxBytesDisk,
        cacheDir: opts.cacheDir && resolve(opts.cacheDir),
        skipBadSamples: opts.skipBadSamples,
      });
      pipeline.events.on('warning', (w: string) => io.err(`voxelpipe: warning: ${w}\n`));
      const showBar = !opts.json && opts.progress && process.stderr.isTTY === true;
      const bars = showBar
        ? new cliProgress.MultiBar({ stream: process.stderr, hideCursor: true, clearOnComplete: true, format: '{name} {bar} {value}/{total} {unit}' }, cliProgress.Presets.shades_classic)
        : undefined;
      let bar: cliProgress.SingleBar | undefined;
      // Smart Cache filling gets its own bar until the window is ready.
      let fillBar: cliProgress.SingleBar | undefined;
      pipeline.events.on('cache-progress', ({ ready, total }: { ready: number; total: number }) => {
        if (!bars || (ready >= total && !fillBar)) return;
        fillBar ??= bars.create(total, ready, { name: 'filling cache', unit: 'items' });
        fillBar.update(ready);
        if (ready >= total) {
          bars.remove(fillBar);
          fillBar = undefined;
        }
      });
      if (!opts.json) io.out(`${pipeline.describe()}\n`);
      const summary: RunSummary = { epochs: opts.epochs, batches: 0, samples: 0, fields: {}, samples_per_s: 0, first_batch_ms: 0, peak_rss_mb: 0 };
      const t0 = performance.now();
      let last = t0;
      let m: ReturnType<typeof pipeline.metrics>;
      try {
        for (let e = 0; e < opts.epochs; e++) {
          bar = bars?.create(0, 0, { name: `epoch ${e}`, unit: 'batches' });
          let n = 0;
          for await (const batch of pipeline.epoch(e)) {
            last = performance.now();
            if (summary.batches === 0) {
              summary.first_batch_ms = last - t0;
              for (const [name, f] of Object.entries(batch.fields)) summary.fields[name] = { shape: f.shape, dtype: f.dtype };
            }
            summary.batches++;
            summary.samples += Object.values(batch.fields)[0]?.shape[0] ?? 0;
            // Nothing here reads the voxels: the slot is free for the next batch at once.
            batch.release?.();
            n++;
            if (bar) {
              bar.setTotal(Math.max(n, bar.getTotal()));
              bar.update(n, { unit: `batches | ${(summary.samples / ((last - t0) / 1000)).toFixed(1)} samples/s` });
            }
          }
          if (bar) bars?.remove(bar);
        }
        m = pipeline.metrics();
      } finally {
        bars?.stop();
        await pipeline.close();
      }
      summary.samples_per_s = last > t0 ? (summary.samples * 1000) / (last - t0) : 0;
      summary.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
      if (m.memory) {
        summary.memory_estimate_mb = Math.round(m.memory.total / 1048576);
        summary.memory_budget_mb = Math.round(m.memory.budget / 1048576);
      }
      if (opts.json) {
        io.out(JSON.stringify(summary) + '\n');
        return;
      }
      const lines = [
        `epochs ${summary.epochs}, batches ${summary.batches}, samples ${summary.samples}`,
        ...Object.entries(summary.fields).map(([k, f]) => `  ${k.padEnd(8)} [${f.shape.join(', ')}] ${f.dtype}`),
        `samples/s ${summary.samples_per_s.toFixed(1)}, first batch ${summary.first_batch_ms.toFixed(0)} ms, peak RSS ${summary.peak_rss_mb} MB`,
      ];
      if (m.cache)
        lines.push(
          `Smart Cache: ${m.cache.items} items, ${(m.cache.bytes / 1048576).toFixed(1)} MiB, ${m.cache.computed} computed${m.cache.fillMs !== undefined ? `, filled in ${m.cache.fillMs.toFixed(0)} ms` : ''}`,
        );
      if (m.diskCache) lines.push(`persistent cache: ${m.diskCache.hits} hits, ${m.diskCache.misses} misses`);
      if (m.memory)
        lines.push(
          `memory: about ${formatBytes(m.memory.total)} of a ${formatBytes(m.memory.budget)} budget (${m.memory.source}): ${m.memory.slots} batch slot${m.memory.slots === 1 ? '' : 's'} of ${formatBytes(m.memory.slotBytes)}, ${formatBytes(m.memory.workerBytes)} per worker` +
            (m.memory.cacheBytes ? `, Smart Cache ${formatBytes(m.memory.cacheBytes)}` : '') +
            (m.memory.prefixBytes ? `, shared volumes ${formatBytes(m.memory.prefixBytes)}` : ''),
        );
      if (m.skipped) lines.push(`skipped samples: ${m.skipped}`);
      io.out(lines.join('\n') + '\n');
    });
}
