import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS, type ArrayDType } from '../volume/dtype.js';
import type { LabelEncoding } from './options.js';

/**
 * Classification labels (CLARA-3.1.md §3.3): which encoding a config and its
 * datalist ask for, and one label value encoded as a batch row. Pure
 * functions: the sample processor calls `encodeClassLabel` for every
 * sample; `labelEncodingFor` runs once per pipeline over the datalist.
 */

/** One sample's encoded label, as the sample processor hands rows to batch assembly. */
export interface ClassLabelRows {
  buffer: ArrayBuffer;
  dtype: ArrayDType;
  /** [] for a class index (batch [B]), [K] for one-hot / multi-label (batch [B, K]). */
  rowShape: number[];
  rows: 1;
  batched: false;
}

/** A datalist label and where it is in its datalist, for messages (`training[3].label`). */
export interface LabelAt {
  value: unknown;
  where: string;
}

/**
 * Clara's `output_label_format` (class counts per label head) as an
 * encoding: [K] with K > 1 -> one-hot of K ([B, K]); [1, 1, ..., 1] (K heads
 * of 1) or [1] -> a 0/1 vector of K ([B, K]). Several multi-class heads are
 * not supported. `path` is the JSON path of the pipeline args.
 */
export function labelEncoding(format: readonly number[], path: string): LabelEncoding {
  if (format.length === 1 && format[0] > 1) return { kind: 'onehot', classes: format[0] };
  if (format.every((k) => k === 1)) return { kind: 'multilabel', classes: format.length };
  throw new VoxelpipeError(
    'ERR_CONFIG',
    `${path}.output_label_format: [${format}] mixes heads; voxelpipe takes [K] (K classes, one-hot) or [1, 1, ...] (multi-label)`,
  );
}

const isVector = (v: unknown): v is unknown[] => Array.isArray(v);

/**
 * The encoding a datalist's labels imply when the config gives no
 * `output_label_format`: numbers are class indices ([B]); 0/1 vectors
 * (CheXpert's 14 findings) are multi-label with K from the vectors ([B, K]).
 * Vectors of different lengths, or numbers mixed with vectors, are an
 * ERR_CONFIG naming the first item that disagrees with the first label
 * (messages start with `file`, the datalist, when given).
 */
export function inferLabelEncoding(labels: readonly LabelAt[], file?: string): LabelEncoding {
  const fail = (message: string) => new VoxelpipeError('ERR_CONFIG', file ? `${file}: ${message}` : message, { context: file ? { file } : {} });
  const first = labels.find((l) => l.value !== undefined);
  if (!first || !isVector(first.value)) {
    const vector = labels.find((l) => isVector(l.value));
    if (vector && first)
      throw fail(
        `${vector.where}: a vector of ${(vector.value as unknown[]).length} values, but ${first.where} is a class index (${JSON.stringify(first.value)}); give every item the same kind of label, or set output_label_format`,
      );
    return { kind: 'index' };
  }
  const classes = first.value.length;
  for (const l of labels) {
    if (l === first || l.value === undefined) continue;
    if (!isVector(l.value))
      throw fail(
        `${l.where}: a class index (${JSON.stringify(l.value)}), but ${first.where} is a vector of ${classes} values (multi-label); give every item the same kind of label, or set output_label_format`,
      );
    if (l.value.length !== classes)
      throw fail(
        `${l.where}: a vector of ${l.value.length} values, but ${first.where} has ${classes}; every multi-label vector needs the same length (or set output_label_format)`,
      );
  }
  return { kind: 'multilabel', classes };
}

/** The encoding for a pipeline: from `output_label_format` when the config gives one, else from the labels. */
export function labelEncodingFor(format: readonly number[] | null | undefined, labels: readonly LabelAt[], path: string, file?: string): LabelEncoding {
  return format ? labelEncoding(format, path) : inferLabelEncoding(labels, file);
}

/**
 * One label value encoded as `enc` says, in `dtype`. `source` names the
 * item in messages (its image file). Absent `enc` means class indices.
 */
export function encodeClassLabel(enc: LabelEncoding | undefined, value: unknown, dtype: ArrayDType, source: string): ClassLabelRows {
  const e = enc ?? { kind: 'index' };
  const bad = (what: string) => new VoxelpipeError('ERR_SHAPE_MISMATCH', `${source}: label ${JSON.stringify(value)} ${what}`);
  const Ctor = ARRAY_CTORS[dtype];
  const rows = (out: InstanceType<(typeof ARRAY_CTORS)[ArrayDType]>, rowShape: number[]): ClassLabelRows => ({
    buffer: out.buffer as ArrayBuffer,
    dtype,
    rowShape,
    rows: 1,
    batched: false,
  });
  if (e.kind === 'index') {
    const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw bad(
        Array.isArray(value)
          ? `is not a class index (a vector of ${value.length} is a multi-label label: encode it as { kind: 'multilabel', classes: ${value.length} })`
          : 'is not a class index',
      );
    const out = new Ctor(1);
    out[0] = v;
    return rows(out, []);
  }
  const out = new Ctor(e.classes);
  if (e.kind === 'onehot') {
    const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (Array.isArray(value) && value.length === e.classes && value.every((x) => typeof x === 'number')) {
      for (let k = 0; k < e.classes; k++) out[k] = value[k] as number;
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < e.classes) out[v] = 1;
    else throw bad(`is not a class index in 0..${e.classes - 1} or a vector of ${e.classes}`);
  } else if (e.classes === 1 && (typeof value === 'number' || (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number'))) {
    // A single binary head ([1]): the 0/1 value itself.
    out[0] = typeof value === 'number' ? value : (value[0] as number);
  } else {
    if (!Array.isArray(value) || value.length !== e.classes || value.some((x) => typeof x !== 'number'))
      throw bad(`is not a vector of ${e.classes} numbers (multi-label)`);
    for (let k = 0; k < e.classes; k++) out[k] = value[k] as number;
  }
  return rows(out, [e.classes]);
}
