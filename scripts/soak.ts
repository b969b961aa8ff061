/**
 * `npm run soak -- [--minutes 60] [--quick] [--data-dir .bench-data] [--workers 2]
 *                  [--interval 5] [--cache 8] [--replace 0.25] [--out docs/soak-rss.png]`
 *
 * Drives the Smart Cache pipeline with replacement over the bench data
 * (src/bench generates it once and keeps it) epoch after epoch for the given
 * time, consuming batches as a trainer would, and samples the process's
 * resident size every few seconds (worker threads included: they share the
 * process), each after a full collection. Fails (exit 1) when RSS after the
 * first epoch (the one that fills the cache) grows more than 5 %: window
 * medians compared, see judgeRss in soak-lib.ts.
 * Writes the curve as a small PNG and the samples as CSV beside it, and
 * prints a one-line JSON summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FULL, QUICK, ensureData, modeSpec, pipelineOptions } from '../src/bench/index.js';
import { createPipeline } from '../src/pipeline/engine.js';
import { judgeRss, plotRss, type RssSample } from './soak-lib.js';

function args(argv: string[]): { flags: Set<string>; values: Record<string, string> } {
  const flags = new Set<string>();
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    if (name === 'quick') flags.add(name);
    else if (argv[i + 1] === undefined) throw new Error(`--${name} needs a value`);
    else values[name] = argv[++i];
  }
  return { flags, values };
}

async function main(): Promise<void> {
  const { flags, values } = args(process.argv.slice(2));
  const minutes = Number(values.minutes ?? 60);
  const intervalMs = Number(values.interval ?? 5) * 1000;
  const profile = flags.has('quick') ? QUICK : FULL;
  const out = resolve(values.out ?? 'docs/soak-rss.png');
  const dataDir = resolve(values['data-dir'] ?? '.bench-data');
  const data = ensureData(dataDir, profile);
  const n = data.items.length;
  // Fewer cache slots than items, so that replacement really brings other volumes in.
  const numCacheObjects = Number(values.cache ?? Math.max(1, Math.ceil((n * 2) / 3)));
  const replacePercent = Number(values.replace ?? 0.25);
  const base = modeSpec('smart-r25')!;
  const options = {
    ...pipelineOptions(profile, { ...base, workers: Number(values.workers ?? 2) }, data.items),
    repeat: false,
    cache: { numCacheObjects, replacePercent },
  };
  console.log(`soak: ${minutes} min, ${n} volumes (${profile.name}), Smart Cache N=${numCacheObjects} r=${replacePercent}, ${options.workers} workers, RSS every ${intervalMs / 1000} s -> ${out}`);

  const samples: RssSample[] = [];
  const t0 = performance.now();
  let epoch = 0;
  let firstEpochEndMs = Number.POSITIVE_INFINITY;
  // A full collection first (when --expose-gc is on, as `npm run soak` runs it): the curve is then memory the
  // pipeline holds, not when V8 happened to collect the buffers of volumes already replaced.
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    samples.push({ ms: performance.now() - t0, rss: process.memoryUsage.rss(), epoch });
  };
  const pipeline = createPipeline(options);
  sample();
  const timer = setInterval(sample, intervalMs);
  let crops = 0;
  try {
    for (; performance.now() - t0 < minutes * 60_000; epoch++) {
      for await (const batch of pipeline.epoch(epoch)) crops += batch.fields.image.shape[0];
      if (epoch === 0) {
        sample();
        firstEpochEndMs = performance.now() - t0;
      }
    }
  } finally {
    clearInterval(timer);
    sample();
    await pipeline.close();
  }
  const verdict = judgeRss(samples, firstEpochEndMs);
  const mb = (x: number) => Math.round(x / 2 ** 20);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, plotRss(samples, verdict, firstEpochEndMs, `voxelpipe soak: Smart Cache N=${numCacheObjects} r=${replacePercent}, ${epoch} epochs, ${profile.name}`));
  writeFileSync(out.replace(/\.png$/i, '') + '.csv', ['ms,rss_bytes,epoch', ...samples.map((s) => `${Math.round(s.ms)},${s.rss},${s.epoch}`)].join('\n') + '\n');
  const summary = {
    ok: verdict.ok,
    minutes: Math.round(((performance.now() - t0) / 60000) * 10) / 10,
    epochs: epoch,
    crops,
    samples: samples.length,
    first_epoch_s: Math.round(firstEpochEndMs / 100) / 10,
    window_samples: verdict.windows.length ? Math.floor(samples.filter((x) => x.ms > firstEpochEndMs).length / verdict.windows.length) : 0,
    baseline_rss_mb: mb(verdict.baseline),
    later_peak_rss_mb: mb(verdict.laterPeak),
    final_rss_mb: mb(verdict.final),
    growth_percent: Math.round(verdict.growth * 1000) / 10,
    plot: out,
  };
  console.log(JSON.stringify(summary));
  if (!verdict.ok)
    console.error(
      verdict.windows.length < 2
        ? 'soak: FAILED: too few samples after the first epoch to compare (give it more --minutes)'
        : `soak: FAILED: RSS grew ${summary.growth_percent} % after the first epoch (window medians ${summary.baseline_rss_mb} -> ${summary.later_peak_rss_mb} MiB), over the 5 % bound`,
    );
  process.exitCode = verdict.ok ? 0 : 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 2;
});
