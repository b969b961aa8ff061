/**
 * A minimal DICOM Part 10 writer (explicit VR little endian) for tests that
 * need files with exact, often broken, attribute values: short DS values,
 * absurd NumberOfFrames, Pixel Data of the wrong length. Real fixtures come
 * from pydicom (test/fixtures/make_formats.py); these are made to be wrong.
 */

export type DicomValue = string | number | number[] | Uint8Array;

/** `[group, element, VR, value]`; numbers are written as US (or UL for VR UL), strings padded to even length. */
export type DicomElement = [number, number, string, DicomValue];

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function valueBytes(vr: string, v: DicomValue): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v.length % 2 ? Buffer.concat([Buffer.from(v), Buffer.alloc(1)]) : v);
  if (typeof v === 'string') {
    const pad = vr === 'UI' ? '\0' : ' ';
    return Buffer.from(v.length % 2 ? v + pad : v, 'latin1');
  }
  const list = Array.isArray(v) ? v : [v];
  const size = vr === 'UL' ? 4 : 2;
  const b = Buffer.alloc(list.length * size);
  list.forEach((x, i) => (size === 4 ? b.writeUInt32LE(x, i * 4) : b.writeUInt16LE(x, i * 2)));
  return b;
}

function element(group: number, el: number, vr: string, v: DicomValue): Buffer {
  const value = valueBytes(vr, v);
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(el, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** A Part 10 file: preamble, "DICM", file meta (transfer syntax `ts`), then `elements` sorted by tag. */
export function dicomFile(elements: DicomElement[], ts = '1.2.840.10008.1.2.1'): Buffer {
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])),
    element(0x0002, 0x0002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element(0x0002, 0x0003, 'UI', '1.2.3.4.5'),
    element(0x0002, 0x0010, 'UI', ts),
  ]);
  const groupLength = element(0x0002, 0x0000, 'UL', 0);
  groupLength.writeUInt32LE(meta.length, 8);
  const sorted = [...elements].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), groupLength, meta, ...sorted.map(([g, e, vr, v]) => element(g, e, vr, v))]);
}

/** The attributes of a small valid 4x3 uint16 CT slice; override or add any with `extra` (same tag replaces). */
export function ctSlice(extra: DicomElement[] = [], pixels?: Uint8Array): DicomElement[] {
  const base: DicomElement[] = [
    [0x0008, 0x0060, 'CS', 'CT'],
    [0x0020, 0x000d, 'UI', '1.2.3'],
    [0x0020, 0x000e, 'UI', '1.2.3.4'],
    [0x0020, 0x0013, 'IS', '1'],
    [0x0020, 0x0032, 'DS', '0\\0\\0'],
    [0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'],
    [0x0028, 0x0002, 'US', 1],
    [0x0028, 0x0004, 'CS', 'MONOCHROME2'],
    [0x0028, 0x0010, 'US', 3],
    [0x0028, 0x0011, 'US', 4],
    [0x0028, 0x0030, 'DS', '0.5\\0.5'],
    [0x0028, 0x0100, 'US', 16],
    [0x0028, 0x0101, 'US', 16],
    [0x0028, 0x0103, 'US', 0],
    [0x7fe0, 0x0010, 'OW', pixels ?? new Uint8Array(24).map((_, i) => i)],
  ];
  const key = (e: DicomElement) => e[0] * 0x10000 + e[1];
  const out = new Map(base.map((e) => [key(e), e]));
  for (const e of extra) out.set(key(e), e);
  return [...out.values()];
}
