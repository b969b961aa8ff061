import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type ConfigSpec, type PipelineSpec, type Section } from '../config/load-config.js';
import { parseByteSize } from '../config/byte-size.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { createPipeline, type Pipeline } from '../pipeline/engine.js';
import type { PipelineOptions } from '../pipeline/options.js';
import { pipelineOptionsFromSpec, type RunOverrides } from '../pipeline/from-config.js';
import { evaluationPipelineOptions } from '../evaluate/pipeline-options.js';
import { VoxelpipeError } from '../util/errors.js';

/**
 * What the commands share: their output streams, option parsers and the
 * opening of a config's pipeline. Commands import this module, never one
 * another, so `src/cli/commands/` has no import between its files.
 */

/** Output streams, injectable so commands are testable in-process. */
export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** voxelpipe's version (package.json). */
export function voxelpipeVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

/** A commander parser for whole numbers >= `min`. */
export function intArg(min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${v}"`);
    return n;
  };
}

/** A commander parser for byte sizes: a number of bytes, or "8GB", "512MiB". */
export function byteSizeArg(v: string): number {
  const r = parseByteSize(/^\d+$/.test(v) ? Number(v) : v);
  if ('problem' in r) throw new InvalidArgumentError(`${r.problem}`);
  return r.bytes;
}

/** A repeatable option's values, in order. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function sectionArg(v: string): Section {
  if (v !== 'train' && v !== 'validate') throw new InvalidArgumentError(`expected train or validate, got "${v}"`);
  return v;
}

/** The options every pipeline command takes: which config, which section, which overrides. */
export interface PipelineCliOpts {
  config: string;
  env?: string;
  mmar?: string;
  /** Default: train; an evaluation config (config_validation.json) has only validate. */
  section?: Section;
  seed: number;
  set?: string[];
}

/** Adds --config, --env, --mmar, --set to a command. */
export function configCliOptions(cmd: Command, configHelp = 'Clara 3 / Clara 4 config (config/config_train.json) or MONAI bundle config (configs/train.json)'): Command {
  return cmd
    .requiredOption('-c, --config <file>', configHelp)
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path (repeatable)', collect);
}

/** Adds --config, --env, --mmar, --section, --seed, --set to a command. */
export function pipelineCliOptions(cmd: Command, seedHelp = 'seed of every random draw (same seed, same batches)'): Command {
  return configCliOptions(cmd)
    .option('--section <name>', 'train or validate (default: train; an evaluation config such as config_validation.json has only validate)', sectionArg)
    .option('--seed <n>', seedHelp, intArg(0), 0);
}

export interface OpenedPipeline {
  config: ConfigSpec;
  spec: PipelineSpec;
  pipeline: Pipeline;
  /** The options the pipeline was made with. */
  options: PipelineOptions;
  /** The datalist's `labels` (value -> name), when it has them. */
  labels?: Record<string, string>;
}

/** Loads the config and picks the section (no pipeline made); config warnings go to `io.err` unless `quiet`. */
export function openSection(opts: PipelineCliOpts, io: CliIO, quiet = false): Omit<OpenedPipeline, 'pipeline' | 'options'> {
  // A bundle reads only the section asked for (the other may hold what voxelpipe does not read).
  const config = loadConfig({ config: opts.config, env: opts.env, mmar: opts.mmar, set: opts.set, registry: createDefaultRegistry(), sections: [opts.section ?? 'train'] });
  if (!quiet) for (const w of config.warnings) io.err(`voxelpipe: warning: ${w}\n`);
  const section = opts.section ?? (config.evaluation ? 'validate' : 'train');
  const spec = config[section];
  if (!spec)
    throw new VoxelpipeError(
      'ERR_CONFIG',
      config.evaluation
        ? `${opts.config}: an evaluation config has one pipeline (validate), not "${section}"; leave out --section`
        : `${opts.config}: has no "${section}" section with an image_pipeline`,
    );
  return { config, spec, labels: datalistLabels(spec.datalist.file) };
}

/** Loads the config and makes the section's pipeline (the caller closes it); config warnings go to `io.err` unless `quiet`. */
export function openPipeline(opts: PipelineCliOpts, io: CliIO, overrides: RunOverrides = {}, quiet = false): OpenedPipeline {
  const { config, spec, labels } = openSection(opts, io, quiet);
  const run = { seed: opts.seed, ...overrides };
  const options = config.evaluation ? evaluationPipelineOptions(config, run) : pipelineOptionsFromSpec(config, spec, run);
  const pipeline = createPipeline(options);
  return { config, spec, pipeline, options, labels };
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
