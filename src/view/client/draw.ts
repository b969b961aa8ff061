import type { PlaneJson } from './api-types.js';

/**
 * Drawing a plane of a volume into RGBA pixels, one pixel per voxel (the
 * canvas is scaled by CSS). Pure and DOM-free. The arithmetic is the PNG
 * preview's (src/preview/render.ts), so the page and `voxelpipe preview`
 * show the same grey levels and label colours for the same window: a test
 * compares them pixel for pixel.
 */

export type Shape3 = [number, number, number];
export type Rgb = readonly [number, number, number];

export function shape3Of(spatial: readonly number[]): Shape3 {
  return [spatial[0], spatial[1] ?? 1, spatial[2] ?? 1];
}

/** Width and height of a plane, in voxels. */
export function planeSize(p: PlaneJson, s: Shape3): [number, number] {
  return [s[p.hAxis], s[p.vAxis]];
}

/** Voxel indices along the plane's horizontal and vertical axes at pixel (u, v) (u from the left, v from the top). */
export function planeVoxel(p: PlaneJson, s: Shape3, u: number, v: number): [number, number] {
  const nh = s[p.hAxis];
  const nv = s[p.vAxis];
  return [p.hDir === 1 ? u : nh - 1 - u, p.vDir === 1 ? nv - 1 - v : v];
}

/** The pixel showing voxel indices (ih, iv): the same mapping, which is its own inverse. */
export const planePixel = planeVoxel;

/** Full 3D voxel index of pixel (u, v) of a plane at `slice`. */
export function voxelAt(p: PlaneJson, s: Shape3, slice: number, u: number, v: number): Shape3 {
  const [ih, iv] = planeVoxel(p, s, u, v);
  const ijk: Shape3 = [0, 0, 0];
  ijk[p.hAxis] = ih;
  ijk[p.vAxis] = iv;
  ijk[p.sliceAxis ?? 2] = slice;
  return ijk;
}

export function labelColor(palette: readonly Rgb[], value: number): Rgb {
  return palette[(value - 1) % palette.length];
}

export interface PlaneInput {
  /** The field's voxels; the shown channel of the shown crop starts at `offset`. */
  values: ArrayLike<number>;
  offset: number;
  shape: Shape3;
  plane: PlaneJson;
  slice: number;
  window: readonly [number, number];
  /** Label value per voxel of the shown crop (labelMap), or none. */
  labels?: Uint16Array;
  opacity: number;
  palette: readonly Rgb[];
}

/** Writes the plane's pixels (opaque RGBA, top row first) into `out` (planeSize(...) pixels). */
export function renderPlane(out: Uint8ClampedArray | Uint8Array, r: PlaneInput): void {
  const s = r.shape;
  const p = r.plane;
  const [nu, nv] = planeSize(p, s);
  const strides = [1, s[0], s[0] * s[1]];
  const base = r.offset + r.slice * strides[p.sliceAxis ?? 2];
  const lo = r.window[0];
  const span = r.window[1] - r.window[0];
  const a = r.opacity;
  const values = r.values;
  const labels = r.labels;
  const labelBase = r.slice * strides[p.sliceAxis ?? 2];
  let o = 0;
  for (let v = 0; v < nv; v++)
    for (let u = 0; u < nu; u++) {
      const [ih, iv] = planeVoxel(p, s, u, v);
      const at = ih * strides[p.hAxis] + iv * strides[p.vAxis];
      const val = values[base + at];
      const t = val !== val ? 0 : (val - lo) / span;
      const g = Math.round((t < 0 ? 0 : t > 1 ? 1 : t) * 255);
      const lv = labels ? labels[labelBase + at] : 0;
      if (lv > 0) {
        const c = labelColor(r.palette, lv);
        out[o] = Math.round(g * (1 - a) + c[0] * a);
        out[o + 1] = Math.round(g * (1 - a) + c[1] * a);
        out[o + 2] = Math.round(g * (1 - a) + c[2] * a);
      } else {
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      }
      out[o + 3] = 255;
      o += 4;
    }
}

/**
 * Label value per voxel of one crop: the rounded value of a one-channel
 * label; for several channels (one-hot), the index of the largest positive
 * channel (0 when none is positive). The preview's rule.
 */
export function labelMap(data: ArrayLike<number>, channels: number, crops: number, voxels: number, crop: number): Uint16Array {
  const base = (crops > 1 ? crop : 0) * channels * voxels;
  const out = new Uint16Array(voxels);
  if (channels === 1) {
    for (let i = 0; i < voxels; i++) {
      const v = Math.round(data[base + i]);
      out[i] = v > 0 ? Math.min(v, 65535) : 0;
    }
    return out;
  }
  for (let i = 0; i < voxels; i++) {
    let best = 0;
    let bestV = 0;
    for (let c = 0; c < channels; c++) {
      const v = data[base + c * voxels + i];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Non-zero values present in a label map, ascending. */
export function presentValues(map: Uint16Array): number[] {
  const seen = new Uint8Array(65536);
  for (let i = 0; i < map.length; i++) seen[map[i]] = 1;
  const out: number[] = [];
  for (let v = 1; v < seen.length; v++) if (seen[v]) out.push(v);
  return out;
}

/** World position (mm) of a voxel index through a 4x4 affine. */
export function toWorld(affine: readonly (readonly number[])[], ijk: readonly number[]): [number, number, number] {
  const [i, j, k] = [ijk[0], ijk[1] ?? 0, ijk[2] ?? 0];
  return [0, 1, 2].map((r) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3]) as [number, number, number];
}
