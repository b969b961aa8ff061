import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume, readVolumeHeader, type VolumeHeader } from '../io/index.js';
import { DTYPE_INFO, type DType } from '../volume/dtype.js';
import { numElements } from '../volume/volume.js';
import { isVoxelpipeError } from '../util/errors.js';
import { jsonPath } from '../util/schema-errors.js';
import type { ImagePipelineSpec } from '../config/index.js';
import type { Item } from './datalist.js';
import type { Json } from '../config/variables.js';

/**
 * Checks the files of datalist items (`voxelpipe validate`): every file
 * exists and decodes whole (by default: a corrupt gzip body or a cut-off
 * file is found before training, not in the middle of it), or, in the
 * fast headers-only pass, its header parses; the image, label and other
 * file fields of an item agree in spatial shape and affine, and label
 * voxels are integers. A file's result is cached, so a file listed in
 * several items or sections is read (and reported) once.
 */

export interface CheckOptions {
  /** Spatial axes compared between the files of an item (the pipeline's output_data_dims). */
  dims: number;
  /** Largest allowed difference between affine elements (mm). Default 1e-3. */
  affineTolerance?: number;
}

export interface ItemProblem {
  /** Datalist list and position, e.g. `training[3].label`. */
  location: string;
  index: number;
  field?: string;
  /** The file at fault, when one is. */
  file?: string;
  /** One line; file errors start with the file's path. */
  message: string;
}

type HeaderResult = { ok: true; header: VolumeHeader } | { ok: false; message: string };

/** Per-file results shared across items and sections. */
export class FileChecks {
  private readonly headers = new Map<string, HeaderResult>();
  private readonly integers = new Map<string, string | null>();
  private readonly reported = new Set<string>();
  private read = 0;
  private decoded = 0;
  /** Files whose header was read. */
  get filesChecked(): number {
    return this.headers.size;
  }
  /** Bytes of the files decoded whole so far (their size on disk; 0 in the headers-only pass). */
  get bytesRead(): number {
    return this.read;
  }
  /** Bytes the decoder produced for them (voxel arrays; what decoding costs, compressed or not). */
  get bytesDecoded(): number {
    return this.decoded;
  }

  /** `headersOnly`: read headers (and the gzip trailer) only, the fast pass; default: decode every file whole. */
  constructor(private readonly headersOnly = false) {}

  /** The file's header, after decoding the file whole unless headers-only; `label`: also check its voxels are integers. */
  header(file: string, label = false): HeaderResult {
    let r = this.headers.get(file);
    if (!r) {
      r = this.check(file, label);
      this.headers.set(file, r);
    }
    return r;
  }

  private check(file: string, label: boolean): HeaderResult {
    try {
      const header = readVolumeHeader(file);
      if (!this.headersOnly) {
        const data = readVolume(file).data;
        this.read += sizeOnDisk(file);
        this.decoded += data.byteLength;
        // The voxels are at hand: check a label now rather than decode it a second time.
        // (Scaled NIfTI data are floats even for an integer dtype, so the decoded array decides.)
        if (label) this.integers.set(file, data instanceof Float32Array || data instanceof Float64Array ? firstNonInteger(file, data) : null);
      } else if (gzipTrailerProblem(file, header)) {
        // The trailer disagrees: confirm by reading the data (a valid multi-member gzip also ends this way).
        readVolume(file);
      }
      return { ok: true, header };
    } catch (e) {
      return { ok: false, message: messageOf(e) };
    }
  }

  /** null when every voxel of a label is an integer, else what is wrong. */
  integerProblem(file: string, header: VolumeHeader): string | null {
    let r = this.integers.get(file);
    if (r !== undefined) return r;
    if (DTYPE_INFO[header.dtype as DType]?.integer) return null;
    r = nonIntegerVoxels(file);
    this.integers.set(file, r);
    return r;
  }

  /** True the first time a (file, problem) pair is seen: a shared file's problem is reported once. */
  firstReport(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}

function messageOf(e: unknown): string {
  if (isVoxelpipeError(e)) return e.message;
  throw e;
}

/** A file's size, or for a folder (a DICOM series) the sum of its files'. */
function sizeOnDisk(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isFile()) n += statSync(join(path, e.name)).size;
  return n;
}

/**
 * A cheap screen for truncated `.nii.gz` files: the gzip trailer's ISIZE
 * (uncompressed size mod 2^32) must be the header's voxel bytes plus the
 * small header and extensions in front of them. Reading 4 bytes from the
 * end finds a cut-off download without inflating the file.
 */
function gzipTrailerProblem(file: string, header: VolumeHeader): boolean {
  if (header.format !== 'nifti1' && header.format !== 'nifti2') return false;
  const info = DTYPE_INFO[header.dtype as DType];
  if (!info) return false;
  const need = numElements(header.shape) * info.diskBytes;
  const slack = 16 * 1024 * 1024;
  if (need + slack >= 2 ** 32) return false;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const b = Buffer.alloc(4);
    if (size < 18 || readSync(fd, b, 0, 2, 0) !== 2 || b[0] !== 0x1f || b[1] !== 0x8b) return false;
    readSync(fd, b, 0, 4, size - 4);
    const isize = b.readUInt32LE(0);
    return isize < need || isize > need + slack;
  } finally {
    closeSync(fd);
  }
}

function firstNonInteger(file: string, data: ArrayLike<number>): string | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Math.round(v) !== v) return `${file}: label voxel ${i} is ${v}, expected integer class values`;
  }
  return null;
}

function nonIntegerVoxels(file: string): string | null {
  try {
    return firstNonInteger(file, readVolume(file).data);
  } catch (e) {
    return messageOf(e);
  }
}

const fmtShape = (s: readonly number[]) => s.join('x');

function maxAffineDiff(a: number[][], b: number[][]): number {
  let m = 0;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) m = Math.max(m, Math.abs(a[r][c] - b[r][c]));
  return m;
}

/** Checks one item's files; returns its problems (a shared file's problem only the first time). */
export function checkItem(item: Item, key: string, files: FileChecks, options: CheckOptions): ItemProblem[] {
  const problems: ItemProblem[] = [];
  const tol = options.affineTolerance ?? 1e-3;
  const at = jsonPath(key, item.index);
  const read: { field: string; file: string; header: VolumeHeader }[] = [];
  for (const field of item.fileFields) {
    const v = item.fields[field];
    const paths = typeof v === 'string' ? [v] : (v as string[]);
    for (const file of paths) {
      const r = files.header(file, field === 'label');
      if (!r.ok) {
        if (files.firstReport(`${file}\0${r.message}`)) problems.push({ location: jsonPath(at, field), index: item.index, field, file, message: r.message });
      } else read.push({ field, file, header: r.header });
    }
  }
  // Geometry: every file against the first image file read.
  const ref = read.find((r) => r.field === 'image') ?? read[0];
  for (const r of read) {
    const rank = r.header.shape.length;
    if (rank < options.dims) {
      problems.push({
        location: jsonPath(at, r.field),
        index: item.index,
        field: r.field,
        file: r.file,
        message: `${r.file}: has ${rank} axes (shape ${fmtShape(r.header.shape)}), the pipeline expects ${options.dims} spatial axes (output_data_dims)`,
      });
      continue;
    }
    if (r !== ref && ref.header.shape.length >= options.dims) {
      const a = ref.header.shape.slice(0, options.dims);
      const b = r.header.shape.slice(0, options.dims);
      if (a.some((x, i) => x !== b[i]))
        problems.push({
          location: jsonPath(at, r.field),
          index: item.index,
          field: r.field,
          file: r.file,
          message: `shape mismatch: ${ref.field} ${fmtShape(ref.header.shape)} (${ref.file}) and ${r.field} ${fmtShape(r.header.shape)} (${r.file}) differ in the ${options.dims} spatial axes`,
        });
      else {
        const d = maxAffineDiff(ref.header.affine, r.header.affine);
        if (d > tol)
          problems.push({
            location: jsonPath(at, r.field),
            index: item.index,
            field: r.field,
            file: r.file,
            message: `affine mismatch: ${ref.field} (${ref.file}) and ${r.field} (${r.file}) affines differ by up to ${Number(d.toPrecision(4))} (tolerance ${tol})`,
          });
      }
    }
    if (r.field === 'label') {
      const p = files.integerProblem(r.file, r.header);
      if (p && files.firstReport(`${r.file}\0${p}`)) problems.push({ location: jsonPath(at, 'label'), index: item.index, field: 'label', file: r.file, message: p });
    }
  }
  return problems;
}

/**
 * Checks what a list's items carry besides files, against the pipeline:
 * classification labels agree with each other and with
 * `output_label_format`, and `sampling: "element"` finds a `weight` on
 * every item.
 */
export function checkListValues(items: readonly Item[], key: string, pipeline: ImagePipelineSpec): ItemProblem[] {
  const problems: ItemProblem[] = [];
  const add = (item: Item, field: string | undefined, message: string) =>
    problems.push({ location: field ? jsonPath(key, item.index, field) : jsonPath(key, item.index), index: item.index, ...(field ? { field } : {}), message });
  const args = pipeline.args;
  if ('sampling' in args && args.sampling === 'element')
    for (const item of items)
      if (item.fields.weight === undefined) add(item, undefined, `no "weight": ${pipeline.jsonPath}.args.sampling "element" draws items by their weight`);
  if (pipeline.task !== 'classification') return problems;
  const format = 'output_label_format' in args ? args.output_label_format : null;
  // [C] with C > 1: one head of C exclusive classes (index or one-hot); otherwise one 0/1 entry per head.
  const classes = format ? (format.length === 1 ? Math.max(format[0], 2) : format.length) : undefined;
  const vectorLength = format ? (format.length === 1 && format[0] === 1 ? 1 : classes) : undefined;
  let firstLength: { n: number; index: number } | undefined;
  // Without output_label_format the kind of the first label decides (numbers: class indices, vectors: multi-label).
  let firstKind: { vector: boolean; index: number } | undefined;
  for (const item of items) {
    const label = item.fields.label;
    if (!format && (typeof label === 'number' || (Array.isArray(label) && !item.fileFields.includes('label')))) {
      const vector = Array.isArray(label);
      if (firstKind === undefined) firstKind = { vector, index: item.index };
      else if (firstKind.vector !== vector) {
        const first = jsonPath(key, firstKind.index, 'label');
        add(
          item,
          'label',
          vector
            ? `a vector of ${(label as Json[]).length} values, but ${first} is a class index; give every item the same kind of label, or set ${pipeline.jsonPath}.args.output_label_format`
            : `a class index, but ${first} is a vector (multi-label); give every item the same kind of label, or set ${pipeline.jsonPath}.args.output_label_format`,
        );
        continue;
      }
    }
    if (typeof label === 'number') {
      if (classes !== undefined && label >= classes)
        add(item, 'label', `class index ${label} is out of range: ${pipeline.jsonPath}.args.output_label_format ${JSON.stringify(format)} gives ${classes} classes`);
    } else if (Array.isArray(label) && !item.fileFields.includes('label')) {
      if (vectorLength !== undefined && label.length !== vectorLength)
        add(item, 'label', `a vector of ${label.length} values, ${pipeline.jsonPath}.args.output_label_format ${JSON.stringify(format)} needs ${vectorLength}`);
      else if (firstLength === undefined) firstLength = { n: label.length, index: item.index };
      else if (label.length !== firstLength.n)
        add(item, 'label', `a vector of ${label.length} values, but ${jsonPath(key, firstLength.index)} has ${firstLength.n}`);
    }
  }
  return problems;
}
