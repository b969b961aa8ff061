import { orientationCode, type Mat4 } from '../volume/affine.js';

/**
 * Which voxel axes a preview panel shows and which way they run.
 *
 * Convention (stated once, in docs/preview.md too): each 3D panel shows two
 * world RAS+ axes, the first increasing to the right and the second
 * increasing upwards, taken from the image's affine:
 *
 *     axial:    R to the right, A up    (seen from the feet: patient's right on the right)
 *     coronal:  R to the right, S up    (seen from the front)
 *     sagittal: A to the right, S up    (seen from the patient's right)
 *
 * This is the "neurological" convention; `radiological: true` mirrors the
 * axial and coronal panels (patient's right on the screen's left, as most
 * clinical viewers show it). With an identity affine (voxel axes = RAS),
 * the axial panel has i to the right and j up. A 2D image is shown as its
 * file stores it: first axis to the right, second axis downwards.
 */
export type View = 'axial' | 'coronal' | 'sagittal' | 'image';

export interface PlaneAxes {
  view: View;
  /** Voxel axis shown horizontally; +1: its index grows to the right, -1: to the left. */
  hAxis: number;
  hDir: 1 | -1;
  /** Voxel axis shown vertically; +1: its index grows upwards, -1: downwards. */
  vAxis: number;
  vDir: 1 | -1;
  /** Voxel axis across the plane (3D only). */
  sliceAxis?: number;
}

const WORLD_POS = ['R', 'A', 'S'];
const WORLD_NEG = ['L', 'P', 'I'];

/** For each world axis (R-L, A-P, S-I): the voxel axis along it and its direction. Identity when the affine is degenerate. */
export function worldAxes(affine: Mat4 | undefined): { axis: number; dir: 1 | -1 }[] {
  const code = affine ? orientationCode(affine) : 'RAS';
  const out: { axis: number; dir: 1 | -1 }[] = [];
  for (let w = 0; w < 3; w++) {
    const a = [...code].findIndex((c) => c === WORLD_POS[w] || c === WORLD_NEG[w]);
    if (a < 0) return [0, 1, 2].map((axis) => ({ axis, dir: 1 as const }));
    out.push({ axis: a, dir: code[a] === WORLD_POS[w] ? 1 : -1 });
  }
  return out;
}

/** The three orthogonal planes of a 3D image, in the order axial, coronal, sagittal. */
export function planesOf(affine: Mat4 | undefined, radiological = false): PlaneAxes[] {
  const [r, a, s] = worldAxes(affine);
  const mirror = (d: 1 | -1): 1 | -1 => (radiological ? (-d as 1 | -1) : d);
  return [
    { view: 'axial', hAxis: r.axis, hDir: mirror(r.dir), vAxis: a.axis, vDir: a.dir, sliceAxis: s.axis },
    { view: 'coronal', hAxis: r.axis, hDir: mirror(r.dir), vAxis: s.axis, vDir: s.dir, sliceAxis: a.axis },
    { view: 'sagittal', hAxis: a.axis, hDir: a.dir, vAxis: s.axis, vDir: s.dir, sliceAxis: r.axis },
  ];
}

/** A 2D image: first axis to the right, second downwards. */
export const IMAGE_PLANE: PlaneAxes = Object.freeze({ view: 'image', hAxis: 0, hDir: 1, vAxis: 1, vDir: -1 });

/**
 * Voxel index along the horizontal and vertical axes shown at plane pixel
 * (u, v) (u from the left, v from the top, in voxels, not screen pixels).
 */
export function planeVoxel(p: PlaneAxes, shape: readonly number[], u: number, v: number): [number, number] {
  const nh = shape[p.hAxis];
  const nv = shape[p.vAxis];
  return [p.hDir === 1 ? u : nh - 1 - u, p.vDir === 1 ? nv - 1 - v : v];
}
