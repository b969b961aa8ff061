import { dirname, isAbsolute, resolve } from 'node:path';
import { readJsonFile } from '../config/json.js';
import type { DatalistSource, PipelineSpec, Task } from '../config/index.js';
import type { Json } from '../config/variables.js';
import { VoxelpipeError, clipText } from '../util/errors.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';

/**
 * MSD-style datalists (CLARA-3.1.md §3.1): `{ "training": [ {"image": ...,
 * "label": ...}, ... ], "validation": [...] }`. Relative paths join to the
 * base dir; every other key of an item is kept as a field.
 */

/** One datalist entry. */
export interface Item {
  /** 0-based position in its list (stable: sampling and provenance use it). */
  readonly index: number;
  /** Every key of the entry: file fields hold absolute path(s), the others their JSON value (class labels, `weight`, ...). */
  readonly fields: Readonly<Record<string, Json>>;
  /** Names of the fields that hold files (`image`, `label` when it is a path, loader fields). */
  readonly fileFields: readonly string[];
}

export interface DatalistOptions extends Partial<Pick<DatalistSource, 'baseDir' | 'jsonPath'>> {
  /** The datalist JSON file. */
  file: string;
  /** The list to read (`training`, `validation`, or any key). */
  key: string;
  /**
   * Fields that hold file paths besides `image` and `label`, and that every
   * item must have (the fields the chain's loaders read). Default: none.
   */
  required?: readonly string[];
  /** Checks labels against the task: segmentation labels are files, classification labels are values. */
  task?: Task;
  /** Whether every item must have `image` (default true; MONAI sections require exactly their loaders' keys). */
  requireImage?: boolean;
  /** A list written in the config itself (a bundle's `data`), read instead of the file's. */
  items?: Json[];
}

/** A problem with one entry (or the whole list when `index` is undefined). */
export interface DatalistProblem {
  index?: number;
  field?: string;
  /** One line: `<file>: <key>[3].image: expected ...`. */
  message: string;
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isPathList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '');

/**
 * The fields a pipeline's loaders read (`LoadNifti` / `LoadPng` / `LoadJpg`
 * `fields`, `LoadImaged` `keys`): each item must have them and they are files.
 */
export function loaderFields(spec: PipelineSpec): string[] {
  const out = new Set<string>();
  for (const t of spec.preTransforms) {
    if (!/^Load[A-Z]/.test(t.name)) continue;
    const f = t.args.fields ?? t.args.keys;
    for (const name of typeof f === 'string' ? [f] : Array.isArray(f) ? f : []) if (typeof name === 'string') out.add(name);
  }
  return [...out];
}

/** Datalist options for one section of a config. */
export function datalistOptionsFor(spec: PipelineSpec): DatalistOptions {
  return { ...spec.datalist, required: loaderFields(spec), task: spec.imagePipeline.task, ...(spec.imagePipeline.monai ? { requireImage: false } : {}) };
}

/** The datalist JSON of `options`: the file's, or `{ [key]: items }` for a list written in the config. */
export function readDatalistJson(options: DatalistOptions): unknown {
  return options.items !== undefined ? { [options.key]: options.items } : readJsonFile(options.file);
}

/** Parses a datalist already read as JSON: the valid items and every problem found. */
export function parseDatalist(json: unknown, options: DatalistOptions): { items: Item[]; problems: DatalistProblem[] } {
  const file = options.file;
  const baseDir = options.baseDir ?? dirname(file);
  const problems: DatalistProblem[] = [];
  if (!isObject(json)) {
    problems.push({ message: `${file}: expected an object with lists such as "training" and "validation", got ${showValue(json)}` });
    return { items: [], problems };
  }
  const list = json[options.key];
  if (!Array.isArray(list)) {
    const lists = Object.keys(json).filter((k) => Array.isArray(json[k]));
    const where = options.jsonPath ? `${jsonPath(options.jsonPath, 'data_list_key')}: ` : '';
    const what =
      list === undefined
        ? `${file} has no list "${clipText(options.key)}"${didYouMean(options.key, lists) || (lists.length ? ` (it has ${lists.join(', ')})` : '')}`
        : `${file}: "${clipText(options.key)}" is ${showValue(list)}, expected a list of items`;
    problems.push({ message: where + what });
    return { items: [], problems };
  }
  if (list.length === 0) problems.push({ message: `${file}: ${jsonPath('', options.key)} is empty` });

  const required = new Set([...(options.requireImage === false ? [] : ['image']), ...(options.required ?? [])]);
  const join = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const items: Item[] = [];
  list.forEach((raw, index) => {
    const at = jsonPath(options.key, index);
    const bad = (field: string | undefined, what: string) =>
      problems.push({ index, ...(field ? { field } : {}), message: `${file}: ${field ? jsonPath(at, field) : at}: ${what}` });
    // MSD "test" lists are plain paths.
    const entry: Record<string, Json> | undefined = typeof raw === 'string' ? { image: raw } : isObject(raw) ? raw : undefined;
    if (!entry) return bad(undefined, `expected an object like {"image": "...", "label": "..."} or a file path, got ${showValue(raw)}`);
    const before = problems.length;
    const fields: Record<string, Json> = {};
    const fileFields: string[] = [];
    for (const r of required)
      if (entry[r] === undefined) bad(undefined, `no "${clipText(r)}" key${r === 'image' ? '' : ' (the pipeline loads it)'}${didYouMean(r, Object.keys(entry))}`);
    for (const [k, v] of Object.entries(entry)) {
      const isFile = k === 'image' || required.has(k) || (k === 'label' && (typeof v === 'string' || isPathList(v)));
      if (isFile) {
        if (typeof v === 'string' && v !== '') fields[k] = join(v);
        else if (isPathList(v)) fields[k] = v.map(join);
        else {
          bad(k, `expected a file path or list of paths, got ${showValue(v)}`);
          continue;
        }
        fileFields.push(k);
        if (k === 'label' && options.task === 'classification')
          bad(k, 'a classification label is a class index or a 0/1 vector, got a file path');
        continue;
      }
      if (k === 'label') {
        const classValue = typeof v === 'number' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'));
        if (!classValue) bad(k, `expected a file path, a class index or a 0/1 vector, got ${showValue(v)}`);
        else if (options.task === 'segmentation') bad(k, `a segmentation label is a file path, got ${showValue(v)}`);
        else if (typeof v === 'number' ? !(Number.isInteger(v) && v >= 0) : !v.every((x) => x === 0 || x === 1))
          bad(k, `expected a class index (integer >= 0) or a vector of 0/1 values, got ${showValue(v)}`);
      }
      if (k === 'weight' && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) bad(k, `expected a number >= 0, got ${showValue(v)}`);
      fields[k] = v;
    }
    if (problems.length === before) items.push({ index, fields, fileFields });
  });
  return { items, problems };
}

/**
 * Reads a datalist file and returns its items, or throws one ERR_CONFIG
 * error listing the problems (the first few, and how many more).
 */
export function loadDatalist(options: DatalistOptions): Item[] {
  const json = readDatalistJson(options);
  const { items, problems } = parseDatalist(json, options);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => p.message);
    if (problems.length > 5) shown.push(`(and ${problems.length - 5} more problems)`);
    throw new VoxelpipeError('ERR_CONFIG', shown.join('; '), { context: { file: options.file, problems: problems.map((p) => p.message) } });
  }
  return items;
}
