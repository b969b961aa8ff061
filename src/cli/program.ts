import { Command, CommanderError } from 'commander';
import { isVoxelpipeError } from '../util/errors.js';
import { voxelpipeVersion, type CliIO } from './common.js';
import { inspectCommand } from './commands/inspect.js';
import { convertCommand } from './commands/convert.js';
import { validateCommand } from './commands/validate.js';
import { runCommand } from './commands/run.js';
import { cacheCommand } from './commands/cache.js';
import { benchCommand } from './commands/bench.js';
import { previewCommand } from './commands/preview.js';
import { profileCommand } from './commands/profile.js';
import { demoCommand } from './commands/demo.js';
import { serveCommand } from './commands/serve.js';
import { evaluateCommand } from './commands/evaluate.js';
import { viewCommand } from './commands/view.js';

export type { CliIO } from './common.js';

const defaultIO: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export function buildProgram(io: CliIO): Command {
  const program = new Command('voxelpipe')
    .description('Feed medical images to neural networks: read, transform, cache and batch volumes (Clara Train 3.x compatible).')
    .version(voxelpipeVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  program.addCommand(inspectCommand(io));
  program.addCommand(convertCommand(io));
  program.addCommand(validateCommand(io));
  program.addCommand(runCommand(io));
  program.addCommand(cacheCommand(io));
  program.addCommand(benchCommand(io));
  program.addCommand(previewCommand(io));
  program.addCommand(profileCommand(io));
  program.addCommand(demoCommand(io));
  program.addCommand(serveCommand(io));
  program.addCommand(evaluateCommand(io));
  program.addCommand(viewCommand(io));
  // addCommand does not pass settings down: without this a bad option value in
  // a subcommand would print to process.stderr and exit the process.
  for (const cmd of program.commands) cmd.copyInheritedSettings(program);
  return program;
}

/**
 * Runs the CLI and returns the exit code. A `VoxelpipeError` is printed as
 * its one-line message (with the stack only under VOXELPIPE_DEBUG=1).
 */
export async function runCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const debug = process.env.VOXELPIPE_DEBUG === '1';
    if (isVoxelpipeError(e)) {
      io.err(`voxelpipe: ${e.message}\n`);
      if (debug && e.stack) io.err(`${e.stack}\n`);
      return 1;
    }
    // An unexpected failure is a bug in voxelpipe: say so, with the stack.
    io.err(`voxelpipe: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (debug || !(e instanceof Error)) io.err(`${(e as Error)?.stack ?? ''}\n`);
    else io.err('(set VOXELPIPE_DEBUG=1 for the stack trace, and please report it)\n');
    return 2;
  }
}
