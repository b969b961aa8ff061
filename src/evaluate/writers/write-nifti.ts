import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { WriterSpec } from '../../config/evaluation.js';
import { writeNifti } from '../../io/nifti/write.js';
import { VoxelpipeError, fromFsError } from '../../util/errors.js';
import { identity4 } from '../../volume/affine.js';
import { isChainImage, type Sample } from '../../transforms/image.js';
import { niftiVolumes } from '../../transforms/post/save-as-nifti.js';
import { revertCanonical } from './revert-canonical.js';

/**
 * Clara's WriteNifti eval writer: `write_path/<case>/<case>_<field>.nii.gz`,
 * where `<case>` is the case's image file name without its extension
 * (spleen_19 for imagesTr/spleen_19.nii.gz), in the on-disk type `dtype`.
 */

const EXTENSIONS = ['.nii.gz', '.nii', '.hdr', '.img', '.nrrd', '.nhdr', '.mha', '.mhd', '.png', '.jpg', '.jpeg', '.npy', '.dcm'];

/** A case's name: its image file name without the image extension (a DICOM folder keeps its name). */
export function caseName(image: string): string {
  const name = basename(image);
  const ext = EXTENSIONS.find((e) => name.toLowerCase().endsWith(e));
  return ext ? name.slice(0, -ext.length) : name;
}

/** Where `writer` puts the field of case `name`. */
export function writerFile(writer: WriterSpec, name: string): string {
  return join(writer.dir, name, `${name}_${writer.args.field}.nii${writer.args.compressed ? '.gz' : ''}`);
}

/**
 * Writes every writer's field of one case. All or nothing: each file goes to
 * a temporary name first, and only when all are written are they renamed, so
 * an interrupted run never leaves a half-written case that looks complete.
 */
export function writeCase(writers: readonly WriterSpec[], sample: Sample, name: string): string[] {
  const done: { tmp: string; file: string }[] = [];
  try {
    for (const w of writers) {
      const value = sample[w.args.field];
      if (!isChainImage(value))
        throw new VoxelpipeError(
          'ERR_INVALID_ARGUMENT',
          `${w.jsonPath}: WriteNifti field "${w.args.field}" ${value === undefined ? 'does not exist after the post transforms' : `holds ${Array.isArray(value) ? 'a list of numbers' : typeof value}, not an image`}`,
        );
      const img = w.args.revert_canonical ? revertCanonical(value, w.args.field) : value;
      const vols = niftiVolumes(img);
      if (vols.length !== 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${w.jsonPath}: field "${w.args.field}" holds ${vols.length} crops; WriteNifti writes whole volumes`);
      const vol = w.args.use_identity ? { ...vols[0], affine: identity4() } : vols[0];
      const file = writerFile(w, name);
      const tmp = join(dirname(file), `.${basename(file)}.partial`);
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch (e) {
        throw fromFsError(e, dirname(file), 'write');
      }
      writeNifti(tmp, vol, { dtype: w.args.dtype, gzip: w.args.compressed, level: 1 });
      done.push({ tmp, file });
    }
    for (const { tmp, file } of done) renameSync(tmp, file);
  } catch (e) {
    for (const { tmp } of done) rmSync(tmp, { force: true });
    throw e;
  }
  return done.map((d) => d.file);
}
