import { Command } from 'commander';
import { serveBridge, epochBatchCount, type BridgeSession, type OpenRequest } from '../../adapters/bridge/index.js';
import { resolveRank } from '../../sampling/index.js';
import { VoxelpipeError } from '../../util/errors.js';
import { openPipeline, voxelpipeVersion, type CliIO } from '../common.js';

interface ServeOpts {
  stdio?: boolean;
}

/**
 * `voxelpipe serve --stdio`: the Node side of the Python package
 * (docs/python.md). Requests arrive on stdin, one JSON line each; replies go
 * to stdout; batches go through slot files in shared memory. Started by the
 * client, not by hand.
 */
export function serveCommand(io: CliIO): Command {
  return new Command('serve')
    .description('serve a pipeline\'s batches to another process (the Python package starts it): JSON lines on stdin/stdout, batches in shared memory')
    .option('--stdio', 'talk over stdin/stdout (the only transport)')
    .action(async (opts: ServeOpts) => {
      if (!opts.stdio) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'serve: pass --stdio (requests on stdin, replies on stdout; the Python package starts it so)');
      // stdout carries the protocol alone: anything else this process prints
      // (a custom transform's console.log, a worker's output) goes to stderr.
      const stdout = process.stdout;
      const protocolWrite = stdout.write.bind(stdout) as (s: string) => boolean;
      stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(s, onSignal);
      const server = serveBridge({
        input: process.stdin,
        write: (line) => void protocolWrite(line),
        open: (req) => openSession(req, io),
        version: voxelpipeVersion(),
        signal: stop.signal,
        debug: process.env.VOXELPIPE_DEBUG === '1' ? io.err : undefined,
      });
      // Whatever ends this process, the slot files go with it.
      const onExit = () => server.removeSlotsNow();
      process.once('exit', onExit);
      try {
        await server.done;
      } finally {
        process.removeListener('exit', onExit);
        for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeListener(s, onSignal);
        stdout.write = protocolWrite as typeof stdout.write;
        process.stdin.destroy();
      }
    });
}

function openSession(req: OpenRequest, io: CliIO): BridgeSession {
  const { config, pipeline, options } = openPipeline(
    { config: req.config, env: req.env, mmar: req.mmar, section: req.section, seed: req.seed, set: req.set },
    io,
    { workers: req.workers, prefetch: req.prefetch, rank: req.rank, worldSize: req.world_size, cacheDir: req.cache_dir, skipBadSamples: req.skip_bad_samples },
    true,
  );
  const { rank, worldSize } = resolveRank({ rank: options.rank, worldSize: options.worldSize });
  return {
    pipeline,
    warnings: config.warnings,
    batchCount: (e) => epochBatchCount(options, pipeline.order(e).length),
    rank,
    worldSize,
  };
}
