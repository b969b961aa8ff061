import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { createEvaluator, type CaseResult, type EvaluationSummary, type MetricResult } from '../../evaluate/evaluator.js';
import { createDefaultRegistry } from '../../transforms/catalogue.js';
import { loadConfig } from '../../config/load-config.js';
import { configCliOptions, intArg, type CliIO } from '../common.js';

/** The `evaluate --json` object: the summary and every case's result. */
export interface EvaluateReport extends EvaluationSummary {
  results: CaseResult[];
}

interface EvaluateOpts {
  config: string;
  env?: string;
  mmar?: string;
  set?: string[];
  model?: string;
  modelInput?: string;
  modelOutput?: string;
  predictions?: string;
  skipBadCases?: boolean;
  threads?: number;
  write: boolean;
  json?: boolean;
  progress: boolean;
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : Number.isNaN(v) ? 'nan' : v.toFixed(4));

export function evaluateCommand(io: CliIO): Command {
  return configCliOptions(
    new Command('evaluate').description(
      'run a Clara evaluation config (config_validation.json): a model (ONNX) over every case with its inferer, the post transforms, the writers, and val_metrics per case and in total (Clara\'s report files); or score saved predictions',
    ),
    'Clara evaluation config (config/config_validation.json)',
  )
    .option('--model <file.onnx>', 'the network, as ONNX (needs onnxruntime-node): one image input [n, C, ...window], one output [n, K, ...window]')
    .option('--model-input <name>', 'the model input to feed (default: its only input)')
    .option('--model-output <name>', 'the model output to read (default: its first output)')
    .option(
      '--predictions <dir>',
      'score saved predictions (NIfTI) instead of running a model: a case\'s prediction is the file in DIR with the same file name as the case\'s image in the datalist (imagesTr/spleen_19.nii.gz -> DIR/spleen_19.nii.gz), on the label\'s grid; a 1-channel label map skips ArgmaxAcrossChannels in post_transforms',
    )
    .option('--skip-bad-cases', 'score the other cases when one fails (a missing or mismatched prediction, a model that does not fit), and list the failures')
    .option('--threads <n>', 'ONNX Runtime threads (default: its choice)', intArg(1))
    .option('--no-write', 'do not run the writers or write the metric reports')
    .option('--json', 'print one JSON object at the end (the summary and every case; nothing else on stdout)')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .action(async (opts: EvaluateOpts) => {
      const showBar = !opts.json && opts.progress && process.stderr.isTTY === true;
      const bar = showBar
        ? new cliProgress.SingleBar({ stream: process.stderr, format: '{case} {bar} {value}/{total} windows', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let barStarted = false;
      const config = loadConfig({ config: opts.config, env: opts.env, mmar: opts.mmar, set: opts.set, registry: createDefaultRegistry() });
      const evaluator = createEvaluator({
        config,
        ...(opts.model !== undefined ? { model: resolve(opts.model) } : {}),
        ...(opts.predictions !== undefined ? { predictions: resolve(opts.predictions) } : {}),
        modelInput: opts.modelInput,
        modelOutput: opts.modelOutput,
        threads: opts.threads,
        skipBadCases: opts.skipBadCases,
        write: opts.write,
        onProgress: (p) => {
          if (!bar) return;
          if (!barStarted) {
            bar.start(p.windowsTotal, p.windowsDone, { case: `${p.case} (${p.index + 1}/${p.total})` });
            barStarted = true;
          } else bar.update(p.windowsDone);
        },
      });
      for (const w of evaluator.warnings) io.err(`voxelpipe: warning: ${w}\n`);
      const perCase = evaluator.evaluation.doValidation ? evaluator.evaluation.metrics.filter((m) => m.name === 'ComputeAverageDice' || m.name === 'ComputeAverage').map((m) => m.args.name) : [];
      const caseWidth = Math.max(4, ...evaluator.names.map((n) => n.length));
      const widths = perCase.map((n) => Math.max(n.length, 6));
      const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(caseWidth) : c.padStart(i <= perCase.length ? widths[i - 1] : 8))).join('  ').trimEnd();
      const say = (s: string) => {
        if (!opts.json) io.out(s);
      };
      say(`${evaluator.describe()}\n`);
      say(`${row(['case', ...perCase, 'windows', 'ms'])}\n`);
      const results: CaseResult[] = [];
      try {
        for await (const r of evaluator.cases()) {
          if (barStarted) bar?.stop();
          barStarted = false;
          results.push(r);
          if (r.ok) say(`${row([r.case, ...perCase.map((n) => fmt(r.metrics[n])), String(r.windows), r.ms.toFixed(0)])}\n`);
          else say(`${row([r.case, ...perCase.map(() => 'failed')])}\n`);
        }
      } finally {
        if (barStarted) bar?.stop();
        await evaluator.close();
      }
      const summary = evaluator.summary();
      if (opts.json) io.out(JSON.stringify({ ...summary, results } satisfies EvaluateReport) + '\n');
      else {
        io.out(formatTotals(summary, perCase, row));
        if (summary.failures.length) {
          io.err(`${summary.failures.length} of ${summary.cases} case${summary.cases === 1 ? '' : 's'} failed (not scored):\n`);
          for (const f of summary.failures) io.err(`  ${f.message}\n`);
        }
      }
      // --skip-bad-cases: the run succeeds when it scored something; the failures are listed above.
      if (summary.cases > 0 && summary.scored === 0) throw new CommanderError(1, 'voxelpipe.evaluate.none', 'no case could be scored');
    });
}

/** The totals under the per-case table: the mean row, then one line per metric with its statistics and report files. */
function formatTotals(s: EvaluationSummary, perCase: string[], row: (cells: string[]) => string): string {
  const byName = new Map(s.metrics.map((m) => [m.name, m]));
  const lines: string[] = [];
  if (perCase.length) lines.push(row(['mean', ...perCase.map((n) => fmt(byName.get(n)?.value))]));
  lines.push('');
  const describe = (m: MetricResult) =>
    m.count !== undefined
      ? `${m.name} (${m.metric}): ${fmt(m.value)} over ${m.count} case${m.count === 1 ? '' : 's'} (min ${fmt(m.min)}, median ${fmt(m.median)}, max ${fmt(m.max)}, std ${fmt(m.std)})`
      : `${m.name} (${m.metric}): ${fmt(m.value)} over ${m.cases} case${m.cases === 1 ? '' : 's'}`;
  for (const m of s.metrics) lines.push(describe(m) + (m.reports.length ? `\n  report: ${m.reports.join(', ')}` : ''));
  lines.push(`${s.scored} of ${s.cases} case${s.cases === 1 ? '' : 's'} scored in ${(s.ms / 1000).toFixed(1)} s${s.files ? `, ${s.files} file${s.files === 1 ? '' : 's'} written` : ''}`);
  return lines.join('\n') + '\n';
}
