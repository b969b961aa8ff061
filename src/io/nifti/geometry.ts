import { fileError } from '../../util/errors.js';
import { quaternionToRotation, type Mat4 } from '../../volume/affine.js';
import type { NiftiHeader } from './header.js';

/**
 * The affine nibabel reports as `img.affine` for a header:
 * - NIfTI: the sform when sform_code > 0, else the qform (quaternion + qfac)
 *   when qform_code > 0, else the Analyze-style fallback from pixdim;
 * - Analyze (nibabel's Spm2AnalyzeImage): pixdim with x flipped (radiological
 *   convention), centred on SPM's origin field when it is set and sane, else on
 *   the middle of the volume.
 */
export function headerAffine(h: NiftiHeader): Mat4 {
  if (h.format !== 'analyze') {
    if (h.sformCode > 0) return [...h.srow.map((row) => row.slice()), [0, 0, 0, 1]];
    if (h.qformCode > 0) return qformAffine(h);
  }
  return fallbackAffine(h);
}

const isFinite4 = (m: Mat4) => m.every((row) => row.every(Number.isFinite));

/**
 * The affine handed onward: nibabel's choice (`headerAffine`) when it is
 * finite. nibabel itself passes a NaN/Inf sform or qform through to
 * `img.affine`; voxelpipe never does: it takes the next transform in
 * nibabel's own order (sform, qform, pixdim) that is finite, says so in
 * `fallback`, and refuses the file when none is.
 */
export function finiteHeaderAffine(h: NiftiHeader, file: string): { affine: Mat4; fallback?: string } {
  const candidates: [string, () => Mat4][] = [];
  if (h.format !== 'analyze') {
    if (h.sformCode > 0) candidates.push(['sform', () => [...h.srow.map((row) => row.slice()), [0, 0, 0, 1]]]);
    if (h.qformCode > 0) candidates.push(['qform', () => qformAffine(h)]);
  }
  candidates.push(['pixdim', () => fallbackAffine(h)]);
  const refused: string[] = [];
  for (const [name, make] of candidates) {
    const m = make();
    if (isFinite4(m)) return refused.length ? { affine: m, fallback: `${refused.join(' and ')} not finite, ${name} used` } : { affine: m };
    refused.push(name);
  }
  throw fileError('ERR_BAD_HEADER', file, `no finite affine: ${refused.join(', ')} hold NaN or Inf values`);
}

/** The qform affine: R(quaternion) * diag(pixdim[1], pixdim[2], qfac * pixdim[3]) + qoffset. */
export function qformAffine(h: NiftiHeader): Mat4 {
  const [b, c, d] = h.quatern;
  const rot = quaternionToRotation(b, c, d);
  // The standard says qfac must be 1 or -1, and to read 0 as 1.
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const zooms = [1, 2, 3].map((i) => {
    const z = Math.abs(h.pixdim[i] ?? 1);
    return z > 0 ? z : 1;
  });
  zooms[2] *= qfac;
  const out: Mat4 = [];
  for (let r = 0; r < 3; r++) out.push([rot[r][0] * zooms[0], rot[r][1] * zooms[1], rot[r][2] * zooms[2], h.qoffset[r]]);
  out.push([0, 0, 0, 1]);
  return out;
}

/** Analyze-style affine with x flipped, centred on the volume (or SPM's origin). */
export function fallbackAffine(h: NiftiHeader): Mat4 {
  const dims = [0, 1, 2].map((i) => h.shape[i] ?? 1);
  const zooms = [0, 1, 2].map((i) => (i < h.shape.length ? h.pixdim[i + 1] : 1));
  zooms[0] = -zooms[0];
  let origin = dims.map((d) => (d - 1) / 2);
  const o = h.analyzeOrigin;
  if (o && o.some((v) => v !== 0) && o.every((v, i) => v > -dims[i] && v < dims[i] * 2)) origin = o.map((v) => v - 1);
  return [
    [zooms[0], 0, 0, -origin[0] * zooms[0]],
    [0, zooms[1], 0, -origin[1] * zooms[1]],
    [0, 0, zooms[2], -origin[2] * zooms[2]],
    [0, 0, 0, 1],
  ];
}
