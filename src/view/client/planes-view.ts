import type { CropBoxes, ImageFieldInfo, PlaneJson } from './api-types.js';
import { el } from './dom.js';
import { planePixel, planeSize, renderPlane, shape3Of, voxelAt, type Rgb, type Shape3 } from './draw.js';

/** What the planes show: one field of one step, its shown channel and crop, and how. */
export interface PlanesModel {
  info: ImageFieldInfo;
  values: ArrayLike<number>;
  /** Offset of the shown channel of the shown crop in `values`. */
  offset: number;
  labels?: Uint16Array;
  window: readonly [number, number];
  opacity: number;
  crosshair: boolean;
  center: Shape3;
  palette: readonly Rgb[];
  crop?: CropBoxes;
}

export interface PlanesHandlers {
  /** A click on a plane: move the crosshair there. */
  center(ijk: Shape3): void;
  /** The slider, wheel or keys moved a plane's slice. */
  slice(axis: number, index: number): void;
  /** A drag changed the window. */
  window(w: [number, number]): void;
  /** The voxel under the mouse (null when it left the planes). */
  hover(ijk: Shape3 | null): void;
}

/** CSS pixels of a plane's longest side. */
const PANEL = 320;
const DRAG_THRESHOLD = 3;

interface PlanePanel {
  plane: PlaneJson;
  figure: HTMLElement;
  image: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  slider: HTMLInputElement;
  caption: HTMLElement;
  cssW: number;
  cssH: number;
}

/**
 * The orthogonal planes (or the one plane of a 2D image): a canvas each at
 * one pixel per voxel, scaled by CSS in proportion to the voxel spacing, a
 * second canvas above it for the crosshair and crop boxes, a slice slider.
 */
export class PlanesView {
  private panels: PlanePanel[] = [];
  private geometry = '';
  private model?: PlanesModel;
  /** The plane the keys move (the one under the mouse, else the first). */
  active = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly on: PlanesHandlers,
  ) {}

  get shape(): Shape3 | undefined {
    return this.model ? shape3Of(this.model.info.spatial) : undefined;
  }

  set(model: PlanesModel | undefined): void {
    this.model = model;
    if (!model) {
      this.root.replaceChildren();
      this.panels = [];
      this.geometry = '';
      return;
    }
    const key = JSON.stringify([model.info.spatial, model.info.spacing, model.info.planes]);
    if (key !== this.geometry) this.build(model);
    this.geometry = key;
    this.draw();
  }

  /** Moves the active plane's slice by `delta` (clamped). */
  step(delta: number): void {
    const m = this.model;
    const p = this.panels[this.active];
    if (!m || !p || p.plane.view === 'image') return;
    const axis = p.plane.sliceAxis ?? 2;
    const n = shape3Of(m.info.spatial)[axis];
    const next = Math.min(n - 1, Math.max(0, m.center[axis] + delta));
    if (next !== m.center[axis]) this.on.slice(axis, next);
  }

  private build(m: PlanesModel): void {
    const s = shape3Of(m.info.spatial);
    const sp = [0, 1, 2].map((a) => m.info.spacing[a] ?? 1);
    const ok = sp.every((v) => Number.isFinite(v) && v > 0);
    const finest = ok ? Math.min(...sp.slice(0, m.info.spatial.length)) : 1;
    const rel = sp.map((v) => (ok ? v / finest : 1));
    this.panels = m.info.planes.map((plane, k) => {
      const [nu, nv] = planeSize(plane, s);
      const w = nu * rel[plane.hAxis];
      const h = nv * rel[plane.vAxis];
      const z = PANEL / Math.max(w, h);
      const cssW = Math.round(w * z);
      const cssH = Math.round(h * z);
      const image = el('canvas', { class: 'image', width: nu, height: nv, 'data-view': plane.view });
      image.style.width = `${cssW}px`;
      image.style.height = `${cssH}px`;
      const dpr = window.devicePixelRatio || 1;
      const overlay = el('canvas', { class: 'overlay', width: Math.round(cssW * dpr), height: Math.round(cssH * dpr) });
      overlay.style.width = `${cssW}px`;
      overlay.style.height = `${cssH}px`;
      const axis = plane.sliceAxis ?? 2;
      const slider = el('input', { type: 'range', class: 'slice', min: 0, max: s[axis] - 1, step: 1, value: m.center[axis], 'data-view': plane.view, 'aria-label': `${plane.view} slice` });
      if (plane.view === 'image') slider.hidden = true;
      const caption = el('span');
      const figure = el('figure', { class: 'plane', 'data-view': plane.view }, el('div', { class: 'stack' }, image, overlay), slider, el('figcaption', {}, el('span', {}, plane.view), caption));
      const panel: PlanePanel = { plane, figure, image, overlay, slider, caption, cssW, cssH };
      this.wire(panel, k);
      return panel;
    });
    this.root.replaceChildren(...this.panels.map((p) => p.figure));
    this.active = Math.min(this.active, this.panels.length - 1);
  }

  private voxelOf(p: PlanePanel, ev: MouseEvent): Shape3 | undefined {
    const m = this.model;
    if (!m) return undefined;
    const s = shape3Of(m.info.spatial);
    const [nu, nv] = planeSize(p.plane, s);
    const r = p.image.getBoundingClientRect();
    const u = Math.floor(((ev.clientX - r.left) / r.width) * nu);
    const v = Math.floor(((ev.clientY - r.top) / r.height) * nv);
    if (u < 0 || v < 0 || u >= nu || v >= nv) return undefined;
    return voxelAt(p.plane, s, m.center[p.plane.sliceAxis ?? 2], u, v);
  }

  private wire(p: PlanePanel, k: number): void {
    let drag: { x: number; y: number; w: readonly [number, number]; moved: boolean } | undefined;
    p.slider.addEventListener('input', () => this.on.slice(p.plane.sliceAxis ?? 2, Number(p.slider.value)));
    p.image.addEventListener('pointerenter', () => this.activate(k));
    p.image.addEventListener('pointerleave', () => this.on.hover(null));
    p.image.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0 || !this.model) return;
      p.image.setPointerCapture(ev.pointerId);
      drag = { x: ev.clientX, y: ev.clientY, w: this.model.window, moved: false };
    });
    p.image.addEventListener('pointermove', (ev) => {
      const ijk = this.voxelOf(p, ev);
      if (ijk) this.on.hover(ijk);
      if (!drag) return;
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      drag.moved = true;
      // Width grows to the right (geometrically, so it never reaches 0); level rises downwards.
      const [lo, hi] = drag.w;
      const width = Math.max((hi - lo) * Math.exp(dx / 150), 1e-12);
      const level = (lo + hi) / 2 + (dy * (hi - lo)) / 300;
      this.on.window([level - width / 2, level + width / 2]);
    });
    p.image.addEventListener('pointerup', (ev) => {
      const d = drag;
      drag = undefined;
      if (d && !d.moved) {
        const ijk = this.voxelOf(p, ev);
        if (ijk) this.on.center(ijk);
      }
    });
    p.image.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        this.activate(k);
        this.step(ev.deltaY < 0 ? 1 : -1);
      },
      { passive: false },
    );
  }

  private activate(k: number): void {
    this.active = k;
    this.panels.forEach((p, j) => p.figure.classList.toggle('active', j === k));
  }

  /** Redraws every plane (the slices follow `center`). */
  draw(): void {
    const m = this.model;
    if (!m) return;
    const s = shape3Of(m.info.spatial);
    for (const p of this.panels) {
      const axis = p.plane.sliceAxis ?? 2;
      const slice = Math.min(s[axis] - 1, m.center[axis]);
      const [nu, nv] = planeSize(p.plane, s);
      const ctx = p.image.getContext('2d');
      if (!ctx) continue;
      const img = ctx.createImageData(nu, nv);
      renderPlane(img.data, { values: m.values, offset: m.offset, shape: s, plane: p.plane, slice, window: m.window, labels: m.labels, opacity: m.opacity, palette: m.palette });
      ctx.putImageData(img, 0, 0);
      p.slider.value = String(slice);
      p.caption.textContent = p.plane.view === 'image' ? `${nu} x ${nv}` : `${'ijk'[axis]} = ${slice} / ${s[axis] - 1}`;
      p.figure.dataset.slice = String(slice);
      this.drawOverlay(p, m, s, slice);
    }
  }

  private drawOverlay(p: PlanePanel, m: PlanesModel, s: Shape3, slice: number): void {
    const ctx = p.overlay.getContext('2d');
    if (!ctx) return;
    const dpr = p.overlay.width / p.cssW;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, p.overlay.width, p.overlay.height);
    ctx.scale(dpr, dpr);
    const [nu, nv] = planeSize(p.plane, s);
    const sx = p.cssW / nu;
    const sy = p.cssH / nv;
    if (m.crosshair && p.plane.view !== 'image') {
      const [u, v] = planePixel(p.plane, s, m.center[p.plane.hAxis], m.center[p.plane.vAxis]);
      ctx.strokeStyle = 'rgba(78, 161, 255, 0.8)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo((u + 0.5) * sx, 0);
      ctx.lineTo((u + 0.5) * sx, p.cssH);
      ctx.moveTo(0, (v + 0.5) * sy);
      ctx.lineTo(p.cssW, (v + 0.5) * sy);
      ctx.stroke();
    }
    if (!m.crop) return;
    const axis = p.plane.sliceAxis ?? 2;
    ctx.font = '11px system-ui, sans-serif';
    m.crop.boxes.forEach((b, k) => {
      const inSlice = b.start.length < 3 || (slice >= b.start[axis] && slice < b.start[axis] + b.size[axis]);
      const [u0, v0] = planePixel(p.plane, s, b.start[p.plane.hAxis], b.start[p.plane.vAxis]);
      const [u1, v1] = planePixel(p.plane, s, b.start[p.plane.hAxis] + b.size[p.plane.hAxis] - 1, b.start[p.plane.vAxis] + b.size[p.plane.vAxis] - 1);
      const x = Math.min(u0, u1) * sx;
      const y = Math.min(v0, v1) * sy;
      const w = (Math.abs(u1 - u0) + 1) * sx;
      const h = (Math.abs(v1 - v0) + 1) * sy;
      const colour = b.foreground === true ? '#ffd23f' : b.foreground === false ? '#5ad1ff' : '#ffffff';
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = inSlice ? 2 : 1;
      ctx.setLineDash(inSlice ? [] : [4, 3]);
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
      if (inSlice) ctx.fillText(`${k}${b.foreground === true ? ' pos' : b.foreground === false ? ' neg' : ''}`, x + 3, y + 12);
    });
    ctx.setLineDash([]);
  }
}
