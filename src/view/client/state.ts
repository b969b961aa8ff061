import type { Shape3 } from './draw.js';

/** Everything the page shows, in one place; the URL hash keeps epoch, position and step. */
export interface ViewState {
  epoch: number;
  index: number;
  /** Chain step shown; null: the last one (what the network gets). */
  step: number | null;
  field: string;
  channel: number;
  crop: number;
  /** The user's window; null: the step's default (1st..99th percentile), 'range': min..max. */
  window: [number, number] | null | 'range';
  overlay: boolean;
  opacity: number;
  crosshair: boolean;
  /** The voxel the planes cross at (in the shown step's geometry). */
  center: Shape3 | null;
}

export function initialState(): ViewState {
  const s: ViewState = { epoch: 0, index: 0, step: null, field: '', channel: 0, crop: 0, window: null, overlay: true, opacity: 0.5, crosshair: true, center: null };
  const h = new URLSearchParams(location.hash.slice(1));
  const int = (k: string) => {
    const v = h.get(k);
    return v !== null && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
  };
  s.epoch = int('epoch') ?? 0;
  s.index = int('index') ?? 0;
  s.step = int('step') ?? null;
  s.crop = int('crop') ?? 0;
  return s;
}

export function writeHash(s: ViewState): void {
  const parts = [`epoch=${s.epoch}`, `index=${s.index}`];
  if (s.step !== null) parts.push(`step=${s.step}`);
  if (s.crop) parts.push(`crop=${s.crop}`);
  history.replaceState(null, '', `#${parts.join('&')}`);
}
