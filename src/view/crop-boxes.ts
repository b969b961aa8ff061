import { det3 } from '../volume/affine.js';
import { isChainImage, spatialShape, type ChainImage, type Sample } from '../transforms/image.js';
import type { CropBox, CropBoxes } from './client/api-types.js';

export type { CropBox, CropBoxes } from './client/api-types.js';

/**
 * Where a crop took its voxels from, in the voxel indices of its input, so
 * the page can draw the boxes on the whole volume before the crop.
 *
 * The random crops record their boxes or write them into their output's
 * meta; a deterministic crop or pad is recognised by its output geometry:
 * the same voxel axes (same linear part of the affine) shifted by a whole
 * number of voxels (see `boxesOf`).
 */

/** What the box finder reads of a step. */
export interface StepView {
  name: string;
  output: Sample;
  draws?: Record<string, unknown>;
}

/**
 * For each step, the boxes of the next crop whose input has that step's
 * voxels at the same places: the step just before the crop, and earlier
 * steps while the ones between keep shape, affine and voxel positions
 * (`movesVoxels(name)` is true for flips and rotations, which keep the
 * affine but move voxels). Undefined where there is none.
 */
export function cropBoxesPerStep(steps: readonly StepView[], movesVoxels: (name: string) => boolean, preferred = 'image'): (CropBoxes | undefined)[] {
  const out: (CropBoxes | undefined)[] = new Array(steps.length).fill(undefined);
  let pending: CropBoxes | undefined;
  for (let j = steps.length - 2; j >= 0; j--) {
    const field = referenceField(steps[j].output, steps[j + 1].output, preferred);
    const before = field ? (steps[j].output[field] as ChainImage) : undefined;
    const after = field ? (steps[j + 1].output[field] as ChainImage) : undefined;
    const crop = before && after ? boxesOf(before, after, steps[j + 1].draws) : undefined;
    if (crop) pending = { step: j + 1, name: steps[j + 1].name, field: field!, boxes: crop };
    else if (!before || !after || !sameGeometry(before, after) || movesVoxels(steps[j + 1].name)) pending = undefined;
    out[j] = pending;
  }
  return out;
}

function referenceField(a: Sample, b: Sample, preferred: string): string | undefined {
  if (isChainImage(a[preferred]) && isChainImage(b[preferred])) return preferred;
  return Object.keys(a).find((k) => isChainImage(a[k]) && isChainImage(b[k]));
}

function sameGeometry(a: ChainImage, b: ChainImage): boolean {
  const sa = spatialShape(a);
  const sb = spatialShape(b);
  return sa.length === sb.length && sa.every((n, i) => n === sb[i]) && a.affine.every((r, i) => r.every((v, k) => Math.abs(v - b.affine[i][k]) <= 1e-6 * (1 + Math.abs(v))));
}

function isIntVector(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => Number.isInteger(x));
}

/**
 * The boxes `after` was cut from `before` with, or undefined when the step
 * was no crop. Sources, in order: the recorded `starts` (Clara's PosNeg
 * crops) or `boxes` (MONAI's RandSpatialCropSamplesd); the `cropStarts` a
 * crop writes into its output's meta (MONAI's centre crops); a recorded
 * `start` (the other random crops); the affine shift (deterministic crops).
 */
export function boxesOf(before: ChainImage, after: ChainImage, draws?: Record<string, unknown>): CropBox[] | undefined {
  const sb = spatialShape(before);
  const sa = spatialShape(after);
  const rank = sa.length;
  if (rank !== sb.length) return undefined;
  const withDraws = (starts: number[][]): CropBox[] => {
    const centres = Array.isArray(draws?.centres) ? (draws!.centres as unknown[]) : [];
    const fg = Array.isArray(draws?.foreground) ? (draws!.foreground as unknown[]) : [];
    return starts.map((start, k) => ({
      start: start.slice(),
      size: sa.slice(),
      ...(isIntVector(centres[k], rank) ? { centre: (centres[k] as number[]).slice() } : {}),
      ...(typeof fg[k] === 'boolean' ? { foreground: fg[k] as boolean } : {}),
    }));
  };
  const starts = draws?.starts;
  if (Array.isArray(starts) && starts.length > 0 && starts.every((x) => isIntVector(x, rank))) return withDraws(starts as number[][]);
  const boxes = draws?.boxes;
  if (Array.isArray(boxes) && boxes.length > 0 && boxes.every((b) => isIntVector((b as CropBox)?.start, rank) && isIntVector((b as CropBox)?.size, rank)))
    return (boxes as CropBox[]).map((b) => ({ start: b.start.slice(), size: b.size.slice() }));
  const metaStarts = after.meta?.cropStarts;
  if (
    Array.isArray(metaStarts) &&
    metaStarts.length > 0 &&
    metaStarts.every((x) => isIntVector(x, rank)) &&
    JSON.stringify(metaStarts) !== JSON.stringify(before.meta?.cropStarts ?? null)
  )
    return withDraws(metaStarts as number[][]);
  if (isIntVector(draws?.start, rank)) return [{ start: (draws!.start as number[]).slice(), size: sa.slice() }];
  const start = voxelShift(before, after, rank);
  if (!start || (start.every((x) => x === 0) && sa.every((n, i) => n === sb[i]))) return undefined;
  return [{ start, size: sa.slice() }];
}

/**
 * The whole-voxel offset t with affine_after = affine_before * translate(t),
 * when both have the same linear part; else undefined (a resampling, a
 * rotation or a flip is not a crop).
 */
function voxelShift(before: ChainImage, after: ChainImage, rank: number): number[] | undefined {
  const A = before.affine;
  const B = after.affine;
  const tol = (v: number) => 1e-6 * (1 + Math.abs(v));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) if (Math.abs(A[r][c] - B[r][c]) > tol(A[r][c])) return undefined;
  // Solve A3 * t = B[:,3] - A[:,3] (Cramer's rule on the 3x3 linear part).
  const d = [0, 1, 2].map((r) => B[r][3] - A[r][3]);
  const m = [0, 1, 2].map((r) => [A[r][0], A[r][1], A[r][2]]);
  const det = det3(m);
  if (Math.abs(det) < 1e-12) return undefined;
  const t = [0, 1, 2].map((c) => det3(m.map((row, r) => row.map((v, k) => (k === c ? d[r] : v)))) / det);
  const out = t.slice(0, rank).map((x) => Math.round(x) + 0); // + 0: a shift of -0 is 0
  if (t.some((x, i) => Math.abs(x - Math.round(x)) > 1e-3 || (i >= rank && Math.round(x) !== 0))) return undefined;
  return out;
}
