import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type ConfigSpec, type PipelineSpec, type Section } from '../../config/load-config.js';
import { createDefaultRegistry } from '../../transforms/catalogue.js';
import { createPipeline, type Pipeline } from '../../pipeline/engine.js';
import { pipelineOptionsFromSpec, type RunOverrides } from '../../pipeline/from-config.js';
import { batchCount, isChainImage, type ChainImage, type Sample } from '../../transforms/image.js';
import { renderPreview } from '../../preview/render.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { VoxelpipeError } from '../../util/errors.js';
import type { CliIO } from '../program.js';
import { collect, intArg } from './run.js';

/** The options preview and profile share with run: which config, which section, which overrides. */
export interface PipelineCliOpts {
  config: string;
  env?: string;
  mmar?: string;
  section: Section;
  seed: number;
  set?: string[];
}

export function sectionArg(v: string): Section {
  if (v !== 'train' && v !== 'validate') throw new InvalidArgumentError(`expected train or validate, got "${v}"`);
  return v;
}

/** Adds --config, --env, --mmar, --section, --seed, --set to a command. */
export function pipelineCliOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-c, --config <file>', 'Clara config (config/config_train.json)')
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--section <name>', 'train or validate', sectionArg, 'train' as Section)
    .option('--seed <n>', 'seed of every random draw (the same as the run you want to look at)', intArg(0), 0)
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path (repeatable)', collect);
}

export interface OpenedPipeline {
  config: ConfigSpec;
  spec: PipelineSpec;
  pipeline: Pipeline;
  /** The datalist's `labels` (value -> name), when it has them. */
  labels?: Record<string, string>;
}

/** Loads the config and makes the section's pipeline (the caller closes it). */
export function openPipeline(opts: PipelineCliOpts, io: CliIO, overrides: RunOverrides = {}, quiet = false): OpenedPipeline {
  const config = loadConfig({ config: opts.config, env: opts.env, mmar: opts.mmar, set: opts.set, registry: createDefaultRegistry() });
  if (!quiet) for (const w of config.warnings) io.err(`voxelpipe: warning: ${w}\n`);
  const spec = config[opts.section];
  if (!spec) throw new VoxelpipeError('ERR_CONFIG', `${opts.config}: has no "${opts.section}" section with an image_pipeline`);
  const pipeline = createPipeline(pipelineOptionsFromSpec(config, spec, { seed: opts.seed, ...overrides }));
  return { config, spec, pipeline, labels: datalistLabels(spec.datalist.file) };
}

/** The `labels` object of an MSD-style datalist (`{"0": "background", "1": "spleen"}`), if any. */
export function datalistLabels(file: string): Record<string, string> | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { labels?: unknown };
    const l = json.labels;
    if (!l || typeof l !== 'object' || Array.isArray(l)) return undefined;
    return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)]));
  } catch {
    return undefined; // the pipeline already read the file; a legend is optional
  }
}

export interface WritePreviewsOptions {
  out: string;
  epoch: number;
  /** Indices in the epoch's order to draw. */
  indices: number[];
  /** Crops drawn of a batched sample (each its own file); default 1: the first. */
  crops?: number;
  window?: [number, number];
  labels?: Record<string, string>;
  axialSlices?: number;
  imageField?: string;
  labelField?: string;
}

export interface PreviewFile {
  file: string;
  epoch: number;
  index: number;
  /** Crop of a batched sample; absent when the chain emits one image per sample. */
  crop?: number;
  item: number;
  source: string;
  width: number;
  height: number;
}

/**
 * Draws samples after the chain, exactly as training sees them
 * (`pipeline.sample(epoch, index)`): one PNG per sample, or per crop of a
 * batched crop sample (`epoch<E>-sample<I>-crop<C>.png`).
 */
export async function writePreviews(pipeline: Pipeline, o: WritePreviewsOptions): Promise<PreviewFile[]> {
  mkdirSync(o.out, { recursive: true });
  const imageField = o.imageField ?? 'image';
  const labelField = o.labelField ?? 'label';
  const order = pipeline.order(o.epoch);
  const files: PreviewFile[] = [];
  for (const index of o.indices) {
    const s = await pipeline.sample(o.epoch, index);
    const image = s[imageField];
    if (!isChainImage(image)) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `preview: sample ${index} of epoch ${o.epoch} has no image field "${imageField}" after the chain`);
    const label = isChainImage(s[labelField]) ? (s[labelField] as ChainImage) : undefined;
    const source = sourceOf(s, image);
    const crops = image.batched ? Math.min(batchCount(image), Math.max(1, o.crops ?? 1)) : 1;
    for (let c = 0; c < crops; c++) {
      const name = image.batched ? `epoch${o.epoch}-sample${index}-crop${c}.png` : `epoch${o.epoch}-sample${index}.png`;
      const title = `epoch ${o.epoch} sample ${index}${image.batched ? ` crop ${c}` : ''}: ${basename(source)}${label ? '' : classCaption(s[labelField], o.labels)}`;
      const p = renderPreview(image, label, { crop: c, window: o.window, labels: o.labels, axialSlices: o.axialSlices, title });
      const file = resolve(join(o.out, name));
      writeFileAtomic(file, [p.png]);
      files.push({ file, epoch: o.epoch, index, ...(image.batched ? { crop: c } : {}), item: order[index], source, width: p.width, height: p.height });
    }
  }
  return files;
}

/** A classification label as a caption: " label 2 (class 2)". */
function classCaption(v: unknown, labels?: Record<string, string>): string {
  if (v === undefined) return '';
  const k = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof k === 'number' || typeof k === 'string') return ` - label ${k}${labels?.[String(k)] ? ` (${labels[String(k)]})` : ''}`;
  return ` - label ${JSON.stringify(v)}`;
}

function sourceOf(s: Sample, image: ChainImage): string {
  const f = image.meta?.filename;
  if (typeof f === 'string') return f;
  return typeof s.image === 'string' ? s.image : '';
}

function windowArg(v: string): [number, number] {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1]))
    throw new InvalidArgumentError(`expected LO,HI with LO < HI (e.g. 0,1 or -57,164), got "${v}"`);
  return [parts[0], parts[1]];
}

interface PreviewOpts extends PipelineCliOpts {
  out: string;
  count: number;
  epoch: number;
  index?: number;
  crops: number;
  window?: [number, number];
  axialSlices: number;
  json?: boolean;
}

export function previewCommand(io: CliIO): Command {
  return pipelineCliOptions(
    new Command('preview').description('draw samples after the chain as PNG mosaics (image, label overlay, legend): exactly what training is fed'),
  )
    .requiredOption('-o, --out <dir>', 'folder for the PNGs (created)')
    .option('--count <n>', 'samples to draw, from the start of the epoch', intArg(1), 4)
    .option('--epoch <e>', 'epoch of the samples', intArg(0), 0)
    .option('--index <i>', 'draw only the sample at this position of the epoch (0-based)', intArg(0))
    .option('--crops <n>', 'crops drawn of a batched crop sample (one PNG each)', intArg(1), 1)
    .option('--window <lo,hi>', 'intensity window mapped to black..white (default: 1st..99th percentile of the crop)', windowArg)
    .option('--axial-slices <n>', 'also draw a grid of this many axial slices (3D)', intArg(0), 0)
    .option('--json', 'print the files written as one JSON line')
    .action(async (opts: PreviewOpts) => {
      // Workers 0: previews run the chain on this thread, whatever the config says.
      const { pipeline, labels } = openPipeline(opts, io, { workers: 0 });
      try {
        const n = pipeline.order(opts.epoch).length;
        const indices = opts.index !== undefined ? [opts.index] : Array.from({ length: Math.min(opts.count, n) }, (_, i) => i);
        const files = await writePreviews(pipeline, { out: opts.out, epoch: opts.epoch, indices, crops: opts.crops, window: opts.window, labels, axialSlices: opts.axialSlices });
        if (opts.json) io.out(JSON.stringify({ files }) + '\n');
        else for (const f of files) io.out(`${f.file}  (${f.width}x${f.height}, item ${f.item}: ${f.source})\n`);
      } finally {
        await pipeline.close();
      }
    });
}
