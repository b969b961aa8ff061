import { z } from 'zod';
import { readVolume } from '../../io/read-volume.js';
import { arrayDTypeOf, type ArrayDType } from '../../volume/dtype.js';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, monaiDTypeArg, monaiSpellings, presentKeys } from '../monai-dict.js';
import { imageSpatialRank } from './load-image.js';
import { convertImage, loaderImpl } from './loader.js';

/** MONAI's reader names: the format is read from the bytes whatever is named, so each is accepted. */
const READERS = ['NibabelReader', 'ITKReader', 'PydicomReader', 'NumpyReader', 'PILReader', 'NrrdReader', 'nibabelreader', 'itkreader', 'pydicomreader', 'numpyreader', 'pilreader', 'nrrdreader'] as const;

/** Stored types float32 holds exactly: kept as they are under MONAI's default dtype float32 (same values, and lookup tables stay usable). */
const EXACT_IN_FLOAT32 = new Set<ArrayDType>(['uint8', 'int8', 'int16', 'uint16', 'float32']);

/**
 * MONAI's LoadImaged: every key's file (any format voxelpipe reads; a list
 * of files = channels) becomes an image with its affine; MONAI's `dtype`
 * (default float32) is the type of the values. 8/16-bit stored integers are
 * kept in their stored type under float32, since float32 holds every one of
 * them exactly: the values are MONAI's, and int16 CT keeps its lookup-table
 * fast path (the batch is float32 anyway). Metadata args (`image_only`,
 * `meta_keys`, ...) are accepted: voxelpipe images always carry their
 * metadata.
 */
export const LoadImaged = defineTransform({
  name: 'LoadImaged',
  family: 'load',
  summary: 'MONAI LoadImaged: any supported format into images with affine; dtype float32 (8/16-bit integers kept, exact)',
  monai: 'LoadImaged',
  ...monaiSpellings('LoadImaged'),
  args: z.strictObject({
    keys: keysArg,
    reader: z.union([z.enum(READERS), z.null()]).default(null),
    dtype: z.union([monaiDTypeArg, z.null()]).default('float32'),
    image_only: z.boolean().default(true),
    ensure_channel_first: z.boolean().default(false),
    simple_keys: z.boolean().default(false),
    meta_keys: z.unknown().optional(),
    meta_key_postfix: z.string().default('meta_dict'),
    overwriting: z.boolean().default(false),
    prune_meta_pattern: z.union([z.string(), z.null()]).default(null),
    prune_meta_sep: z.string().default('.'),
    expanduser: z.boolean().default(true),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'] },
  create(a) {
    const dtype = a.dtype ?? undefined;
    const impl = (keys: string[]) => loaderImpl('LoadImaged', { fields: keys }, { read: (file, o) => readVolume(file, o), spatialRank: imageSpatialRank });
    const all = impl(a.keys);
    return {
      fields: a.keys,
      apply(sample, ctx) {
        const keys = presentKeys(sample, a.keys, a.allow_missing_keys, 'LoadImaged');
        const out = (keys.length === a.keys.length ? all : impl(keys)).apply(sample, ctx);
        if (!dtype) return out;
        for (const k of keys) {
          const img = out[k] as Parameters<typeof convertImage>[0];
          if (dtype === 'float32' && EXACT_IN_FLOAT32.has(arrayDTypeOf(img.data))) continue;
          out[k] = convertImage(img, dtype);
        }
        return out;
      },
    };
  },
});
