import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelMap, planeSize, renderPlane, shape3Of, voxelAt } from '../../src/view/client/draw.js';
import { PALETTE, planesOf, renderPreview, IMAGE_PLANE, type Preview, type PreviewPanel } from '../../src/preview/index.js';
import { imageInfo } from '../../src/view/fields.js';
import type { ChainImage } from '../../src/transforms/image.js';

/** Oblique-free but flipped and permuted axes (the planes must follow the affine), uneven spacing. */
const AFFINE = [
  [0, 0, -2, 10],
  [-1, 0, 0, 5],
  [0, 1.5, 0, -3],
  [0, 0, 0, 1],
];

function images(X: number, Y: number, Z: number, C: number, crops: number) {
  const n = X * Y * Z;
  const img = new Float32Array(n * C * crops);
  for (let i = 0; i < img.length; i++) img[i] = Math.sin(i * 0.37) * 100 + (i % 7) * 3 + (i % 97 === 0 ? NaN : 0);
  // One-hot label of 3 channels per crop (the page and the preview take the argmax).
  const lab = new Float32Array(n * 3 * crops);
  for (let b = 0; b < crops; b++)
    for (let v = 0; v < n; v++) {
      const cls = (v * 7 + b) % 5 === 0 ? 2 : v % 3 === 0 ? 1 : 0;
      lab[(b * 3 + cls) * n + v] = 1;
    }
  const geo = { spacing: [1, 1.5, 2, 1], affine: AFFINE, meta: {}, dtype: 'float32' as const };
  const batched = crops > 1;
  const image: ChainImage = { ...geo, data: img, shape: batched ? [X, Y, Z, C, crops] : [X, Y, Z, C], batched };
  const label: ChainImage = { ...geo, data: lab, shape: batched ? [X, Y, Z, 3, crops] : [X, Y, Z, 3], batched };
  return { image, label };
}

/** The preview's pixel of voxel (u, v) of a panel (its top-left screen pixel). */
function previewPixel(p: Preview, panel: PreviewPanel, u: number, v: number): number[] {
  const o = ((panel.y + v * panel.scaleV) * p.width + panel.x + u * panel.scaleH) * 4;
  return Array.from(p.rgba.subarray(o, o + 4));
}

test('the page draws each plane with the PNG preview\'s pixels: same orientation, window, NaN, one-hot label colours and opacity', () => {
  const [X, Y, Z, C, crops] = [9, 7, 5, 2, 3];
  const { image, label } = images(X, Y, Z, C, crops);
  const s = shape3Of([X, Y, Z]);
  const window: [number, number] = [-40, 75];
  const center = [3, 5, 1];
  const channel = 1;
  const crop = 2;
  const opacity = 0.35;
  const pv = renderPreview(image, label, { window, center, channel, crop, opacity, panelSize: 64 });
  const info = imageInfo(image);
  assert.deepEqual(info.planes, planesOf(AFFINE), 'the page gets the preview\'s planes');
  const labels = labelMap(label.data, 3, crops, X * Y * Z, crop);
  let checked = 0;
  info.planes.forEach((plane, k) => {
    const panel = pv.panels[k];
    assert.equal(panel.view, plane.view);
    const [nu, nv] = planeSize(plane, s);
    const out = new Uint8ClampedArray(nu * nv * 4);
    renderPlane(out, { values: image.data, offset: (crop * C + channel) * X * Y * Z, shape: s, plane, slice: center[plane.sliceAxis!], window, labels, opacity, palette: PALETTE });
    for (let v = 0; v < nv; v++)
      for (let u = 0; u < nu; u++) {
        assert.deepEqual(Array.from(out.subarray((v * nu + u) * 4, (v * nu + u) * 4 + 4)), previewPixel(pv, panel, u, v), `${plane.view} pixel (${u}, ${v})`);
        checked++;
      }
    // The readout's voxel under a pixel is the one drawn there.
    const ijk = voxelAt(plane, s, center[plane.sliceAxis!], 0, 0);
    assert.equal(ijk[plane.sliceAxis!], center[plane.sliceAxis!]);
  });
  assert.equal(checked, X * Y + X * Z + Y * Z);
  // Some pixels carry each label colour, so the comparison covers the blend.
  assert.ok(labels.includes(1) && labels.includes(2));
});

test('a 2D image: one plane, first axis to the right, second downwards, as the preview draws it', () => {
  const [W, H] = [6, 4];
  const data = new Float32Array(W * H).map((_, i) => i);
  const image: ChainImage = { data, shape: [W, H, 1], dtype: 'float32', spacing: [1, 1, 1], affine: AFFINE, meta: {}, batched: false };
  const info = imageInfo(image);
  assert.deepEqual(info.planes, [{ ...IMAGE_PLANE, sliceAxis: 2 }]);
  const pv = renderPreview(image, undefined, { window: [0, 23], panelSize: 12 });
  const out = new Uint8ClampedArray(W * H * 4);
  renderPlane(out, { values: data, offset: 0, shape: shape3Of([W, H]), plane: info.planes[0], slice: 0, window: [0, 23], opacity: 0.5, palette: PALETTE });
  for (let v = 0; v < H; v++)
    for (let u = 0; u < W; u++) assert.deepEqual(Array.from(out.subarray((v * W + u) * 4, (v * W + u) * 4 + 4)), previewPixel(pv, pv.panels[0], u, v));
  assert.equal(out[0], 0, 'voxel (0, 0) top left');
  assert.equal(out[(W - 1) * 4], Math.round((5 / 23) * 255), 'voxel (5, 0) top right');
});
