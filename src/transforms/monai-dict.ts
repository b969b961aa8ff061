import { z } from 'zod';
import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS, arrayDTypeOf, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { fieldsArg, probabilityArg } from './args.js';
import { batchCount, getImage, isChainImage, type ChainImage, type Sample } from './image.js';
import type { TransformContext } from './types.js';

/**
 * What MONAI's dictionary transforms (`LoadImaged`, `RandFlipd`, ...) share
 * in voxelpipe: their common args (`keys`, `allow_missing_keys`, `prob`,
 * per-key modes), their other spellings (`ToTensorD`, `ToTensorDict`), and
 * MONAI's list-of-crops semantics after a `num_samples` crop.
 *
 * A MONAI definition is a thin wrapper: it maps MONAI's args onto the
 * kernel (or the Clara definition) voxelpipe already has.
 */

/** MONAI's `keys`: a key or a list of them; always an array after parsing. */
export const keysArg = fieldsArg;

/** MONAI's `allow_missing_keys` (default false: a missing key is an error). */
export const allowMissingArg = z.boolean().default(false);

/** MONAI's `prob` with a given default (most random dict transforms default to 0.1). */
export const probArg = (d: number) => probabilityArg.default(d);

/**
 * The other spellings MONAI exports for a dictionary transform `Xd`:
 * `XD` and `XDict` (configs use both `ToTensord` and `ToTensorD`).
 */
export function monaiSpellings(name: string): { aliases: string[]; vocabulary: 'monai' } {
  const base = name.endsWith('d') ? name.slice(0, -1) : name;
  return { aliases: [`${base}D`, `${base}Dict`], vocabulary: 'monai' };
}

/** A value given once for every key or once per key (MONAI's `mode: ["bilinear", "nearest"]`), as one per key. */
export function perKey<T>(value: T | readonly T[], keys: readonly string[], transform: string, arg: string): T[] {
  if (!Array.isArray(value)) return keys.map(() => value as T);
  if (value.length !== keys.length)
    throw new VoxelpipeError(
      'ERR_INVALID_ARGUMENT',
      `${transform}: ${arg} has ${value.length} values for ${keys.length} keys [${keys.join(', ')}]; give one value or one per key`,
      { context: { transform, arg } },
    );
  return value.slice() as T[];
}

/** `x` or a list of one per key, for schemas. */
export function oneOrPerKey<S extends z.ZodType>(s: S) {
  return z.union([s, z.array(s).min(1)]);
}

/**
 * The keys of `keys` present in the sample, in order. A missing key is an
 * error unless `allow_missing_keys` (then it is skipped, as MONAI does).
 */
export function presentKeys(sample: Sample, keys: readonly string[], allowMissing: boolean, transform: string): string[] {
  const out: string[] = [];
  for (const k of keys) {
    if (sample[k] !== undefined) out.push(k);
    else if (!allowMissing)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: key "${k}" is not in the sample (set allow_missing_keys to skip it)`, {
        context: { transform, key: k },
      });
  }
  return out;
}

/** Pairs each present key with its per-key value (`perKey` over all keys, then filtered). */
export function presentWith<T>(sample: Sample, keys: readonly string[], values: readonly T[], allowMissing: boolean, transform: string): [string, T][] {
  const present = new Set(presentKeys(sample, keys, allowMissing, transform));
  return keys.map((k, i) => [k, values[i]] as [string, T]).filter(([k]) => present.has(k));
}

/** The images under `keys`, checked. */
export function imagesAt(sample: Sample, keys: readonly string[], transform: string): ChainImage[] {
  return keys.map((k) => getImage(sample, k, transform));
}

/** Crop `j` of a batched image, as an unbatched image viewing the same memory. */
function cropView(img: ChainImage, j: number): ChainImage {
  const b = batchCount(img);
  const per = img.data.length / b;
  return { ...img, data: img.data.subarray(j * per, (j + 1) * per) as VoxelArray, shape: img.shape.slice(0, -1), batched: false };
}

/**
 * Crops of one field as one batched image (dtypes that differ, e.g. some
 * crops noised, are promoted to float32), in memory from `alloc` when given
 * (every element is written).
 */
export function stack(parts: ChainImage[], field: string, transform: string, alloc?: TransformContext['alloc']): ChainImage {
  const first = parts[0];
  let dtype: ArrayDType = arrayDTypeOf(first.data);
  for (const p of parts) {
    if (p.shape.join() !== first.shape.join())
      throw new VoxelpipeError(
        'ERR_SHAPE_MISMATCH',
        `${transform}: the crops of "${field}" come out with different shapes ([${first.shape}] and [${p.shape}]); crops of different shapes cannot share a batch`,
        { context: { transform, field } },
      );
    const t = arrayDTypeOf(p.data);
    if (t !== dtype) dtype = t === 'float64' || dtype === 'float64' ? 'float64' : 'float32';
  }
  const per = first.data.length;
  const data = alloc ? alloc(dtype, per * parts.length) : new ARRAY_CTORS[dtype](per * parts.length);
  parts.forEach((p, j) => data.set(p.data as never, j * per));
  return { ...first, data, dtype, shape: [...first.shape, parts.length], batched: true };
}

/** A context whose draws are recorded per crop (`crop0`, `crop1`, ...). */
function cropContext(ctx: TransformContext, j: number): TransformContext {
  return {
    get rng() {
      return ctx.rng;
    },
    record: (d) => ctx.record({ [`crop${j}`]: d }),
    root: ctx.root,
    ...(ctx.alloc ? { alloc: ctx.alloc } : {}),
  };
}

/**
 * MONAI's semantics after a crop with `num_samples`: the crops are a list of
 * samples, and every later transform runs on each crop on its own (its own
 * draws: crop 0's from the stream first, then crop 1's, ...). voxelpipe holds
 * those crops as one batched image; this runs `fn` once per crop on views of
 * them and stacks the results again. Unbatched samples go straight to `fn`.
 */
export function eachCrop(sample: Sample, ctx: TransformContext, transform: string, fn: (s: Sample, ctx: TransformContext) => Sample): Sample {
  const batched = Object.keys(sample).filter((k) => isChainImage(sample[k]) && (sample[k] as ChainImage).batched);
  if (batched.length === 0) return fn(sample, ctx);
  const b = batchCount(sample[batched[0]] as ChainImage);
  for (const k of batched)
    if (batchCount(sample[k] as ChainImage) !== b)
      throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${transform}: "${batched[0]}" holds ${b} crops but "${k}" holds ${batchCount(sample[k] as ChainImage)}`);
  const parts: Sample[] = [];
  const views: Sample[] = [];
  for (let j = 0; j < b; j++) {
    const s: Sample = { ...sample };
    for (const k of batched) s[k] = cropView(sample[k] as ChainImage, j);
    views.push(s);
    parts.push(fn(s, cropContext(ctx, j)));
  }
  const out: Sample = { ...parts[0] };
  for (const k of Object.keys(parts[0])) {
    const vals = parts.map((p) => p[k]);
    // A field no crop changed keeps its batched image (no copy).
    if (batched.includes(k) && vals.every((v, j) => v === views[j][k])) {
      out[k] = sample[k];
      continue;
    }
    const images = vals.every((v) => isChainImage(v) && !v.batched);
    if (images && (batched.includes(k) || vals.some((v) => v !== vals[0]))) out[k] = stack(vals as ChainImage[], k, transform, ctx.alloc);
  }
  return out;
}

/** MONAI / numpy / torch dtype spellings -> voxelpipe's array types (64-bit integers are held as int32: labels fit). */
const DTYPE_NAMES: Readonly<Record<string, ArrayDType>> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float32', half: 'float32',
  uint8: 'uint8', int8: 'int8', int16: 'int16', short: 'int16', uint16: 'uint16', int32: 'int32', int: 'int32',
  uint32: 'uint32', int64: 'int32', long: 'int32', uint64: 'uint32', bool: 'uint8',
};

/** `"float32"`, `"np.float32"`, `"numpy.float32"`, `"torch.float32"`: the array type it names, or undefined. */
export function monaiDType(name: string): ArrayDType | undefined {
  const bare = name.replace(/^(np|numpy|torch)\./, '');
  return Object.hasOwn(DTYPE_NAMES, bare) ? DTYPE_NAMES[bare] : undefined;
}

/** A dtype arg as MONAI configs write it (see `monaiDType`); null keeps the input's type. */
export const monaiDTypeArg = z
  .string()
  .refine((s) => monaiDType(s) !== undefined, {
    message: `expected a dtype such as "float32", "np.float32", "torch.uint8" (one of ${Object.keys(DTYPE_NAMES).join(', ')})`,
  })
  .transform((s) => monaiDType(s) as ArrayDType);

/**
 * The `apply` of a MONAI wrapper around an implementation built for a list
 * of fields (a Clara definition's `create`): it runs on the keys present
 * (missing ones skipped with `allow_missing_keys`); the implementation for
 * all keys is built once.
 */
export function onPresentKeys(
  keys: readonly string[],
  allowMissing: boolean,
  transform: string,
  make: (keys: string[]) => { apply(sample: Sample, ctx: TransformContext): Sample },
): (sample: Sample, ctx: TransformContext) => Sample {
  const all = make([...keys]);
  return (sample, ctx) => {
    const present = presentKeys(sample, keys, allowMissing, transform);
    if (present.length === 0) return sample;
    return (present.length === keys.length ? all : make(present)).apply(sample, ctx);
  };
}

/** Replaces the image of each present key with `fn(image, key, index of the key in keys)`. */
export function mapKeys(
  sample: Sample,
  keys: readonly string[],
  allowMissing: boolean,
  transform: string,
  fn: (img: ChainImage, key: string, i: number) => ChainImage,
): Sample {
  const out: Sample = { ...sample };
  const present = new Set(presentKeys(sample, keys, allowMissing, transform));
  keys.forEach((k, i) => {
    if (present.has(k)) out[k] = fn(getImage(sample, k, transform), k, i);
  });
  return out;
}

/** MONAI's range args: `x` means (min(-x, x), max(-x, x)), a pair means (min, max). */
export const symmetricRange = z
  .union([z.number(), z.tuple([z.number(), z.number()])])
  .transform((r): [number, number] => (typeof r === 'number' ? [Math.min(-r, r), Math.max(-r, r)] : [Math.min(r[0], r[1]), Math.max(r[0], r[1])]));
