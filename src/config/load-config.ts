import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { VoxelpipeError, clipText } from '../util/errors.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { closestNames, didYouMean } from '../util/suggest.js';
import { CLARA_TRANSFORM_NAMES, IGNORED_SECTION_KEYS, SECTION_KEYS } from './clara-names.js';
import {
  RefIndex,
  indexChain,
  parseChainEntries,
  resolveChain,
  type ChainContext,
  type TransformChecker,
  type TransformSpec,
} from './components.js';
import { isBundleConfig, loadBundle } from './bundle.js';
import { CLARA4_IGNORED_KEYS, CLARA4_SECTION_KEYS, clara4KeyProblem, isClara4Section, readClara4Data } from './clara4.js';
import { readJsonFile } from './json.js';
import { isEvaluationConfig, loadEvaluationConfig, type EvaluationSpec } from './evaluation.js';
import { monaiPipelineSpec, type MonaiSectionInfo } from './monai-section.js';
import { takeSearchSpace } from './search-space.js';
import { applySearchPoint, searchVariableFor, type SearchVariableReport } from './search-point.js';
import {
  PIPELINE_NAMES,
  isPipelineName,
  parsePipelineArgs,
  pipelineClass,
  type PipelineArgs,
  type PipelineName,
  type Task,
} from './pipeline.js';
import {
  Expander,
  applyPathOverride,
  buildVariables,
  isPathOverride,
  parseOverrides,
  substitute,
  type Json,
  type Variable,
} from './variables.js';

export type Section = 'train' | 'validate';
export const SECTIONS: readonly Section[] = ['train', 'validate'];

export interface LoadConfigOptions {
  /** The Clara config file (config_train.json / train_config.json). */
  config: string;
  /** environment.json; default: `environment.json` beside the config, when it exists. */
  env?: string;
  /** MMAR root: relative paths in the config resolve against it (default: the config file's folder). */
  mmar?: string;
  /** `--set KEY=VALUE` items, in command-line order (a later one wins). */
  set?: readonly string[];
  /** Transform definitions to check names and args against; Clara names it lacks are accepted unchecked. */
  registry?: TransformChecker;
  /** Folder that `config`, `env` and `mmar` resolve against (default: the process's cwd). */
  cwd?: string;
  /** MONAI bundles: the sections to read (default: both); the others may hold what voxelpipe does not read. */
  sections?: readonly Section[];
}

/** Where a section's items come from. */
export interface DatalistSource {
  /** Absolute path of the MSD-style datalist JSON. */
  file: string;
  /** Absolute folder that relative item paths join to. */
  baseDir: string;
  /** The list to read (`training`, `validation`, ...). */
  key: string;
  /** JSON path of the pipeline args that named it, for messages (`train.image_pipeline.args`). */
  jsonPath: string;
  /** A list written in the config itself (a bundle's `data`): read instead of `file[key]`; `file` is then the config. */
  items?: Json[];
}

export interface ImagePipelineSpec {
  name: PipelineName;
  task: Task;
  /** A Keras pipeline class (Keras defaults and args: multiprocessing, sampling). */
  keras: boolean;
  /** A *WithCache class: Smart Cache with num_cache_objects / replace_percent. */
  withCache: boolean;
  /** Parsed args, Clara defaults filled in, datalist paths absolute. */
  args: PipelineArgs;
  jsonPath: string;
  /** Set for Clara 4 and MONAI bundle sections: the image pipeline is synthesised from MONAI's dataset and dataloader. */
  monai?: MonaiSectionInfo;
}

/** One section (train or validate) of a config, ready for the pipeline. */
export interface PipelineSpec {
  section: Section;
  datalist: DatalistSource;
  imagePipeline: ImagePipelineSpec;
  preTransforms: TransformSpec[];
  batchTransforms: TransformSpec[];
}

export interface ConfigSpec {
  /** Absolute path of the config file. */
  configFile: string;
  /** Absolute path of the environment file used, if any. */
  envFile?: string;
  /** Folder relative paths resolved against (the MMAR root). */
  root: string;
  /** Final variable values (config < environment.json < --set). */
  variables: Record<string, Json>;
  train?: PipelineSpec;
  validate?: PipelineSpec;
  /** An evaluation config (config_validation.json): its inferer, metrics, writers...; its data pipeline is `validate`. */
  evaluation?: EvaluationSpec;
  /** JSON paths of Clara keys voxelpipe does not act on (model, loss, ...). */
  ignored: string[];
  /** The AutoML search space (`search` / `apply` blocks), with the values in use; empty without one. */
  search: SearchVariableReport[];
  /** One-line warnings, the ignored keys first (as one line). */
  warnings: string[];
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads a Clara config (+ environment.json + --set) into a validated
 * `ConfigSpec`. Every problem found is reported: one ERR_CONFIG error whose
 * message is `<config>: <problem>; <problem>...` (each naming its JSON path),
 * with the list in `error.context.problems`.
 */
export function loadConfig(options: LoadConfigOptions): ConfigSpec {
  const cwd = options.cwd ?? process.cwd();
  const configFile = resolve(cwd, options.config);
  const raw = readJsonFile(configFile);
  if (!isObject(raw)) throw configError(options.config, [`expected a JSON object (a Clara config with "train" / "validate" sections), got ${showValue(raw)}`]);
  // A MONAI bundle's train.json (`_target_` components, `@` references): bundle.ts.
  if (isBundleConfig(raw)) return loadBundle(raw, configFile, options.config, options);

  let envFile: string | undefined;
  let env: Record<string, Json> | undefined;
  if (options.env !== undefined) envFile = resolve(cwd, options.env);
  else if (existsSync(resolve(dirname(configFile), 'environment.json'))) envFile = resolve(dirname(configFile), 'environment.json');
  if (envFile) {
    const e = readJsonFile(envFile);
    if (!isObject(e)) throw new VoxelpipeError('ERR_CONFIG', `${options.env ?? envFile}: expected a JSON object of variables, got ${showValue(e)}`);
    env = e;
  }

  const overrides = parseOverrides(options.set ?? []);
  const config = structuredClone(raw);
  // Evaluation configs (config_validation.json, src/config/evaluation.ts) have no sections and no AutoML search.
  if (isEvaluationConfig(config)) {
    for (const o of overrides) if (isPathOverride(o)) applyPathOverride(config, o);
    const root = options.mmar !== undefined ? resolve(cwd, options.mmar) : dirname(configFile);
    return loadEvaluationConfig({ display: options.config, configFile, envFile, env, overrides, config, registry: options.registry, root });
  }
  // AutoML (search-space.ts): search / apply blocks come out; a --set naming a search variable picks a point.
  const automl = takeSearchSpace(config, SECTIONS, options.registry);
  for (const o of overrides) if (isPathOverride(o) && !searchVariableFor(automl.space, o)) applyPathOverride(config, o);
  const point = applySearchPoint(config, automl.space, overrides);

  const problems: string[] = [...automl.problems, ...point.problems];
  const report = (p: string) => problems.push(p);
  const ignored: string[] = [];
  const top: Record<string, Json> = {};
  for (const [k, v] of Object.entries(config)) {
    if ((SECTIONS as readonly string[]).includes(k)) continue;
    if (SECTION_KEYS.includes(k))
      report(`${k}: voxelpipe reads pipelines from the "train" and "validate" sections; a top-level ${k} (an evaluation config such as config_validation.json?) is not used`);
    else if (isObject(v) || Array.isArray(v)) ignored.push(k);
    else top[k] = v;
  }
  const vars = buildVariables(top, env, overrides);
  const expander = new Expander(vars);
  const root = options.mmar !== undefined ? resolve(cwd, options.mmar) : dirname(configFile);
  const ctx: ChainContext = { checker: options.registry, root, report };

  // First pass over both sections: substitute, classify keys, parse entries.
  const sections = new Map<Section, Record<string, Json>>();
  // Clara 4 sections (dataset + dataloader blocks of MONAI classes) beside Clara 3's image_pipeline ones: clara4.ts.
  const clara4 = new Set<Section>();
  for (const s of SECTIONS) {
    const sec = config[s];
    if (sec === undefined) continue;
    if (!isObject(sec)) {
      report(`${s}: expected an object with pre_transforms and image_pipeline, got ${showValue(sec)}`);
      continue;
    }
    const used: Record<string, Json> = {};
    if (isClara4Section(sec)) clara4.add(s);
    const keys = clara4.has(s) ? CLARA4_SECTION_KEYS : SECTION_KEYS;
    for (const [k, v] of Object.entries(sec)) {
      if (keys.includes(k) || (clara4.has(s) && k === 'image_pipeline')) used[k] = substitute(v, expander, jsonPath(s, k), report);
      else if (IGNORED_SECTION_KEYS.includes(k) || CLARA4_IGNORED_KEYS.includes(k) || closestNames(k, keys).length === 0) ignored.push(jsonPath(s, k));
      else report(`${jsonPath(s, k)}: ${clara4.has(s) ? clara4KeyProblem(k) : `unknown key${didYouMean(k, SECTION_KEYS)}`}`);
    }
    sections.set(s, used);
  }
  if (!config.train && !config.validate) report('no "train" or "validate" section: nothing to build a pipeline from');

  const parsedPipelines = new Map<Section, ReturnType<typeof parsePipeline>>();
  const chains = new Map<Section, { pre: ReturnType<typeof parseChainEntries>; batch: ReturnType<typeof parseChainEntries> }>();
  const clara4Data = new Map<Section, ReturnType<typeof readClara4Data>>();
  for (const [s, sec] of sections) {
    if (clara4.has(s)) {
      clara4Data.set(s, readClara4Data(s, sec, root, report));
      chains.set(s, { pre: parseChainEntries(sec.pre_transforms, jsonPath(s, 'pre_transforms'), { ...ctx, refuseExpressions: true }), batch: [] });
      continue;
    }
    const pipe = parsePipeline(s, sec.image_pipeline, vars, root, report);
    parsedPipelines.set(s, pipe);
    const pick = (key: 'pre_transforms' | 'batch_transforms', fromArgs: unknown[] | undefined, argKey: string) => {
      if (sec[key] !== undefined && fromArgs !== undefined)
        report(`${jsonPath(s, 'image_pipeline', 'args', argKey)}: ${s}.${key} is also given; give the chain once`);
      return sec[key] !== undefined
        ? parseChainEntries(sec[key], jsonPath(s, key), ctx)
        : parseChainEntries(fromArgs, jsonPath(s, 'image_pipeline', 'args', argKey), ctx);
    };
    chains.set(s, { pre: pick('pre_transforms', pipe?.transforms, 'transforms'), batch: pick('batch_transforms', pipe?.batchTransforms, 'batch_transforms') });
  }

  // `ref` reuses a train transform (by alias, else by name).
  const index = new RefIndex();
  const train = chains.get('train');
  if (train) {
    indexChain(train.pre, index);
    indexChain(train.batch, index);
  }
  const spec: ConfigSpec = { configFile, ...(envFile ? { envFile } : {}), root, variables: {}, ignored, search: point.report, warnings: [] };
  for (const [s, chain] of chains) {
    const pre = resolveChain(chain.pre, index, ctx);
    const batch = resolveChain(chain.batch, index, ctx);
    const pipe = parsedPipelines.get(s);
    if (pipe) spec[s] = { section: s, datalist: pipe.datalist, imagePipeline: pipe.imagePipeline, preTransforms: pre, batchTransforms: batch };
    const data = clara4Data.get(s);
    if (data) spec[s] = monaiPipelineSpec({ section: s, source: 'clara4', ...data, preTransforms: pre, checker: options.registry });
  }
  if (problems.length > 0) throw configError(options.config, problems);

  for (const [k, v] of vars) spec.variables[k] = v.value;
  spec.warnings.push(...point.warnings);
  if (ignored.length > 0) spec.warnings.push(`ignoring Clara keys voxelpipe does not use: ${ignored.join(', ')}`);
  for (const s of SECTIONS) spec.warnings.push(...(clara4Data.get(s)?.settings.warnings ?? []));
  for (const s of SECTIONS) {
    const a = spec[s]?.imagePipeline.monai ? undefined : spec[s]?.imagePipeline.args;
    if (a?.num_cache_objects !== undefined && a.output_batch_size > 0 && a.num_cache_objects % a.output_batch_size !== 0)
      spec.warnings.push(
        `${s}.image_pipeline.args.num_cache_objects: ${a.num_cache_objects} is not a multiple of output_batch_size ${a.output_batch_size}; the last batch of each cache epoch is short`,
      );
  }
  return spec;
}

function configError(display: string, problems: string[]): VoxelpipeError {
  return new VoxelpipeError('ERR_CONFIG', `${display}: ${problems.join('; ')}`, { context: { file: display, problems } });
}

function parsePipeline(section: Section, entry: Json | undefined, vars: ReadonlyMap<string, Variable>, root: string, report: (p: string) => void) {
  const path = jsonPath(section, 'image_pipeline');
  if (entry === undefined) {
    report(`${section}: no image_pipeline (expected e.g. {"name": "SegmentationImagePipeline", "args": {...}})`);
    return undefined;
  }
  if (!isObject(entry)) {
    report(`${path}: expected {"name": ..., "args": {...}}, got ${showValue(entry)}`);
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(entry)) {
    if (k === 'name' || k === 'args') continue;
    ok = false;
    report(
      k === 'path'
        ? `${jsonPath(path, 'path')}: custom image pipelines are not supported; use one of the Clara pipeline names (${PIPELINE_NAMES.slice(4).join(', ')})`
        : `${jsonPath(path, k)}: unknown key${didYouMean(k, ['name', 'args'])}`,
    );
  }
  const name = entry.name;
  if (typeof name !== 'string') {
    report(`${jsonPath(path, 'name')}: expected an image pipeline name such as "SegmentationImagePipeline", got ${showValue(name)}`);
    return undefined;
  }
  if (!isPipelineName(name)) {
    const isTransform = CLARA_TRANSFORM_NAMES.includes(name);
    report(
      `${jsonPath(path, 'name')}: unknown image pipeline "${clipText(name)}"${isTransform ? ' (it is a transform: it belongs in pre_transforms)' : didYouMean(name, PIPELINE_NAMES)}`,
    );
    return undefined;
  }
  const cls = pipelineClass(name);
  const { value, problems } = parsePipelineArgs(cls, entry.args, path);
  problems.forEach(report);
  if (!value || !ok) return undefined;

  const argsPath = jsonPath(path, 'args');
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const file = abs(value.args.data_list_file_path);
  const baseDir = abs(value.args.data_file_base_dir ?? dirname(file));
  // A path still holding a placeholder was reported as such; do not report it missing too.
  if (/\{[A-Za-z_]\w*\}/.test(value.args.data_list_file_path)) return undefined;
  let fileOk = true;
  try {
    if (statSync(file).isDirectory()) {
      report(`${jsonPath(argsPath, 'data_list_file_path')}: ${file} is a directory, expected a datalist JSON file`);
      fileOk = false;
    }
  } catch {
    report(`${jsonPath(argsPath, 'data_list_file_path')}: no such file ${file}`);
    fileOk = false;
  }
  if (!fileOk) return undefined;

  const envTask = vars.get('PROCESSING_TASK')?.value;
  const task: Task = cls.task ?? value.task ?? (envTask === 'classification' || envTask === 'segmentation' ? envTask : 'segmentation');
  const args: PipelineArgs = { ...value.args, data_list_file_path: file, data_file_base_dir: baseDir };
  return {
    datalist: { file, baseDir, key: args.data_list_key, jsonPath: argsPath },
    imagePipeline: { name, task, keras: cls.keras, withCache: cls.withCache, args, jsonPath: path },
    transforms: value.transforms,
    batchTransforms: value.batchTransforms,
  };
}
