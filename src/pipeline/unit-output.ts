import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { numElements } from '../volume/volume.js';
import { batchCount, channelCount, spatialShape } from '../transforms/image.js';
import { isAnyImage, isLazyImage, type AnyImage } from '../transforms/lazy/lazy-image.js';
import { writeLazy, type LutCache } from '../transforms/lazy/materialise.js';
import type { DataFormat } from './batch.js';
import { allocOutput, networkShape, writeNetworkLayout } from './layout.js';
import type { ItemFields, LabelEncoding } from './options.js';
import { encodeClassLabel } from './class-label.js';

/**
 * The last step of a unit of work: the chain's output fields laid out for
 * the network — straight into the unit's rows of a batch slot when it has
 * one and the fields have the rows the slot was made for, into new buffers
 * otherwise. Lazy images are materialised here, once (the fused path).
 */

/** What the engine tells a worker about where a unit's rows go. */
export interface UnitDest {
  /** Per field: the slot's buffer, the element where this unit's rows start, and what the slot holds per unit. */
  fields: Record<string, { buffer: SharedArrayBuffer; offset: number; dtype: ArrayDType; rowShape: number[]; rows: number }>;
}

export interface FieldRows {
  dtype: ArrayDType;
  /** Shape of one row (without the batch axis). */
  rowShape: number[];
  /** Rows this unit contributes (its crop count; 1 when not batched). */
  rows: number;
  /** The unit carried a crop-batch axis. */
  batched: boolean;
  /** The rows, when not written into the unit's slot. */
  buffer?: ArrayBuffer;
}

/** The part of the pipeline's options the layout needs. */
export interface OutputConfig {
  fields: string[];
  labelField: string;
  task: 'segmentation' | 'classification';
  cropSize?: number[];
  dataFormat: DataFormat;
  imageChannels?: number;
  labelChannels?: number;
  imageDtype: ArrayDType;
  labelDtype: ArrayDType;
  labelEncoding?: LabelEncoding;
}

/** One field, ready to write: its row description and a writer into any array at any offset. */
interface Planned {
  rows: FieldRows;
  elements: number;
  write: (out: VoxelArray, offset: number) => void;
}

/**
 * Lays out every output field of `sample`. Writes into `dest` when every
 * field matches it (so a slot never holds half a unit), else returns the
 * rows in buffers of their own (the caller transfers them).
 */
export function layoutUnit(cfg: OutputConfig, sample: Record<string, unknown>, item: ItemFields, source: string, luts: LutCache, dest?: UnitDest): { fields: Record<string, FieldRows>; transferList: ArrayBuffer[] } {
  const planned: Record<string, Planned> = {};
  for (const name of cfg.fields) planned[name] = planField(cfg, name, sample[name], item, source, luts);
  const fits = dest !== undefined && cfg.fields.every((n) => matches(planned[n].rows, dest.fields[n]));
  const fields: Record<string, FieldRows> = {};
  const transferList: ArrayBuffer[] = [];
  for (const name of cfg.fields) {
    const p = planned[name];
    if (fits) {
      const d = dest!.fields[name];
      p.write(new ARRAY_CTORS[d.dtype](d.buffer, d.offset * ARRAY_CTORS[d.dtype].BYTES_PER_ELEMENT, p.elements), 0);
      fields[name] = p.rows;
    } else {
      const out = allocOutput(p.rows.dtype, p.elements);
      p.write(out, 0);
      fields[name] = { ...p.rows, buffer: out.buffer as ArrayBuffer };
      transferList.push(out.buffer as ArrayBuffer);
    }
  }
  return { fields, transferList };
}

function matches(r: FieldRows, d: UnitDest['fields'][string] | undefined): boolean {
  return d !== undefined && d.dtype === r.dtype && d.rows === r.rows && d.rowShape.length === r.rowShape.length && d.rowShape.every((n, i) => n === r.rowShape[i]);
}

function planField(cfg: OutputConfig, name: string, value: unknown, item: ItemFields, source: string, luts: LutCache): Planned {
  const isLabel = name === cfg.labelField;
  if (isAnyImage(value)) return planImage(cfg, name, value, source, isLabel, luts);
  if (value === undefined)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${source}: the chain produced no field "${name}" (fields: ${Object.keys(item).join(', ')})`);
  if (isLabel && cfg.task === 'classification') return planClassLabel(cfg, value, source);
  // Plain numbers (weights, extra inputs) become one float per row.
  const values = typeof value === 'number' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
  if (!values) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${source}: field "${name}" holds ${typeof value}, expected an image or numbers`);
  return {
    rows: { dtype: 'float32', rowShape: typeof value === 'number' ? [] : [values.length], rows: 1, batched: false },
    elements: values.length,
    write: (out, at) => values.forEach((v, i) => (out[at + i] = v)),
  };
}

function planImage(cfg: OutputConfig, name: string, img: AnyImage, source: string, isLabel: boolean, luts: LutCache): Planned {
  const spatial = spatialShape(img);
  const crop = cfg.cropSize;
  if (crop && (crop.length !== spatial.length || crop.some((c, d) => c !== -1 && c !== spatial[d])))
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${source}: field "${name}" has spatial shape [${spatial}] after the chain, output_crop_size is [${crop}]`);
  const wantChannels = isLabel ? cfg.labelChannels : name === 'image' ? cfg.imageChannels : undefined;
  if (wantChannels !== undefined && channelCount(img) !== wantChannels)
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `${source}: field "${name}" has ${channelCount(img)} channels, output_${isLabel ? 'label' : 'image'}_channels is ${wantChannels}`,
    );
  const dtype = isLabel ? cfg.labelDtype : cfg.imageDtype;
  const shape = networkShape(img, cfg.dataFormat);
  return {
    rows: { dtype, rowShape: img.batched ? shape.slice(1) : shape, rows: batchCount(img), batched: img.batched },
    elements: numElements(img.shape),
    // A lazy image is materialised here, once, straight into the network layout.
    write: isLazyImage(img) ? (out, at) => void writeLazy(img, out, at, cfg.dataFormat, luts) : (out, at) => void writeNetworkLayout(img, cfg.dataFormat, out, at),
  };
}

function planClassLabel(cfg: OutputConfig, value: unknown, source: string): Planned {
  const r = encodeClassLabel(cfg.labelEncoding, value, cfg.labelDtype, source);
  const Ctor = ARRAY_CTORS[r.dtype];
  const encoded = new Ctor(r.buffer, 0, r.buffer.byteLength / Ctor.BYTES_PER_ELEMENT);
  return { rows: { dtype: r.dtype, rowShape: r.rowShape, rows: 1, batched: false }, elements: encoded.length, write: (out, at) => out.set(encoded as never, at) };
}
