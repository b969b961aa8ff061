import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { startViewServer, VIEW_DEFAULTS } from '../../view/index.js';
import { intArg, openSection, pipelineCliOptions, type CliIO, type PipelineCliOpts } from '../common.js';

interface ViewOpts extends PipelineCliOpts {
  host: string;
  port: number;
  open?: boolean;
  cacheDir?: string;
}

/** The platform's "open this URL" command. */
function opener(): [string, string[]] {
  if (process.platform === 'darwin') return ['open', []];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""']];
  return ['xdg-open', []];
}

function openBrowser(url: string, io: CliIO): void {
  const [cmd, args] = opener();
  const child = spawn(cmd, [...args, url], { stdio: 'ignore', detached: true });
  child.on('error', () => io.err(`voxelpipe: could not start ${cmd} to open the page; open ${url} yourself\n`));
  child.unref();
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export function viewCommand(io: CliIO, stopped: () => Promise<string> = untilStopped): Command {
  return pipelineCliOptions(
    new Command('view').description(
      'serve a local page to look at samples exactly as training gets them: the three planes slice by slice, each step of the chain, the crop boxes and random draws, whole batches',
    ),
    'seed of every random draw (the same as the run you want to look at)',
  )
    .option('--host <address>', 'address to listen on (the default, 127.0.0.1, lets only this machine connect)', VIEW_DEFAULTS.host)
    .option('--port <n>', 'port (0 picks a free one)', intArg(0), VIEW_DEFAULTS.port)
    .option('--open', 'open the page in the default browser')
    .option('--cache-dir <dir>', 'persistent cache folder (overrides the config\'s cache_dir)')
    .action(async (opts: ViewOpts) => {
      const { config, spec, labels } = openSection(opts, io);
      const server = await startViewServer({ config, spec, labels, seed: opts.seed, overrides: { cacheDir: opts.cacheDir }, host: opts.host, port: opts.port });
      io.out(`voxelpipe view: ${server.url}  (${spec.section} section of ${config.configFile}, seed ${opts.seed}; Ctrl-C stops)\n`);
      if (!server.loopback)
        io.err(`voxelpipe: warning: listening on ${opts.host}: other machines that reach it can see this dataset's images\n`);
      if (opts.open) openBrowser(server.url, io);
      const sig = await stopped();
      await server.close();
      io.out(`voxelpipe view: stopped (${sig})\n`);
    });
}
