import { VoxelpipeError } from '../../util/errors.js';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import { matmul4, type Mat4 } from '../../volume/affine.js';
import { stridesOf } from '../../volume/volume.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';

/**
 * nibabel's `as_closest_canonical`: reorder and flip the voxel axes so that
 * they point, as closely as axis swaps and flips allow, to R, A and S. No
 * resampling: a strided copy of the voxels and a matching change of affine,
 * so every value keeps its world position.
 */

/** For each voxel axis: the world axis (0 R, 1 A, 2 S) it points to most, and whether it points the negative way. */
export interface AxisOrientation {
  worldAxis: number;
  flip: boolean;
}

/**
 * nibabel's `io_orientation` for an affine whose 3x3 part is a rotation times
 * zooms: column by column, the row of largest magnitude not taken yet. (nibabel
 * first replaces the matrix by its nearest orthogonal one; for sheared
 * affines the two may disagree, which real scanner data does not produce.)
 */
export function ioOrientation(affine: Mat4): AxisOrientation[] {
  const used = [false, false, false];
  const out: AxisOrientation[] = [];
  for (let c = 0; c < 3; c++) {
    const len = Math.hypot(affine[0][c], affine[1][c], affine[2][c]) || 1;
    let best = -1;
    let bestAbs = 0;
    for (let r = 0; r < 3; r++) {
      const v = Math.abs(affine[r][c] / len);
      if (!used[r] && v > bestAbs) {
        bestAbs = v;
        best = r;
      }
    }
    if (best < 0) throw new VoxelpipeError('ERR_INVALID_VOLUME', `affine column ${c} is zero: the orientation of voxel axis ${c} is undefined`);
    used[best] = true;
    out.push({ worldAxis: best, flip: affine[best][c] < 0 });
  }
  return out;
}

/** True when the voxel axes already are R, A, S in that order. */
export function isCanonical(o: readonly AxisOrientation[]): boolean {
  return o.every((a, i) => a.worldAxis === i && !a.flip);
}

/** The image reoriented to RAS+ (the same record when it already is). */
export function closestCanonical(img: ChainImage): ChainImage {
  const ornt = ioOrientation(img.affine);
  if (isCanonical(ornt)) return img;
  if (spatialRank(img) !== 3)
    throw new VoxelpipeError(
      'ERR_INVALID_VOLUME',
      `as_closest_canonical needs a 3D image, ${img.meta.filename ?? 'the image'} has spatial shape [${spatialShape(img)}]`,
    );
  const inShape = spatialShape(img);
  const inStrides = stridesOf(inShape);
  const outShape = [0, 0, 0];
  const outSpacing = img.spacing.slice();
  // Step through the input for +1 along each output axis, and the input offset of output voxel (0,0,0).
  const step = [0, 0, 0];
  let base = 0;
  // T maps output voxel indices to input ones: new affine = affine @ T.
  const T: Mat4 = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  ornt.forEach(({ worldAxis: j, flip }, i) => {
    outShape[j] = inShape[i];
    outSpacing[j] = img.spacing[i];
    step[j] = flip ? -inStrides[i] : inStrides[i];
    if (flip) base += (inShape[i] - 1) * inStrides[i];
    T[i][j] = flip ? -1 : 1;
    T[i][3] = flip ? inShape[i] - 1 : 0;
  });
  const [n0, n1, n2] = outShape;
  const [s0, s1, s2] = step;
  const block = n0 * n1 * n2;
  const src = img.data;
  const out = allocArray(arrayDTypeOf(src), src.length);
  // Channel (and crop) blocks are planar: reorient each block the same way.
  for (let b = 0, o = 0; b < src.length; b += block) {
    for (let z = 0; z < n2; z++)
      for (let y = 0; y < n1; y++) {
        let p = b + base + z * s2 + y * s1;
        for (let x = 0; x < n0; x++, p += s0) out[o++] = src[p];
      }
  }
  return {
    ...img,
    data: out,
    shape: [...outShape, ...img.shape.slice(3)],
    spacing: outSpacing,
    affine: matmul4(img.affine, T),
    meta: { ...img.meta, originalAffine: img.affine, originalShape: img.shape },
  };
}
