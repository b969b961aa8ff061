import { pathToFileURL } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';
import { type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { batchCount, channelCount, isChainImage, spatialShape, type ChainImage, type Sample } from '../transforms/image.js';
import type { TransformDefinition } from '../transforms/types.js';
import { createChainAsync, type ApplyOptions, type Chain, type ChainStats } from '../transforms/chain.js';
import { fgBgIndicesStep } from '../transforms/crop/fg-bg-indices.js';
import { DiskCache } from '../cache/disk-cache.js';
import { ScratchArena } from './scratch-arena.js';
import { prefixKey } from '../cache/key.js';
import type { DataFormat } from './batch.js';
import { allocOutput, networkShape, writeNetworkLayout } from './layout.js';
import type { ChainEntry, ItemFields, LabelEncoding } from './options.js';
import { encodeClassLabel } from './class-label.js';

/**
 * Turns one datalist item into the rows it contributes to a batch: runs the
 * chain with the (seed, epoch, position, transform index) keys, checks the
 * result against the declared output, and lays every field out for the
 * network. The same code runs in worker threads and, with `workers: 0`, on
 * the calling thread, so both give the same bytes.
 */

/** The serialisable part of the options a worker needs. */
export interface ProcessorConfig {
  transforms: ChainEntry[];
  root?: string;
  seed: number;
  fields: string[];
  labelField: string;
  task: 'segmentation' | 'classification';
  cropSize?: number[];
  dataFormat: DataFormat;
  imageChannels?: number;
  labelChannels?: number;
  imageDtype: ArrayDType;
  labelDtype: ArrayDType;
  labelEncoding?: LabelEncoding;
  extraTransforms?: string;
  /** Persistent cache folder of prefix outputs (absent: none). */
  cacheDir?: string;
  /** How the persistent cache identifies source files: path + size + mtime, or content hash. */
  cacheIdentity?: 'stat' | 'content';
}

export interface SampleTask {
  epoch: number;
  position: number;
  itemIndex: number;
  item: ItemFields;
}

/** What the pipeline asks a worker to do. */
export type WorkerTask =
  | ({ kind: 'sample' } & SampleTask)
  | ({ kind: 'tail'; cached: Sample } & SampleTask)
  | { kind: 'prefix'; item: ItemFields }
  /** Fill the persistent cache for an item; only the outcome comes back. */
  | { kind: 'warm'; item: ItemFields };

export interface FieldRows {
  buffer: ArrayBuffer;
  dtype: ArrayDType;
  /** Shape of one row (without the batch axis). */
  rowShape: number[];
  /** Rows this sample contributes (its crop count; 1 when not batched). */
  rows: number;
  /** The sample carried a crop-batch axis. */
  batched: boolean;
}

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
  fields: Record<string, FieldRows>;
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
  /** The persistent-cache key of an item's prefix output (undefined without a cache folder). */
  prefixKey(item: ItemFields): string | undefined;
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

  const finish = (sample: Sample, task: SampleTask, stats: ChainStats): ProcessorOutput => {
    const fields: Record<string, FieldRows> = {};
    const transferList: ArrayBuffer[] = [];
    for (const name of cfg.fields) {
      const rows = layoutField(cfg, name, sample[name], task.item);
      fields[name] = rows;
      transferList.push(rows.buffer);
    }
    const timings = stats.transforms.map((t) => t.totalNs);
    return { result: { position: task.position, itemIndex: task.itemIndex, fields, timings, names }, transferList };
  };
  const key = (task: SampleTask) => ({ seed: cfg.seed, epoch: task.epoch, index: task.position });
  const scratch = new ScratchArena();

  // The persistent cache keys a prefix output by its sources and the prefix's
  // transforms with their parsed args (defaults filled), so writing out a
  // default arg does not miss, and changing any prefix arg does.
  const pendingWarnings: string[] = [];
  const disk = cfg.cacheDir ? new DiskCache({ dir: cfg.cacheDir, onWarning: (w) => pendingWarnings.push(w) }) : undefined;
  const prefixEntries = chain.transforms.slice(0, boundary).map((t) => ({ name: t.name, args: t.args, ...(t.source ? { path: t.source } : {}) }));
  const memo = new Map<string, string>();
  const keyOf = (item: ItemFields) => prefixKey(item, prefixEntries, { identity: cfg.cacheIdentity, root: cfg.root, memo });

  const prefixOf = (item: ItemFields, shared: boolean): PrefixResult => {
    pendingWarnings.length = 0;
    const cacheKey = disk ? keyOf(item) : undefined;
    const cached = cacheKey ? disk!.get(cacheKey, { shared }) : undefined;
    if (cached) return { sample: cached, hit: true, warnings: pendingWarnings.splice(0) };
    // The prefix is deterministic: it draws nothing, so any key will do. For
    // Smart Cache, outputs made through ctx.alloc land in shared memory at
    // once, and `toShared` below copies only the rest (e.g. loaded labels).
    const out = withSource(item, () =>
      chain.applyRange({ ...item }, { seed: cfg.seed, epoch: 0, index: 0 }, 0, boundary, shared && !disk ? { alloc: sharedAlloc } : {}),
    );
    if (cacheKey) {
      try {
        disk!.put(cacheKey, out);
      } catch (e) {
        // A cache that cannot be written slows the next run down; it never fails this one.
        pendingWarnings.push(`persistent cache: ${(e as Error).message}`);
      }
    }
    return { sample: shared ? toShared(out) : out, hit: false, warnings: pendingWarnings.splice(0) };
  };

  const tailOf = (task: SampleTask, cached: Sample, hit?: boolean, warnings?: string[]): ProcessorOutput => {
    const stats = chain.newStats();
    // The tail's outputs die with the sample; the cached prefix is only read.
    scratch.reset();
    const out = withSource(task.item, () => chain.applyRange(cached, key(task), boundary, chain.length, { stats, alloc: scratch.alloc }));
    const res = finish(out, task, stats);
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
        return tailOf(task, p.sample, p.hit, p.warnings);
      }
      const stats = chain.newStats();
      // Nothing of this sample outlives `finish` (it lays the fields out in new buffers): recycle.
      scratch.reset();
      const out = withSource(task.item, () => chain.apply({ ...task.item }, key(task), { stats, alloc: scratch.alloc }));
      return finish(out, task, stats);
    },
    prefix: prefixOf,
    prefixKey: (item) => (disk ? keyOf(item) : undefined),
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

/** A copy of `s` whose voxel arrays live in SharedArrayBuffers (other values are kept). */
export function toShared(s: Sample): Sample {
  const out: Sample = { ...s };
  for (const [k, v] of Object.entries(s)) {
    if (!isChainImage(v) || v.data.buffer instanceof SharedArrayBuffer) continue;
    const Ctor = v.data.constructor as new (b: SharedArrayBuffer, o: number, n: number) => VoxelArray;
    const data = new Ctor(new SharedArrayBuffer(v.data.byteLength), 0, v.data.length);
    data.set(v.data as never);
    out[k] = { ...v, data };
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

function layoutField(cfg: ProcessorConfig, name: string, value: unknown, item: ItemFields): FieldRows {
  const isLabel = name === cfg.labelField;
  if (isChainImage(value)) return layoutImage(cfg, name, value, item, isLabel);
  if (value === undefined)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${itemSource(item)}: the chain produced no field "${name}" (fields: ${Object.keys(item).join(', ')})`);
  if (isLabel && cfg.task === 'classification') return encodeClassLabel(cfg.labelEncoding, value, cfg.labelDtype, itemSource(item));
  // Plain numbers (weights, extra inputs) become one float per row.
  const values = typeof value === 'number' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
  if (!values)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${itemSource(item)}: field "${name}" holds ${typeof value}, expected an image or numbers`);
  const out = new Float32Array(values);
  return { buffer: out.buffer, dtype: 'float32', rowShape: typeof value === 'number' ? [] : [values.length], rows: 1, batched: false };
}

function layoutImage(cfg: ProcessorConfig, name: string, img: ChainImage, item: ItemFields, isLabel: boolean): FieldRows {
  const spatial = spatialShape(img);
  const crop = cfg.cropSize;
  if (crop && (crop.length !== spatial.length || crop.some((c, d) => c !== -1 && c !== spatial[d])))
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `${itemSource(item)}: field "${name}" has spatial shape [${spatial}] after the chain, output_crop_size is [${crop}]`,
    );
  const wantChannels = isLabel ? cfg.labelChannels : name === 'image' ? cfg.imageChannels : undefined;
  if (wantChannels !== undefined && channelCount(img) !== wantChannels)
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `${itemSource(item)}: field "${name}" has ${channelCount(img)} channels, output_${isLabel ? 'label' : 'image'}_channels is ${wantChannels}`,
    );
  const dtype = isLabel ? cfg.labelDtype : cfg.imageDtype;
  const shape = networkShape(img, cfg.dataFormat);
  const rows = batchCount(img);
  const out = allocOutput(dtype, img.data.length);
  writeNetworkLayout(img, cfg.dataFormat, out, 0);
  return { buffer: out.buffer as ArrayBuffer, dtype, rowShape: img.batched ? shape.slice(1) : shape, rows, batched: img.batched };
}
