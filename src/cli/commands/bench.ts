import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { formatReport, runBench, profileOf } from '../../bench/run.js';
import { ensureData, measureFloors, runMode, warmPersistent } from '../../bench/measure.js';
import { modeSpec, MODES } from '../../bench/spec.js';
import { runBridgeMode } from '../../bench/bridge.js';
import { VoxelpipeError } from '../../util/errors.js';
import { collect, type CliIO } from '../common.js';

interface BenchOpts {
  quick?: boolean;
  dataDir: string;
  out: string;
  save: boolean;
  mode?: string[];
  json?: boolean;
  child?: string;
}

/**
 * `voxelpipe bench`: the benchmark of issue 9 (spleen-like data, the Clara
 * spleen chain, uncached / Smart Cache modes, gunzip and memcpy floors).
 * Each mode runs in a fresh child process (`--child <mode>`, internal).
 */
export function benchCommand(io: CliIO): Command {
  return new Command('bench')
    .description('benchmark the spleen chain on generated CT-like data: crops/s, first batch, peak RSS, against the gunzip and memcpy floors')
    .option('--quick', 'small data (4 volumes 64x64x36..44, 32^3 crops): a smoke run in seconds')
    .option('--data-dir <dir>', 'where the generated dataset is kept between runs', '.bench-data')
    .option('--out <dir>', 'where the JSON report is written', 'bench/results')
    .option('--no-save', 'do not write the JSON report')
    .option('--mode <name...>', `modes to run (default all: ${MODES.map((m) => m.name).join(', ')})`, collect)
    .option('--json', 'print the report as one JSON line (nothing else on stdout)')
    .addOption(new Option('--child <what>', 'internal: measure one mode (or "floors") in this process and print it as JSON').hideHelp())
    .action(async (opts: BenchOpts) => {
      const dataDir = resolve(opts.dataDir);
      if (opts.child) {
        const p = profileOf(opts.quick === true);
        const mode = opts.child === 'floors' ? undefined : modeSpec(opts.child.replace(/^warm:/, ''));
        if (opts.child !== 'floors' && !mode)
          throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `bench: unknown mode "${opts.child}" (modes: floors, warm:persistent, ${MODES.map((m) => m.name).join(', ')})`);
        const data = ensureData(dataDir, p);
        let result: unknown;
        if (!mode) result = await measureFloors(p, data);
        else if (opts.child.startsWith('warm:')) result = await warmPersistent(p, mode, data, dataDir);
        else if (mode.bridge) result = await runBridgeMode(p, mode, data);
        else result = await runMode(p, mode, data, dataDir);
        io.out(JSON.stringify(result) + '\n');
        return;
      }
      const report = await runBench({
        quick: opts.quick === true,
        dataDir,
        outDir: opts.save ? resolve(opts.out) : null,
        modes: opts.mode,
        log: (s) => io.err(s),
      });
      io.out(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
    });
}
