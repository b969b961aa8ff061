import type dicomParser from 'dicom-parser';
import { fileError } from '../../util/errors.js';

/**
 * Reading attribute values from a parsed dataset without trusting it.
 *
 * dicom-parser accepts an element whose declared length runs past the end of
 * a truncated file, and its accessors then throw bare strings ("attempt to
 * read past end of buffer") or TypeErrors (`floatString(tag, i)` when the
 * element holds fewer than i + 1 values). Every access here checks the
 * element's bytes first and counts multi-valued strings itself, so a bad
 * file is always a one-line VoxelpipeError naming the attribute.
 */

type DataSet = dicomParser.DataSet;

/** Names of the attributes voxelpipe reads, for messages. */
const NAMES: Readonly<Record<string, string>> = Object.freeze({
  x00020010: 'TransferSyntaxUID',
  x00080060: 'Modality',
  x00180050: 'SliceThickness',
  x00180088: 'SpacingBetweenSlices',
  x00181164: 'ImagerPixelSpacing',
  x0020000d: 'StudyInstanceUID',
  x0020000e: 'SeriesInstanceUID',
  x00200013: 'InstanceNumber',
  x00200032: 'ImagePositionPatient',
  x00200037: 'ImageOrientationPatient',
  x00280002: 'SamplesPerPixel',
  x00280004: 'PhotometricInterpretation',
  x00280006: 'PlanarConfiguration',
  x00280008: 'NumberOfFrames',
  x00280010: 'Rows',
  x00280011: 'Columns',
  x00280030: 'PixelSpacing',
  x00280100: 'BitsAllocated',
  x00280101: 'BitsStored',
  x00280103: 'PixelRepresentation',
  x00281052: 'RescaleIntercept',
  x00281053: 'RescaleSlope',
});

/** `Rows (0028,0010)`. */
export function attributeName(tag: string): string {
  const name = Object.hasOwn(NAMES, tag) ? NAMES[tag] : 'attribute';
  return `${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;
}

/** Attribute access on the datasets of one file, errors naming `file`. */
export class Attributes {
  constructor(readonly file: string) {}

  /** The element of `tag`, checked to lie inside the file's bytes; undefined when absent or empty. */
  private element(ds: DataSet | undefined, tag: string, minLength: number): dicomParser.Element | undefined {
    const el = ds?.elements[tag];
    if (!ds || !el || !(el.length > 0)) return undefined;
    if (!(el.dataOffset >= 0) || el.dataOffset + el.length > ds.byteArray.length)
      throw fileError('ERR_TRUNCATED', this.file, `DICOM ${attributeName(tag)} runs past the end of the file (truncated file?)`);
    if (el.length < minLength) throw fileError('ERR_BAD_HEADER', this.file, `DICOM ${attributeName(tag)} holds ${el.length} byte(s), expected ${minLength}`);
    return el;
  }

  /** A text attribute, trimmed (undefined when absent). */
  string(ds: DataSet | undefined, tag: string): string | undefined {
    const el = this.element(ds, tag, 0);
    return el ? ds!.string(tag) : undefined;
  }

  /** An unsigned 16-bit attribute (US). */
  uint16(ds: DataSet | undefined, tag: string): number | undefined {
    const el = this.element(ds, tag, 2);
    return el ? ds!.uint16(tag) : undefined;
  }

  /**
   * The numbers of a decimal/integer string attribute (DS, IS: values
   * separated by `\`). Undefined when absent, or when it holds fewer than
   * `n` finite numbers (a short or garbled value is treated as missing, as
   * pydicom-based tools do for geometry they cannot use).
   */
  numbers(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
    const s = this.string(ds, tag);
    if (s === undefined) return undefined;
    const parts = s.split('\\', n);
    if (parts.length < n) return undefined;
    const out: number[] = [];
    for (const p of parts) {
      const v = parseFloat(p.trim());
      if (!Number.isFinite(v)) return undefined;
      out.push(v);
    }
    return out;
  }

  /** One number of a DS/IS attribute. */
  number(ds: DataSet | undefined, tag: string): number | undefined {
    return this.numbers(ds, tag, 1)?.[0];
  }

  /** A whole number from an IS attribute: undefined when absent, an error when it is not an integer. */
  integer(ds: DataSet | undefined, tag: string): number | undefined {
    const s = this.string(ds, tag);
    if (s === undefined || s === '') return undefined;
    const first = s.split('\\', 1)[0].trim();
    if (!/^[+-]?\d{1,15}$/.test(first)) throw fileError('ERR_BAD_HEADER', this.file, `DICOM ${attributeName(tag)} ${JSON.stringify(first.slice(0, 40))} is not an integer`);
    return Number(first);
  }
}
