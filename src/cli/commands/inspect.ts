import { Command } from 'commander';
import { readVolume } from '../../io/index.js';
import { orientationCode } from '../../volume/affine.js';
import { volumeStats } from '../../volume/stats.js';
import type { Volume } from '../../volume/volume.js';
import type { CliIO } from '../common.js';

/** The `inspect --json` object, exactly as DESIGN.md's CLI contract fixes it. */
export interface InspectJson {
  format: string;
  shape: number[];
  dtype: string;
  spacing: number[];
  affine: number[][];
  stats: { min: number | null; max: number | null; mean: number | null; sum: number };
}

export function inspectJson(v: Volume): InspectJson {
  const s = volumeStats(v);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    format: String(v.meta.format ?? 'unknown'),
    shape: v.shape,
    dtype: v.dtype,
    spacing: v.spacing,
    affine: v.affine,
    stats: { min: finite(s.min), max: finite(s.max), mean: finite(s.mean), sum: s.sum },
  };
}

function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3 ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}

export function inspectText(file: string, v: Volume): string {
  const s = volumeStats(v);
  const m = v.meta;
  const lines = [
    `file         ${file}`,
    `format       ${m.format ?? 'unknown'} (${m.byteOrder ?? 'little'}-endian)`,
    `shape        ${v.shape.join(' x ')}`,
    `dtype        ${v.dtype}${v.data.constructor.name !== 'Float32Array' && v.data.constructor.name !== 'Float64Array' ? '' : ' (scaled to ' + v.data.constructor.name.replace('Array', '').toLowerCase() + ')'}`,
    `spacing      ${v.spacing.map(fmt).join(' x ')}${m.spatialUnits && m.spatialUnits !== 'unknown' ? ` ${m.spatialUnits}` : ''}`,
    `orientation  ${orientationCode(v.affine)}`,
    `affine       ${v.affine.map((r) => r.map((x) => fmt(x).padStart(10)).join(' ')).join('\n             ')}`,
  ];
  if (m.sformCode !== undefined) lines.push(`codes        sform ${m.sformCode}, qform ${m.qformCode}`);
  if ((m.sclSlope ?? 1) !== 1 || (m.sclInter ?? 0) !== 0) lines.push(`scaling      value * ${fmt(m.sclSlope ?? 1)} + ${fmt(m.sclInter ?? 0)}`);
  if (m.repetitionTime) lines.push(`TR           ${fmt(m.repetitionTime)}${m.temporalUnits && m.temporalUnits !== 'unknown' ? ` ${m.temporalUnits}` : ''}`);
  if (m.intentCode) lines.push(`intent       ${m.intentCode}${m.intentName ? ` (${m.intentName})` : ''}`);
  if (m.description) lines.push(`description  ${m.description}`);
  lines.push(`values       min ${fmt(s.min)}, max ${fmt(s.max)}, mean ${fmt(s.mean)}${s.nan ? `, ${s.nan} NaN` : ''}`);
  return lines.join('\n') + '\n';
}

export function inspectCommand(io: CliIO): Command {
  return new Command('inspect')
    .description('show the header and voxel statistics of an image file')
    .argument('<file>', 'image file or DICOM series folder (NIfTI, Analyze, DICOM, NRRD, MetaImage, PNG, JPEG, NumPy)')
    .option('--json', 'print one JSON object: format, shape, dtype, spacing, affine, stats')
    .action((file: string, opts: { json?: boolean }) => {
      const v = readVolume(file);
      io.out(opts.json ? JSON.stringify(inspectJson(v)) + '\n' : inspectText(file, v));
    });
}
