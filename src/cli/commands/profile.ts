import { Command } from 'commander';
import { isChainImage, type Sample } from '../../transforms/image.js';
import { isLazyImage } from '../../transforms/lazy/lazy-image.js';
import { ARRAY_CTORS } from '../../volume/dtype.js';
import { numElements } from '../../volume/volume.js';
import type { ChainStep } from '../../transforms/chain.js';
import { formatBytes } from '../../util/errors.js';
import type { Pipeline } from '../../pipeline/engine.js';
import { intArg, openPipeline, pipelineCliOptions, type CliIO, type PipelineCliOpts } from '../common.js';

/** One transform of the chain, over the profiled samples. */
export interface TransformProfile {
  /** Index in the chain as it runs (with a step voxelpipe inserts, such as the fg/bg index of a Fast crop). */
  index: number;
  name: string;
  calls: number;
  mean_ms: number;
  p95_ms: number;
  /** Share of the chain's total time, 0..1. */
  share: number;
  /** Mean bytes of the image fields after this transform. */
  bytes_out: number;
  slowest: boolean;
  /** Part of the deterministic prefix Smart Cache keeps: with a cache it runs once per item, not per sample. */
  cached: boolean;
}

export interface ProfileReport {
  samples: number;
  total_ms_per_sample: number;
  /** With Smart Cache: the time per sample of the steps after the cached prefix. */
  tail_ms_per_sample?: number;
  transforms: TransformProfile[];
}

/** Sum of the voxel bytes of every image field of a sample (a lazy image: the bytes it stands for). */
export function imageBytes(s: Sample): number {
  let n = 0;
  for (const v of Object.values(s)) {
    if (isChainImage(v)) n += v.data.byteLength;
    else if (isLazyImage(v)) n += numElements(v.shape) * ARRAY_CTORS[v.dtype].BYTES_PER_ELEMENT;
  }
  return n;
}

/** p-th percentile (0..100) of sorted values, numpy's linear interpolation. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const r = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(r);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (r - lo);
}

/**
 * Runs `samples` samples through the chain on this thread (epoch after
 * epoch, in each epoch's order: the samples training draws first) and
 * times every transform call.
 */
export async function profilePipeline(pipeline: Pipeline, samples: number, withCache = false): Promise<ProfileReport> {
  const times: number[][] = [];
  const bytes: number[] = [];
  const names: string[] = [];
  let boundary = Infinity;
  const onStep = (s: ChainStep) => {
    if (s.random) boundary = Math.min(boundary, s.index);
    (times[s.index] ??= []).push(s.ns / 1e6);
    bytes[s.index] = (bytes[s.index] ?? 0) + imageBytes(s.result);
    names[s.index] = s.name;
  };
  let done = 0;
  for (let e = 0; done < samples; e++) {
    const n = pipeline.order(e).length;
    for (let i = 0; i < n && done < samples; i++, done++) await pipeline.sample(e, i, { onStep });
  }
  const means = times.map((t) => t.reduce((a, b) => a + b, 0) / t.length);
  const total = means.reduce((a, b) => a + b, 0);
  const slowest = means.indexOf(Math.max(...means));
  const cached = (i: number) => withCache && i < boundary;
  return {
    samples: done,
    total_ms_per_sample: total,
    ...(withCache ? { tail_ms_per_sample: means.reduce((a, m, i) => (cached(i) ? a : a + m), 0) } : {}),
    transforms: times.map((t, i) => ({
      index: i,
      name: names[i],
      calls: t.length,
      mean_ms: means[i],
      p95_ms: percentile([...t].sort((a, b) => a - b), 95),
      share: total > 0 ? means[i] / total : 0,
      bytes_out: Math.round(bytes[i] / t.length),
      slowest: i === slowest,
      cached: cached(i),
    })),
  };
}

/** The report as an aligned table. */
export function formatProfile(r: ProfileReport): string {
  const head = ['#', 'transform', 'mean ms', 'p95 ms', 'share', 'bytes out'];
  const rows = r.transforms.map((t) => [
    String(t.index),
    t.name,
    t.mean_ms.toFixed(2),
    t.p95_ms.toFixed(2),
    `${(t.share * 100).toFixed(1)}%`,
    formatBytes(t.bytes_out),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const right = [true, false, true, true, true, true];
  const line = (cells: string[]) => cells.map((x, c) => (right[c] ? x.padStart(widths[c]) : x.padEnd(widths[c]))).join('  ').trimEnd();
  const note = (t: TransformProfile) => [t.cached ? 'cached' : '', t.slowest ? '<- slowest' : ''].filter(Boolean).join(' ');
  const out = [line(head), ...rows.map((row, i) => `${line(row)}  ${note(r.transforms[i])}`.trimEnd())];
  const slow = r.transforms.find((t) => t.slowest);
  out.push(`${r.samples} samples, ${r.total_ms_per_sample.toFixed(1)} ms per sample on one thread` + (slow ? `; slowest step: ${slow.name} (${(slow.share * 100).toFixed(0)}%)` : ''));
  if (r.tail_ms_per_sample !== undefined)
    out.push(`Smart Cache keeps the output of the steps marked cached (run once per item): ${r.tail_ms_per_sample.toFixed(1)} ms per sample after the cache fills`);
  return out.join('\n') + '\n';
}

interface ProfileOpts extends PipelineCliOpts {
  samples: number;
  json?: boolean;
}

export function profileCommand(io: CliIO): Command {
  return pipelineCliOptions(
    new Command('profile').description('time each transform of a config\'s chain over K samples (one thread): mean, p95, share, bytes produced'),
    'seed of every random draw (the same as the run you want to look at)',
  )
    .option('-k, --samples <k>', 'samples to run', intArg(1), 20)
    .option('--json', 'print the report as one JSON line')
    .action(async (opts: ProfileOpts) => {
      // Workers 0 and no cache: every call is timed on this thread, without contention.
      const { pipeline, spec } = openPipeline(opts, io, { workers: 0 });
      try {
        const report = await profilePipeline(pipeline, opts.samples, spec.imagePipeline.withCache && spec.imagePipeline.args.num_cache_objects !== undefined);
        io.out(opts.json ? JSON.stringify(report) + '\n' : formatProfile(report));
      } finally {
        await pipeline.close();
      }
    });
}
