import { VoxelpipeError } from '../../util/errors.js';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import { matmul4, type Mat4 } from '../../volume/affine.js';
import { ioOrientation, isCanonical } from '../../transforms/load/canonical.js';
import { spatialRank, spatialShape, type ChainImage } from '../../transforms/image.js';

/**
 * Clara's NiftiWriter `revert_canonical`: undoes LoadNifti's
 * as_closest_canonical, so the file's voxel axes are the source file's
 * again. The loader keeps the source affine (`meta.originalAffine`); an
 * image loaded without reorientation has none and is returned as it is.
 * The image must still be in RAS+ orientation (its grid may have changed:
 * only the axis order and directions are undone).
 */
export function revertCanonical(img: ChainImage, field: string): ChainImage {
  const original = img.meta.originalAffine as Mat4 | undefined;
  if (!original) return img;
  if (spatialRank(img) !== 3 || !isCanonical(ioOrientation(img.affine)))
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `WriteNifti: field "${field}" is not in RAS+ orientation any more; revert_canonical undoes as_closest_canonical only`);
  const target = ioOrientation(original);
  const cur = spatialShape(img);
  const outShape = target.map((t) => cur[t.worldAxis]);
  // Output voxel o maps to current voxel c with c[w_i] = flip_i ? n_i - 1 - o_i : o_i.
  const T: Mat4 = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  target.forEach(({ worldAxis: w, flip }, i) => {
    T[w][i] = flip ? -1 : 1;
    T[w][3] = flip ? outShape[i] - 1 : 0;
  });
  const curStrides = [1, cur[0], cur[0] * cur[1]];
  const step = target.map(({ worldAxis: w, flip }) => (flip ? -curStrides[w] : curStrides[w]));
  const base = target.reduce((b, { worldAxis: w, flip }, i) => b + (flip ? (outShape[i] - 1) * curStrides[w] : 0), 0);
  const block = cur[0] * cur[1] * cur[2];
  const src = img.data;
  const out = allocArray(arrayDTypeOf(src), src.length);
  const [n0, n1, n2] = outShape;
  for (let b = 0, o = 0; b < src.length; b += block)
    for (let z = 0; z < n2; z++)
      for (let y = 0; y < n1; y++) {
        let p = b + base + z * step[2] + y * step[1];
        for (let x = 0; x < n0; x++, p += step[0]) out[o++] = src[p];
      }
  const spacing = img.spacing.slice();
  target.forEach(({ worldAxis: w }, i) => (spacing[i] = img.spacing[w]));
  return { ...img, data: out, shape: [...outShape, ...img.shape.slice(3)], spacing, affine: matmul4(img.affine, T) };
}
