import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { VoxelpipeError } from '../util/errors.js';
import { formatZodIssues, jsonPath, showValue } from '../util/schema-errors.js';
import { closestNames, didYouMean } from '../util/suggest.js';
import { RefIndex, indexChain, parseChainEntries, resolveChain, type ChainContext, type TransformChecker, type TransformSpec } from './components.js';
import {
  INFERERS,
  METRICS,
  UNSUPPORTED_WRITERS,
  WRITERS,
  type InfererName,
  type MetricArgs,
  type MetricName,
  type ScanWindowArgs,
  type WriteNiftiArgs,
} from './evaluation-components.js';
import type { ConfigSpec, PipelineSpec } from './load-config.js';
import { parsePipelineArgs, pipelineClass, type PipelineArgs, type Task } from './pipeline.js';
import { buildVariables, substitute, type Json, type Override, type Variable } from './variables.js';

/**
 * Clara 3.x evaluation configs (`config_validation.json`,
 * `config_validation_ckpt.json`, `config_inference.json`): no train /
 * validate sections, but top-level `pre_transforms` (the image chain),
 * `label_transforms` (the label chain), `post_transforms` (on the model
 * output, field `model`), `writers`, `val_metrics`, `inferer`,
 * `model_loader` and `batch_size`, with the datalist named by the
 * variables DATASET_JSON / DATA_ROOT / DATA_LIST_KEY (default "validation").
 *
 * The result is an ordinary ConfigSpec whose `validate` section is the
 * evaluation's data pipeline (whole volumes, datalist order, batch_size), so
 * every command that runs a section runs it; `evaluation` holds the rest.
 */

/** Top-level keys an evaluation config is made of (and that voxelpipe acts on). */
export const EVALUATION_KEYS: readonly string[] = Object.freeze(['pre_transforms', 'label_transforms', 'post_transforms', 'val_metrics', 'writers', 'inferer']);

/**
 * Clara evaluation keys with no effect in voxelpipe, reported once:
 * the model comes from `voxelpipe evaluate --model`, there is one device.
 */
export const IGNORED_EVALUATION_KEYS: readonly string[] = Object.freeze([
  'model_loader',
  'multi_gpu',
  'use_amp',
  'use_scanning_window',
  'dont_load_ckpt_model',
  'model_saver',
  'handlers',
]);

export interface InfererSpec {
  name: InfererName;
  kind: 'scan-window' | 'simple';
  /** Scan window: roi_size, batch_size, overlap, blend_mode, sigma_scale, padding_value (defaults filled in). */
  scanWindow?: ScanWindowArgs;
  jsonPath: string;
}

export interface MetricSpec<N extends MetricName = MetricName> {
  name: N;
  args: MetricArgs<N>;
  /** Absolute report folder (`report_path` against the MMAR root), when given. */
  reportDir?: string;
  jsonPath: string;
}

export interface WriterSpec {
  name: 'WriteNifti';
  args: WriteNiftiArgs;
  /** Absolute `write_path`. */
  dir: string;
  jsonPath: string;
}

/** Everything of an evaluation config besides its data pipeline. */
export interface EvaluationSpec {
  /** The data pipeline (also the ConfigSpec's `validate`). */
  pipeline: PipelineSpec;
  preTransforms: TransformSpec[];
  labelTransforms: TransformSpec[];
  /** Run on the sample after inference; the model output is the field `model`. */
  postTransforms: TransformSpec[];
  /** Absent: the whole image in one run (SimpleInferer). */
  inferer?: InfererSpec;
  metrics: MetricSpec[];
  writers: WriterSpec[];
  /** Top-level batch_size: volumes per batch of the data pipeline. */
  batchSize: number;
  /** Clara's do_validation / output_infer_result (variables, `--set` them): compute val_metrics / run writers. */
  doValidation: boolean;
  outputInferResult: boolean;
  /** Fields the chain produces that metrics read as labels (`label_field`s), in first-use order. */
  labelFields: string[];
  /** Whether a loader of the chain loads `label` (segmentation), or items carry one (classification). */
  hasLabel: boolean;
}

/** What `loadConfig` hands over once it knows the file is an evaluation config. */
export interface EvaluationInput {
  /** The config path as the user gave it (messages). */
  display: string;
  configFile: string;
  envFile?: string;
  env?: Record<string, Json>;
  overrides: readonly Override[];
  /** The config object, path overrides applied. */
  config: Record<string, Json>;
  registry?: TransformChecker;
  root: string;
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** No train / validate section, and at least one of the evaluation keys. */
export function isEvaluationConfig(config: Record<string, unknown>): boolean {
  return config.train === undefined && config.validate === undefined && EVALUATION_KEYS.some((k) => config[k] !== undefined);
}

/** Reads an evaluation config into a ConfigSpec (every problem reported at once, as loadConfig does). */
export function loadEvaluationConfig(input: EvaluationInput): ConfigSpec {
  const { config, root } = input;
  const problems: string[] = [];
  const report = (p: string) => problems.push(p);
  const ignored: string[] = [];
  const top: Record<string, Json> = {};
  const sections: Record<string, Json> = {};
  for (const [k, v] of Object.entries(config)) {
    if (EVALUATION_KEYS.includes(k)) sections[k] = v;
    else if (isObject(v) || Array.isArray(v)) {
      if (IGNORED_EVALUATION_KEYS.includes(k) || closestNames(k, EVALUATION_KEYS).length === 0) ignored.push(k);
      else report(`${k}: unknown key${didYouMean(k, EVALUATION_KEYS)}`);
    } else {
      // Scalars are Clara's global variables (batch_size, DATA_LIST_KEY, ...), as in a training config.
      top[k] = v;
      if (IGNORED_EVALUATION_KEYS.includes(k)) ignored.push(k);
    }
  }
  const vars = buildVariables(top, input.env, input.overrides);
  const used: Record<string, Json> = {};
  for (const [k, v] of Object.entries(sections)) used[k] = substitute(v, vars, k, report);

  const ctx: ChainContext = { checker: input.registry, root, report };
  const pre = parseChainEntries(used.pre_transforms, 'pre_transforms', ctx);
  const label = parseChainEntries(used.label_transforms, 'label_transforms', ctx);
  const post = parseChainEntries(used.post_transforms, 'post_transforms', ctx);
  // No train section to `ref`: entries refer to the evaluation's own chains.
  const index = new RefIndex();
  indexChain(pre, index);
  indexChain(label, index);
  const preTransforms = resolveChain(pre, index, ctx);
  const labelTransforms = resolveChain(label, index, ctx);
  const postTransforms = resolveChain(post, index, ctx);
  if (preTransforms.length === 0 && problems.length === 0) report('pre_transforms: expected the image chain (at least a loader such as LoadNifti)');

  const inferer = used.inferer === undefined ? undefined : parseInferer(used.inferer, report);
  const metrics = parseList(used.val_metrics, 'val_metrics', METRICS, report).map(({ name, args, path }) => {
    const a = args as MetricArgs;
    return { name: name as MetricName, args: a, ...(a.report_path ? { reportDir: abs(root, a.report_path) } : {}), jsonPath: path };
  });
  const seen = new Map<string, string>();
  for (const m of metrics) {
    const before = seen.get(m.args.name);
    if (before) report(`${jsonPath(m.jsonPath, 'args', 'name')}: "${m.args.name}" is also the name of ${before}; metric names must differ (they name the report files)`);
    seen.set(m.args.name, m.jsonPath);
  }
  const warnings: string[] = [];
  const writers = parseList(used.writers, 'writers', WRITERS, report, (name, path) =>
    warnings.push(`${path}: ${name} is not supported by voxelpipe; the writer is skipped`),
  ).map(({ args, path }) => {
    const a = args as WriteNiftiArgs;
    return { name: 'WriteNifti' as const, args: a, dir: abs(root, a.write_path), jsonPath: path };
  });

  const flag = (key: string, fallback: boolean) => {
    const v = vars.get(key)?.value;
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') report(`${key}: expected true or false, got ${showValue(v)}`);
    return v === true;
  };
  const doValidation = flag('do_validation', true);
  const outputInferResult = flag('output_infer_result', true);
  const batchSize = vars.get('batch_size')?.value ?? 1;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) report(`batch_size: expected a whole number >= 1, got ${showValue(batchSize)}`);

  const envTask = vars.get('PROCESSING_TASK')?.value;
  const task: Task = envTask === 'classification' ? 'classification' : 'segmentation';
  const chain = [...preTransforms, ...labelTransforms];
  const labelFields = [...new Set(metrics.map((m) => ('label_field' in m.args ? m.args.label_field : undefined)).filter((f): f is string => f !== undefined))];
  const hasLabel = task === 'classification' ? doValidation && labelFields.includes('label') : loadsField(chain, 'label');
  const dims = inferer?.scanWindow?.roi_size.length ?? (task === 'classification' ? 2 : 3);
  const pipeline = evaluationPipeline(vars, root, task, dims, typeof batchSize === 'number' ? batchSize : 1, labelFields, chain, report);

  if (problems.length > 0) throw new VoxelpipeError('ERR_CONFIG', `${input.display}: ${problems.join('; ')}`, { context: { file: input.display, problems } });
  const evaluation: EvaluationSpec = {
    pipeline: pipeline!,
    preTransforms,
    labelTransforms,
    postTransforms,
    ...(inferer ? { inferer } : {}),
    metrics,
    writers,
    batchSize: batchSize as number,
    doValidation,
    outputInferResult,
    labelFields,
    hasLabel,
  };
  const variables: Record<string, Json> = {};
  for (const [k, v] of vars) variables[k] = v.value;
  if (ignored.length > 0) warnings.unshift(`ignoring Clara keys voxelpipe does not use: ${ignored.join(', ')}${ignored.includes('model_loader') ? ' (voxelpipe evaluate takes the model from --model)' : ''}`);
  return {
    configFile: input.configFile,
    ...(input.envFile ? { envFile: input.envFile } : {}),
    root,
    variables,
    validate: pipeline!,
    evaluation,
    ignored,
    search: [],
    warnings,
  };
}

const abs = (root: string, p: string) => (isAbsolute(p) ? p : resolve(root, p));

/** Whether a loader of `chain` (LoadNifti, LoadPng, ...) loads `field`. */
function loadsField(chain: readonly TransformSpec[], field: string): boolean {
  return chain.some((t) => {
    if (!/^Load[A-Z]/.test(t.name)) return false;
    const f = t.args.fields;
    return f === field || (Array.isArray(f) && f.includes(field));
  });
}

/** The data pipeline: Clara's evaluator fed whole volumes, in datalist order, batch_size at a time. */
function evaluationPipeline(
  vars: ReadonlyMap<string, Variable>,
  root: string,
  task: Task,
  dims: number,
  batchSize: number,
  labelFields: readonly string[],
  chain: TransformSpec[],
  report: (p: string) => void,
): PipelineSpec | undefined {
  const str = (key: string): string | undefined => {
    const v = vars.get(key)?.value;
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      report(`${key}: expected a path string, got ${showValue(v)}`);
      return undefined;
    }
    return v;
  };
  const datasetJson = str('DATASET_JSON');
  const dataRoot = str('DATA_ROOT');
  const key = vars.get('DATA_LIST_KEY')?.value ?? 'validation';
  if (typeof key !== 'string' || key === '') report(`DATA_LIST_KEY: expected the name of a datalist list such as "validation", got ${showValue(key)}`);
  if (datasetJson === undefined) {
    if (!vars.has('DATASET_JSON'))
      report('no DATASET_JSON: an evaluation config reads its datalist from the variable DATASET_JSON (set it in environment.json or with --set DATASET_JSON=...)');
    return undefined;
  }
  const file = abs(root, datasetJson);
  try {
    if (statSync(file).isDirectory()) {
      report(`DATASET_JSON: ${file} is a directory, expected a datalist JSON file`);
      return undefined;
    }
  } catch {
    report(`DATASET_JSON: no such file ${file}`);
    return undefined;
  }
  const cls = pipelineClass(task === 'classification' ? 'ClassificationImagePipeline' : 'SegmentationImagePipeline');
  const path = 'evaluation';
  const { value, problems } = parsePipelineArgs(
    cls,
    {
      data_list_file_path: file,
      ...(dataRoot !== undefined ? { data_file_base_dir: dataRoot } : {}),
      data_list_key: typeof key === 'string' && key !== '' ? key : 'validation',
      output_crop_size: Array(dims).fill(-1),
      output_batch_size: batchSize,
      // One worker reads the next volume while the model runs; whole volumes are large, so one batch ahead.
      num_workers: 1,
      prefetch_size: 1,
      shuffle: false,
      repeat: false,
      extra_inputs: labelFields.filter((f) => f !== 'label'),
    },
    path,
  );
  problems.forEach(report);
  if (!value) return undefined;
  const baseDir = dataRoot !== undefined ? abs(root, dataRoot) : dirname(file);
  const args: PipelineArgs = { ...value.args, data_list_file_path: file, data_file_base_dir: baseDir };
  return {
    section: 'validate',
    datalist: { file, baseDir, key: args.data_list_key, jsonPath: '' },
    imagePipeline: { name: cls.name, task, keras: false, withCache: false, args, jsonPath: path },
    preTransforms: chain,
    batchTransforms: [],
  };
}

function parseInferer(entry: Json, report: (p: string) => void): InfererSpec | undefined {
  const names = Object.keys(INFERERS);
  if (!isObject(entry)) {
    report(`inferer: expected {"name": "ScanWindowInferer", "args": {"roi_size": [...]}}, got ${showValue(entry)}`);
    return undefined;
  }
  for (const k of Object.keys(entry)) if (k !== 'name' && k !== 'args') report(`${jsonPath('inferer', k)}: unknown key${didYouMean(k, ['name', 'args'])}`);
  const name = entry.name;
  if (typeof name !== 'string' || !(name in INFERERS)) {
    report(`inferer.name: ${typeof name === 'string' ? `unknown inferer "${name}"${didYouMean(name, names) || ` (known: ${names.join(', ')})`}` : `expected an inferer name such as "ScanWindowInferer", got ${showValue(name)}`}`);
    return undefined;
  }
  const def = INFERERS[name as InfererName];
  const parsed = (def.args as z.ZodType).safeParse(entry.args ?? {}, { reportInput: true });
  if (!parsed.success) {
    formatZodIssues(parsed.error.issues, 'inferer.args', Object.keys(def.args.shape)).forEach(report);
    return undefined;
  }
  return { name: name as InfererName, kind: def.kind, ...(def.kind === 'scan-window' ? { scanWindow: parsed.data as ScanWindowArgs } : {}), jsonPath: 'inferer' };
}

/** A list of `{name, args}` components checked against `schemas`; `unsupported` gets known-but-unimplemented names. */
function parseList(
  list: Json | undefined,
  key: string,
  schemas: Readonly<Record<string, z.ZodObject>>,
  report: (p: string) => void,
  unsupported?: (name: string, path: string) => void,
): { name: string; args: unknown; path: string }[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    report(`${key}: expected a list of {"name": ..., "args": {...}} entries, got ${showValue(list)}`);
    return [];
  }
  const names = Object.keys(schemas);
  const out: { name: string; args: unknown; path: string }[] = [];
  list.forEach((entry, i) => {
    const path = jsonPath(key, i);
    if (!isObject(entry)) return report(`${path}: expected {"name": ..., "args": {...}}, got ${showValue(entry)}`);
    for (const k of Object.keys(entry)) if (k !== 'name' && k !== 'args' && k !== 'disabled') report(`${jsonPath(path, k)}: unknown key${didYouMean(k, ['name', 'args'])}`);
    if (entry.disabled === true) return;
    const name = entry.name;
    if (typeof name === 'string' && unsupported && UNSUPPORTED_WRITERS.includes(name)) return unsupported(name, path);
    if (typeof name !== 'string' || !(name in schemas))
      return report(`${jsonPath(path, 'name')}: ${typeof name === 'string' ? `unknown ${key === 'writers' ? 'writer' : 'metric'} "${name}"${didYouMean(name, names) || ` (known: ${names.join(', ')})`}` : `expected a name, got ${showValue(name)}`}`);
    const schema = schemas[name];
    const parsed = schema.safeParse(entry.args ?? {}, { reportInput: true });
    if (!parsed.success) return formatZodIssues(parsed.error.issues, jsonPath(path, 'args'), Object.keys(schema.shape)).forEach(report);
    out.push({ name, args: parsed.data, path });
  });
  return out;
}
