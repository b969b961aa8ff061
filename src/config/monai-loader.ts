import { z } from 'zod';
import { formatZodIssues, jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import { parseByteSize } from './byte-size.js';
import type { Json } from './variables.js';

/**
 * MONAI's data classes as Clara 4 configs and MONAI bundles name them —
 * `Dataset`, `CacheDataset`, `PersistentDataset`, `SmartCacheDataset` and
 * `DataLoader` (or `ThreadDataLoader`) — mapped onto what voxelpipe's engine
 * already has: no cache, Smart Cache, the persistent cache; batch size,
 * shuffle, workers. Clara 4 (clara4.ts) and bundles (bundle.ts) each find
 * these blocks their own way and share this module to read them.
 */

export const DATASET_CLASSES = ['Dataset', 'CacheDataset', 'PersistentDataset', 'SmartCacheDataset'] as const;
export type DatasetClass = (typeof DATASET_CLASSES)[number];
export const DATALOADER_CLASSES = ['DataLoader', 'ThreadDataLoader'] as const;
export type DataLoaderClass = (typeof DATALOADER_CLASSES)[number];

/** `monai.data.CacheDataset`, `torch.utils.data.DataLoader` -> the class name, when it is one of `known`. */
export function dataClassName<T extends string>(written: string, known: readonly T[]): T | undefined {
  const bare = written.replace(/^(monai\.data\.(dataset\.|dataloader\.|thread_buffer\.)?|torch\.utils\.data\.)/, '');
  return (known as readonly string[]).includes(bare) ? (bare as T) : undefined;
}

const count = (min: number) => z.number().int().min(min);
const rate = z.number().min(0).max(1);
/** `max_memory`: bytes, or "8GB" / "512MiB". */
const byteSize = z.unknown().transform((v, ctx) => {
  const r = parseByteSize(v);
  if ('bytes' in r) return r.bytes;
  ctx.addIssue({ code: 'custom', message: r.problem, input: undefined });
  return z.NEVER;
});

/**
 * Args that do not change which batches come out (fill workers, progress
 * bars, copies, hashing): accepted and not acted on.
 */
const inert = z.unknown().optional();
const cacheArgs = {
  cache_num: count(0).optional(),
  cache_rate: rate.default(1),
  num_workers: z.union([count(0), z.null()]).optional(),
  progress: inert,
  copy_cache: inert,
  as_contiguous: inert,
  hash_as_key: inert,
  hash_func: inert,
  runtime_cache: inert,
};
/** voxelpipe's own args, accepted beside MONAI's (as in Clara 3's image_pipeline args). */
const voxelpipeArgs = { cache_max_bytes: count(1).optional(), max_memory: byteSize.optional() };

const DATASET_SCHEMAS = {
  Dataset: z.strictObject({ ...voxelpipeArgs }),
  CacheDataset: z.strictObject({ ...cacheArgs, ...voxelpipeArgs }),
  PersistentDataset: z.strictObject({
    cache_dir: z.string().min(1).optional(),
    hash_func: inert,
    pickle_module: inert,
    pickle_protocol: inert,
    hash_transform: inert,
    reset_ops_id: inert,
    ...voxelpipeArgs,
  }),
  SmartCacheDataset: z.strictObject({
    ...cacheArgs,
    replace_rate: rate.default(0.1),
    num_init_workers: inert,
    num_replace_workers: inert,
    shuffle: inert,
    seed: inert,
    ...voxelpipeArgs,
  }),
} satisfies Record<DatasetClass, z.ZodType>;

const loaderArgs = {
  batch_size: count(1).default(1),
  shuffle: z.boolean().default(false),
  num_workers: count(0).default(0),
  prefetch_factor: z.union([count(0), z.null()]).optional(),
  /** Dropping the last short batch is not supported: refused below rather than ignored. */
  drop_last: z.boolean().default(false),
  pin_memory: inert,
  persistent_workers: inert,
  timeout: inert,
  multiprocessing_context: inert,
};
const DATALOADER_SCHEMAS = {
  DataLoader: z.strictObject(loaderArgs),
  ThreadDataLoader: z.strictObject({ ...loaderArgs, buffer_size: inert, buffer_timeout: inert, repeats: count(1).default(1), use_thread_workers: inert }),
} satisfies Record<DataLoaderClass, z.ZodType>;

/** DataLoader args that would change the batches in ways voxelpipe does not do. */
const UNSUPPORTED_LOADER_ARGS: Readonly<Record<string, string>> = {
  sampler: 'samplers are not supported (shuffle and Smart Cache order the items)',
  batch_sampler: 'batch samplers are not supported (batch_size makes the batches)',
  collate_fn: 'voxelpipe always collates as list_data_collate (B items x num_samples crops per batch)',
  worker_init_fn: 'worker init functions are Python; voxelpipe workers need none',
  generator: 'voxelpipe draws from its own keyed generator (--seed)',
};

/** A dataset or dataloader block as a config wrote it, found by clara4.ts or bundle.ts. */
export interface DataBlock {
  /** The class as written (`CacheDataset`, `monai.data.CacheDataset`). */
  name: string;
  /** Its args, references resolved and the link args (`transform`, `dataset`, `data`) removed. */
  args: Record<string, Json>;
  /** JSON path of the block's args, for messages (`train.dataset.args`, `train#dataset`). */
  argsPath: string;
  /** JSON path of the class name (`train.dataset.name`, `train#dataset#_target_`). */
  namePath: string;
}

/** What a section's dataset and dataloader say, mapped onto the engine's options. */
export interface MonaiDataSettings {
  dataset: DatasetClass;
  loader: DataLoaderClass;
  batchSize: number;
  shuffle: boolean;
  workers: number;
  prefetch: number;
  /** Smart Cache: N and r (absent: no in-memory cache). */
  cache?: { size: number; replaceRate: number };
  /** Persistent cache folder as written (relative to the root), for PersistentDataset. */
  cacheDir?: string;
  cacheMaxBytes?: number;
  maxMemory?: number;
  /** One-line warnings (a cache that cannot be honoured as written). */
  warnings: string[];
}

/** The folder PersistentDataset uses when the config gives no cache_dir (MONAI requires one; Clara 4 configs leave it out). */
export const DEFAULT_PERSISTENT_DIR = 'cache/persistent';

function parseWith<S extends z.ZodType>(schema: S, args: unknown, path: string, cls: string, report: (p: string) => void, hints: Readonly<Record<string, string>> = {}): z.output<S> | undefined {
  const parsed = schema.safeParse(args, { reportInput: true });
  if (parsed.success) return parsed.data;
  const known = Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape);
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys')
      for (const k of issue.keys) report(`${jsonPath(path, ...issue.path, k)}: ${hints[k] ?? `not an arg of ${cls}${didYouMean(k, known)}`}`);
    else formatZodIssues([issue], path, known).forEach(report);
  }
  return undefined;
}

/** Items MONAI caches: `min(cache_num, int(M * cache_rate), M)`. */
function cachedCount(a: { cache_num?: number; cache_rate: number }, items: number): number {
  return Math.min(a.cache_num ?? items, Math.floor(items * a.cache_rate + 1e-9), items);
}

/**
 * Reads a dataset and a dataloader block (either may be absent: MONAI's
 * defaults then) over a list of `items` entries; problems go to `report`,
 * one line each, and `undefined` comes back.
 */
export function readDataBlocks(dataset: DataBlock | undefined, loader: DataBlock | undefined, items: number, report: (p: string) => void): MonaiDataSettings | undefined {
  let ok = true;
  const bad = (p: string) => {
    report(p);
    ok = false;
  };
  const dsClass = dataset ? dataClassName(dataset.name, DATASET_CLASSES) : 'Dataset';
  if (dataset && !dsClass) bad(`${dataset.namePath}: unknown dataset "${dataset.name}" (voxelpipe reads ${DATASET_CLASSES.join(', ')})`);
  const dlClass = loader ? dataClassName(loader.name, DATALOADER_CLASSES) : 'DataLoader';
  if (loader && !dlClass) bad(`${loader.namePath}: unknown data loader "${loader.name}" (voxelpipe reads ${DATALOADER_CLASSES.join(', ')})`);
  if (!dsClass || !dlClass) return undefined;

  const dsPath = dataset?.argsPath ?? 'dataset';
  const dlPath = loader?.argsPath ?? 'dataloader';
  const ds = parseWith(DATASET_SCHEMAS[dsClass], dataset?.args ?? {}, dsPath, dsClass, bad) as Record<string, unknown> | undefined;
  const dl = parseWith(DATALOADER_SCHEMAS[dlClass], loader?.args ?? {}, dlPath, dlClass, bad, UNSUPPORTED_LOADER_ARGS) as
    | (z.output<(typeof DATALOADER_SCHEMAS)['ThreadDataLoader']> & { repeats?: number })
    | undefined;
  if (dl?.drop_last) bad(`${jsonPath(dlPath, 'drop_last')}: dropping the last short batch is not supported; voxelpipe serves it (set drop_last to false)`);
  if (dl?.repeats !== undefined && dl.repeats > 1) bad(`${jsonPath(dlPath, 'repeats')}: ThreadDataLoader repeats are not supported (each batch is served once); got ${showValue(dl.repeats)}`);
  if (!ok || !ds || !dl) return undefined;

  const warnings: string[] = [];
  const out: MonaiDataSettings = {
    dataset: dsClass,
    loader: dlClass,
    batchSize: dl.batch_size,
    shuffle: dl.shuffle,
    workers: dl.num_workers,
    // torch keeps prefetch_factor (default 2) batches per worker in flight.
    prefetch: (dl.prefetch_factor ?? 2) * dl.num_workers,
    ...(ds.cache_max_bytes !== undefined ? { cacheMaxBytes: ds.cache_max_bytes as number } : {}),
    ...(ds.max_memory !== undefined ? { maxMemory: ds.max_memory as number } : {}),
    warnings,
  };
  const a = ds as { cache_num?: number; cache_rate: number; replace_rate?: number; cache_dir?: string };
  if (dsClass === 'CacheDataset') {
    const n = cachedCount(a, items);
    // voxelpipe's Smart Cache serves an epoch from the cache alone: caching
    // fewer items than the list holds would leave the others out of every
    // epoch. Uncached, the batches are MONAI's and memory stays bounded.
    if (n >= items) out.cache = { size: items, replaceRate: 0 };
    else
      warnings.push(
        `${jsonPath(dsPath, a.cache_num !== undefined && a.cache_num < items ? 'cache_num' : 'cache_rate')}: CacheDataset would cache ${n} of ${items} items and load the others each time; voxelpipe's Smart Cache serves whole epochs from memory, so this section runs uncached (same batches). Set cache_rate 1.0 to cache every item, or use SmartCacheDataset for a window of ${n} items`,
      );
  } else if (dsClass === 'SmartCacheDataset') {
    out.cache = { size: Math.max(1, cachedCount(a, items)), replaceRate: a.replace_rate ?? 0.1 };
  } else if (dsClass === 'PersistentDataset') {
    out.cacheDir = a.cache_dir ?? DEFAULT_PERSISTENT_DIR;
  }
  return out;
}
