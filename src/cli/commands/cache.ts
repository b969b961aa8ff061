import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type Section } from '../../config/load-config.js';
import { DiskCache } from '../../cache/disk-cache.js';
import { ChunkedStore, type ChunkedStoreStats } from '../../cache/chunked/store.js';
import { CHUNKED_FORMAT_VERSION } from '../../cache/chunked/format.js';
import { createDefaultRegistry } from '../../transforms/catalogue.js';
import { createPipeline, type Pipeline } from '../../pipeline/engine.js';
import { pipelineOptionsFromSpec } from '../../pipeline/from-config.js';
import { VoxelpipeError, formatBytes } from '../../util/errors.js';
import { byteSizeArg, collect, intArg, type CliIO } from '../common.js';

interface CacheOpts {
  config?: string;
  env?: string;
  mmar?: string;
  section: Section | 'all';
  cacheDir?: string;
  workers?: number;
  set?: string[];
  json?: boolean;
  progress: boolean;
  cacheMaxBytesDisk?: number;
}

/** The chunked store's part of `cache stats`, as JSON. */
function chunkedSummary(c: ChunkedStoreStats) {
  return {
    format: CHUNKED_FORMAT_VERSION,
    items: c.items,
    bytes: c.bytes,
    rawBytes: c.rawBytes,
    compressionRatio: c.compressionRatio,
    hitRate: c.lifetime.hitRate,
    lookups: c.lifetime.hits + c.lifetime.misses,
    corrupt: c.lifetime.corrupt,
    evicted: c.lifetime.evicted,
    stale: c.stale,
    staleBytes: c.staleBytes,
    tempFiles: c.tempFiles,
  };
}

/** One line on the cache, e.g. "DIR (chunked, format 1): 12 items, 640 MB on disk (ratio 1.50 to the voxels' 960 MB), hit rate 97% of 480 lookups". */
function chunkedLine(dir: string, c: ChunkedStoreStats): string {
  const lookups = c.lifetime.hits + c.lifetime.misses;
  const parts = [`${c.items} items, ${formatBytes(c.bytes)} on disk (ratio ${c.compressionRatio.toFixed(2)} to the voxels' ${formatBytes(c.rawBytes)})`];
  parts.push(lookups ? `hit rate ${(100 * c.lifetime.hitRate).toFixed(0)}% of ${lookups} lookups` : 'no lookups yet');
  if (c.lifetime.corrupt) parts.push(`${c.lifetime.corrupt} corrupt items found and removed`);
  if (c.lifetime.evicted) parts.push(`${c.lifetime.evicted} evicted`);
  if (c.stale) parts.push(`${c.stale} stale (${formatBytes(c.staleBytes)}, removed by clear)`);
  if (c.tempFiles) parts.push(`${c.tempFiles} temporary files (${formatBytes(c.tempBytes)}) of unfinished writes`);
  return `${dir} (chunked, format ${CHUNKED_FORMAT_VERSION}): ${parts.join(', ')}\n`;
}

/** The options every `cache` subcommand takes: which config, which sections, which folder. */
function withCommonOptions(cmd: Command, configRequired: boolean): Command {
  return cmd
    [configRequired ? 'requiredOption' : 'option']('-c, --config <file>', 'Clara config (config/config_train.json)')
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--section <name>', 'train, validate or all', (v: string) => {
      if (v !== 'train' && v !== 'validate' && v !== 'all') throw new InvalidArgumentError(`expected train, validate or all, got "${v}"`);
      return v as Section | 'all';
    }, 'all')
    .option('--cache-dir <dir>', 'persistent cache folder (default: the config\'s cache_dir)')
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path (repeatable)', collect)
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)');
}

/** One pipeline per selected section of the config (made when used: each starts its own workers), with its cache folder. */
function pipelinesFor(opts: CacheOpts, workers?: number): { section: Section; make: () => Pipeline; dir: string }[] {
  const config = loadConfig({ config: opts.config!, env: opts.env, mmar: opts.mmar, set: opts.set, registry: createDefaultRegistry() });
  const sections: Section[] = opts.section === 'all' ? ['train', 'validate'] : [opts.section];
  const out = [];
  let missing: string | undefined;
  for (const section of sections) {
    const spec = config[section];
    if (!spec) continue;
    const options = pipelineOptionsFromSpec(config, spec, { workers, cacheDir: opts.cacheDir && resolve(opts.cacheDir) });
    // With every section asked for, a section without a cache folder is simply not cached.
    if (!options.cacheDir) {
      missing ??= section;
      continue;
    }
    out.push({ section, make: () => createPipeline(options), dir: options.cacheDir });
  }
  if (missing && (out.length === 0 || opts.section !== 'all'))
    throw new VoxelpipeError('ERR_CONFIG', `${opts.config}: ${missing}.image_pipeline.args has no cache_dir; pass --cache-dir DIR`);
  if (out.length === 0) throw new VoxelpipeError('ERR_CONFIG', `${opts.config}: no ${opts.section === 'all' ? 'train or validate' : opts.section} section with an image_pipeline`);
  return out;
}

export function cacheCommand(io: CliIO): Command {
  const cache = new Command('cache').description('manage the persistent cache of prefix outputs (the deterministic part of the chain)');
  // The program copies its output and exit settings onto `cache` only: pass them on to the subcommand,
  // or a bad option value (--workers x, --cache-max-bytes-disk lots) would exit the process from inside commander.
  cache.hook('preSubcommand', (self, sub) => {
    sub.copyInheritedSettings(self);
  });

  cache.addCommand(
    withCommonOptions(new Command('warm'), true)
      .description('compute and store every datalist item\'s prefix output')
      .option('--workers <n>', 'worker threads (default: the config\'s num_workers)', intArg(0))
      .action(async (opts: CacheOpts) => {
        const report: Record<string, { items: number; hits: number; misses: number; ms: number }> = {};
        for (const { section, make, dir } of pipelinesFor(opts, opts.workers)) {
          const pipeline = make();
          pipeline.events.on('warning', (w: string) => io.err(`voxelpipe: warning: ${w}\n`));
          const bar = !opts.json && opts.progress && process.stderr.isTTY
            ? new cliProgress.SingleBar({ stream: process.stderr, format: `warming ${section} {bar} {value}/{total} items`, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
            : undefined;
          const t0 = performance.now();
          try {
            const r = await pipeline.warmCache({
              onProgress: (done, total) => {
                if (done === 1) bar?.start(total, 0);
                bar?.update(done);
              },
            });
            report[section] = { ...r, ms: Math.round(performance.now() - t0) };
          } finally {
            bar?.stop();
            await pipeline.close();
          }
          if (!opts.json) {
            const r = report[section];
            io.out(`${section}: ${r.items} items in ${dir}: ${r.misses} computed and stored, ${r.hits} already cached (${(r.ms / 1000).toFixed(1)} s)\n`);
          }
        }
        if (opts.json) io.out(JSON.stringify(report) + '\n');
      }),
  );

  cache.addCommand(
    withCommonOptions(new Command('stats'), false)
      .description('entries and bytes in the cache folder, and how many of the config\'s items are cached')
      .action(async (opts: CacheOpts) => {
        const sections: Record<string, { items: number; cached: number }> = {};
        let dir = opts.cacheDir && resolve(opts.cacheDir);
        if (opts.config) {
          for (const { section, make, dir: d } of pipelinesFor(opts, 0)) {
            const pipeline = make();
            try {
              sections[section] = await pipeline.cacheStatus();
            } finally {
              await pipeline.close();
            }
            dir = d;
          }
        }
        if (!dir) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'cache stats: give --config (with cache_dir) or --cache-dir');
        const c = new ChunkedStore({ dir }).stats();
        // Entries of the first wave's whole-item format: no longer read, shown so that clear can reclaim them.
        const legacy = new DiskCache({ dir }).stats();
        if (opts.json) {
          io.out(JSON.stringify({ dir, ...chunkedSummary(c), legacy: { entries: legacy.entries + legacy.stale, bytes: legacy.bytes + legacy.staleBytes }, sections }) + '\n');
          return;
        }
        io.out(chunkedLine(dir, c));
        if (legacy.entries + legacy.stale)
          io.out(`${dir}: ${legacy.entries + legacy.stale} entries of the older whole-item format (${formatBytes(legacy.bytes + legacy.staleBytes)}), no longer read: cache clear removes them\n`);
        for (const [name, v] of Object.entries(sections))
          io.out(`${name}: ${v.cached} of ${v.items} items cached (hit rate ${v.items ? ((100 * v.cached) / v.items).toFixed(0) : 0}%)\n`);
      }),
  );

  cache.addCommand(
    withCommonOptions(new Command('clear'), false)
      .description('remove the cache folder\'s entries')
      .action(async (opts: CacheOpts) => {
        const dirs = new Set<string>();
        if (opts.cacheDir) dirs.add(resolve(opts.cacheDir));
        else if (opts.config) for (const { dir } of pipelinesFor(opts, 0)) dirs.add(dir);
        if (dirs.size === 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'cache clear: give --config (with cache_dir) or --cache-dir');
        const result: Record<string, { removed: number; bytes: number; legacy: { removed: number; bytes: number } }> = {};
        for (const dir of dirs) result[dir] = { ...new ChunkedStore({ dir }).clear(), legacy: new DiskCache({ dir }).clear() };
        if (opts.json) io.out(JSON.stringify(result) + '\n');
        else
          for (const [dir, r] of Object.entries(result))
            io.out(`${dir}: removed ${r.removed} items and temporary files (${formatBytes(r.bytes)})${r.legacy.removed ? `, ${r.legacy.removed} entries of the older format (${formatBytes(r.legacy.bytes)})` : ''}\n`);
      }),
  );

  cache.addCommand(
    withCommonOptions(new Command('evict'), false)
      .description('remove least-recently-used items of the chunked cache until the folder holds at most --cache-max-bytes-disk')
      .requiredOption('--cache-max-bytes-disk <size>', 'bound on the folder\'s chunked items, e.g. 800MB, 20GB, 2GiB', byteSizeArg)
      .action(async (opts: CacheOpts) => {
        const dirs = new Set<string>();
        if (opts.cacheDir) dirs.add(resolve(opts.cacheDir));
        else if (opts.config) for (const { dir } of pipelinesFor(opts, 0)) dirs.add(dir);
        if (dirs.size === 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'cache evict: give --config (with cache_dir) or --cache-dir');
        const result: Record<string, { removed: number; bytes: number; items: number; left: number; maxBytes: number }> = {};
        for (const dir of dirs) {
          const store = new ChunkedStore({ dir, maxBytes: opts.cacheMaxBytesDisk });
          const r = store.evict();
          const after = store.stats();
          result[dir] = { ...r, items: after.items, left: after.bytes + after.staleBytes + after.tempBytes, maxBytes: opts.cacheMaxBytesDisk! };
        }
        if (opts.json) io.out(JSON.stringify(result) + '\n');
        else
          for (const [dir, r] of Object.entries(result))
            io.out(`${dir}: evicted ${r.removed} least-recently-used ${r.removed === 1 ? 'file' : 'files'} (${formatBytes(r.bytes)}); ${r.items} ${r.items === 1 ? 'item' : 'items'} left, ${formatBytes(r.left)} of at most ${formatBytes(r.maxBytes)}\n`);
      }),
  );
  return cache;
}
