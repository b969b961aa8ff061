import { z } from 'zod';
import { defineTransform } from '../types.js';
import { channelCount, getImage, spatialRank, spatialShape, voxelsPerChannel, type ChainImage } from '../image.js';
import { foregroundBox } from '../kernels/index.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { assertSameSpatialShape, gridOf, perAxis, windowImage } from './spatial-image.js';
import { padModeArg } from './monai-spatial.js';

const perAxisInt = z.union([z.number().int().min(0), z.array(z.number().int().min(0)).min(1).max(3)]);

/** The source's channels named by `channel_indices` (all when null) as a grid for the bounding box. */
function sourceGrid(img: ChainImage, channels: number[] | null) {
  if (!channels) return gridOf(img);
  const n = voxelsPerChannel(img);
  const data = new Float32Array(n * channels.length);
  channels.forEach((c, i) => data.set(img.data.subarray(c * n, (c + 1) * n) as unknown as ArrayLike<number>, i * n));
  return { data, shape: spatialShape(img), blocks: channels.length };
}

/**
 * MONAI's CropForegroundd with its default `select_fn` (value > 0, any of
 * the `channel_indices`): the box of the source's foreground grown by
 * `margin`, clipped to the image unless `allow_smaller` is false (then the
 * outside is padded with `mode`), its size rounded up to a multiple of
 * `k_divisible` about its centre (MONAI's arithmetic). Every key gets the
 * same box. A source without foreground leaves the keys as they are (MONAI
 * 1.4 would return empty images). A `select_fn` (Python) is refused by the
 * config layer as any `$` expression.
 */
export const CropForegroundd = defineTransform({
  name: 'CropForegroundd',
  family: 'spatial',
  summary: 'MONAI CropForegroundd: crop to the source foreground box + margin, k_divisible, allow_smaller',
  monai: 'CropForegroundd',
  ...monaiSpellings('CropForegroundd'),
  args: z.strictObject({
    keys: keysArg,
    source_key: z.string().min(1),
    channel_indices: z.union([z.number().int().min(0), z.array(z.number().int().min(0)).min(1)]).nullable().default(null),
    margin: perAxisInt.default(0),
    allow_smaller: z.boolean().default(true),
    k_divisible: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1).max(3)]).default(1),
    mode: oneOrPerKey(padModeArg).default('constant'),
    start_coord_key: z.string().nullable().default('foreground_start_coord'),
    end_coord_key: z.string().nullable().default('foreground_end_coord'),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], source_key: 'image' },
  create(a) {
    const name = 'CropForegroundd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const channels = a.channel_indices === null ? null : typeof a.channel_indices === 'number' ? [a.channel_indices] : a.channel_indices;
    return {
      fields: [...new Set([...a.keys, a.source_key])],
      apply(sample) {
        const src = getImage(sample, a.source_key, name);
        const rank = spatialRank(src);
        const dims = spatialShape(src);
        if (channels && channels.some((c) => c >= channelCount(src))) throw new RangeError(`${name}: channel_indices [${channels}] beyond the source's ${channelCount(src)} channels`);
        const box = foregroundBox(sourceGrid(src, channels));
        if (!box) return sample;
        const margin = perAxis(a.margin, rank, name, 'margin', a.source_key);
        const k = perAxis(a.k_divisible, rank, name, 'k_divisible', a.source_key);
        const start: number[] = [];
        const size: number[] = [];
        for (let ax = 0; ax < rank; ax++) {
          let s = box.start[ax] - margin[ax];
          let e = box.end[ax] + margin[ax];
          if (a.allow_smaller) [s, e] = [Math.max(s, 0), Math.min(e, dims[ax])];
          const orig = e - s;
          const sz = Math.ceil(orig / k[ax]) * k[ax];
          s -= Math.floor((sz - orig) / 2);
          start.push(s);
          size.push(sz);
        }
        const images = a.keys.filter((key) => sample[key] !== undefined || !a.allow_missing_keys).map((key) => getImage(sample, key, name));
        assertSameSpatialShape([src, ...images], [a.source_key, ...a.keys], name);
        const out = mapKeys(sample, a.keys, a.allow_missing_keys, name, (img, _key, i) => windowImage(img, start, size, modes[i]));
        if (a.start_coord_key) out[a.start_coord_key] = start;
        if (a.end_coord_key) out[a.end_coord_key] = start.map((s, ax) => s + size[ax]);
        return out;
      },
    };
  },
});
