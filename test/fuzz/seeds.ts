import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { writeNifti } from '../../src/io/index.js';
import { FIXTURES } from '../helpers.js';

/**
 * Small valid inputs of every format the fuzzer mutates. Each is a set of
 * named files (a header and its data file, a series folder's slices, an
 * MMAR's JSON files) and the one the reader is pointed at. Kept tiny so a
 * case costs microseconds of parsing and the mutations reach every field.
 */

export interface SeedFile {
  name: string;
  bytes: Buffer;
}

export interface Seed {
  /** Fuzz group: nifti, dicom, nrrd, metaimage, png, jpeg, numpy, config. */
  format: string;
  /** Which seed of the group (for reproducers). */
  name: string;
  files: SeedFile[];
  /** The file (or folder, for a DICOM series: '.') the reader is given; for configs, the config file. */
  target: string;
  /** How the bytes are laid out, for format-aware mutations. */
  layout: 'binary' | 'text-header' | 'gzip' | 'json';
  /** For 'text-header': bytes of the header text at the start of `target` (the rest is data). */
  headerBytes?: number;
}

function nifti(gzip: boolean): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'voxelpipe-seed-'));
  try {
    const f = join(dir, gzip ? 'x.nii.gz' : 'x.nii');
    const data = new Int16Array(24).map((_, i) => i * 7 - 60);
    writeNifti(f, {
      data,
      shape: [4, 3, 2],
      dtype: 'int16',
      spacing: [0.8, 0.9, 2.5],
      affine: [
        [-0.8, 0, 0, 10],
        [0, 0.9, 0, -20],
        [0, 0, 2.5, 30],
        [0, 0, 0, 1],
      ],
      meta: {},
    });
    return readFileSync(f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pair(analyze: boolean): SeedFile[] {
  const b = nifti(false);
  const hdr = Buffer.from(b.subarray(0, 348));
  if (analyze) hdr.fill(0, 344, 348);
  else hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  return [
    { name: 'x.hdr', bytes: hdr },
    { name: 'x.img', bytes: Buffer.from(b.subarray(352)) },
  ];
}

const int16Data = () => Buffer.from(new Int16Array(24).map((_, i) => i * 5 - 40).buffer);

function fixture(...parts: string[]): Buffer {
  return readFileSync(join(FIXTURES, ...parts));
}

const NRRD_FIELDS = 'type: short\ndimension: 3\nspace: left-posterior-superior\nsizes: 4 3 2\nspace directions: (1.2,0.9,0) (-1.2,1.6,0) (0,0,3)\nkinds: domain domain domain\nendian: little\nspace origin: (10,-20,30)\n';
const MHA_FIELDS = 'ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 10 -20 30\nElementSpacing = 0.8 0.9 2.5\nDimSize = 4 3 2\nElementType = MET_SHORT\n';

function textSeed(format: string, name: string, header: string, data: Buffer, aux: SeedFile[] = [], target = name): Seed {
  const head = Buffer.from(header, 'latin1');
  return { format, name, files: [{ name, bytes: Buffer.concat([head, data]) }, ...aux], target, layout: 'text-header', headerBytes: head.length };
}

/** A Clara MMAR: config, environment, datalist and two tiny images (as the datalist names them). */
function mmar(): SeedFile[] {
  const img = nifti(true);
  const config = {
    epochs: 10,
    learning_rate: 1e-4,
    train: {
      loss: { name: 'Dice' },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0.0, b_max: 1.0, clip: true } },
        { name: 'FastCropByPosNegRatio', args: { size: [2, 2, 2], fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 2 } },
        { name: 'RandomAxisFlip#flip', args: { fields: ['image', 'label'], probability: 0.1 } },
      ],
      image_pipeline: {
        name: 'SegmentationImagePipelineWithCache',
        args: {
          data_list_file_path: '{DATASET_JSON}',
          data_file_base_dir: '{DATA_ROOT}',
          data_list_key: 'training',
          output_crop_size: [2, 2, 2],
          output_batch_size: 2,
          num_workers: 1,
          num_cache_objects: 2,
          replace_percent: 0.5,
        },
      },
    },
    validate: {
      pre_transforms: [{ ref: 'LoadNifti' }, { ref: 'flip', disabled: true }],
      image_pipeline: { name: 'SegmentationImagePipeline', args: { data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'validation', output_crop_size: [-1, -1, -1], output_batch_size: 1 } },
    },
  };
  const env = { DATA_ROOT: '.', DATASET_JSON: 'dataset_0.json', PROCESSING_TASK: 'segmentation', MMAR_CKPT_DIR: 'models' };
  const datalist = {
    name: 'fuzz',
    labels: { '0': 'background', '1': 'organ' },
    training: [{ image: 'img0.nii.gz', label: 'img1.nii.gz' }, { image: 'img1.nii.gz', label: 'img0.nii.gz' }],
    validation: [{ image: 'img0.nii.gz', label: 'img1.nii.gz' }],
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 1));
  return [
    { name: 'config_train.json', bytes: json(config) },
    { name: 'environment.json', bytes: json(env) },
    { name: 'dataset_0.json', bytes: json(datalist) },
    { name: 'img0.nii.gz', bytes: img },
    { name: 'img1.nii.gz', bytes: img },
  ];
}

/** Every seed, by fuzz group. */
export function allSeeds(): Seed[] {
  const seeds: Seed[] = [];
  const bin = (format: string, name: string, bytes: Buffer, layout: Seed['layout'] = 'binary'): Seed => ({ format, name, files: [{ name, bytes }], target: name, layout });
  // NIfTI: .nii, .nii.gz, a pair, an Analyze pair.
  seeds.push(bin('nifti', 'x.nii', nifti(false)));
  seeds.push(bin('nifti', 'x.nii.gz', nifti(true), 'gzip'));
  seeds.push({ format: 'nifti', name: 'pair', files: pair(false), target: 'x.hdr', layout: 'binary' });
  seeds.push({ format: 'nifti', name: 'analyze', files: pair(true), target: 'x.hdr', layout: 'binary' });
  // DICOM: single files of each transfer syntax and layout, and a series folder.
  for (const f of ['grey8.dcm', 'ts-implicit.dcm', 'ts-bigendian.dcm', 'ts-deflated.dcm', 'ts-rle.dcm', 'ts-jpeg-lossless.dcm', 'grey8-jpeg.dcm', 'rgb8.dcm', 'mf-enhanced.dcm', 'mf-enhanced-rle.dcm', 'bare-implicit.dcm'])
    seeds.push(bin('dicom', f, fixture('dicom', f)));
  const series = join(FIXTURES, 'dicom', 'ct-series');
  seeds.push({ format: 'dicom', name: 'ct-series', files: readdirSync(series).sort().map((n) => ({ name: n, bytes: readFileSync(join(series, n)) })), target: '.', layout: 'binary' });
  // NRRD: raw, gzip, ascii attached; detached raw.
  seeds.push(textSeed('nrrd', 'raw.nrrd', `NRRD0004\n${NRRD_FIELDS}encoding: raw\n\n`, int16Data()));
  seeds.push(textSeed('nrrd', 'gzip.nrrd', `NRRD0004\n${NRRD_FIELDS}encoding: gzip\n\n`, gzipSync(int16Data())));
  seeds.push(textSeed('nrrd', 'ascii.nrrd', `NRRD0004\n${NRRD_FIELDS.replace('endian: little\n', '')}encoding: ascii\n\n`, Buffer.from(Array.from(new Int16Array(int16Data().buffer)).join(' ') + '\n')));
  seeds.push(textSeed('nrrd', 'd.nhdr', `NRRD0004\n${NRRD_FIELDS}encoding: raw\ndata file: d.raw\n`, Buffer.alloc(0), [{ name: 'd.raw', bytes: int16Data() }]));
  // MetaImage: .mha raw and compressed, .mhd + .raw.
  seeds.push(textSeed('metaimage', 'x.mha', `${MHA_FIELDS}ElementDataFile = LOCAL\n`, int16Data()));
  const z = deflateSync(int16Data());
  seeds.push(textSeed('metaimage', 'z.mha', `${MHA_FIELDS}CompressedData = True\nCompressedDataSize = ${z.length}\nElementDataFile = LOCAL\n`, z));
  seeds.push(textSeed('metaimage', 'x.mhd', `${MHA_FIELDS}ElementDataFile = x.raw\n`, Buffer.alloc(0), [{ name: 'x.raw', bytes: int16Data() }]));
  // Pictures.
  for (const f of ['grey8.png', 'grey16.png', 'rgba8.png', 'palette.png', 'interlaced.png']) seeds.push(bin('png', f, fixture('png', f)));
  for (const f of ['grey.jpg', 'rgb.jpg', 'rgb-progressive.jpg']) seeds.push(bin('jpeg', f, fixture('jpeg', f)));
  // NumPy.
  for (const f of ['int16-c.npy', 'float32-be.npy', 'uint8-f.npy']) seeds.push(bin('numpy', f, fixture('numpy', f)));
  for (const f of ['pair.npz', 'pair-compressed.npz']) seeds.push(bin('numpy', f, fixture('numpy', f)));
  // Configs.
  seeds.push({ format: 'config', name: 'mmar', files: mmar(), target: 'config_train.json', layout: 'json' });
  return seeds;
}

export const FORMATS = ['nifti', 'dicom', 'nrrd', 'metaimage', 'png', 'jpeg', 'numpy', 'config'] as const;
export type FuzzFormat = (typeof FORMATS)[number];
