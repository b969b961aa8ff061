import { existsSync, statSync } from 'node:fs';
import { monaiDType } from '../transforms/monai-dict.js';
import type { ArrayDType } from '../volume/dtype.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import type { TransformChecker, TransformSpec } from './components.js';
import { readJsonFile } from './json.js';
import type { DatalistSource, ImagePipelineSpec, PipelineSpec, Section } from './load-config.js';
import type { DataLoaderClass, DatasetClass, MonaiDataSettings } from './monai-loader.js';
import type { PipelineArgs } from './pipeline.js';
import type { Json } from './variables.js';

/**
 * A Clara 4 or bundle section as the engine takes it: the same
 * `PipelineSpec` a Clara 3 section gives, with the image pipeline
 * synthesised from MONAI's dataset and dataloader, the batch fields read
 * off the chain (what LoadImaged loads, CopyItemsd adds, DeleteItemsd
 * removes), and `MergeBatchDims` added because MONAI's `list_data_collate`
 * flattens the crops of `num_samples` crops into the batch: B items x
 * num_samples crops per batch.
 */

/** What a MONAI-style section adds to its image pipeline spec. */
export interface MonaiSectionInfo {
  /** `clara4` (a Clara Train 4 MMAR config) or `bundle` (a MONAI bundle's train.json). */
  source: 'clara4' | 'bundle';
  dataset: DatasetClass;
  loader: DataLoaderClass;
  /** Fields the batches carry, in order. */
  fields: string[];
  /** Keys the chain's loaders read: files every item must have. */
  loaderKeys: string[];
  /** JSON path of the data loader (messages, describe). */
  jsonPath: string;
}

/** The entries of a datalist, counted (and the first one peeked at) before the pipeline reads them. */
export interface ListPeek {
  count: number;
  first?: Record<string, Json>;
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Counts the entries the section will read; a missing file or list is
 * reported (naming `path`) and gives undefined. Problems inside entries are
 * the datalist reader's to report.
 */
export function peekList(source: DatalistSource, path: string, report: (p: string) => void): ListPeek | undefined {
  let json: unknown;
  if (source.items !== undefined) json = { [source.key]: source.items };
  else {
    if (!existsSync(source.file)) {
      report(`${path}: no such file ${source.file}`);
      return undefined;
    }
    if (statSync(source.file).isDirectory()) {
      report(`${path}: ${source.file} is a directory, expected a datalist JSON file`);
      return undefined;
    }
    json = readJsonFile(source.file);
  }
  const list = isObject(json) ? json[source.key] : undefined;
  if (!Array.isArray(list)) {
    const lists = isObject(json) ? Object.keys(json).filter((k) => Array.isArray(json[k])) : [];
    report(
      source.items !== undefined
        ? `${path}: expected a list of items like {"image": "...", "label": "..."}, got ${showValue(source.items)}`
        : `${path}: ${source.file} has no list "${source.key}"${didYouMean(source.key, lists) || (lists.length ? ` (it has ${lists.join(', ')})` : '')}`,
    );
    return undefined;
  }
  if (list.length === 0) {
    report(`${path}: the list "${source.key}" of ${source.file} is empty`);
    return undefined;
  }
  return { count: list.length, ...(isObject(list[0]) ? { first: list[0] } : {}) };
}

/** `ToTensorD` / `ToTensorDict` -> `ToTensord` (MONAI's other spellings of a dictionary transform). */
const canonical = (name: string) => name.replace(/(Dict|D)$/, 'd');
const keysOf = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : []);

/** The chain's data flow, as far as the batch layout needs it. */
interface ChainFacts {
  loaderKeys: string[];
  /** Keys present after the chain (loaded, copied, not deleted), in order. */
  fields: string[];
  /** The last cast of each key (CastToTyped, EnsureTyped / ToTensord with a dtype). */
  dtypes: Map<string, ArrayDType>;
  /** Spatial dimensions, from the first spatial size the chain names (3 when none does). */
  dims: 2 | 3;
}

const SPATIAL_ARGS = ['spatial_size', 'roi_size', 'pixdim'];

function chainFacts(chain: readonly TransformSpec[]): ChainFacts {
  const loaderKeys: string[] = [];
  const fields: string[] = [];
  const dtypes = new Map<string, ArrayDType>();
  let dims: 2 | 3 | undefined;
  const add = (k: string) => {
    if (!fields.includes(k)) fields.push(k);
  };
  for (const t of chain) {
    const name = canonical(t.name);
    const a = t.args;
    if (/^Load[A-Z]/.test(t.name)) {
      for (const k of keysOf(a.keys ?? a.fields)) {
        if (!loaderKeys.includes(k)) loaderKeys.push(k);
        add(k);
      }
    } else if (name === 'CopyItemsd') keysOf(a.names).forEach(add);
    else if (name === 'DeleteItemsd')
      for (const k of keysOf(a.keys)) {
        const i = fields.indexOf(k);
        if (i >= 0) fields.splice(i, 1);
      }
    if ((name === 'CastToTyped' || name === 'EnsureTyped' || name === 'ToTensord') && a.dtype !== undefined && a.dtype !== null) {
      const keys = keysOf(a.keys);
      const per = Array.isArray(a.dtype) ? a.dtype : keys.map(() => a.dtype);
      keys.forEach((k, i) => {
        const d = typeof per[i] === 'string' ? monaiDType(per[i] as string) : undefined;
        if (d) dtypes.set(k, d);
      });
    }
    for (const arg of SPATIAL_ARGS)
      if (dims === undefined && Array.isArray(a[arg]) && ((a[arg] as unknown[]).length === 2 || (a[arg] as unknown[]).length === 3)) dims = (a[arg] as unknown[]).length as 2 | 3;
  }
  return { loaderKeys, fields, dtypes, dims: dims ?? 3 };
}

export interface MonaiSectionInput {
  section: Section;
  source: MonaiSectionInfo['source'];
  datalist: DatalistSource;
  list: ListPeek;
  settings: MonaiDataSettings;
  preTransforms: TransformSpec[];
  /** JSON paths of the dataset and the data loader. */
  datasetPath: string;
  loaderPath: string;
  checker?: TransformChecker;
}

/** The section's PipelineSpec (image pipeline synthesised, MergeBatchDims added for list_data_collate). */
export function monaiPipelineSpec(m: MonaiSectionInput): PipelineSpec {
  const facts = chainFacts(m.preTransforms);
  const loaded = facts.loaderKeys.length > 0;
  const labelLoaded = facts.loaderKeys.includes('label');
  // No loader reads "label" but items carry one: a class label (MONAI collates it into a [B] tensor).
  const first = m.list.first?.label;
  const classLabel = !labelLoaded && (typeof first === 'number' || (Array.isArray(first) && first.length > 0 && first.every((x) => typeof x === 'number')));
  const fields = loaded ? [...facts.fields] : ['image', 'label'];
  if (classLabel && !fields.includes('label')) fields.push('label');
  const task = classLabel ? 'classification' : 'segmentation';
  const s = m.settings;
  const withCache = s.cache !== undefined;
  const args: PipelineArgs = {
    data_list_file_path: m.datalist.file,
    data_file_base_dir: m.datalist.baseDir,
    data_list_key: m.datalist.key,
    // MONAI batches whatever shape the chain gives: any size (the engine checks nothing, see MonaiSectionInfo).
    output_crop_size: Array<number>(facts.dims).fill(-1),
    output_data_format: 'channels_first',
    output_data_dims: facts.dims,
    // LoadImaged's default dtype is float32, and so is every batch unless the chain casts.
    output_image_dtype: facts.dtypes.get('image') ?? 'float32',
    // MONAI collates integer class labels into an int64 tensor: int32 is voxelpipe's widest integer (labels fit).
    output_label_dtype: facts.dtypes.get('label') ?? (classLabel ? 'int32' : 'float32'),
    output_label_format: null,
    output_batch_size: s.batchSize,
    batched_by_transforms: false,
    num_workers: s.workers,
    prefetch_size: s.prefetch,
    shuffle: s.shuffle,
    // A DataLoader is one pass: `batches()` gives one epoch, as iterating it does.
    repeat: false,
    duplicate_count: 1,
    extra_inputs: null,
    items_per_category: null,
    category_weights: null,
    multiprocessing: false,
    sampling: null,
    ...(s.cacheDir !== undefined ? { cache_dir: s.cacheDir } : {}),
    ...(s.cacheMaxBytes !== undefined ? { cache_max_bytes: s.cacheMaxBytes } : {}),
    ...(s.maxMemory !== undefined ? { max_memory: s.maxMemory } : {}),
    ...(s.cache ? { num_cache_objects: s.cache.size, replace_percent: s.cache.replaceRate, caches_data: true } : {}),
  };
  const base = task === 'classification' ? 'ClassificationImagePipeline' : 'SegmentationImagePipeline';
  const imagePipeline: ImagePipelineSpec = {
    name: withCache ? (`${base}WithCache` as const) : base,
    task,
    keras: false,
    withCache,
    args,
    jsonPath: m.datasetPath,
    monai: { source: m.source, dataset: s.dataset, loader: s.loader, fields, loaderKeys: facts.loaderKeys, jsonPath: m.loaderPath },
  };
  const imageFields = fields.filter((f) => !(classLabel && f === 'label'));
  const merge: TransformSpec = {
    name: 'MergeBatchDims',
    args: { fields: imageFields },
    jsonPath: `${jsonPath(m.loaderPath)} (list_data_collate)`,
    known: m.checker?.has('MergeBatchDims') ? 'registry' : 'clara',
  };
  return { section: m.section, datalist: m.datalist, imagePipeline, preTransforms: m.preTransforms, batchTransforms: [merge] };
}
