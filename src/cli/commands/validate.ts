import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { validateMmar, type ValidateReport } from '../../datalist/validate-mmar.js';
import type { SearchVariableReport } from '../../config/search-point.js';
import { collect, type CliIO } from '../common.js';

export type { ValidateReport, ValidateProblem } from '../../datalist/validate-mmar.js';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const show = (v: unknown) => JSON.stringify(v);

/** The AutoML search space, one variable per line and one line per place it applies. */
export function formatSearchSpace(vars: readonly SearchVariableReport[]): string {
  if (vars.length === 0) return '';
  const picked = vars.filter((v) => v.picked !== undefined).map((v) => v.name);
  const lines = [
    `search space (AutoML): ${count(vars.length, 'variable')}; ${
      picked.length ? `picked with --set: ${picked.join(', ')}; the others keep the values written` : 'the values written are used; --set NAME=VALUE picks a point'
    }`,
  ];
  for (const v of vars) {
    const domain = v.type === 'float' ? `float [${v.range!.join(', ')}]` : `enum ${v.choices!.map(show).join(' | ')}`;
    const extra = [v.domain, `defined at ${v.entry}`, v.with ? `chosen with ${v.with.join(', ')}` : undefined, v.picked !== undefined ? `picked ${show(v.picked)}` : undefined];
    lines.push(`  ${v.name}: ${domain} (${extra.filter(Boolean).join('; ')})`);
    if (v.places.length === 0) lines.push('    (applies nowhere: no "apply" names it)');
    for (const p of v.places) lines.push(`    ${p.path} = ${p.value === null ? '(not written: the default)' : show(p.value)}${p.via === 'apply' ? '  [apply]' : ''}`);
  }
  return lines.join('\n') + '\n';
}

export function validateCommand(io: CliIO): Command {
  return new Command('validate')
    .description(
      'check a Clara config and every datalist entry it names: files exist and decode whole, image/label shapes and affines agree, labels are integers; lists an AutoML search space',
    )
    .requiredOption('-c, --config <file>', 'Clara config (config/config_train.json)')
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path, or pick a search-space point (repeatable)', collect)
    .option('--headers-only', 'the fast pass: read headers (and .nii.gz trailers) only; corruption inside compressed data goes unseen')
    // Decoding every file used to be --deep; it is the default now.
    .addOption(new Option('--deep').hideHelp())
    .option('--json', 'print one JSON object: ok, sections, entries, files, bytes, decoded_bytes, headersOnly, problems, warnings, search')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .action(async (opts: { config: string; env?: string; mmar?: string; set?: string[]; headersOnly?: boolean; json?: boolean; progress: boolean }) => {
      const showBar = !opts.json && opts.progress && process.stderr.isTTY === true;
      const format = opts.headersOnly
        ? 'validating (headers only) {bar} {value}/{total} entries'
        : 'validating {bar} {value}/{total} entries | {mb} MB of voxels decoded, {rate} MB/s';
      const bar = showBar
        ? new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = 0;
      let report: ValidateReport;
      try {
        report = await validateMmar({
          config: opts.config,
          env: opts.env,
          mmar: opts.mmar,
          set: opts.set,
          headersOnly: opts.headersOnly,
          onEntry: bar
            ? (done, total, bytes) => {
                if (!started) {
                  started = performance.now();
                  bar.start(total, 0, { mb: '0', rate: '-' });
                }
                const s = (performance.now() - started) / 1000;
                bar.update(done, { mb: (bytes / 1e6).toFixed(1), rate: s > 0.05 ? (bytes / 1e6 / s).toFixed(0) : '-' });
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
        io.out(formatSearchSpace(report.search));
        for (const w of report.warnings) io.err(`voxelpipe: warning: ${w}\n`);
        for (const p of report.problems) io.err(`${p.location ? `${p.location}: ` : ''}${p.message}\n`);
        const entries = count(report.entries, 'entry', 'entries');
        const files = `${count(report.files, 'file')} ${report.headersOnly ? 'checked (headers only)' : 'decoded'}`;
        io.out(report.ok ? `ok: ${entries}, ${files}, no problems\n` : `${count(report.problems.length, 'problem')} found (${entries}, ${files})\n`);
      }
      // Exit 1 without another message: the report said it all.
      if (!report.ok) throw new CommanderError(1, 'voxelpipe.validate.problems', 'validation found problems');
    });
}
