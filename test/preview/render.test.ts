import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPreview, decodePng, planeVoxel, blend, labelColor, percentileWindow, batchRowImage, type Preview, type PreviewPanel } from '../../src/preview/index.js';
import type { ChainImage } from '../../src/transforms/image.js';
import { VoxelpipeError } from '../../src/util/errors.js';

const ID = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
const LPS = [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];

function chain(data: Float32Array | Uint8Array, shape: number[], affine = ID, spacing = [1, 1, 1]): ChainImage {
  return { data, shape, dtype: data instanceof Uint8Array ? 'uint8' : 'float32', spacing: [...spacing, 1], affine, meta: {}, batched: false };
}

/** Image value i + 2j + 3k; label: an ellipsoid of 1 and a box of 3, away from the centre. */
function volume(X: number, Y: number, Z: number, affine = ID, spacing = [1, 1, 1]) {
  const img = new Float32Array(X * Y * Z);
  const lab = new Uint8Array(X * Y * Z);
  for (let k = 0; k < Z; k++)
    for (let j = 0; j < Y; j++)
      for (let i = 0; i < X; i++) {
        const v = i + X * (j + Y * k);
        img[v] = i + 2 * j + 3 * k;
        if (((i - X * 0.65) / 4) ** 2 + ((j - Y * 0.4) / 3) ** 2 + ((k - Z / 2) / 3) ** 2 <= 1) lab[v] = 1;
        if (i >= 2 && i < 5 && j >= Y / 2 && j < Y / 2 + 3 && k >= Z / 2 - 1 && k < Z / 2 + 2) lab[v] = 3;
      }
  return { image: chain(img, [X, Y, Z, 1], affine, spacing), label: chain(lab, [X, Y, Z, 1], affine, spacing), img, lab, shape: [X, Y, Z] };
}

const px = (p: { rgba: Uint8Array; width: number }, x: number, y: number) => {
  const o = (y * p.width + x) * 4;
  return [p.rgba[o], p.rgba[o + 1], p.rgba[o + 2]];
};
const inPanel = (panels: PreviewPanel[], x: number, y: number) => panels.find((p) => x >= p.x && x < p.x + p.width && y >= p.y && y < p.y + p.height);

/** Checks every pixel of every panel against the voxel it shows, and that no pixel outside panels and legend is coloured. */
function checkPixels(pv: Preview, shape: number[], img: Float32Array, lab: Uint8Array, win: [number, number], opacity = 0.5): void {
  const png = decodePng(pv.png);
  assert.equal(png.width, pv.width);
  assert.deepEqual(png.rgba, pv.rgba);
  const strides = [1, shape[0], shape[0] * (shape[1] ?? 1)];
  let coloured = 0;
  for (const p of pv.panels) {
    for (let y = p.y; y < p.y + p.height; y++)
      for (let x = p.x; x < p.x + p.width; x++) {
        const [ih, iv] = planeVoxel(p, [shape[0], shape[1], shape[2] ?? 1], Math.floor((x - p.x) / p.scaleH), Math.floor((y - p.y) / p.scaleV));
        const idx = ih * strides[p.hAxis] + iv * strides[p.vAxis] + (p.slice ?? 0) * strides[p.sliceAxis ?? 2];
        const t = Math.min(1, Math.max(0, (img[idx] - win[0]) / (win[1] - win[0])));
        const g = Math.round(t * 255);
        const want = lab[idx] ? labelColor(lab[idx]).map((c) => blend(g, c, opacity)) : [g, g, g];
        const got = px(png, x, y);
        if (got.join() !== want.join()) assert.fail(`${p.view} slice ${p.slice} pixel (${x},${y}) voxel ${idx}: got ${got}, want ${want}`);
        if (lab[idx]) coloured++;
      }
  }
  assert.ok(coloured > 0, 'the label shows');
  for (let y = 0; y < pv.legend.y; y++)
    for (let x = 0; x < pv.width; x++) {
      if (inPanel(pv.panels, x, y)) continue;
      const [r, g, b] = px(png, x, y);
      if (!(r === g && g === b)) assert.fail(`pixel (${x},${y}) outside the panels is coloured: ${r},${g},${b}`);
    }
}

test('preview: every panel pixel shows its voxel, overlay exactly on label voxels, nothing coloured elsewhere', () => {
  const v = volume(20, 16, 12, LPS, [1, 1, 2]);
  const pv = renderPreview(v.image, v.label, { window: [0, 60], axialSlices: 4, labels: { '0': 'background', '1': 'spleen', '3': 'tumour' } });
  assert.deepEqual(pv.panels.map((p) => `${p.view}:${p.slice}:${p.width}x${p.height}`), [
    'axial:6:220x176', 'coronal:8:220x264', 'sagittal:10:176x264',
    'axial:1:220x176', 'axial:4:220x176', 'axial:7:220x176', 'axial:10:220x176',
  ]);
  // The longest side (12 slices of 2 mm = 24 units) reaches 256 px: 11 px per mm, 2 mm slices twice as tall.
  assert.deepEqual(pv.panels.map((p) => [p.scaleH, p.scaleV]).slice(0, 3), [[11, 11], [11, 22], [11, 22]]);
  assert.deepEqual(pv.labelValues, [1, 3]);
  checkPixels(pv, v.shape, v.img, v.lab, [0, 60]);
  // The legend shows a swatch of each value's colour.
  const legendColours = new Set<string>();
  for (let y = pv.legend.y; y < pv.height; y++) for (let x = 0; x < pv.width; x++) legendColours.add(px(pv, x, y).join());
  assert.ok(legendColours.has(labelColor(1).join()) && legendColours.has(labelColor(3).join()));
  assert.ok(!legendColours.has(labelColor(2).join()), 'no swatch for an absent, unnamed value');
});

test('preview: without a label, with another opacity, and for the middle crossing given by center', () => {
  const v = volume(10, 9, 8);
  const plain = renderPreview(v.image, undefined, { window: [0, 40] });
  for (let i = 0; i < plain.rgba.length; i += 4) assert.ok(plain.rgba[i] === plain.rgba[i + 1] && plain.rgba[i + 1] === plain.rgba[i + 2]);
  const pv = renderPreview(v.image, v.label, { window: [0, 40], opacity: 0.8, center: [6, 3, 4] });
  assert.deepEqual(pv.panels.map((p) => p.slice), [4, 3, 6]);
  checkPixels(pv, v.shape, v.img, v.lab, [0, 40], 0.8);
});

/** Centroid of the coloured pixels of a panel, relative to its centre: [+right, +up]. */
function colouredSide(pv: Preview, p: PreviewPanel): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = p.y; y < p.y + p.height; y++)
    for (let x = p.x; x < p.x + p.width; x++) {
      const [r, g, b] = px(pv, x, y);
      if (r === g && g === b) continue;
      sx += x;
      sy += y;
      n++;
    }
  assert.ok(n > 0, `${p.view}: no label pixels`);
  return [Math.sign(sx / n - (p.x + p.width / 2)), Math.sign(p.y + p.height / 2 - sy / n)];
}

test('preview: orientation follows the affine (RAS+: R right and A up in axial, S up in coronal and sagittal)', () => {
  const [X, Y, Z] = [12, 10, 8];
  const lab = new Uint8Array(X * Y * Z);
  // A blob at high i, j, k: towards R, A, S with an identity affine; L, P, S with LPS.
  for (let k = 6; k < 8; k++) for (let j = 7; j < 10; j++) for (let i = 9; i < 12; i++) lab[i + X * (j + Y * k)] = 1;
  const img = new Float32Array(X * Y * Z);
  const side = (affine: number[][], radiological = false) => {
    const pv = renderPreview(chain(img, [X, Y, Z, 1], affine), chain(lab, [X, Y, Z, 1], affine), { window: [0, 1], center: [10, 8, 7], radiological });
    return Object.fromEntries(pv.panels.map((p) => [p.view, colouredSide(pv, p).join()]));
  };
  assert.deepEqual(side(ID), { axial: '1,1', coronal: '1,1', sagittal: '1,1' });
  assert.deepEqual(side(LPS), { axial: '-1,-1', coronal: '-1,1', sagittal: '-1,1' });
  assert.deepEqual(side(ID, true), { axial: '-1,1', coronal: '-1,1', sagittal: '1,1' });
  // Voxel axes permuted: i -> S, j -> R, k -> A. The blob is at high S, R, A.
  const perm = [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]];
  assert.deepEqual(side(perm), { axial: '1,1', coronal: '1,1', sagittal: '1,1' });
});

test('preview: the default window is the 1st-99th percentile of the shown channel; a given window is used as is', () => {
  const [X, Y, Z] = [10, 10, 10];
  const img = new Float32Array(X * Y * Z);
  for (let v = 0; v < img.length; v++) img[v] = v; // 0..999
  const image = chain(img, [X, Y, Z, 1]);
  assert.deepEqual(percentileWindow(img, [1, 99]).map((x) => Number(x.toFixed(6))), [9.99, 989.01]);
  const pv = renderPreview(image);
  assert.deepEqual(pv.window.map((x) => Number(x.toFixed(6))), [9.99, 989.01]);
  checkPixelsNoLabel(pv, [X, Y, Z], img, pv.window);
  const given = renderPreview(image, undefined, { window: [400, 600] });
  checkPixelsNoLabel(given, [X, Y, Z], img, [400, 600]);
  // Voxel (5, 5, 5) = 555 is in the middle of every panel: (555 - 400) / 200 * 255 = 197.6 -> 198.
  const axial = given.panels[0];
  assert.deepEqual(px(given, axial.x + 5 * axial.scaleH, axial.y + (9 - 5) * axial.scaleV), [198, 198, 198]);
  assert.throws(() => renderPreview(image, undefined, { window: [5, 5] }), { code: 'ERR_INVALID_ARGUMENT', message: 'preview: window [5,5] must have lo < hi' });
  // A constant image gets a window one unit wide instead of dividing by zero.
  assert.deepEqual(renderPreview(chain(new Float32Array(8).fill(3), [2, 2, 2, 1])).window, [3, 4]);
});

function checkPixelsNoLabel(pv: Preview, shape: number[], img: Float32Array, win: [number, number]) {
  const png = decodePng(pv.png);
  for (const p of pv.panels)
    for (let y = p.y; y < p.y + p.height; y++)
      for (let x = p.x; x < p.x + p.width; x++) {
        const [ih, iv] = planeVoxel(p, shape, Math.floor((x - p.x) / p.scaleH), Math.floor((y - p.y) / p.scaleV));
        const st = [1, shape[0], shape[0] * shape[1]];
        const idx = ih * st[p.hAxis] + iv * st[p.vAxis] + (p.slice ?? 0) * st[p.sliceAxis ?? 2];
        const g = Math.round(Math.min(1, Math.max(0, (img[idx] - win[0]) / (win[1] - win[0]))) * 255);
        assert.deepEqual(px(png, x, y), [g, g, g]);
      }
}

test('preview: a 2D image is drawn as stored (first axis right, second down), upscaled, with its label', () => {
  const [W, H] = [32, 20];
  const img = new Float32Array(W * H);
  const lab = new Uint8Array(W * H);
  for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) img[i + W * j] = i * 4 + j;
  for (let j = 2; j < 6; j++) for (let i = 20; i < 30; i++) lab[i + W * j] = 2;
  const pv = renderPreview(chain(img, [W, H, 1]), chain(lab, [W, H, 1]), { window: [0, 200] });
  assert.equal(pv.panels.length, 1);
  const p = pv.panels[0];
  assert.deepEqual([p.view, p.width, p.height, p.scaleH], ['image', 256, 160, 8]);
  checkPixels(pv, [W, H], img, lab, [0, 200]);
  // Label at i in 20..29, j in 2..5: right part, near the top.
  const [r, g, b] = px(pv, p.x + 25 * 8, p.y + 3 * 8);
  assert.ok(!(r === g && g === b));
  // A 3D image one slice thick is a 2D image.
  const flat = renderPreview(chain(img, [W, H, 1, 1]), chain(lab, [W, H, 1, 1]), { window: [0, 200] });
  assert.deepEqual(flat.rgba, pv.rgba);
});

test('preview: channel and crop of a batched sample; one-hot labels; bad arguments', () => {
  const [X, Y, Z, C, B] = [6, 5, 4, 2, 3];
  const n = X * Y * Z;
  const data = new Float32Array(n * C * B);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let v = 0; v < n; v++) data[(b * C + c) * n + v] = b * 100 + c * 10 + (v % 7);
  const image: ChainImage = { ...chain(data, [X, Y, Z, C, B]), batched: true };
  // One-hot label with 3 channels (background, 1, 2), crop b has class (b % 2) + 1 at voxel 0 only.
  const oh = new Float32Array(n * 3 * B);
  for (let b = 0; b < B; b++) for (let v = 0; v < n; v++) oh[(b * 3 + (v === 0 ? (b % 2) + 1 : 0)) * n + v] = 1;
  const label: ChainImage = { ...chain(oh, [X, Y, Z, 3, B]), batched: true };
  const pv = renderPreview(image, label, { channel: 1, crop: 2, window: [200, 220] });
  const want = new Float32Array(n);
  const lab = new Uint8Array(n);
  for (let v = 0; v < n; v++) want[v] = 210 + (v % 7);
  lab[0] = 1;
  assert.deepEqual(pv.labelValues, [1]);
  // Voxel 0 is at the border, so only planes through i=0 / j=0 / k=0 could show it: use center 0.
  checkPixels(renderPreview(image, label, { channel: 1, crop: 2, window: [200, 220], center: [0, 0, 0] }), [X, Y, Z], want, lab, [200, 220]);
  const err = (o: object, l: ChainImage | undefined, message: string) =>
    assert.throws(() => renderPreview(image, l, o), (e: VoxelpipeError) => e.message === message && e.code !== undefined);
  err({ channel: 2 }, undefined, 'preview: channel 2 does not exist (the image has 2)');
  err({ crop: 3 }, undefined, 'preview: crop 3 does not exist (the sample has 3)');
  err({}, chain(new Uint8Array(8), [2, 2, 2, 1]), "preview: label spatial shape [2,2,2] differs from the image's [6,5,4]");
});

test('preview: the same input gives the same PNG bytes', () => {
  const a = volume(16, 12, 10);
  const b = volume(16, 12, 10);
  const opts = { axialSlices: 3, labels: { '1': 'spleen' }, title: 'case 7' };
  const pa = renderPreview(a.image, a.label, opts).png;
  assert.deepEqual(renderPreview(b.image, b.label, opts).png, pa);
  b.lab[8 + 16 * (6 + 12 * 5)] = 2; // the voxel where the three planes cross
  assert.notDeepEqual(renderPreview(b.image, b.label, opts).png, pa);
});

test('preview: batchRowImage turns a C-order batch row back into the chain layout', () => {
  const v = volume(5, 4, 3);
  const [X, Y, Z] = v.shape;
  for (const format of ['channels_first', 'channels_last'] as const) {
    const data = new Float32Array(2 * X * Y * Z);
    for (let i = 0; i < X; i++) for (let j = 0; j < Y; j++) for (let k = 0; k < Z; k++) data[X * Y * Z + (i * Y + j) * Z + k] = v.img[i + X * (j + Y * k)];
    const shape = format === 'channels_first' ? [2, 1, X, Y, Z] : [2, X, Y, Z, 1];
    const img = batchRowImage({ data, shape, dtype: 'float32' }, 1, format);
    assert.deepEqual(img.shape, [X, Y, Z, 1]);
    assert.deepEqual(img.data, v.img);
  }
});

test('preview: percentileWindow equals the sort-based (numpy linear) percentiles, with duplicates and NaN', () => {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const n of [1, 2, 3, 10, 101, 1000, 4097]) {
    for (const dup of [false, true]) {
      const v = new Float32Array(n + 2).map(() => (dup ? Math.floor(rnd() * 5) : rnd() * 1000 - 200));
      v[n] = NaN;
      v[n + 1] = Infinity;
      const sorted = Float64Array.from(v.subarray(0, n)).sort();
      const ref = (p: number) => {
        const pos = (p / 100) * (n - 1);
        const i = Math.floor(pos);
        return i + 1 < n ? sorted[i] + (sorted[i + 1] - sorted[i]) * (pos - i) : sorted[i];
      };
      for (const [a, b] of [[1, 99], [0, 100], [50, 75], [2.5, 97.5]] as [number, number][]) {
        const want = ref(b) > ref(a) ? [ref(a), ref(b)] : [ref(a), ref(a) + 1];
        const got = percentileWindow(v, [a, b]);
        assert.ok(Math.abs(got[0] - want[0]) < 1e-9 && Math.abs(got[1] - want[1]) < 1e-9, `n ${n} dup ${dup} [${a}, ${b}]: ${got} vs ${want}`);
      }
    }
  }
});
