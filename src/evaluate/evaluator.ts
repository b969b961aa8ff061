import type { ModuleLoader } from '../adapters/load.js';
import type { EvaluationSpec } from '../config/evaluation.js';
import { loadConfig, type ConfigSpec, type LoadConfigOptions } from '../config/load-config.js';
import { chainEntry } from '../pipeline/from-config.js';
import { createPipeline, type Pipeline } from '../pipeline/engine.js';
import type { ItemFields } from '../pipeline/options.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { createChainAsync, type Chain } from '../transforms/chain.js';
import { channelCount, getImage, isChainImage, type ChainImage, type Sample } from '../transforms/image.js';
import { VoxelpipeError, isVoxelpipeError, type ErrorCode } from '../util/errors.js';
import { inferClassification, inferSegmentation } from './infer.js';
import { createMetric, summarize, writeMetricReport, type Metric } from './metrics/index.js';
import { openOnnxModel, type OnnxModel } from './onnx-model.js';
import { evaluationPipelineOptions } from './pipeline-options.js';
import { loadPrediction } from './predictions.js';
import { caseName, writeCase } from './writers/write-nifti.js';

/**
 * `createEvaluator(spec)`: Clara's evaluation workflow (BulkEvaluator) as a
 * library. Each case of the datalist, in order, goes through the data
 * pipeline (pre_transforms + label_transforms, on this thread: the sample
 * keeps its geometry for the writers), the inferer and model (or a saved
 * prediction), the post transforms, the writers and the metrics; the
 * per-case results come as an async iterable, the dataset values and the
 * Clara report files at its end.
 */

export interface EvaluatorSpec {
  /** A loaded evaluation config, or how to load one (the default transform registry is used). */
  config: ConfigSpec | LoadConfigOptions;
  /** The .onnx model (a path or its bytes); or `predictions`. */
  model?: string | Uint8Array;
  /** Model input / output names (default: its only input, its first output). */
  modelInput?: string;
  modelOutput?: string;
  /** ONNX Runtime threads (default: its choice). */
  threads?: number;
  /** A folder of saved predictions (NIfTI) named as the cases' images, scored instead of running a model. */
  predictions?: string;
  /** Score the other cases when one fails (its error is in its result and in the summary's failures) instead of stopping. */
  skipBadCases?: boolean;
  /** Run the writers and write the metric reports (default true; Clara's output_infer_result and report_path still apply). */
  write?: boolean;
  /** Called as windows of a case are run (progress bars). */
  onProgress?: (p: CaseProgress) => void;
  signal?: AbortSignal;
  /** How to load onnxruntime-node (tests). */
  loader?: ModuleLoader;
}

export interface CaseProgress {
  /** Position of the case (0-based) and the number of cases. */
  index: number;
  total: number;
  case: string;
  windowsDone: number;
  windowsTotal: number;
}

export interface CaseResult {
  index: number;
  /** The case's name (its image file name without extension), as the writers name its folder. */
  case: string;
  /** Its datalist image file. */
  image: string;
  ok: boolean;
  /** Per-case metric values by metric name (NaN: undefined for this case; dataset metrics such as AUC have none). */
  metrics: Record<string, number>;
  /** Files the writers wrote. */
  files: string[];
  /** Windows the model ran on (0 with saved predictions). */
  windows: number;
  ms: number;
  /** A failed case: its one-line error (naming the case) and code. */
  error?: string;
  code?: ErrorCode;
}

export interface MetricResult {
  name: string;
  /** The Clara class (ComputeAverageDice, ...). */
  metric: string;
  /** The dataset value: the mean of the per-case values, or the AUC. */
  value: number;
  cases: number;
  /** Per-case statistics (per-case metrics only). */
  count?: number;
  mean?: number;
  median?: number;
  min?: number;
  max?: number;
  std?: number;
  /** The report files written (raw, summary), when the metric has a report_path. */
  reports: string[];
}

export interface EvaluationSummary {
  config: string;
  /** The model file or the predictions folder. */
  source: { model?: string; predictions?: string };
  cases: number;
  scored: number;
  metrics: MetricResult[];
  failures: { case: string; image: string; message: string }[];
  /** Files the writers wrote, over all cases. */
  files: number;
  ms: number;
  warnings: string[];
}

export interface Evaluator extends AsyncIterable<CaseResult> {
  readonly config: ConfigSpec;
  readonly evaluation: EvaluationSpec;
  /** Number of cases. */
  readonly total: number;
  /** The cases' names, in order (image file names without extension; writers name folders by them). */
  readonly names: readonly string[];
  /** One-line warnings found before the run (config keys ignored, duplicate case names). */
  readonly warnings: string[];
  /** The cases, in datalist order (iterate once); reports are written when the last one is done. */
  cases(): AsyncIterable<CaseResult>;
  /** Runs every case; the summary. */
  run(): Promise<EvaluationSummary>;
  /** The summary of the cases run so far (complete after `cases()` ends). */
  summary(): EvaluationSummary;
  /** "config_validation.json: 3 cases, ScanWindowInferer 64x64x64 (batch 2) -> ArgmaxAcrossChannels -> ..., 1 metric". */
  describe(): string;
  close(): Promise<void>;
}

/** The post chain for a saved 1-channel prediction: it already is a label map, so ArgmaxAcrossChannels steps are left out. */
const isArgmax = (name: string) => name === 'ArgmaxAcrossChannels';

export function createEvaluator(spec: EvaluatorSpec): Evaluator {
  const registry = createDefaultRegistry();
  const config = 'configFile' in spec.config ? spec.config : loadConfig({ registry, ...spec.config });
  const ev = config.evaluation;
  if (!ev)
    throw new VoxelpipeError('ERR_CONFIG', `${config.configFile}: not an evaluation config (it has train / validate sections; evaluate takes a config_validation.json with top-level pre_transforms, val_metrics, ...)`);
  if ((spec.model === undefined) === (spec.predictions === undefined))
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', spec.model === undefined ? 'evaluate needs a model (--model model.onnx) or saved predictions (--predictions DIR)' : 'give either a model or saved predictions, not both');
  const options = evaluationPipelineOptions(config, { workers: 0 });
  const pipeline: Pipeline = createPipeline(options);
  const items: ItemFields[] = options.items;
  const order = pipeline.order(0);
  const warnings = [...config.warnings];
  const names = caseNames(order.map((i) => imageOf(items[i])), warnings);
  const metrics: Metric[] = ev.doValidation ? ev.metrics.map(createMetric) : [];
  const write = spec.write ?? true;
  // Saved predictions are the writers' output already: writing them again is not what scoring them means.
  const writers = write && ev.outputInferResult && spec.predictions === undefined ? ev.writers : [];
  if (spec.predictions !== undefined && ev.writers.length > 0 && write) warnings.push('scoring saved predictions: the writers are not run');
  const task = ev.pipeline.imagePipeline.task;

  let model: OnnxModel | undefined;
  let post: Chain | undefined;
  let postForLabelMaps: Chain | undefined;
  const results: CaseResult[] = [];
  const reports = new Map<string, string[]>();
  let started = false;
  let t0 = 0;
  let elapsed = 0;

  const openModel = async (): Promise<OnnxModel> => {
    try {
      return await openOnnxModel(spec.model!, { input: spec.modelInput, output: spec.modelOutput, load: spec.loader, threads: spec.threads });
    } catch (e) {
      if (isVoxelpipeError(e) && e.code === 'ERR_MISSING_DEPENDENCY')
        throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `evaluating a model needs onnxruntime-node, which is not installed: install it with "ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node" (the variable skips a CUDA download; the CPU runtime is in the package), or score saved predictions with --predictions DIR`, { cause: e });
      throw e;
    }
  };
  const chainFor = async (entries: EvaluationSpec['postTransforms']) => createChainAsync(entries.map(chainEntry), { registry, root: config.root, path: 'post_transforms' });

  async function caseOf(i: number, loaded: Sample): Promise<CaseResult> {
    const start = performance.now();
    const item = items[order[i]];
    const image = imageOf(item);
    let sample: Sample = loaded;
    let windows = 0;
    const img = getImage(sample, 'image', 'evaluate');
    if (spec.predictions !== undefined) {
      const ref = isChainImage(sample.label) ? (sample.label as ChainImage) : img;
      const pred = loadPrediction(spec.predictions, image, ref, isChainImage(sample.label) ? 'label' : 'image');
      sample = { ...sample, model: pred };
      const chain = channelCount(pred) === 1 ? (postForLabelMaps ??= await chainFor(ev!.postTransforms.filter((t) => !isArgmax(t.name)))) : post!;
      sample = chain.apply(sample, { seed: 0, epoch: 0, index: i });
    } else {
      if (task === 'classification') sample = { ...sample, model: await inferClassification(model!, img) };
      else {
        const r = await inferSegmentation(model!, img, ev!.inferer, (done, totalWindows) =>
          spec.onProgress?.({ index: i, total: order.length, case: names[i], windowsDone: done, windowsTotal: totalWindows }),
        );
        windows = r.windows;
        sample = { ...sample, model: r.output };
      }
      sample = post!.apply(sample, { seed: 0, epoch: 0, index: i });
    }
    // Measure first (a metric may refuse the case), then write, then count the case in.
    const measured = metrics.map((m) => ({ m, r: m.measure({ sample, image }) }));
    const files = writers.length ? writeCase(writers, sample, names[i]) : [];
    const values: Record<string, number> = {};
    for (const { m, r } of measured) {
      r.commit();
      if (r.value !== undefined) values[m.name] = r.value;
    }
    return { index: i, case: names[i], image, ok: true, metrics: values, files, windows, ms: performance.now() - start };
  }

  async function* cases(): AsyncGenerator<CaseResult> {
    if (started) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'an evaluator runs once: make a new one to run again');
    started = true;
    t0 = performance.now();
    try {
      if (spec.model !== undefined) model = await openModel();
      post = await chainFor(ev!.postTransforms);
      // Read the next case while the model runs on this one (ONNX Runtime computes on its own threads).
      const load = (i: number) => pipeline.sample(0, i).then((s) => ({ s }), (e: unknown) => ({ e }));
      let next = order.length > 0 ? load(0) : undefined;
      for (let i = 0; i < order.length; i++) {
        if (spec.signal?.aborted) throw new VoxelpipeError('ERR_ABORTED', 'evaluation aborted');
        const got = await next!;
        next = i + 1 < order.length ? load(i + 1) : undefined;
        const start = performance.now();
        let result: CaseResult;
        try {
          if ('e' in got) throw got.e;
          result = await caseOf(i, got.s);
        } catch (e) {
          const message = `${names[i]}: ${(e as Error)?.message ?? String(e)}`;
          const code: ErrorCode = isVoxelpipeError(e) ? e.code : 'ERR_TRANSFORM';
          if (!spec.skipBadCases) {
            if (next) await next; // settle the read in flight before closing
            throw new VoxelpipeError(code, `${message}${order.length > 1 ? ' (--skip-bad-cases scores the other cases)' : ''}`, { cause: e, context: { case: names[i] } });
          }
          result = { index: i, case: names[i], image: imageOf(items[order[i]]), ok: false, metrics: {}, files: [], windows: 0, ms: performance.now() - start, error: message, code };
        }
        results.push(result);
        yield result;
      }
      // A run that scored nothing does not overwrite an earlier run's reports with empty ones.
      if (write && results.some((r) => r.ok)) for (const m of metrics) if (m.spec.reportDir) reports.set(m.name, writeMetricReport(m, m.spec.reportDir));
    } finally {
      elapsed = performance.now() - t0;
    }
  }

  function summary(): EvaluationSummary {
    return {
      config: config.configFile,
      source: spec.predictions !== undefined ? { predictions: spec.predictions } : { model: typeof spec.model === 'string' ? spec.model : 'model bytes' },
      cases: order.length,
      scored: results.filter((r) => r.ok).length,
      metrics: metrics.map((m) => {
        const s = m.perCase ? summarize(m.values()) : undefined;
        return {
          name: m.name,
          metric: m.spec.name,
          value: m.total(),
          cases: m.count,
          ...(s ? { count: s.count, mean: s.mean, median: s.median, min: s.min, max: s.max, std: s.std } : {}),
          reports: reports.get(m.name) ?? [],
        };
      }),
      failures: results.filter((r) => !r.ok).map((r) => ({ case: r.case, image: r.image, message: r.error! })),
      files: results.reduce((n, r) => n + r.files.length, 0),
      ms: started ? elapsed || performance.now() - t0 : 0,
      warnings,
    };
  }

  function describe(): string {
    const inf = spec.predictions !== undefined
      ? `saved predictions in ${spec.predictions}`
      : ev!.inferer?.scanWindow
        ? `${ev!.inferer.name} ${ev!.inferer.scanWindow.roi_size.join('x')} (${ev!.inferer.scanWindow.batch_size} per run, overlap ${ev!.inferer.scanWindow.overlap}, ${ev!.inferer.scanWindow.blend_mode})`
        : `${ev!.inferer?.name ?? 'SimpleInferer'} (whole image)`;
    const postText = ev!.postTransforms.length ? ev!.postTransforms.map((t) => t.name).join(' -> ') : 'no post transforms';
    return `${order.length} case${order.length === 1 ? '' : 's'} | ${pipeline.describe()} | ${inf} | ${postText} | ${metrics.length} metric${metrics.length === 1 ? '' : 's'}, ${writers.length} writer${writers.length === 1 ? '' : 's'}`;
  }

  return {
    config,
    evaluation: ev,
    total: order.length,
    names,
    warnings,
    cases,
    [Symbol.asyncIterator]: () => cases()[Symbol.asyncIterator](),
    async run() {
      for await (const _ of cases());
      return summary();
    },
    summary,
    describe,
    async close() {
      await pipeline.close();
      await model?.close();
    },
  };
}

/** A datalist item's image file (the first of a multi-file image). */
function imageOf(item: ItemFields): string {
  const v = item.image;
  return Array.isArray(v) ? String(v[0]) : String(v);
}

/** Case names from image file names; a repeated name gets its position appended (with a warning), so no case overwrites another's files. */
function caseNames(images: readonly string[], warnings: string[]): string[] {
  const seen = new Map<string, number>();
  return images.map((img, i) => {
    const base = caseName(img);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    if (n === 0) return base;
    warnings.push(`case ${i} (${img}) has the same name as an earlier case; its outputs are named ${base}_${i}`);
    return `${base}_${i}`;
  });
}
