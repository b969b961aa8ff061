import type { ArrayDType } from '../volume/dtype.js';
import type { DataFormat } from './batch.js';

import type { ChainEntry } from '../transforms/chain.js';

export type { ChainEntry };

/** The fields of one datalist item: field -> file path(s) or value (class label, weight, ...). */
export type ItemFields = Record<string, unknown>;

/**
 * Classification label encoding (Clara's output_label_format):
 * - `{ kind: 'index' }`: the class index as a float, batch shape [B];
 * - `{ kind: 'onehot', classes: K }`: index -> one-hot, shape [B, K];
 * - `{ kind: 'multilabel', classes: K }`: a 0/1 vector of K, shape [B, K].
 */
export type LabelEncoding = { kind: 'index' } | { kind: 'onehot'; classes: number } | { kind: 'multilabel'; classes: number };

/** Everything the engine needs, fully resolved (no placeholders, absolute paths). */
export interface PipelineOptions {
  items: ItemFields[];
  transforms: ChainEntry[];
  batchTransforms?: ChainEntry[];
  /** Folder custom transform modules and relative args resolve against (the MMAR root). */
  root?: string;
  task?: 'segmentation' | 'classification';
  /** output_crop_size: the spatial shape every sample must have; -1 = any. */
  cropSize?: number[];
  dataFormat?: DataFormat;
  /** Channels the image (and label, for segmentation) must have; undefined = any. */
  imageChannels?: number;
  labelChannels?: number;
  imageDtype?: ArrayDType;
  labelDtype?: ArrayDType;
  /** Classification: how `label` values are encoded. */
  labelEncoding?: LabelEncoding;
  /** Fields emitted in batches (default: image and label). */
  fields?: string[];
  /** Field holding class labels (classification). */
  labelField?: string;
  /** Samples per batch (output_batch_size). */
  batchSize?: number;
  /** A batching crop already made the batch: each sample's crops are one batch. */
  batchedByTransforms?: boolean;
  /**
   * Worker threads; 0 runs the chain on the calling thread. More than the
   * machine's cores are capped to the cores (output never depends on the
   * count) unless `exactWorkers`.
   */
  workers?: number;
  /** Start exactly `workers` threads, even more than the cores (--workers N, VOXELPIPE_WORKERS). */
  exactWorkers?: boolean;
  /**
   * Memory budget in bytes (image_pipeline.args.max_memory, which also takes
   * "8GB" / "512MiB"; --max-memory):
   * what is in flight and ready (batch slots, caches, workers' volumes) is
   * kept under it; a unit that alone cannot fit is refused in one line.
   * Default: half of the machine's memory.
   */
  maxMemory?: number;
  /** Hand out batches with arrays of their own (consumers that keep batches) instead of views of shared slots. */
  copyBatches?: boolean;
  /**
   * Make a batches_to_gen_at_once crop's batches as separate units over one
   * prefix output (default true where the chain after the crop allows it);
   * false makes all of a volume's crops in one unit, split afterwards (the
   * first wave's way: same bytes, more memory). For comparisons and tests.
   */
  cropBatchParts?: boolean;
  /** Ready batches buffered ahead of the consumer. */
  prefetch?: number;
  seed?: number;
  shuffle?: boolean;
  repeat?: boolean;
  duplicateCount?: number;
  /** Skip samples whose chain fails (counted and warned) instead of failing the epoch. */
  skipBadSamples?: boolean;
  /** A sample taking longer than this kills its worker and is retried once (0: no limit). */
  sampleTimeoutMs?: number;
  /** Module exporting `definitions: TransformDefinition[]` to add to the registry (plugins, tests). */
  extraTransforms?: string;
  /** Clara `sampling`: "element" (draws by item `weight`) or "automatic" (balanced classes). */
  sampling?: 'element' | 'automatic';
  itemsPerCategory?: number | readonly number[] | Readonly<Record<string, number>>;
  categoryWeights?: readonly number[] | Readonly<Record<string, number>>;
  /** Item field giving an item's category for balanced sampling (default: the label field). */
  categoryField?: string;
  /** This process's shard: rank in [0, worldSize). Default: from MPI / torchrun environment variables. */
  rank?: number;
  worldSize?: number;
  /**
   * Persistent cache folder (Clara-style arg `cache_dir`, CLI `--cache-dir`):
   * each item's deterministic prefix output is stored there and reused by
   * later runs while its sources and the prefix's transforms and args match.
   */
  cacheDir?: string;
  /** How the persistent cache identifies sources: 'stat' (path, size, mtime; default) or 'content' (hash). */
  cacheIdentity?: 'stat' | 'content';
  /** Bound on the persistent cache's bytes on disk (cache_max_disk, --cache-max-bytes-disk): least recently used items are evicted. */
  cacheMaxBytesDisk?: number;
  /** Smart Cache (the `...WithCache` pipelines); absent: no in-memory cache. */
  cache?: SmartCacheSettings;
}

export interface SmartCacheSettings {
  /** num_cache_objects (N). */
  numCacheObjects: number;
  /** replace_percent (r): R = ceil(N * r) items replaced after each epoch. */
  replacePercent: number;
  /** cache_max_bytes: refuse to cache more voxel bytes than this. */
  maxBytes?: number;
}
