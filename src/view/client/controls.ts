import { byId, el, fmt } from './dom.js';
import { labelColor, type Rgb } from './draw.js';
import { CT_PRESETS, type HuMap } from './ct-window.js';

export interface ControlsHandlers {
  field(name: string): void;
  channel(c: number): void;
  crop(c: number): void;
  window(w: [number, number] | null, preset?: 'range'): void;
  overlay(on: boolean): void;
  opacity(a: number): void;
  crosshair(on: boolean): void;
}

/** The side panel: what to show (field, channel, crop), the window, the label overlay and legend, the cursor readout. */
export class Controls {
  readonly field = byId<HTMLSelectElement>('field');
  readonly channel = byId<HTMLSelectElement>('channel');
  readonly crop = byId<HTMLSelectElement>('crop');
  readonly lo = byId<HTMLInputElement>('win-lo');
  readonly hi = byId<HTMLInputElement>('win-hi');
  readonly overlay = byId<HTMLInputElement>('overlay');
  readonly opacity = byId<HTMLInputElement>('opacity');
  readonly crosshair = byId<HTMLInputElement>('crosshair');
  private readonly presets = byId('presets');
  private readonly legend = byId('legend');
  private readonly classes = byId('classes');
  private readonly readout = byId('readout');

  constructor(private readonly on: ControlsHandlers) {
    this.field.addEventListener('change', () => on.field(this.field.value));
    this.channel.addEventListener('change', () => on.channel(Number(this.channel.value)));
    this.crop.addEventListener('change', () => on.crop(Number(this.crop.value)));
    const typed = () => {
      const lo = Number(this.lo.value);
      const hi = Number(this.hi.value);
      if (this.lo.value !== '' && this.hi.value !== '' && Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) on.window([lo, hi]);
      else this.lo.setCustomValidity('low must be below high');
    };
    this.lo.addEventListener('change', typed);
    this.hi.addEventListener('change', typed);
    this.overlay.addEventListener('change', () => on.overlay(this.overlay.checked));
    this.opacity.addEventListener('input', () => on.opacity(Number(this.opacity.value)));
    this.crosshair.addEventListener('change', () => on.crosshair(this.crosshair.checked));
  }

  /** Rebuilds a select's options when they change; keeps the value when it still exists. */
  private options(sel: HTMLSelectElement, values: string[], labels: string[], value: string): void {
    const now = [...sel.options].map((o) => o.value).join('\n');
    if (now !== values.join('\n')) sel.replaceChildren(...values.map((v, k) => el('option', { value: v }, labels[k])));
    sel.value = value;
    sel.disabled = values.length <= 1;
  }

  setChoices(fields: string[], field: string, channels: number, channel: number, crops: number, crop: number): void {
    this.options(this.field, fields, fields, field);
    const ch = Array.from({ length: channels }, (_, k) => String(k));
    this.options(this.channel, ch, ch, String(channel));
    const cr = Array.from({ length: crops }, (_, k) => String(k));
    this.options(this.crop, cr, cr, String(crop));
  }

  setWindow(w: readonly [number, number]): void {
    this.lo.setCustomValidity('');
    this.lo.value = fmt(w[0]);
    this.hi.value = fmt(w[1]);
  }

  /** The window buttons: auto and min..max always, CT presets for 3D volumes (through the chain's rescaling). */
  setPresets(ct: boolean, hu: HuMap): void {
    const buttons = [el('button', { 'data-preset': 'auto', title: "1st..99th percentile of the shown channel (the preview's default)" }, 'auto'), el('button', { 'data-preset': 'range' }, 'min..max')];
    buttons[0].addEventListener('click', () => this.on.window(null));
    buttons[1].addEventListener('click', () => this.on.window(null, 'range'));
    if (ct)
      for (const p of CT_PRESETS) {
        const lo = hu.map(p.level - p.width / 2);
        const hi = hu.map(p.level + p.width / 2);
        const b = el('button', { 'data-preset': p.name, title: `W ${p.width} L ${p.level} HU${hu.via ? `, mapped through ${hu.via}` : ''}: ${fmt(lo)}..${fmt(hi)}` }, p.name);
        b.addEventListener('click', () => this.on.window([Math.min(lo, hi), Math.max(lo, hi)]));
        buttons.push(b);
      }
    this.presets.replaceChildren(...buttons);
  }

  /** Legend: every non-zero value present in the shown crop or named by the datalist. */
  setLegend(present: number[] | undefined, names: Record<string, string>, palette: readonly Rgb[]): void {
    if (!present) {
      this.legend.replaceChildren();
      return;
    }
    const values = new Set(present);
    for (const k of Object.keys(names)) if (Number.isInteger(Number(k)) && Number(k) > 0) values.add(Number(k));
    const has = new Set(present);
    this.legend.replaceChildren(
      ...[...values]
        .sort((a, b) => a - b)
        .map((v) => {
          const [r, g, b] = labelColor(palette, v);
          const sw = el('span', { class: 'swatch' });
          sw.style.background = `rgb(${r}, ${g}, ${b})`;
          return el('li', { class: has.has(v) ? 'present' : 'absent', title: has.has(v) ? 'in this crop' : 'not in this crop' }, sw, `${v} ${names[String(v)] ?? ''}`);
        }),
    );
  }

  setClasses(text: string | undefined): void {
    this.classes.textContent = text ? `class: ${text}` : '';
  }

  setReadout(rows: [string, string][]): void {
    this.readout.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-key': k }, v)]));
  }
}
