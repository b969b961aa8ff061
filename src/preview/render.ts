/**
 * Preview mosaics: what the network is fed, as a picture. Pure: a chain
 * image (and optionally its label) in, RGBA pixels and PNG bytes out.
 *
 * 3D: the axial, coronal and sagittal planes through the middle of the crop
 * (orientation: see planes.ts), optionally a grid of axial slices below;
 * 2D: the image itself. The label is drawn over the image as a coloured,
 * semi-transparent mask (one fixed colour per label value) with a legend.
 */
import { VoxelpipeError } from '../util/errors.js';
import { batchCount, channelCount, spatialShape, type ChainImage } from '../transforms/image.js';
import { drawText, textWidth, GLYPH_HEIGHT, type Canvas } from './font.js';
import { IMAGE_PLANE, planesOf, planeVoxel, type PlaneAxes } from './planes.js';
import { encodePng } from './png.js';

export interface PreviewOptions {
  /** Image channel shown (default 0). */
  channel?: number;
  /** Crop shown of a batched sample (`[X, Y, Z, C, b]`; default 0). */
  crop?: number;
  /** Intensity window [lo, hi] mapped to black..white; default: the `percentiles` of the shown channel. */
  window?: [number, number];
  /** Percentiles giving the default window (default [1, 99]). */
  percentiles?: [number, number];
  /** Label value -> name, as a datalist's `labels` (e.g. {"0": "background", "1": "spleen"}). */
  labels?: Record<string, string>;
  /** Opacity of the label mask, 0..1 (default 0.5). */
  opacity?: number;
  /** Minimum size in pixels of a panel's longest side; small crops are upscaled (nearest neighbour, integer factor). Default 256. */
  panelSize?: number;
  /** Also show this many evenly spaced axial slices in a grid (3D; default 0). */
  axialSlices?: number;
  /** Voxel where the three planes cross (default: the middle, floor(n / 2) on each axis). */
  center?: number[];
  /** Draw every voxel square, whatever its spacing (default: pixels per voxel follow the spacing, e.g. 2.5 mm slices are drawn taller than 1 mm pixels). */
  ignoreSpacing?: boolean;
  /** Mirror axial and coronal panels: patient's right on the screen's left. */
  radiological?: boolean;
  /** A line printed under the legend (e.g. the sample's file and epoch/index). */
  title?: string;
}

/** One panel of the mosaic: where it is in the picture and which voxels it shows. */
export interface PreviewPanel extends PlaneAxes {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Screen pixels per voxel, horizontally and vertically. */
  scaleH: number;
  scaleV: number;
  /** Index along `sliceAxis` (3D). */
  slice?: number;
}

export interface Preview {
  width: number;
  height: number;
  /** Opaque RGBA, row-major, top row first. */
  rgba: Uint8Array;
  png: Buffer;
  panels: PreviewPanel[];
  /** The area below the panels holding the legend and captions of the picture (no voxels there). */
  legend: { x: number; y: number; width: number; height: number };
  window: [number, number];
  /** Non-zero label values present in the shown crop. */
  labelValues: number[];
}

/** Fixed label palette (value v gets PALETTE[(v - 1) % length]); every colour has unequal components, so it never blends to a grey. */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
  [170, 110, 40], [255, 250, 200], [128, 0, 0], [170, 255, 195], [0, 0, 128], [255, 215, 180],
];

export const BACKGROUND: readonly [number, number, number] = [20, 20, 20];
const TEXT: readonly [number, number, number] = [230, 230, 230];
const MARGIN = 8;
const GAP = 8;
const FONT = 2;
const LINE = GLYPH_HEIGHT * FONT + 6;

export function labelColor(value: number): readonly [number, number, number] {
  return PALETTE[(value - 1) % PALETTE.length];
}

/** Renders the preview of `image` (and `label`, same spatial shape) to RGBA and PNG. */
export function renderPreview(image: ChainImage, label?: ChainImage, options: PreviewOptions = {}): Preview {
  const sp = spatialShape(image);
  const bad = (what: string) => new VoxelpipeError('ERR_INVALID_ARGUMENT', `preview: ${what}`);
  if (sp.length < 2) throw bad(`needs a 2D or 3D image, got spatial shape [${sp}]`);
  const channel = options.channel ?? 0;
  const crop = options.crop ?? 0;
  if (!Number.isInteger(channel) || channel < 0 || channel >= channelCount(image)) throw bad(`channel ${channel} does not exist (the image has ${channelCount(image)})`);
  if (!Number.isInteger(crop) || crop < 0 || crop >= batchCount(image)) throw bad(`crop ${crop} does not exist (the sample has ${batchCount(image)})`);
  const nvox = sp.reduce((a, b) => a * b, 1);
  const values = channelValues(image, (crop * channelCount(image) + channel) * nvox, nvox);
  const labels = label ? labelMap(label, sp, crop) : undefined;
  const window = options.window ?? percentileWindow(values, options.percentiles ?? [1, 99]);
  if (!(window[0] < window[1])) throw bad(`window [${window}] must have lo < hi`);
  const opacity = options.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) throw bad(`opacity ${opacity} must be in 0..1`);

  // Planes: a 3D volume one voxel thick on its last axis is a 2D image.
  const is2D = sp.length === 2 || sp[2] === 1;
  const shape3 = [sp[0], sp[1], sp[2] ?? 1];
  const center = shape3.map((n, a) => Math.min(n - 1, Math.max(0, Math.round(options.center?.[a] ?? Math.floor(n / 2)))));
  const planes: (PlaneAxes & { slice: number })[] = is2D
    ? [{ ...IMAGE_PLANE, sliceAxis: 2, slice: 0 }]
    : planesOf(image.affine, options.radiological).map((p) => ({ ...p, slice: center[p.sliceAxis!] }));
  const grid: (PlaneAxes & { slice: number })[] = [];
  const nGrid = is2D ? 0 : Math.max(0, Math.floor(options.axialSlices ?? 0));
  const axial = planes[0];
  for (let t = 0; t < nGrid; t++) grid.push({ ...axial, slice: Math.min(shape3[axial.sliceAxis!] - 1, Math.floor(((t + 0.5) * shape3[axial.sliceAxis!]) / nGrid)) });

  // Layout: main row, axial grid, then the legend strip.
  // Pixels per voxel along each axis: an integer factor (nearest neighbour),
  // in proportion to the voxel spacing so that anatomy keeps its shape.
  const rel = relativeSpacing(image.spacing, is2D ? 2 : 3, options.ignoreSpacing);
  const longest = Math.max(...planes.map((p) => Math.max(shape3[p.hAxis] * rel[p.hAxis], shape3[p.vAxis] * rel[p.vAxis])));
  const unit = Math.max(1, Math.ceil((options.panelSize ?? 256) / longest));
  const px = rel.map((r) => Math.max(1, Math.round(unit * r)));
  const panels: PreviewPanel[] = [];
  let x = MARGIN;
  let y = MARGIN + LINE;
  let rowH = 0;
  for (const p of planes) {
    const w = shape3[p.hAxis] * px[p.hAxis];
    const h = shape3[p.vAxis] * px[p.vAxis];
    panels.push({ ...p, x, y, width: w, height: h, scaleH: px[p.hAxis], scaleV: px[p.vAxis] });
    x += w + GAP;
    rowH = Math.max(rowH, h);
  }
  const mainW = x - GAP - MARGIN;
  let contentW = mainW;
  y += rowH + GAP;
  if (grid.length) {
    const w = shape3[axial.hAxis] * px[axial.hAxis];
    const h = shape3[axial.vAxis] * px[axial.vAxis];
    const cols = Math.max(1, Math.min(grid.length, Math.floor((mainW + GAP) / (w + GAP))));
    grid.forEach((p, t) => panels.push({ ...p, x: MARGIN + (t % cols) * (w + GAP), y: y + LINE + Math.floor(t / cols) * (h + GAP + LINE), width: w, height: h, scaleH: px[axial.hAxis], scaleV: px[axial.vAxis] }));
    y += Math.ceil(grid.length / cols) * (h + GAP + LINE);
    contentW = Math.max(contentW, cols * (w + GAP) - GAP);
  }

  const present = labels ? presentValues(labels) : [];
  const entries = legendEntries(present, options.labels, label !== undefined);
  const footer = [`WINDOW ${fmt(window[0])} TO ${fmt(window[1])}  CHANNEL ${channel}${batchCount(image) > 1 ? `  CROP ${crop}` : ''}`];
  if (options.title) footer.push(options.title);
  const swatch = GLYPH_HEIGHT * FONT;
  const colW = Math.max(0, ...entries.map((e) => textWidth(e.text, FONT))) + swatch + 6 + 24;
  contentW = Math.max(contentW, ...footer.map((f) => textWidth(f, FONT)));
  const cols = Math.max(1, Math.floor((contentW + 24) / colW));
  const legendRows = Math.ceil(entries.length / cols);
  const width = contentW + 2 * MARGIN;
  const legend = { x: 0, y: y - GAP / 2, width, height: 0 };
  const height = y + (legendRows + footer.length) * LINE + MARGIN;
  legend.height = height - legend.y;

  const canvas: Canvas = { rgba: new Uint8Array(width * height * 4), width, height };
  fill(canvas, 0, 0, width, height, BACKGROUND);
  const lo = window[0];
  const span = window[1] - window[0];
  const strides = [1, shape3[0], shape3[0] * shape3[1]];
  for (const p of panels) {
    const caption = p.view === 'image' ? 'IMAGE' : `${p.view} ${'IJK'[p.sliceAxis!]}=${p.slice}`;
    drawText(canvas, p.x, p.y - LINE + 2, caption, TEXT, FONT);
    const base = (p.slice ?? 0) * strides[p.sliceAxis ?? 2];
    const nu = shape3[p.hAxis];
    const nv = shape3[p.vAxis];
    for (let v = 0; v < nv; v++)
      for (let u = 0; u < nu; u++) {
        const [ih, iv] = planeVoxel(p, shape3, u, v);
        const idx = base + ih * strides[p.hAxis] + iv * strides[p.vAxis];
        const val = values[idx];
        const t = val !== val ? 0 : (val - lo) / span;
        const g = Math.round((t < 0 ? 0 : t > 1 ? 1 : t) * 255);
        const lv = labels ? labels[idx] : 0;
        let rgb: readonly [number, number, number] = [g, g, g];
        if (lv > 0) {
          const c = labelColor(lv);
          rgb = [blend(g, c[0], opacity), blend(g, c[1], opacity), blend(g, c[2], opacity)];
        }
        fill(canvas, p.x + u * p.scaleH, p.y + v * p.scaleV, p.scaleH, p.scaleV, rgb);
      }
  }
  let ly = y;
  entries.forEach((e, n) => {
    const ex = MARGIN + (n % cols) * colW;
    const ey = ly + Math.floor(n / cols) * LINE;
    if (e.value > 0) fill(canvas, ex, ey, swatch, swatch, labelColor(e.value));
    drawText(canvas, ex + swatch + 6, ey, e.text, TEXT, FONT);
  });
  ly += legendRows * LINE;
  for (const f of footer) {
    drawText(canvas, MARGIN, ly, f, TEXT, FONT);
    ly += LINE;
  }
  return { width, height, rgba: canvas.rgba, png: encodePng(canvas.rgba, width, height), panels, legend, window: [window[0], window[1]], labelValues: present };
}

/** Spacing of the first `rank` axes relative to the finest (1 for all when unknown, invalid or ignored). */
function relativeSpacing(spacing: readonly number[] | undefined, rank: number, ignore = false): number[] {
  const sp = [0, 1, 2].map((a) => (a < rank ? spacing?.[a] : undefined) ?? 1);
  if (ignore || !sp.every((v) => Number.isFinite(v) && v > 0)) return [1, 1, 1];
  const min = Math.min(...sp.slice(0, rank));
  return sp.map((v, a) => (a < rank ? v / min : 1));
}

/** Mixes grey `g` with colour component `c` at opacity `a`, rounded. */
export function blend(g: number, c: number, a: number): number {
  return Math.round(g * (1 - a) + c * a);
}

function fill(c: Canvas, x: number, y: number, w: number, h: number, rgb: readonly [number, number, number]): void {
  for (let py = y; py < y + h; py++)
    for (let px = x; px < x + w; px++) {
      const o = (py * c.width + px) * 4;
      c.rgba[o] = rgb[0];
      c.rgba[o + 1] = rgb[1];
      c.rgba[o + 2] = rgb[2];
      c.rgba[o + 3] = 255;
    }
}

/** The voxels of one channel of one crop, with a deferred slope/intercept applied. */
function channelValues(img: ChainImage, offset: number, n: number): ArrayLike<number> {
  const view = img.data.subarray(offset, offset + n);
  if (!img.meta?.scalingDeferred) return view;
  const slope = img.meta.sclSlope ?? 1;
  const inter = img.meta.sclInter ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view[i] * slope + inter;
  return out;
}

/**
 * Label value per voxel of the shown crop: the rounded value for a
 * one-channel label; for several channels (one-hot), the index of the
 * largest positive channel (0 when none is positive).
 */
function labelMap(label: ChainImage, sp: number[], crop: number): Uint16Array {
  const lsp = spatialShape(label);
  if (lsp.join() !== sp.join())
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `preview: label spatial shape [${lsp}] differs from the image's [${sp}]`);
  const n = sp.reduce((a, b) => a * b, 1);
  const C = channelCount(label);
  const base = (batchCount(label) > 1 ? crop : 0) * C * n;
  const d = label.data;
  const out = new Uint16Array(n);
  if (C === 1) {
    for (let i = 0; i < n; i++) {
      const v = Math.round(d[base + i]);
      out[i] = v > 0 ? Math.min(v, 65535) : 0;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = 0;
    for (let c = 0; c < C; c++) {
      const v = d[base + c * n + i];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

function presentValues(labels: Uint16Array): number[] {
  const seen = new Uint8Array(65536);
  for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
  const out: number[] = [];
  for (let v = 1; v < seen.length; v++) if (seen[v]) out.push(v);
  return out;
}

/** Legend lines: every non-zero value present or named, "value name", in value order. */
function legendEntries(present: number[], names: Record<string, string> | undefined, hasLabel: boolean): { value: number; text: string }[] {
  if (!hasLabel) return [];
  const values = new Set(present);
  for (const k of Object.keys(names ?? {})) {
    const v = Number(k);
    if (Number.isInteger(v) && v > 0) values.add(v);
  }
  return [...values].sort((a, b) => a - b).map((value) => ({ value, text: `${value} ${names?.[String(value)] ?? ''}`.trim() }));
}

/** The [lo, hi] percentiles of the finite values, interpolated linearly as numpy's `percentile` does (exact; O(n) by selection). */
export function percentileWindow(values: ArrayLike<number>, [plo, phi]: [number, number]): [number, number] {
  const a = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) a[n++] = v;
  }
  if (n === 0) return [0, 1];
  const work = a.subarray(0, n);
  const q = (p: number) => {
    const pos = (p / 100) * (n - 1);
    const i = Math.floor(pos);
    const lo = select(work, i);
    if (i + 1 >= n || pos === i) return lo;
    // After selecting i, everything right of i is >= work[i]: the next order statistic is their minimum.
    let next = Infinity;
    for (let j = i + 1; j < n; j++) if (work[j] < next) next = work[j];
    return lo + (next - lo) * (pos - i);
  };
  const lo = q(plo);
  const hi = q(phi);
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** Hoare's quickselect (median-of-three pivot): rearranges `a` so that a[k] is its k-th smallest value, smaller ones before, larger after. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three as the pivot keeps sorted and constant inputs linear.
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
