import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readVolume } from '../io/read-volume.js';
import { VoxelpipeError } from '../util/errors.js';
import { spatialRank, spatialShape, toChainImage, type ChainImage } from '../transforms/image.js';

/**
 * Saved predictions instead of a model (`voxelpipe evaluate --predictions
 * DIR`): a case's prediction is the file in DIR named as the case's image
 * in the datalist (imagesTr/spleen_19.nii.gz -> DIR/spleen_19.nii.gz). It
 * must lie on its label's grid: same spatial shape, same affine.
 */

/** Affines agreeing to this many mm (float32 NIfTI headers round at ~1e-5 relative). */
const AFFINE_TOLERANCE_MM = 1e-3;

/** The prediction file of a case whose datalist image is `image` (the first file of a multi-file image). */
export function predictionFile(dir: string, image: string): string {
  return join(dir, basename(image));
}

/** Reads the prediction of one case and checks it against `reference` (the label, or the image without one). */
export function loadPrediction(dir: string, image: string, reference: ChainImage, referenceName: string): ChainImage {
  const file = predictionFile(dir, image);
  if (!existsSync(file) || statSync(file).isDirectory())
    throw new VoxelpipeError('ERR_FILE_NOT_FOUND', `no prediction ${file} (a case's prediction is the file named as its image, ${basename(image)})`, { context: { file } });
  const vol = readVolume(file);
  const rank = spatialRank(reference);
  if (vol.shape.length < rank)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `prediction ${file} has shape [${vol.shape}], the ${referenceName} has spatial shape [${spatialShape(reference)}]`);
  const pred = toChainImage(vol, rank);
  const ps = spatialShape(pred);
  const rs = spatialShape(reference);
  if (ps.join() !== rs.join())
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `prediction ${file} has shape [${ps}], the ${referenceName} has [${rs}]`, { context: { file } });
  let worst = 0;
  let at = [0, 0];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(pred.affine[r][c] - reference.affine[r][c]);
      if (d > worst) {
        worst = d;
        at = [r, c];
      }
    }
  if (worst > AFFINE_TOLERANCE_MM)
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `prediction ${file}: its affine differs from the ${referenceName}'s (by ${worst.toPrecision(3)} at row ${at[0]}, column ${at[1]}: ${pred.affine[at[0]][at[1]]} vs ${reference.affine[at[0]][at[1]]}); it is not on the ${referenceName}'s grid`,
      { context: { file } },
    );
  return pred;
}
