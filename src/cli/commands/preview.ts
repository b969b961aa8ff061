import { Command, InvalidArgumentError } from 'commander';
import { writePreviews } from '../../preview/write-previews.js';
import { intArg, openPipeline, pipelineCliOptions, type CliIO, type PipelineCliOpts } from '../common.js';

function windowArg(v: string): [number, number] {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1]))
    throw new InvalidArgumentError(`expected LO,HI with LO < HI (e.g. 0,1 or -57,164), got "${v}"`);
  return [parts[0], parts[1]];
}

interface PreviewOpts extends PipelineCliOpts {
  out: string;
  count: number;
  epoch: number;
  index?: number;
  crops: number;
  window?: [number, number];
  axialSlices: number;
  json?: boolean;
}

export function previewCommand(io: CliIO): Command {
  return pipelineCliOptions(
    new Command('preview').description('draw samples after the chain as PNG mosaics (image, label overlay, legend): exactly what training is fed'),
    'seed of every random draw (the same as the run you want to look at)',
  )
    .requiredOption('-o, --out <dir>', 'folder for the PNGs (created)')
    .option('--count <n>', 'samples to draw, from the start of the epoch', intArg(1), 4)
    .option('--epoch <e>', 'epoch of the samples', intArg(0), 0)
    .option('--index <i>', 'draw only the sample at this position of the epoch (0-based)', intArg(0))
    .option('--crops <n>', 'crops drawn of a batched crop sample (one PNG each)', intArg(1), 1)
    .option('--window <lo,hi>', 'intensity window mapped to black..white (default: 1st..99th percentile of the crop)', windowArg)
    .option('--axial-slices <n>', 'also draw a grid of this many axial slices (3D)', intArg(0), 0)
    .option('--json', 'print the files written as one JSON line')
    .action(async (opts: PreviewOpts) => {
      // Workers 0: previews run the chain on this thread, whatever the config says.
      const { pipeline, labels } = openPipeline(opts, io, { workers: 0 });
      try {
        const n = pipeline.order(opts.epoch).length;
        const indices = opts.index !== undefined ? [opts.index] : Array.from({ length: Math.min(opts.count, n) }, (_, i) => i);
        const files = await writePreviews(pipeline, { out: opts.out, epoch: opts.epoch, indices, crops: opts.crops, window: opts.window, labels, axialSlices: opts.axialSlices });
        if (opts.json) io.out(JSON.stringify({ files }) + '\n');
        else for (const f of files) io.out(`${f.file}  (${f.width}x${f.height}, item ${f.item}: ${f.source})\n`);
      } finally {
        await pipeline.close();
      }
    });
}
