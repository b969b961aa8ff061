import { fileError } from '../../util/errors.js';
import { affineFrom } from '../raw.js';
import type { FrameGeometry } from './parse.js';

/**
 * Geometry of a stack of DICOM frames (a series folder, or one multi-frame
 * file), as nibabel/dcm2niix give it for NIfTI: i = column index (along the
 * row direction of ImageOrientationPatient), j = row index (along the column
 * direction), k = slice, sorted along the slice normal (row x column) by
 * ImagePositionPatient. Spacing in-plane from PixelSpacing, between slices
 * from the positions (SliceThickness / SpacingBetweenSlices only when there
 * are no positions). The affine is built in DICOM's LPS and turned to RAS.
 */

export interface StackSlice {
  geometry: FrameGeometry;
  /** Where the slice comes from, for messages. */
  label: string;
}

export interface StackGeometry {
  /** Slice indices in the order they go into the volume. */
  order: number[];
  affine: number[][];
  /** [column spacing, row spacing, slice spacing]. */
  spacing: [number, number, number];
  /** False when the images carry no ImageOrientationPatient (identity directions used). */
  oriented: boolean;
}

const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

export function stackGeometry(slices: StackSlice[], where: string, what: string): StackGeometry {
  const first = slices[0].geometry;
  const ori = first.orientation;
  for (const s of slices) {
    const o = s.geometry.orientation;
    if ((o === undefined) !== (ori === undefined) || (o && ori && o.some((x, i) => Math.abs(x - ori[i]) > 1e-4)))
      throw fileError('ERR_INVALID_VOLUME', where, `${what} mixes image orientations (${s.label} differs from ${slices[0].label}); expected one ImageOrientationPatient`);
  }
  const ps = first.pixelSpacing ?? [1, 1];
  for (const s of slices) {
    const p = s.geometry.pixelSpacing ?? [1, 1];
    if (Math.abs(p[0] - ps[0]) > 1e-4 || Math.abs(p[1] - ps[1]) > 1e-4)
      throw fileError('ERR_INVALID_VOLUME', where, `${what} mixes pixel spacings (${p.join('\\')} in ${s.label}, ${ps.join('\\')} in ${slices[0].label})`);
  }
  const r = ori ? [ori[0], ori[1], ori[2]] : [1, 0, 0];
  const c = ori ? [ori[3], ori[4], ori[5]] : [0, 1, 0];
  const n = cross(r, c);
  const fallback = first.spacingBetweenSlices ?? first.sliceThickness ?? 1;
  const n0 = slices.length;
  const positioned = slices.every((s) => s.geometry.position !== undefined);

  let order = slices.map((_, i) => i);
  let origin = first.position ?? [0, 0, 0];
  let step = n.map((x) => x * fallback);
  let sliceSpacing = fallback;
  if (positioned && n0 > 1) {
    const d = slices.map((s) => dot(s.geometry.position!, n));
    order.sort((a, b) => d[a] - d[b]);
    const diffs: number[] = [];
    for (let k = 1; k < n0; k++) diffs.push(d[order[k]] - d[order[k - 1]]);
    for (let k = 0; k < diffs.length; k++)
      if (diffs[k] < 1e-3)
        throw fileError(
          'ERR_INVALID_VOLUME',
          where,
          `${what}: ${slices[order[k]].label} and ${slices[order[k + 1]].label} are at the same position ${d[order[k]].toFixed(3)} mm along the slice normal (duplicates, or several echoes/time points in one series)`,
        );
    const sorted = diffs.slice().sort((a, b) => a - b);
    // Lower median: with two gaps, the smaller is taken as the step (a gap is rarely smaller than the step).
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    for (let k = 0; k < diffs.length; k++) {
      if (Math.abs(diffs[k] - median) <= 0.01 * median + 1e-3) continue;
      const m = diffs[k] / median;
      const a = slices[order[k]].label;
      const b = slices[order[k + 1]].label;
      if (m > 1.5 && Math.abs(m - Math.round(m)) < 0.1)
        throw fileError(
          'ERR_INVALID_VOLUME',
          where,
          `${what} has ${Math.round(m) - 1} missing slice(s): a gap of ${fmt(diffs[k])} mm (slice spacing ${fmt(median)} mm) between ${a} and ${b}`,
        );
      throw fileError(
        'ERR_INVALID_VOLUME',
        where,
        `${what} has non-uniform slice spacing: ${fmt(diffs[k])} mm between ${a} and ${b}, ${fmt(median)} mm elsewhere`,
      );
    }
    const pa = slices[order[0]].geometry.position!;
    const pb = slices[order[n0 - 1]].geometry.position!;
    origin = pa;
    step = [0, 1, 2].map((i) => (pb[i] - pa[i]) / (n0 - 1));
    sliceSpacing = Math.hypot(step[0], step[1], step[2]);
  } else if (!positioned) {
    order = slices.map((_, i) => i);
  }
  const columns = [r.map((x) => x * ps[1]), c.map((x) => x * ps[0]), step];
  // Without ImageOrientationPatient there is no patient frame: identity directions, as for PNG.
  const affine = affineFrom(columns, ori ? origin : [0, 0, 0], ori !== undefined);
  return { order, affine, spacing: [ps[1], ps[0], sliceSpacing], oriented: ori !== undefined };
}

function fmt(x: number): string {
  return String(Number(x.toFixed(4)));
}
