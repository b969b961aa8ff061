import { pathToFileURL } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';
import type { ArrayDType, VoxelArray } from '../volume/dtype.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { isChainImage, type Sample } from '../transforms/image.js';
import { isLazyImage, voxelBytes } from '../transforms/lazy/lazy-image.js';
import { LutCache } from '../transforms/lazy/materialise.js';
import type { TransformDefinition } from '../transforms/types.js';
import { createChainAsync, type ApplyOptions, type Chain, type ChainStats } from '../transforms/chain.js';
import { fgBgIndicesStep } from '../transforms/crop/fg-bg-indices.js';
import { PrefixStore } from '../cache/prefix-store.js';
import { ScratchArena } from './scratch-arena.js';
import { prefixKey } from '../cache/key.js';
import { allocOutput } from './layout.js';
import type { ChainEntry, ItemFields } from './options.js';
import { layoutUnit, type FieldRows, type OutputConfig, type UnitDest } from './unit-output.js';

export type { FieldRows, UnitDest } from './unit-output.js';

/**
 * Turns one datalist item into the rows it contributes to a batch: runs the
 * chain with the (seed, epoch, position, transform index) keys, checks the
 * result against the declared output, and lays every field out for the
 * network. The same code runs in worker threads and, with `workers: 0`, on
 * the calling thread, so both give the same bytes.
 */

/** The serialisable part of the options a worker needs. */
export interface ProcessorConfig extends OutputConfig {
  transforms: ChainEntry[];
  root?: string;
  seed: number;
  extraTransforms?: string;
  /** Persistent cache folder of prefix outputs (absent: none). */
  cacheDir?: string;
  /** How the persistent cache identifies source files: path + size + mtime, or content hash. */
  cacheIdentity?: 'stat' | 'content';
  /** Bound on the persistent cache's bytes on disk (least recently used items are evicted); absent: none. */
  cacheMaxBytesDisk?: number;
}

export interface SampleTask {
  epoch: number;
  position: number;
  itemIndex: number;
  item: ItemFields;
  /** Make only this part of the sample's crop batches (batches_to_gen_at_once). */
  part?: { index: number; count: number };
  /** Where its rows go: a batch slot in shared memory (absent: buffers of its own). */
  dest?: UnitDest;
}

/** What the pipeline asks a worker to do. */
export type WorkerTask =
  | ({ kind: 'sample' } & SampleTask)
  | ({ kind: 'tail'; cached: Sample } & SampleTask)
  | { kind: 'prefix'; item: ItemFields }
  /** Fill the persistent cache for an item; only the outcome comes back. */
  | { kind: 'warm'; item: ItemFields };

/** A deterministic prefix output, and how it was obtained. */
export interface PrefixResult {
  sample: Sample;
  /** Came from the persistent cache. */
  hit: boolean;
  /** Persistent-cache problems met (corrupt entry recomputed, write failed). */
  warnings: string[];
}

export interface SampleResult {
  position: number;
  itemIndex: number;
  part?: { index: number; count: number };
  /** Per field: the rows, written into the task's `dest` or in a buffer of their own. */
  fields: Record<string, FieldRows>;
  /** Bytes the worker held making this unit (volumes it loaded, scratch, own rows): the memory budget's estimate. */
  workBytes: number;
  /** Nanoseconds spent in each transform of the chain (named in `names`: inserted steps included). */
  timings: number[];
  names: string[];
  /** With a persistent cache: whether the prefix came from it. */
  cacheHit?: boolean;
  warnings?: string[];
}

export interface ProcessorOutput {
  result: SampleResult;
  transferList: ArrayBuffer[];
}

/** The chain of one pipeline, ready to run on items. */
export interface Processor {
  /** Transforms before the first random one: the deterministic, cacheable prefix. */
  readonly prefixLength: number;
  readonly names: readonly string[];
  /** Runs the whole chain on an item and lays the result out for the network. */
  sample(task: SampleTask): ProcessorOutput;
  /**
   * Runs only the deterministic prefix. With `shared`, voxel arrays are moved
   * into SharedArrayBuffers so every worker can read the cached item without a copy.
   */
  prefix(item: ItemFields, shared: boolean): PrefixResult;
  /** Fills the persistent cache for an item (needs `cacheDir`): computed and stored unless it is there. */
  warm(item: ItemFields): { hit: boolean; warnings: string[] };
  /** The persistent-cache key of an item's prefix output (undefined without a cache folder). */
  prefixKey(item: ItemFields): string | undefined;
  /** The recycled scratch memory: bytes held and buffers made so far (a steady state makes none). */
  arena(): { bytes: number; misses: number };
  /** Runs the chain from the prefix on, with the same keys as `sample` would use. */
  tail(task: SampleTask, cached: Sample): ProcessorOutput;
  /**
   * The chain's output for a task, before the network layout (previews,
   * profiling): the same keys as `sample`, so the same voxels.
   */
  chainOutput(task: SampleTask, options?: ApplyOptions): Sample;
}

/** Builds the chain once (custom modules are loaded asynchronously). */
export async function createProcessor(cfg: ProcessorConfig): Promise<Processor> {
  const registry = createDefaultRegistry();
  if (cfg.extraTransforms) {
    const mod = (await import(pathToFileURL(cfg.extraTransforms).href)) as { definitions?: TransformDefinition[] };
    for (const def of mod.definitions ?? []) registry.register(def);
  }
  const chain = withCacheableIndices(await createChainAsync(cfg.transforms, { registry, root: cfg.root, path: 'pre_transforms' }));
  const { boundary } = chain.split();
  const names = chain.transforms.map((t) => (t.alias ? `${t.name}#${t.alias}` : t.name));

  // Lookup tables of the value maps this worker applies (a fixed map's 64K table is built once).
  const luts = new LutCache(64);
  const finish = (sample: Sample, task: SampleTask, stats: ChainStats, cached: Sample | undefined): ProcessorOutput => {
    const { fields, transferList } = layoutUnit(cfg, sample, task.item, itemSource(task.item), luts, task.dest);
    const timings = stats.transforms.map((t) => t.totalNs);
    // What this worker held for the unit (the memory budget's estimate): its own volumes (not a
    // cache's, which lives elsewhere), its scratch arrays and the rows it made in buffers of its own.
    let own = 0;
    for (const b of transferList) own += b.byteLength;
    const workBytes = (cached ? 0 : voxelBytes(sample)) + scratch.bytes + own;
    const result: SampleResult = { position: task.position, itemIndex: task.itemIndex, fields, timings, names, workBytes, ...(task.part ? { part: task.part } : {}) };
    return { result, transferList };
  };
  const key = (task: SampleTask) => ({ seed: cfg.seed, epoch: task.epoch, index: task.position });
  const scratch = new ScratchArena();

  // The persistent cache keys a prefix output by its sources and the prefix's
  // transforms with their parsed args (defaults filled), so writing out a
  // default arg does not miss, and changing any prefix arg does.
  const pendingWarnings: string[] = [];
  const disk = cfg.cacheDir ? new PrefixStore({ dir: cfg.cacheDir, maxBytes: cfg.cacheMaxBytesDisk, onWarning: (w) => pendingWarnings.push(w) }) : undefined;
  const prefixEntries = chain.transforms.slice(0, boundary).map((t) => ({ name: t.name, args: t.args, ...(t.source ? { path: t.source } : {}) }));
  const memo = new Map<string, string>();
  const keyOf = (item: ItemFields) => prefixKey(item, prefixEntries, { identity: cfg.cacheIdentity, root: cfg.root, memo });

  /** The prefix computed from the item's files (stored when there is a persistent cache). */
  const computePrefix = (item: ItemFields, cacheKey: string | undefined, shared: boolean): Sample => {
    // The prefix is deterministic: it draws nothing, so any key will do. For
    // Smart Cache, outputs made through ctx.alloc land in shared memory at
    // once, and `toShared` then copies only the rest. Lazy images stay lazy:
    // caches hold the source-dtype volume and its value map.
    const out = withSource(item, () =>
      chain.applyRange({ ...item }, { seed: cfg.seed, epoch: 0, index: 0 }, 0, boundary, { keepLazy: true, luts, scratchBytes: scratch.bytesFor, ...(shared && !disk ? { alloc: sharedAlloc } : {}) }),
    );
    if (cacheKey) {
      try {
        disk!.put(cacheKey, out);
      } catch (e) {
        // A cache that cannot be written slows the next run down; it never fails this one.
        pendingWarnings.push(`persistent cache: ${(e as Error).message}`);
      }
    }
    return shared ? toShared(out) : out;
  };

  /**
   * An item's prefix output: from the persistent cache when it has the item
   * (`shared`: read whole into shared memory, for Smart Cache; else left on
   * disk, read box by box by the crops), computed (and stored) otherwise.
   */
  const prefixOf = (item: ItemFields, shared: boolean): PrefixResult => {
    pendingWarnings.length = 0;
    const cacheKey = disk ? keyOf(item) : undefined;
    const cached = cacheKey ? (shared ? disk!.load(cacheKey, true) : disk!.open(cacheKey)) : undefined;
    if (cached) return { sample: cached, hit: true, warnings: pendingWarnings.splice(0) };
    return { sample: computePrefix(item, cacheKey, shared), hit: false, warnings: pendingWarnings.splice(0) };
  };

  /** Fills the persistent cache for an item: nothing read when it is there. */
  const warm = (item: ItemFields): { hit: boolean; warnings: string[] } => {
    pendingWarnings.length = 0;
    const cacheKey = keyOf(item);
    if (disk!.has(cacheKey)) return { hit: true, warnings: [] };
    computePrefix(item, cacheKey, false);
    return { hit: false, warnings: pendingWarnings.splice(0) };
  };

  const tailOf = (task: SampleTask, cached: Sample, hit?: boolean, warnings?: string[]): ProcessorOutput => {
    const stats = chain.newStats();
    // The tail's outputs die with the sample; the cached prefix is only read.
    scratch.reset();
    const out = withSource(task.item, () => chain.applyRange(cached, key(task), boundary, chain.length, { stats, alloc: scratch.alloc, scratchBytes: scratch.bytesFor, keepLazy: true, luts, part: task.part }));
    const res = finish(out, task, stats, hit === undefined ? cached : undefined);
    if (hit !== undefined) res.result.cacheHit = hit;
    if (warnings?.length) res.result.warnings = warnings;
    return res;
  };

  return {
    prefixLength: boundary,
    names,
    sample(task) {
      if (disk) {
        const p = prefixOf(task.item, false);
        try {
          return tailOf(task, p.sample, p.hit, p.warnings);
        } catch (e) {
          // A stored item that went bad while its crops were read: reported once and removed by the
          // store; the prefix is computed again from the files (and stored again), and the sample made from it.
          if (!(e instanceof VoxelpipeError && e.code === 'ERR_CACHE_CORRUPT') || !p.hit) throw e;
          const again = computePrefix(task.item, keyOf(task.item), false);
          return tailOf(task, again, false, [...p.warnings, ...pendingWarnings.splice(0)]);
        }
      }
      const stats = chain.newStats();
      // Nothing of this sample outlives `finish` (it lays the fields out in new buffers): recycle.
      scratch.reset();
      const out = withSource(task.item, () => chain.apply({ ...task.item }, key(task), { stats, alloc: scratch.alloc, scratchBytes: scratch.bytesFor, keepLazy: true, luts, part: task.part }));
      return finish(out, task, stats, undefined);
    },
    prefix: prefixOf,
    warm,
    prefixKey: (item) => (disk ? keyOf(item) : undefined),
    arena: () => ({ bytes: scratch.bytes, misses: scratch.misses }),
    tail: (task, cached) => tailOf(task, cached),
    chainOutput(task, options) {
      return withSource(task.item, () => chain.apply({ ...task.item }, key(task), options));
    },
  };
}

/** Crops that sample centres from a precomputed foreground/background index. */
const FAST_CROPS = new Set(['FastCropByPosNegRatio', 'FastPosNegRatioCropROI']);

/**
 * When the first random transform is a Fast PosNeg crop, its once-per-volume
 * foreground/background index becomes the last step of the deterministic
 * prefix, so Smart Cache and the disk cache keep it and each crop costs only
 * its voxels (Clara's FastCropByPosNegRatio precomputes the same thing).
 */
function withCacheableIndices(chain: Chain): Chain {
  const { boundary } = chain.split();
  const first = chain.transforms[boundary];
  if (first?.prefixStep) return chain.withStep(boundary, first.prefixStep, `(index for ${first.name})`);
  if (!first || !FAST_CROPS.has(first.name) || first.args.fast_crop === false) return chain;
  const labelField = typeof first.args.label_field === 'string' ? first.args.label_field : 'label';
  return chain.withStep(boundary, fgBgIndicesStep(labelField), `(fg/bg index for ${first.name})`);
}

/** Runs `fn`, prefixing an error's one-line message with the item's file, so every failure names its sample. */
function withSource(item: ItemFields, fn: () => Sample): Sample {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VoxelpipeError) throw new VoxelpipeError(e.code, `${itemSource(item)}: ${e.message}`, { cause: e, context: e.context });
    throw e;
  }
}

/** A new zeroed array on a SharedArrayBuffer. */
function sharedAlloc(dtype: ArrayDType, length: number): VoxelArray {
  return allocOutput(dtype, length, true);
}

/** A copy of `s` whose voxel arrays (lazy images' sources included) live in SharedArrayBuffers (other values are kept). */
export function toShared(s: Sample): Sample {
  const out: Sample = { ...s };
  const share = (data: VoxelArray): VoxelArray => {
    if (data.buffer instanceof SharedArrayBuffer) return data;
    const Ctor = data.constructor as new (b: SharedArrayBuffer, o: number, n: number) => VoxelArray;
    const copy = new Ctor(new SharedArrayBuffer(data.byteLength), 0, data.length);
    copy.set(data as never);
    return copy;
  };
  for (const [k, v] of Object.entries(s)) {
    if (isChainImage(v)) out[k] = { ...v, data: share(v.data) };
    else if (isLazyImage(v)) out[k] = { ...v, source: { ...v.source, data: share(v.source.data) } };
  }
  return out;
}

/** The item's image file(s), for messages. */
export function itemSource(item: ItemFields): string {
  const img = item.image;
  if (typeof img === 'string') return img;
  if (Array.isArray(img)) return img.join(', ');
  return JSON.stringify(item).slice(0, 80);
}
