import { Command } from 'commander';
import { readVolume, writeNifti } from '../../io/index.js';
import { VoxelpipeError } from '../../util/errors.js';
import type { Volume } from '../../volume/volume.js';
import type { CliIO } from '../common.js';

/**
 * The NIfTI form of any volume: channels (meta.channels, a planar last
 * axis) become NIfTI's RGB/RGBA voxel types for 8-bit 3/4-channel images,
 * else NIfTI's vector dimension (dim 5), spatial axes padded to 3 as
 * nibabel and ITK do.
 */
export function niftiLayout(v: Volume): { volume: Volume; dtype?: 'rgb24' | 'rgba32' } {
  const channels = typeof v.meta.channels === 'number' ? v.meta.channels : 1;
  if (channels <= 1) return { volume: v };
  if (v.data instanceof Uint8Array && (channels === 3 || channels === 4) && !v.meta.scalingDeferred)
    return { volume: v, dtype: channels === 3 ? 'rgb24' : 'rgba32' };
  const spatial = v.shape.slice(0, -1);
  const spacing = v.spacing.slice(0, spatial.length);
  while (spatial.length < 3) {
    spatial.push(1);
    spacing.push(1);
  }
  return { volume: { ...v, shape: [...spatial, 1, channels], spacing: [...spacing, 1, 1] } };
}

export function convertToNifti(input: string, output: string, options: { series?: string; key?: string } = {}): Volume {
  if (!/\.nii(\.gz)?$/i.test(output))
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${output}: output must be a NIfTI file name ending in .nii or .nii.gz`, { context: { file: output } });
  // Deferred scaling keeps DICOM/NIfTI stored integers plus scl_slope/inter, as dcm2niix writes them.
  const v = readVolume(input, { scaling: 'defer', seriesInstanceUID: options.series, key: options.key });
  const { volume, dtype } = niftiLayout(v);
  writeNifti(output, volume, dtype ? { dtype } : {});
  return v;
}

export function convertCommand(io: CliIO): Command {
  return new Command('convert')
    .description('convert any readable image (DICOM file or series folder, NRRD, MetaImage, PNG, JPEG, NumPy, NIfTI) to NIfTI, keeping the affine')
    .argument('<input>', 'image file, or a folder holding one DICOM series')
    .argument('<output>', 'output .nii or .nii.gz')
    .option('--series <uid>', 'SeriesInstanceUID to read when the folder holds several series')
    .option('--key <name>', 'array to read from a .npz archive (default: the first)')
    .action((input: string, output: string, opts: { series?: string; key?: string }) => {
      const v = convertToNifti(input, output, opts);
      io.out(`${output}: ${v.shape.join(' x ')} ${v.dtype} from ${String(v.meta.format ?? 'image')}\n`);
    });
}
