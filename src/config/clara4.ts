import { dirname, isAbsolute, resolve } from 'node:path';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import type { DatalistSource, Section } from './load-config.js';
import { refuseExpressions } from './python-expr.js';
import { readDataBlocks, type DataBlock, type MonaiDataSettings } from './monai-loader.js';
import { peekList, type ListPeek } from './monai-section.js';
import type { Json } from './variables.js';

/**
 * Clara Train 4 sections (Clara on MONAI): `pre_transforms` of MONAI names,
 * a `dataset` block (`{"name": "CacheDataset", "data_list_file_path",
 * "data_file_base_dir", "data_list_key", "args": {...}}`) and a
 * `dataloader` block (`{"name": "DataLoader", "args": {"batch_size", ...}}`)
 * in place of Clara 3's `image_pipeline`. Clara 4 wires them with
 * `"transform": "@pre_transforms"` and `"dataset": "@dataset"`; those two
 * references are the only ones a data block may hold, and Python
 * (`$` expressions) none.
 */

/** The section keys voxelpipe acts on in a Clara 4 section. */
export const CLARA4_SECTION_KEYS: readonly string[] = Object.freeze(['pre_transforms', 'dataset', 'dataloader']);

/** Clara 4 section keys for training and evaluation (beside Clara 3's): kept, reported once, never an error. */
export const CLARA4_IGNORED_KEYS: readonly string[] = Object.freeze(['lr_scheduler', 'iteration', 'key_metric', 'additional_metrics', 'amp']);

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A section in Clara 4's shape: a dataset or dataloader block. */
export function isClara4Section(sec: unknown): boolean {
  return isObject(sec) && (sec.dataset !== undefined || sec.dataloader !== undefined);
}

/** Why a key is wrong in a Clara 4 section (one that is close to one of its keys). */
export function clara4KeyProblem(key: string): string {
  if (key === 'batch_transforms')
    return 'Clara 4 has no batch transforms: MONAI collates with list_data_collate (B items x num_samples crops per batch), which voxelpipe does';
  return `unknown key${didYouMean(key, CLARA4_SECTION_KEYS)}`;
}

/** Reports `@` references other than the one `allowed` at `allowedKey`; true when there was none. */
function refuseReferences(value: Json | undefined, path: string, report: (p: string) => void): boolean {
  if (typeof value === 'string') {
    if (!value.startsWith('@')) return true;
    report(`${path}: reference ${showValue(value)} is not resolved in a Clara 4 config (a dataset's "transform" is "@pre_transforms", a dataloader's "dataset" is "@dataset"); write the value itself`);
    return false;
  }
  let ok = true;
  if (Array.isArray(value)) value.forEach((v, i) => (ok = refuseReferences(v, jsonPath(path, i), report) && ok));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) ok = refuseReferences(v, jsonPath(path, k), report) && ok;
  return ok;
}

const DATASET_KEYS = ['name', 'args', 'data_list_file_path', 'data_file_base_dir', 'data_list_key'];
const LOADER_KEYS = ['name', 'args'];

/** One block (`dataset` / `dataloader`): its name and args with the link arg (`transform` / `dataset`) checked and taken out. */
function readBlock(block: Json | undefined, path: string, keys: readonly string[], link: { arg: string; ref: string }, report: (p: string) => void): DataBlock | undefined {
  if (block === undefined) return undefined;
  if (!isObject(block)) {
    report(`${path}: expected {"name": ..., "args": {...}}, got ${showValue(block)}`);
    return undefined;
  }
  let ok = true;
  const bad = (p: string) => {
    report(p);
    ok = false;
  };
  for (const k of Object.keys(block)) {
    if (keys.includes(k)) continue;
    bad(k === 'path' ? `${jsonPath(path, k)}: ${showValue(block.path)} is a Python class; voxelpipe reads MONAI's data classes by name ("name": "CacheDataset")` : `${jsonPath(path, k)}: unknown key${didYouMean(k, keys)}`);
  }
  if (typeof block.name !== 'string' || block.name === '') bad(`${jsonPath(path, 'name')}: expected a class name such as ${link.arg === 'transform' ? '"CacheDataset"' : '"DataLoader"'}, got ${showValue(block.name)}`);
  const argsPath = jsonPath(path, 'args');
  if (block.args !== undefined && !isObject(block.args)) bad(`${argsPath}: expected an object of args, got ${showValue(block.args)}`);
  const args: Record<string, Json> = isObject(block.args) ? { ...block.args } : {};
  const linked = args[link.arg];
  if (linked !== undefined && linked !== link.ref) bad(`${jsonPath(argsPath, link.arg)}: expected "${link.ref}" (Clara 4 links the section's blocks so), got ${showValue(linked)}`);
  delete args[link.arg];
  if (!refuseExpressions(args, argsPath, report) || !refuseReferences(args, argsPath, report)) ok = false;
  return ok ? { name: block.name as string, args, argsPath, namePath: jsonPath(path, 'name') } : undefined;
}

export interface Clara4Data {
  datalist: DatalistSource;
  list: ListPeek;
  settings: MonaiDataSettings;
  datasetPath: string;
  loaderPath: string;
}

/** The lists a section reads when its dataset names none: MONAI's training / validation. */
const DEFAULT_KEYS: Record<Section, string> = { train: 'training', validate: 'validation' };

/**
 * Reads a Clara 4 section's dataset and dataloader (placeholders already
 * substituted) into the datalist source and the engine settings; every
 * problem goes to `report`.
 */
export function readClara4Data(section: Section, sec: Record<string, Json>, root: string, report: (p: string) => void): Clara4Data | undefined {
  const datasetPath = jsonPath(section, 'dataset');
  const loaderPath = jsonPath(section, 'dataloader');
  if (sec.image_pipeline !== undefined)
    report(`${jsonPath(section, 'image_pipeline')}: a section has an image_pipeline (Clara 3) or dataset + dataloader blocks (Clara 4), not both`);
  const ds = sec.dataset;
  if (ds === undefined) {
    report(`${section}: no dataset (expected e.g. {"name": "CacheDataset", "data_list_file_path": "{DATASET_JSON}", "data_list_key": "training"})`);
    return undefined;
  }
  const dataset = readBlock(ds, datasetPath, DATASET_KEYS, { arg: 'transform', ref: '@pre_transforms' }, report);
  const loader = readBlock(sec.dataloader, loaderPath, LOADER_KEYS, { arg: 'dataset', ref: '@dataset' }, report);
  if (!dataset || !isObject(ds) || (sec.dataloader !== undefined && !loader)) return undefined;

  const str = (k: string) => {
    const v = ds[k];
    if (v === undefined || (typeof v === 'string' && v !== '')) return v as string | undefined;
    report(`${jsonPath(datasetPath, k)}: expected a non-empty string, got ${showValue(v)}`);
    return null;
  };
  const listPath = str('data_list_file_path');
  const base = str('data_file_base_dir');
  const key = str('data_list_key') ?? DEFAULT_KEYS[section];
  if (listPath === undefined) report(`${jsonPath(datasetPath, 'data_list_file_path')}: expected the datalist JSON file, got nothing`);
  if (!listPath || base === null || key === null) return undefined;
  // A path still holding a placeholder was reported as such.
  if (/\{[A-Za-z_]\w*\}/.test(listPath)) return undefined;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const file = abs(listPath);
  const datalist: DatalistSource = { file, baseDir: abs(base ?? dirname(file)), key, jsonPath: datasetPath };
  const list = peekList(datalist, jsonPath(datasetPath, 'data_list_file_path'), report);
  if (!list) return undefined;
  const settings = readDataBlocks(dataset, loader, list.count, report);
  return settings ? { datalist, list, settings, datasetPath, loaderPath } : undefined;
}
