import type { FgBgIndices } from '../../transforms/crop/fg-bg-indices.js';

/**
 * The fg/bg index of the Fast PosNeg crops, kept exactly, plus what lets a
 * crop draw its centres from the index alone.
 *
 * The index lists the ascending linear indices of the smaller class. It is
 * stored as differences of consecutive indices (small numbers: mostly 1
 * inside an organ), which LZ4 shrinks 20-100x, and restored bit for bit.
 *
 * Today's draw (drawCentre) takes the listed class from the index and the
 * other class by rejection against the label: "is voxel i foreground".
 * That question is answered exactly by the index itself: i is of the listed
 * class iff it is in the list. `foregroundFromIndices` does it by binary
 * search, so centres drawn with it equal today's draws, value for value and
 * rng step for rng step, without reading a single label chunk.
 */

/** The index as stored before compression: first index, then differences. */
export function deltaEncode(indices: Uint32Array): Uint32Array {
  const out = new Uint32Array(indices.length);
  let prev = 0;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    out[i] = v - prev;
    prev = v;
  }
  return out;
}

/** The inverse of deltaEncode, in place. False when the result is not strictly ascending (a corrupt blob). */
export function deltaDecodeInPlace(d: Uint32Array): boolean {
  let prev = 0;
  for (let i = 0; i < d.length; i++) {
    const v = prev + d[i];
    if ((i > 0 && d[i] === 0) || v > 0xffffffff) return false;
    d[i] = v;
    prev = v;
  }
  return true;
}

export { foregroundFromIndices } from '../../transforms/crop/fg-bg-indices.js';

/** Duck test for an FgBgIndices record (what computeFgBgIndices returns). */
export function isFgBgIndices(v: unknown): v is FgBgIndices {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as FgBgIndices;
  return (
    o.indices instanceof Uint32Array &&
    Array.isArray(o.shape) &&
    Number.isSafeInteger(o.nFg) &&
    Number.isSafeInteger(o.nBg) &&
    (o.listed === 'fg' || o.listed === 'bg') &&
    Object.keys(o).length === 5
  );
}
