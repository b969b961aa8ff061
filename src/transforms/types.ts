import type { z } from 'zod';
import type { Rng } from '../util/rng.js';
import type { ArrayDType, VoxelArray } from '../volume/dtype.js';
import type { Sample } from './image.js';
import type { LutCache } from './lazy/materialise.js';

/**
 * What a transform's `apply` receives besides the sample. All randomness
 * comes from `rng`; nothing else is random and nothing is global.
 */
export interface TransformContext {
  /** The stream keyed by (seed, epoch, sample index, position of this transform in the chain). */
  rng: Rng;
  /** Records the random draws of this application (provenance: "flip axis 1", "crop at [..]"). */
  record(draws: Record<string, unknown>): void;
  /** Folder that relative paths in args (e.g. SaveAsNifti's out_dir) resolve against. */
  root?: string;
  /**
   * The runner's allocator for a volume-sized output, when it has a better
   * one than a fresh array: recycled scratch memory where the sample's
   * intermediates die with it (the uncached path), SharedArrayBuffer memory
   * where a cache keeps the output (so workers share it without a copy).
   * Contents may be stale: the transform must write every element. Absent:
   * allocate as usual.
   */
  alloc?(dtype: ArrayDType, length: number): VoxelArray;
  /**
   * Recycled bytes for data that dies inside the transform's own call (a
   * compressed file before it is inflated): the worker's scratch, even where
   * `alloc` gives shared memory. Absent: allocate as usual.
   */
  scratchBytes?(length: number): Uint8Array;
  /** The runner's lookup tables of value maps (lazy-aware transforms that materialise pass it on). */
  luts?: LutCache;
  /**
   * When set, the sample is made in `count` parts and this call makes part
   * `index`: a crop that emits `count` batches of crops at once (Clara's
   * batches_to_gen_at_once) draws all of them as usual and emits only batch
   * `index`, so the parts together equal one whole call. Other transforms
   * ignore it (the pipeline splits only chains whose tail allows it).
   */
  part?: { index: number; count: number };
}

/** A constructed transform, ready to run. */
export interface Transform {
  /** Clara name, e.g. "ScaleIntensityRange". */
  readonly name: string;
  /** The alias of `name#alias` entries, if any. */
  readonly alias?: string;
  /** The module file of a custom transform (`{ "path": ... }` entries); absent for catalogue transforms. */
  readonly source?: string;
  /** Parsed args with defaults filled in (what provenance and cache keys use). */
  readonly args: Readonly<Record<string, unknown>>;
  /** True when output depends on `ctx.rng`; the cacheable prefix ends at the first random transform. */
  readonly isRandom: boolean;
  /** Fields the transform reads or writes. */
  readonly fields: readonly string[];
  /**
   * Accepts lazy images (transforms/lazy: a source volume with value maps and
   * a crop view still to apply) and returns lazy or made ones. The chain
   * runner materialises every lazy field before a transform without it.
   */
  readonly lazy?: boolean;
  /** Returns the transformed sample (a new record; input images are never modified in place), its images made. */
  apply(sample: Sample, ctx: TransformContext): Sample;
  /** The transform's own apply: its output may hold lazy images (what the chain runner calls; `lazy` says whether its input may). */
  readonly applyLazy?: (sample: Sample, ctx: TransformContext) => Sample;
  /**
   * A deterministic once-per-volume step of this (random) transform that the
   * runner may run at the end of the cacheable prefix when this transform
   * starts the random tail (a crop's candidate index), so caches keep it.
   */
  readonly prefixStep?: Transform;
}

/** The part of a transform its definition builds from parsed args. */
export interface TransformImpl {
  fields: readonly string[];
  /** See `Transform.prefixStep`. */
  prefixStep?: Transform;
  /** Overrides the definition's `isRandom` when randomness depends on args (e.g. probability 0). */
  isRandom?: boolean;
  /** Accepts lazy images (see Transform.lazy). */
  lazy?: boolean;
  apply(sample: Sample, ctx: TransformContext): Sample;
}

/** A catalogue entry: one per file, registered by name. */
export interface TransformDefinition<S extends z.ZodType = z.ZodType> {
  /** Clara 3.x name. */
  readonly name: string;
  /** Folder under src/transforms it lives in (load, layout, spatial, intensity, crop, ...). */
  readonly family: string;
  /** One line for the README table. */
  readonly summary: string;
  /** Closest MONAI equivalent, for the README table. */
  readonly monai?: string;
  /**
   * Other spellings the registry accepts for this name (MONAI's `ToTensorD`,
   * `ToTensorDict` beside `ToTensord`); a transform built from one reports
   * the canonical `name`.
   */
  readonly aliases?: readonly string[];
  /** Which vocabulary the name comes from (the README has one table per vocabulary; default 'clara'). */
  readonly vocabulary?: 'clara' | 'monai';
  /** Args schema: defaults, types and ranges live here (a strict object: unknown keys are errors). */
  readonly args: S;
  /** Whether the transform draws from the rng (per-instance override via `TransformImpl.isRandom`). */
  readonly isRandom: boolean;
  /** Example args, used by docs and the transform benchmark. */
  readonly example?: Record<string, unknown>;
  create(args: z.output<S>): TransformImpl;
}

/** Helper that keeps the args type of a definition inferred from its schema. */
export function defineTransform<S extends z.ZodType>(def: TransformDefinition<S>): TransformDefinition<S> {
  return def;
}
