import { basename } from 'node:path';
import type { ConfigSpec, PipelineSpec } from '../config/load-config.js';
import { createPipeline, type Pipeline } from '../pipeline/engine.js';
import { pipelineOptionsFromSpec, type RunOverrides } from '../pipeline/from-config.js';
import { evaluationPipelineOptions } from '../evaluate/pipeline-options.js';
import { itemSource } from '../pipeline/sample-processor.js';
import type { ItemFields, PipelineOptions } from '../pipeline/options.js';
import { PALETTE } from '../preview/render.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { isChainImage } from '../transforms/image.js';
import { BatchBrowser } from './batches.js';
import { cropBoxesPerStep } from './crop-boxes.js';
import { describeFields } from './fields.js';
import type { EpochJson, SampleJson, ViewInfo } from './client/api-types.js';
import { SampleRuns, type SampleRun } from './sample-runs.js';
import { encodeStep, type StepBody } from './step-binary.js';
import { classCaption } from './thumbnail.js';
import { WorkQueue } from './work-queue.js';
import { HttpError } from './http.js';

export interface ViewSessionOptions {
  config: ConfigSpec;
  spec: PipelineSpec;
  /** The datalist's `labels` (value -> name) for the legend and class names. */
  labels?: Record<string, string>;
  seed?: number;
  /** Run overrides (cache folder, rank...); workers are always 0: the viewer runs chains on its own thread. */
  overrides?: RunOverrides;
  /** Bytes of step outputs kept for going back to recent samples (default 1 GiB; the newest sample is always kept). */
  memoryBudget?: number;
}

const MOVES_VOXELS_FAMILIES = new Set(['spatial']);

/**
 * The viewer's state over one config section: the pipeline the samples
 * come from (exactly training's), the recent chain runs, and a second
 * pipeline, made when the page first asks for a batch, that reads epochs
 * batch by batch.
 */
export class ViewSession {
  readonly info: ViewInfo;
  private readonly pipeline: Pipeline;
  private readonly options: PipelineOptions;
  private readonly runs: SampleRuns;
  private readonly batches: BatchBrowser;
  private readonly labelField: string;
  private readonly imageField = 'image';
  private readonly movesVoxels: (name: string) => boolean;

  constructor(o: ViewSessionOptions) {
    const run = { ...o.overrides, seed: o.seed ?? 0, workers: 0 };
    // An evaluation config (config_validation.json) has its own data pipeline options (the evaluator's fields).
    this.options = o.config.evaluation ? evaluationPipelineOptions(o.config, run) : pipelineOptionsFromSpec(o.config, o.spec, run);
    this.pipeline = createPipeline(this.options);
    this.labelField = this.options.labelField ?? 'label';
    const queue = new WorkQueue();
    this.runs = new SampleRuns(this.pipeline, queue, o.memoryBudget ?? 2 ** 30);
    const dataFormat = this.options.dataFormat ?? 'channels_first';
    this.batches = new BatchBrowser(() => createPipeline(this.options), queue, { imageField: this.imageField, labelField: this.labelField, dataFormat, labels: o.labels });
    const registry = createDefaultRegistry();
    this.movesVoxels = (name) => {
      const base = name.split('#')[0];
      return registry.has(base) && MOVES_VOXELS_FAMILIES.has(registry.get(base).family);
    };
    this.info = {
      title: basename(o.config.configFile),
      config: o.config.configFile,
      section: o.spec.section,
      seed: o.seed ?? 0,
      task: o.spec.imagePipeline.task,
      describe: this.pipeline.describe(),
      imageField: this.imageField,
      labelField: this.labelField,
      dataFormat,
      items: this.options.items.map((it: ItemFields, index: number) => ({ index, source: itemSource(it) })),
      labels: o.labels ?? {},
      palette: PALETTE,
    };
  }

  epoch(e: number): EpochJson {
    const order = this.pipeline.order(e);
    return { epoch: e, size: order.length, order };
  }

  async sample(e: number, i: number): Promise<SampleJson> {
    const run = await this.runs.get(e, i);
    const crops = cropBoxesPerStep(run.steps, this.movesVoxels, this.imageField);
    return {
      epoch: e,
      index: i,
      item: run.item,
      source: itemSource(this.options.items[run.item]),
      steps: run.steps.map((s, k) => {
        const classes = this.info.task === 'classification' ? classesOf(s.output[this.labelField], this.info.labels) : undefined;
        return {
          index: s.index,
          name: s.name,
          ms: s.ms,
          random: s.random,
          args: s.args,
          ...(s.draws ? { draws: s.draws } : {}),
          fields: describeFields(s.output),
          ...(crops[k] ? { crop: crops[k] } : {}),
          ...(classes !== undefined ? { classes } : {}),
        };
      }),
      ...(run.error !== undefined ? { error: run.error } : {}),
    };
  }

  /** The voxels of every image field after step `step` of the sample. */
  async step(e: number, i: number, step: number): Promise<StepBody> {
    const run: SampleRun = await this.runs.get(e, i);
    if (step >= run.steps.length)
      throw new HttpError(404, `step ${step} of sample ${i} of epoch ${e} does not exist (${run.error ? `the chain stopped after ${run.steps.length} steps: ${run.error}` : `the chain has ${run.steps.length} steps: 0..${run.steps.length - 1}`})`);
    return encodeStep(run.steps[step].output, this.labelField);
  }

  batch(e: number, b: number) {
    return this.batches.get(e, b);
  }

  async close(): Promise<void> {
    await this.batches.close();
    await this.pipeline.close();
  }
}

function classesOf(v: unknown, labels: Record<string, string>): string | undefined {
  if (v === undefined || isChainImage(v)) return undefined;
  if (typeof v === 'number') return classCaption([v], true, labels);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return classCaption(v as number[], v.length === 1, labels);
  if (typeof v === 'string') return `${v} ${labels[v] ?? ''}`.trim();
  return undefined;
}
