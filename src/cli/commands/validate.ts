import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { validateMmar, type ValidateReport } from '../../datalist/validate-mmar.js';
import { collect, type CliIO } from '../common.js';

export type { ValidateReport, ValidateProblem } from '../../datalist/validate-mmar.js';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function validateCommand(io: CliIO): Command {
  return new Command('validate')
    .description('check a Clara config and every datalist entry it names: files exist and parse, image/label shapes and affines agree, labels are integers')
    .requiredOption('-c, --config <file>', 'Clara config (config/config_train.json)')
    .option('-e, --env <file>', 'environment.json (default: beside the config)')
    .option('-m, --mmar <dir>', 'MMAR root that relative paths resolve against (default: the config folder)')
    .option('--set <KEY=VALUE...>', 'override a variable or a dotted config path (repeatable)', collect)
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
