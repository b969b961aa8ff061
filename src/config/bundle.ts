import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { VoxelpipeError } from '../util/errors.js';
import { showValue } from '../util/schema-errors.js';
import { BundleRefs, joinId, splitId, type Located } from './bundle-refs.js';
import { parseChainEntry, resolveChain, RefIndex, type ChainContext, type TransformSpec } from './components.js';
import type { ConfigSpec, DatalistSource, LoadConfigOptions, PipelineSpec, Section } from './load-config.js';
import { readDataBlocks, type DataBlock } from './monai-loader.js';
import { monaiPipelineSpec, peekList } from './monai-section.js';
import { applyPathOverride, isPathOverride, parseOverrides, type Json, type Override } from './variables.js';

/**
 * A MONAI bundle's `train.json` (configs/train.json): for each section,
 * `<section>#dataloader` (a `DataLoader` component) -> its `dataset` (a
 * `CacheDataset`, ... component) -> the dataset's `data` (a list of items,
 * or a `load_decathlon_datalist` component) and `transform` (a `Compose`
 * of `_target_` transforms, or a list of them). Only what that path reaches
 * is read: the network, loss, trainer, handlers and their `$` expressions
 * never are. What bundle features are read is listed in docs/config.md.
 */

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keys of a component that are not constructor args. */
const COMPONENT_KEYS = ['_target_', '_desc_', '_requires_', '_disabled_', '_mode_'];

/** True when the JSON looks like a bundle config: a `_target_` component within the first levels. */
export function isBundleConfig(raw: Json): boolean {
  const seek = (v: Json, depth: number): boolean => {
    if (depth > 3 || v === null || typeof v !== 'object') return false;
    if (isObject(v) && typeof v._target_ === 'string') return true;
    return (Array.isArray(v) ? v : Object.values(v)).some((x) => seek(x, depth + 1));
  };
  return seek(raw, 0);
}

/** `bundle/configs/train.json` -> `bundle` (MONAI runs bundles from their root); else the config's folder. */
function bundleRoot(configFile: string): string {
  const dir = dirname(configFile);
  return basename(dir) === 'configs' ? dirname(dir) : dir;
}

/** `--set ID=VALUE` on a bundle: dotted paths as for Clara configs, else a bundle id (`train#dataloader#batch_size`, `dataset_dir`). */
function applyOverride(config: Record<string, Json>, o: Override): void {
  if (isPathOverride(o)) return applyPathOverride(config, o);
  const segs = splitId(o.key);
  let node: Json = config;
  for (let i = 0; i < segs.length - 1; i++) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(segs[i])] : isObject(node) ? node[segs[i]] : undefined;
    if (next === null || typeof next !== 'object')
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${o.key}: the bundle has no item "${joinId(...segs.slice(0, i + 1))}" to set "${segs[i + 1]}" in`);
    node = next;
  }
  const last = segs[segs.length - 1];
  if (Array.isArray(node)) {
    if (!/^\d+$/.test(last) || Number(last) >= node.length)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${o.key}: "${joinId(...segs.slice(0, -1))}" is a list of ${node.length} items, expected an index below ${node.length}`);
    node[Number(last)] = o.value;
  } else (node as Record<string, Json>)[last] = o.value;
}

/** A component: its `_target_` and its args (the other keys, not yet resolved). */
interface Component {
  target: string;
  args: Record<string, Json>;
  id: string;
}

function component(l: Located, what: string, report: (p: string) => void): Component | undefined {
  const v = l.value;
  if (!isObject(v) || typeof v._target_ !== 'string') {
    report(`${l.id}: expected ${what} (an object with "_target_"), got ${showValue(v)}`);
    return undefined;
  }
  if (v._mode_ !== undefined && v._mode_ !== 'default') {
    report(`${l.id}#_mode_: ${showValue(v._mode_)} is not read (voxelpipe builds components in the default mode)`);
    return undefined;
  }
  const args: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) if (!COMPONENT_KEYS.includes(k)) args[k] = x;
  return { target: v._target_.replace(/^\$/, ''), args, id: l.id };
}

/**
 * A chain-entry problem (`<id>.args.pixdim[0]: ...`, `<id>.name: ...`) in
 * bundle ids: `<id>#pixdim#0`, `<id>#_target_`.
 */
function bundlePath(id: string, problem: string): string {
  if (!problem.startsWith(`${id}.`)) return problem;
  const colon = problem.indexOf(': ', id.length);
  const rest = problem.slice(id.length + 1, colon < 0 ? undefined : colon);
  const segs = rest.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '');
  const mapped = segs[0] === 'args' ? segs.slice(1) : segs[0] === 'name' || segs[0] === 'path' ? ['_target_', ...segs.slice(1)] : segs;
  return joinId(id, ...mapped) + (colon < 0 ? '' : problem.slice(colon));
}

const DECATHLON = /^(monai\.data\.(decathlon_datalist\.)?)?load_decathlon_datalist$/;
const COMPOSE = /^(monai\.transforms\.(compose\.)?)?Compose$/;

interface SectionRead {
  spec: PipelineSpec;
  warnings: string[];
}

class BundleSection {
  constructor(
    private readonly refs: BundleRefs,
    private readonly section: Section,
    private readonly root: string,
    private readonly configFile: string,
    private readonly ctx: ChainContext,
    private readonly report: (p: string) => void,
  ) {}

  /** Resolved plain args of a component, without `skip`. */
  private args(c: Component, skip: readonly string[]): Record<string, Json> | undefined {
    const out: Record<string, Json> = {};
    let ok = true;
    for (const [k, v] of Object.entries(c.args)) {
      if (skip.includes(k)) continue;
      const r = this.refs.deep(v, joinId(c.id, k));
      if (r === undefined) ok = false;
      else out[k] = r;
    }
    return ok ? out : undefined;
  }

  /** The section's data loader: `<s>#dataloader`, else what its trainer / evaluator names. */
  private findLoader(): Located | undefined {
    const s = this.section;
    const sec = this.refs.lookup(s, s);
    if (!sec || !isObject(sec.value)) return undefined;
    const at = (id: string) => {
      const l = this.refs.lookup(id, id);
      return l && this.refs.deref(l.value, l.id);
    };
    if (sec.value.dataloader !== undefined) return at(joinId(s, 'dataloader'));
    for (const [engine, arg] of [['trainer', 'train_data_loader'], ['evaluator', 'val_data_loader']]) {
      const e = sec.value[engine];
      if (isObject(e) && typeof e[arg] === 'string') return at(joinId(s, engine, arg));
    }
    if (sec.value.dataset !== undefined) return { value: { _target_: 'DataLoader', dataset: `@${s}#dataset` }, id: joinId(s, 'dataloader') };
    this.report(`${s}: no "dataloader" (expected {"_target_": "DataLoader", "dataset": "@${s}#dataset", "batch_size": ...})`);
    return undefined;
  }

  read(): SectionRead | undefined {
    const loaderAt = this.findLoader();
    const loader = loaderAt && component(loaderAt, 'a DataLoader component', this.report);
    if (!loader) return undefined;
    if (loader.args.dataset === undefined) {
      this.report(`${loader.id}: no "dataset"`);
      return undefined;
    }
    const dsAt = this.refs.deref(loader.args.dataset, joinId(loader.id, 'dataset'));
    const dataset = dsAt && component(dsAt, 'a dataset component such as CacheDataset', this.report);
    const loaderArgs = this.args(loader, ['dataset']);
    if (!dataset || !loaderArgs) return undefined;
    const datasetArgs = this.args(dataset, ['data', 'transform']);
    const chain = this.chain(dataset);
    const datalist = this.datalist(dataset);
    if (!datasetArgs || !chain || !datalist) return undefined;

    const list = peekList(datalist, joinId(dataset.id, 'data'), this.report);
    if (!list) return undefined;
    const block = (c: Component, args: Record<string, Json>): DataBlock => ({ name: c.target, args, argsPath: c.id, namePath: joinId(c.id, '_target_') });
    const settings = readDataBlocks(block(dataset, datasetArgs), block(loader, loaderArgs), list.count, this.report);
    if (!settings) return undefined;
    const spec = monaiPipelineSpec({
      section: this.section,
      source: 'bundle',
      datalist,
      list,
      settings,
      preTransforms: chain,
      datasetPath: dataset.id,
      loaderPath: loader.id,
      checker: this.ctx.checker,
    });
    return { spec, warnings: settings.warnings };
  }

  /** The dataset's `transform`: a Compose, a list of transforms, or one transform; nested Composes flattened. */
  private chain(dataset: Component): TransformSpec[] | undefined {
    const t = dataset.args.transform;
    if (t === undefined) {
      this.report(`${dataset.id}: no "transform" (voxelpipe needs the chain, from LoadImaged on)`);
      return undefined;
    }
    const items = this.transformItems(t, joinId(dataset.id, 'transform'));
    if (!items) return undefined;
    const parsed = items.map((l) => this.entry(l)).filter((p): p is NonNullable<typeof p> => p !== undefined);
    if (parsed.length !== items.length) return undefined;
    // Bundles have no `ref` entries: this only turns the parsed entries into specs.
    return resolveChain(parsed, new RefIndex(), this.ctx);
  }

  private transformItems(v: Json, id: string): Located[] | undefined {
    if (typeof v === 'string' && v.startsWith('$')) {
      const joined = this.refs.list(v, id);
      return joined && this.flatten(joined);
    }
    const d = this.refs.deref(v, id);
    if (!d) return undefined;
    if (Array.isArray(d.value)) {
      const items = this.refs.list(d.value, d.id);
      return items && this.flatten(items);
    }
    if (isObject(d.value) && typeof d.value._target_ === 'string' && COMPOSE.test(d.value._target_)) {
      if (d.value.transforms === undefined) {
        this.report(`${d.id}: a Compose without "transforms"`);
        return undefined;
      }
      const items = this.refs.list(d.value.transforms, joinId(d.id, 'transforms'));
      return items && this.flatten(items);
    }
    return this.flatten([d]);
  }

  /** Composes inside a transform list are flattened (MONAI's Compose does the same). */
  private flatten(items: Located[]): Located[] | undefined {
    const out: Located[] = [];
    for (const l of items) {
      if (isObject(l.value) && typeof l.value._target_ === 'string' && COMPOSE.test(l.value._target_)) {
        const inner = this.transformItems(l.value, l.id);
        if (!inner) return undefined;
        out.push(...inner);
      } else out.push(l);
    }
    return out;
  }

  /** One transform component as a chain entry (name checked against the catalogue, args against its schema). */
  private entry(l: Located) {
    const c = component(l, 'a transform component', this.report);
    if (!c) return undefined;
    const args = this.args(c, []);
    if (!args) return undefined;
    // A dotted target goes in as a path: monai.transforms.X is the catalogue's X, anything else a Python class (refused).
    const entry = c.target.includes('.') ? { path: c.target, args } : { name: c.target, args };
    return parseChainEntry(entry, c.id, { ...this.ctx, report: (p) => this.ctx.report(bundlePath(c.id, p)) });
  }

  /** The dataset's `data`: items written in the config, or load_decathlon_datalist's file. */
  private datalist(dataset: Component): DatalistSource | undefined {
    const id = joinId(dataset.id, 'data');
    const raw = dataset.args.data;
    if (raw === undefined) {
      this.report(`${dataset.id}: no "data" (a list of items, or {"_target_": "load_decathlon_datalist", "data_list_file_path": ..., "data_list_key": "training"})`);
      return undefined;
    }
    const d = this.refs.deref(raw, id);
    if (!d) return undefined;
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(this.root, p));
    if (Array.isArray(d.value)) {
      const items = this.refs.deep(d.value, d.id);
      if (items === undefined) return undefined;
      return { file: this.configFile, baseDir: this.root, key: d.id, jsonPath: d.id, items: items as Json[] };
    }
    const c = component(d, 'a list of items or a load_decathlon_datalist component', this.report);
    if (!c) return undefined;
    if (!DECATHLON.test(c.target)) {
      this.report(`${c.id}#_target_: ${showValue(c.target)} does not give a datalist voxelpipe reads (a list of items, or load_decathlon_datalist)`);
      return undefined;
    }
    const a = this.args(c, []);
    if (!a) return undefined;
    const known = ['data_list_file_path', 'is_segmentation', 'data_list_key', 'base_dir'];
    let ok = true;
    for (const k of Object.keys(a))
      if (!known.includes(k)) {
        this.report(`${joinId(c.id, k)}: not an arg of load_decathlon_datalist (${known.join(', ')})`);
        ok = false;
      }
    const str = (k: string, v: Json | undefined) => {
      if (v === undefined || (typeof v === 'string' && v !== '')) return v as string | undefined;
      this.report(`${joinId(c.id, k)}: expected a non-empty string, got ${showValue(v)}`);
      ok = false;
      return undefined;
    };
    const file = str('data_list_file_path', a.data_list_file_path);
    const key = str('data_list_key', a.data_list_key) ?? 'training';
    const base = str('base_dir', a.base_dir);
    if (a.is_segmentation !== undefined && typeof a.is_segmentation !== 'boolean') {
      this.report(`${joinId(c.id, 'is_segmentation')}: expected boolean, got ${showValue(a.is_segmentation)}`);
      ok = false;
    }
    if (file === undefined && ok) {
      this.report(`${joinId(c.id, 'data_list_file_path')}: expected the datalist JSON file, got nothing`);
      ok = false;
    }
    if (!ok || file === undefined) return undefined;
    const f = abs(file);
    return { file: f, baseDir: base !== undefined ? abs(base) : dirname(f), key, jsonPath: c.id };
  }
}

/**
 * Reads a bundle config into the ConfigSpec the engine takes (one
 * PipelineSpec per section asked for). Every problem is reported: one
 * ERR_CONFIG error listing them, as loadConfig does.
 */
export function loadBundle(raw: Record<string, Json>, configFile: string, display: string, options: LoadConfigOptions): ConfigSpec {
  const cwd = options.cwd ?? process.cwd();
  const config = structuredClone(raw);
  for (const o of parseOverrides(options.set ?? [])) applyOverride(config, o);
  const root = options.mmar !== undefined ? resolve(cwd, options.mmar) : bundleRoot(configFile);
  const problems: string[] = [];
  // Sections share items (a macro copy keeps its source's id): a problem of one is reported once.
  const report = (p: string) => {
    if (!problems.includes(p)) problems.push(p);
  };
  if (options.env !== undefined) report(`${options.env}: a bundle has no environment.json; set bundle items with --set ID=VALUE (e.g. --set dataset_dir=/data)`);
  const refs = new BundleRefs(config, configFile, report);
  const asked = options.sections ?? (['train', 'validate'] as const).filter((s) => config[s] !== undefined);
  if (asked.length === 0) report('no "train" or "validate" section: nothing to build a pipeline from');
  const spec: ConfigSpec = { configFile, root, variables: {}, ignored: [], search: [], warnings: [] };
  for (const s of asked) {
    if (config[s] === undefined) {
      report(`no "${s}" section`);
      continue;
    }
    const ctx: ChainContext = { checker: options.registry, root, report };
    const r = new BundleSection(refs, s, root, configFile, ctx, report).read();
    if (r) {
      spec[s] = r.spec;
      spec.warnings.push(...r.warnings);
    }
  }
  if (problems.length > 0) throw new VoxelpipeError('ERR_CONFIG', `${display}: ${problems.join('; ')}`, { context: { file: display, problems } });
  // What the read did not reach: the network, loss, trainer, ... (and their Python), reported once.
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (!refs.visited.has(k)) ignored.push(k);
    else if (isObject(v) && (k === 'train' || k === 'validate')) for (const sub of Object.keys(v)) if (!refs.visited.has(joinId(k, sub))) ignored.push(joinId(k, sub));
  }
  spec.ignored = ignored;
  if (ignored.length > 0) spec.warnings.push(`ignoring bundle items voxelpipe does not use: ${ignored.join(', ')}`);
  return spec;
}
