import { loadConfig, SECTIONS, type ConfigSpec, type Section, type TransformChecker } from '../config/index.js';
import type { SearchVariableReport } from '../config/search-point.js';
import { createDefaultRegistry } from '../transforms/catalogue.js';
import { boundMessage, isVoxelpipeError } from '../util/errors.js';
import { checkItem, checkListValues, FileChecks } from './check.js';
import { datalistOptionsFor, parseDatalist, readDatalistJson, type Item } from './datalist.js';

/**
 * What `voxelpipe validate` does, as a library function: the config, then
 * every datalist entry of both sections. Rendering is the CLI's job.
 */

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
  /** Bytes of the files decoded whole (their size on disk); 0 with headersOnly. */
  bytes: number;
  /** Bytes of voxel data they decoded to. */
  decoded_bytes: number;
  /** The fast pass: headers (and gzip trailers) only. */
  headersOnly: boolean;
  problems: ValidateProblem[];
  warnings: string[];
  /** The AutoML search space: each variable, its range or choices, and every place it applies with the value in use. */
  search: SearchVariableReport[];
}

export interface ValidateOptions {
  config: string;
  env?: string;
  mmar?: string;
  set?: string[];
  /** Read headers (and .nii.gz trailers) only: fast, but corruption inside compressed data goes unseen. Default: decode every file whole. */
  headersOnly?: boolean;
  /** Transform definitions to check names and args against (default: the built-in catalogue). */
  registry?: TransformChecker;
  /** Called after each entry is checked (progress): entries done, entries in all, voxel bytes decoded so far. */
  onEntry?: (done: number, total: number, decodedBytes: number) => void;
  cwd?: string;
}

/**
 * Checks a config, then every datalist entry of its sections. Problems are
 * collected, never thrown; a config the loader refuses yields its problems
 * and no entry checks.
 */
export async function validateMmar(options: ValidateOptions): Promise<ValidateReport> {
  const headersOnly = options.headersOnly === true;
  const report: ValidateReport = { ok: false, config: options.config, sections: {}, entries: 0, files: 0, bytes: 0, decoded_bytes: 0, headersOnly, problems: [], warnings: [], search: [] };
  let spec: ConfigSpec;
  try {
    spec = loadConfig({ config: options.config, env: options.env, mmar: options.mmar, set: options.set, registry: options.registry ?? createDefaultRegistry(), cwd: options.cwd });
  } catch (e) {
    if (!isVoxelpipeError(e)) throw e;
    const listed = e.context.problems as string[] | undefined;
    for (const message of listed ?? [e.message]) report.problems.push({ message: boundMessage(listed ? `${options.config}: ${message}` : message) });
    return report;
  }
  report.config = spec.configFile;
  report.warnings.push(...spec.warnings);
  report.search = spec.search;

  const work: { section: Section; key: string; datalist: string; items: Item[]; dims: number }[] = [];
  const entryProblem = (s: Section, datalist: string, p: { location: string; file?: string; message: string }) =>
    report.problems.push({ section: s, datalist, location: p.location, ...(p.file ? { file: p.file } : {}), message: p.message });
  for (const s of SECTIONS) {
    const sec = spec[s];
    if (!sec) continue;
    const opts = datalistOptionsFor(sec);
    let items: Item[] = [];
    try {
      const parsed = parseDatalist(readDatalistJson(opts), opts);
      items = parsed.items;
      for (const p of parsed.problems) report.problems.push({ section: s, datalist: opts.file, message: p.message });
    } catch (e) {
      if (!isVoxelpipeError(e)) throw e;
      report.problems.push({ section: s, datalist: opts.file, message: e.message });
    }
    for (const p of checkListValues(items, opts.key, sec.imagePipeline)) entryProblem(s, opts.file, p);
    report.sections[s] = { pipeline: sec.imagePipeline.monai ? `${sec.imagePipeline.monai.dataset} + ${sec.imagePipeline.monai.loader}` : sec.imagePipeline.name, datalist: opts.file, key: opts.key, items: items.length };
    work.push({ section: s, key: opts.key, datalist: opts.file, items, dims: sec.imagePipeline.args.output_data_dims });
  }

  const files = new FileChecks(headersOnly);
  const total = work.reduce((n, w) => n + w.items.length, 0);
  let done = 0;
  let lastYield = Date.now();
  for (const w of work) {
    for (const item of w.items) {
      for (const p of checkItem(item, w.key, files, { dims: w.dims })) entryProblem(w.section, w.datalist, p);
      options.onEntry?.(++done, total, files.bytesDecoded);
      // File reads are synchronous: let the progress bar's timer redraw now and then.
      if (options.onEntry && Date.now() - lastYield > 100) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }
  report.entries = total;
  report.files = files.filesChecked;
  report.bytes = files.bytesRead;
  report.decoded_bytes = files.bytesDecoded;
  report.ok = report.problems.length === 0;
  // Each problem is a line of the report: one bounded line, as an error message is (values from the files are echoed in them).
  for (const p of report.problems) p.message = boundMessage(p.message);
  return report;
}
