import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, SECTIONS, type ConfigSpec, type Section } from '../../config/index.js';
import { readJsonFile } from '../../config/json.js';
import { checkItem, checkListValues, datalistOptionsFor, FileChecks, parseDatalist, type Item } from '../../datalist/index.js';
import { createDefaultRegistry } from '../../transforms/catalogue.js';
import { isVoxelpipeError } from '../../util/errors.js';
import type { CliIO } from '../program.js';

/** One problem in the `validate --json` report. */
export interface ValidateProblem {
  section?: Section;
  /** The datalist file, for entry problems. */
  datalist?: string;
  /** `training[3].label`, or the config JSON path. */
  location?: string;
  file?: string;
  message: string;
}

/** The `validate --json` object. */
export interface ValidateReport {
  ok: boolean;
  config: string;
  sections: Partial<Record<Section, { pipeline: string; datalist: string; key: string; items: number }>>;
  entries: number;
  files: number;
  problems: ValidateProblem[];
  warnings: string[];
}

export interface ValidateOptions {
  config: string;
  env?: string;
  mmar?: string;
  set?: string[];
  deep?: boolean;
  /** Called after each entry is checked (progress). */
  onEntry?: (done: number, total: number) => void;
  cwd?: string;
}

/**
 * Checks a config, then every datalist entry of its sections. Problems are
 * collected, never thrown; a config the loader refuses yields its problems
 * and no entry checks.
 */
export async function validateMmar(options: ValidateOptions): Promise<ValidateReport> {
  const report: ValidateReport = { ok: false, config: options.config, sections: {}, entries: 0, files: 0, problems: [], warnings: [] };
  let spec: ConfigSpec;
  try {
    spec = loadConfig({ config: options.config, env: options.env, mmar: options.mmar, set: options.set, registry: createDefaultRegistry(), cwd: options.cwd });
  } catch (e) {
    if (!isVoxelpipeError(e)) throw e;
    const listed = e.context.problems as string[] | undefined;
    for (const message of listed ?? [e.message]) report.problems.push({ message: listed ? `${options.config}: ${message}` : message });
    return report;
  }
  report.config = spec.configFile;
  report.warnings.push(...spec.warnings);

  const work: { section: Section; key: string; datalist: string; items: Item[]; dims: number }[] = [];
  const entryProblem = (s: Section, datalist: string, p: { location: string; file?: string; message: string }) =>
    report.problems.push({ section: s, datalist, location: p.location, ...(p.file ? { file: p.file } : {}), message: p.message });
  for (const s of SECTIONS) {
    const sec = spec[s];
    if (!sec) continue;
    const opts = datalistOptionsFor(sec);
    let items: Item[] = [];
    try {
      const parsed = parseDatalist(readJsonFile(opts.file), opts);
      items = parsed.items;
      for (const p of parsed.problems) report.problems.push({ section: s, datalist: opts.file, message: p.message });
    } catch (e) {
      if (!isVoxelpipeError(e)) throw e;
      report.problems.push({ section: s, datalist: opts.file, message: e.message });
    }
    for (const p of checkListValues(items, opts.key, sec.imagePipeline)) entryProblem(s, opts.file, p);
    report.sections[s] = { pipeline: sec.imagePipeline.name, datalist: opts.file, key: opts.key, items: items.length };
    work.push({ section: s, key: opts.key, datalist: opts.file, items, dims: sec.imagePipeline.args.output_data_dims });
  }

  const files = new FileChecks(options.deep);
  const total = work.reduce((n, w) => n + w.items.length, 0);
  let done = 0;
  let lastYield = Date.now();
  for (const w of work) {
    for (const item of w.items) {
      for (const p of checkItem(item, w.key, files, { dims: w.dims, deep: options.deep })) entryProblem(w.section, w.datalist, p);
      options.onEntry?.(++done, total);
      // Header reads are synchronous: let the progress bar's timer redraw now and then.
      if (options.onEntry && Date.now() - lastYield > 100) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }
  report.entries = total;
  report.files = files.filesChecked;
  report.ok = report.problems.length === 0;
  return report;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function validateCommand(io: CliIO): Command {
  return new Command('validate')
    .description('check a Clara config and every datalist entry it names: files exist and parse, image/label shapes and affines agree, labels are integers')
    .requiredOption('-c, --config <file>', 'Clara config (config/config_train.json)')
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--deep', 'read every voxel of every file (finds corruption inside compressed data; slower)')
    .option('--json', 'print one JSON object: ok, sections, entries, files, problems, warnings')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .action(async (opts: { config: string; env?: string; mmar?: string; set?: string[]; deep?: boolean; json?: boolean; progress: boolean }) => {
      const showBar = !opts.json && opts.progress && process.stderr.isTTY === true;
      const bar = showBar
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'validating {bar} {value}/{total} entries', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = false;
      let report: ValidateReport;
      try {
        report = await validateMmar({
          ...opts,
          onEntry: bar
            ? (done, total) => {
                if (!started) bar.start(total, 0);
                started = true;
                bar.update(done);
              }
            : undefined,
        });
      } finally {
        if (started) bar?.stop();
      }
      if (opts.json) io.out(JSON.stringify(report) + '\n');
      else {
        for (const [s, v] of Object.entries(report.sections))
          io.out(`${s.padEnd(9)} ${v.pipeline}, datalist ${v.datalist} [${v.key}]: ${count(v.items, 'entry', 'entries')}\n`);
        for (const w of report.warnings) io.err(`voxelpipe: warning: ${w}\n`);
        for (const p of report.problems) io.err(`${p.location ? `${p.location}: ` : ''}${p.message}\n`);
        const entries = count(report.entries, 'entry', 'entries');
        io.out(
          report.ok
            ? `ok: ${entries}, ${count(report.files, 'file')} checked, no problems\n`
            : `${count(report.problems.length, 'problem')} found (${entries}, ${count(report.files, 'file')} checked)\n`,
        );
      }
      // Exit 1 without another message: the report said it all.
      if (!report.ok) throw new CommanderError(1, 'voxelpipe.validate.problems', 'validation found problems');
    });
}
