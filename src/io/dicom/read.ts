import { closeSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { VoxelpipeError, fileError, formatBytes, fromFsError } from '../../util/errors.js';
import { DTYPE_INFO, allocArray, type VoxelArray } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import { openRegularFile, readAt } from '../file.js';
import { LIMITS, maxBytesOf, type ReadOptions } from '../options.js';
import { checkGeometry, checkLimit, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';
import { stackGeometry, type StackSlice } from './geometry.js';
import { NO_PIXEL_DATA, isDicom, parseDicom, syntaxName, type DicomImage } from './parse.js';
import { decodeFrame } from './pixels.js';

export interface DicomReadOptions extends ReadOptions {
  /** Which series of a folder holding several to read (default: the folder must hold one). */
  seriesInstanceUID?: string;
}

/** One slice of the output: frame `frame` of `image`. */
interface Plane {
  image: DicomImage;
  frame: number;
}

interface Plan {
  where: string;
  planes: Plane[];
  shape: number[];
  spacing: number[];
  affine: number[][];
  format: 'dicom' | 'dicom-series';
  oriented: boolean;
  /** DICOM files of the folder skipped because they hold no image. */
  skipped?: number;
}

/**
 * Reads a DICOM file: a single-frame image gives shape [columns, rows]
 * (a 2D image, like a PNG), a multi-frame image [columns, rows, frames]
 * with its frames sorted along the slice normal; colour adds a last axis
 * of 3. See stackGeometry for the affine.
 */
export function readDicomFile(file: string, options: ReadOptions = {}): Volume {
  const plan = planFile(file, options);
  return assemble(plan, options);
}

/** Reads a series: every DICOM file under `dir` (or the given files), one SeriesInstanceUID. */
export function readDicomSeries(source: string | string[], options: DicomReadOptions = {}): Volume {
  return assemble(planSeries(source, options), options);
}

/** Header of a DICOM file or series folder (parses every file, decodes no pixels). */
export function dicomHeaderInfo(path: string, options: DicomReadOptions = {}): VolumeHeader {
  const plan = isDirectory(path) ? planSeries(path, options) : planFile(path, options);
  const img = plan.planes[0].image;
  return { format: plan.format, shape: plan.shape, dtype: img.dtype, spacing: plan.spacing, affine: plan.affine };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    throw fromFsError(e, path, 'read');
  }
}

function planFile(file: string, options: ReadOptions): Plan {
  const maxBytes = maxBytesOf(options);
  const img = parseDicom(readWhole(file, maxBytes), file, maxBytes);
  const slices: StackSlice[] = img.geometry.map((g, f) => ({ geometry: g, label: `frame ${f + 1}` }));
  const geo = stackGeometry(slices, file, 'multi-frame image');
  const planes = geo.order.map((f) => ({ image: img, frame: f }));
  const twoD = img.frames === 1;
  const spatial = twoD ? [img.columns, img.rows] : [img.columns, img.rows, img.frames];
  const spacing = twoD ? geo.spacing.slice(0, 2) : geo.spacing.slice();
  return finishPlan({ where: file, planes, shape: img.samples > 1 ? [...spatial, img.samples] : spatial, spacing: img.samples > 1 ? [...spacing, 1] : spacing, affine: geo.affine, format: 'dicom', oriented: geo.oriented }, maxBytes);
}

/**
 * DICOM files under `dir`, depth first, in name order; hidden files and
 * DICOMDIR skipped. Symbolic links are followed, each folder walked once
 * (a link back up the tree is not a loop), down to LIMITS.dicomFolderDepth
 * levels and LIMITS.dicomFolderEntries entries. A link whose target is
 * missing, or that loops, is an error naming it: it is probably a slice.
 */
export function listDicomFiles(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let entries = 0;
  const walk = (d: string, st: Stats, depth: number) => {
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (e) {
      throw fromFsError(e, d, 'read');
    }
    entries += names.length;
    if (entries > LIMITS.dicomFolderEntries)
      throw fileError('ERR_TOO_LARGE', dir, `folder holds more than ${LIMITS.dicomFolderEntries} files and folders, expected one DICOM series`);
    for (const name of names) {
      if (name.startsWith('.') || name.toUpperCase() === 'DICOMDIR') continue;
      const p = join(d, name);
      const sub = statEntry(p);
      if (sub.isDirectory()) {
        if (depth < LIMITS.dicomFolderDepth) walk(p, sub, depth + 1);
      } else if (sub.isFile() && sub.size > 0 && sniff(p)) out.push(p);
    }
  };
  walk(dir, statEntry(dir), 0);
  return out;
}

/** stat of a folder entry (links followed), with a one-line error for a dangling or looping link. */
function statEntry(p: string): Stats {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    let link = false;
    try {
      link = lstatSync(p).isSymbolicLink();
    } catch {
      // not even the entry itself: fall through to the plain error
    }
    if (link && code === 'ENOENT') throw fileError('ERR_FILE_NOT_FOUND', p, 'symbolic link to a missing file', e);
    if (code === 'ELOOP') throw fileError('ERR_FILE_READ', p, 'symbolic link loop (too many levels of links)', e);
    throw fromFsError(e, p, 'read');
  }
}

function sniff(file: string): boolean {
  const { fd } = openRegularFile(file);
  try {
    return isDicom(readAt(fd, 132, 0));
  } catch (e) {
    throw fromFsError(e, file, 'read');
  } finally {
    closeSync(fd);
  }
}

function planSeries(source: string | string[], options: DicomReadOptions): Plan {
  const maxBytes = maxBytesOf(options);
  const where = typeof source === 'string' ? source : (source[0] ?? '(no files)');
  const files = typeof source === 'string' ? listDicomFiles(source) : source;
  if (files.length === 0) throw fileError('ERR_UNKNOWN_FORMAT', where, 'folder holds no DICOM files (expected files with "DICM" at byte 128)');
  const base = typeof source === 'string' ? source : '';
  const label = (f: string) => (base ? relative(base, f) : basename(f));
  // Parse all; group by series. Each parsed file keeps its own bytes (bounded by the files' total size).
  const bySeries = new Map<string, DicomImage[]>();
  let total = 0;
  let skipped = 0;
  for (const f of files) {
    const bytes = readWhole(f, maxBytes);
    total += bytes.length;
    // The parsed files stay in memory until the volume is assembled: bound them too.
    if (total > maxBytes * 2 + 64 * 1024 * 1024)
      throw fileError('ERR_TOO_LARGE', where, `DICOM files add up to more than twice the ${formatBytes(maxBytes)} limit (maxBytes / VOXELPIPE_MAX_BYTES)`);
    let img: DicomImage;
    try {
      img = parseDicom(bytes, f, maxBytes);
    } catch (e) {
      // A folder may hold non-image objects (structured reports, presentation states): skip them.
      if (typeof source === 'string' && e instanceof VoxelpipeError && e.context.reason === NO_PIXEL_DATA) {
        skipped++;
        total -= bytes.length;
        continue;
      }
      throw e;
    }
    const list = bySeries.get(img.seriesUID) ?? [];
    list.push(img);
    bySeries.set(img.seriesUID, list);
  }
  if (bySeries.size === 0) throw fileError('ERR_UNKNOWN_FORMAT', where, `folder holds ${skipped} DICOM files but no images (no Pixel Data)`);
  let images: DicomImage[];
  if (options.seriesInstanceUID !== undefined) {
    const chosen = bySeries.get(options.seriesInstanceUID);
    if (!chosen)
      throw fileError('ERR_INVALID_ARGUMENT', where, `holds no series ${options.seriesInstanceUID} (series: ${[...bySeries.keys()].join(', ')})`);
    images = chosen;
  } else if (bySeries.size > 1) {
    const list = [...bySeries.entries()].map(([uid, imgs]) => `${uid || '(no SeriesInstanceUID)'} (${imgs.length} files${imgs[0].modality ? ', ' + imgs[0].modality : ''})`);
    throw fileError('ERR_INVALID_VOLUME', where, `holds ${bySeries.size} DICOM series, expected one: ${list.join('; ')}; pass seriesInstanceUID to pick one`);
  } else images = [...bySeries.values()][0];

  const ref = images[0];
  for (const img of images) {
    if (img.rows !== ref.rows || img.columns !== ref.columns || img.samples !== ref.samples || img.dtype !== ref.dtype)
      throw fileError(
        'ERR_INVALID_VOLUME',
        where,
        `series mixes image formats: ${label(img.file)} is ${img.columns}x${img.rows} ${img.dtype} x${img.samples}, ${label(ref.file)} is ${ref.columns}x${ref.rows} ${ref.dtype} x${ref.samples}`,
      );
  }
  const planesIn: Plane[] = images.flatMap((image) => Array.from({ length: image.frames }, (_, frame) => ({ image, frame })));
  const slices: StackSlice[] = planesIn.map((p) => ({ geometry: p.image.geometry[p.frame], label: label(p.image.file) + (p.image.frames > 1 ? ` frame ${p.frame + 1}` : '') }));
  const geo = stackGeometry(slices, where, `DICOM series ${ref.seriesUID || '(no SeriesInstanceUID)'}`);
  // Without positions, order by InstanceNumber (then file name).
  const order = slices.every((s) => s.geometry.position !== undefined)
    ? geo.order
    : planesIn.map((_, i) => i).sort((a, b) => (planesIn[a].image.instanceNumber ?? 0) - (planesIn[b].image.instanceNumber ?? 0) || a - b);
  const planes = order.map((i) => planesIn[i]);
  const spatial = [ref.columns, ref.rows, planes.length];
  return finishPlan(
    { where, planes, shape: ref.samples > 1 ? [...spatial, ref.samples] : spatial, spacing: ref.samples > 1 ? [...geo.spacing, 1] : geo.spacing.slice(), affine: geo.affine, format: 'dicom-series', oriented: geo.oriented, skipped },
    maxBytes,
  );
}

function finishPlan(plan: Plan, maxBytes: number): Plan {
  const img = plan.planes[0].image;
  let n = 1;
  for (const s of plan.shape) n *= s;
  checkLimit(plan.where, n * DTYPE_INFO[img.dtype].diskBytes, maxBytes);
  checkGeometry(plan.where, plan.affine, plan.spacing);
  return plan;
}

function assemble(plan: Plan, options: ReadOptions): Volume {
  const maxBytes = maxBytesOf(options);
  const ref = plan.planes[0].image;
  const P = ref.rows * ref.columns;
  const S = plan.planes.length;
  const N = P * S;
  const samples = ref.samples;
  const arrayType = DTYPE_INFO[ref.dtype].arrayDType;
  const out = allocArray(arrayType, N * samples);
  for (let k = 0; k < S; k++) {
    const { image, frame } = plan.planes[k];
    const values = decodeFrame(image, frame, maxBytes);
    for (let c = 0; c < samples; c++) out.set(values.subarray(c * P, (c + 1) * P), c * N + k * P);
  }
  // Rescale: one slope/intercept for all (deferrable), or per slice (applied).
  const slopes = plan.planes.map((p) => p.image.geometry[p.frame].slope);
  const inters = plan.planes.map((p) => p.image.geometry[p.frame].intercept);
  const uniform = slopes.every((s) => s === slopes[0]) && inters.every((i) => i === inters[0]);
  const identity = uniform && slopes[0] === 1 && inters[0] === 0;
  let data: VoxelArray = out;
  const meta: Volume['meta'] = {
    filename: plan.where,
    format: plan.format,
    byteOrder: ref.littleEndian ? 'little' : 'big',
    modality: ref.modality,
    seriesInstanceUID: ref.seriesUID,
    studyInstanceUID: ref.studyUID,
    transferSyntax: syntaxName(ref.transferSyntax),
    photometricInterpretation: ref.photometric,
    oriented: plan.oriented,
    sclSlope: uniform ? slopes[0] : 1,
    sclInter: uniform ? inters[0] : 0,
    ...(plan.format === 'dicom-series' ? { files: new Set(plan.planes.map((p) => p.image.file)).size, skippedFiles: plan.skipped ?? 0 } : {}),
    ...(samples > 1 ? { channels: samples } : {}),
  };
  if (!identity && !(uniform && options.scaling === 'defer')) {
    const wide = arrayType === 'int32' || arrayType === 'uint32';
    const scaled = wide ? new Float64Array(out.length) : new Float32Array(out.length);
    for (let c = 0; c < samples; c++) for (let k = 0; k < S; k++) rescale(out, scaled, c * N + k * P, P, slopes[k], inters[k]);
    data = scaled;
    if (!uniform) meta.perSliceRescale = true;
  } else if (!identity) meta.scalingDeferred = true;
  return { data, shape: plan.shape, dtype: ref.dtype, spacing: plan.spacing, affine: plan.affine, meta };
}

/** dst[i] = src[i] * m + b over one slice: a small function so V8 keeps its loop monomorphic and tight. */
function rescale(src: VoxelArray, dst: Float32Array | Float64Array, start: number, n: number, m: number, b: number): void {
  for (let i = start, end = start + n; i < end; i++) dst[i] = src[i] * m + b;
}
