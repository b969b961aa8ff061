import type { ImageFieldInfo, SampleJson, StepJson, ViewInfo } from './api-types.js';
import type { StepVoxels } from './api.js';
import { Controls } from './controls.js';
import { huMap } from './ct-window.js';
import { byId, fmt } from './dom.js';
import { labelMap, presentValues, shape3Of, toWorld, type Shape3 } from './draw.js';
import { PlanesView, type PlanesModel } from './planes-view.js';
import type { ViewState } from './state.js';

/**
 * One step of the shown sample on screen: which field, channel, crop and
 * window, the label overlay and legend, the planes and the cursor readout.
 * It draws from the voxels the page already has; fetching is main.ts's.
 */
export class StepView {
  private sample?: SampleJson;
  private shown = -1;
  private voxels = new Map<number, StepVoxels>();
  private hover: Shape3 | null = null;
  /** Spatial shape of the last drawn field: the crosshair goes back to the middle when it changes. */
  private geometry = '';
  private labels?: { map: Uint16Array; present: number[] };
  private model?: PlanesModel;
  readonly planes: PlanesView;
  private readonly controls: Controls;

  constructor(
    private readonly info: ViewInfo,
    private readonly state: ViewState,
    onCrop: () => void,
  ) {
    this.planes = new PlanesView(byId('planes'), {
      center: (ijk) => {
        state.center = ijk;
        this.redraw();
      },
      slice: (axis, index) => {
        if (!state.center) return;
        state.center[axis] = index;
        this.redraw();
      },
      window: (w) => {
        state.window = w;
        if (this.model) this.model.window = w;
        this.controls.setWindow(w);
        this.planes.draw();
      },
      hover: (ijk) => {
        this.hover = ijk;
        this.readout();
      },
    });
    const again = () => this.render();
    this.controls = new Controls({
      field: (name) => ((state.field = name), again()),
      channel: (c) => ((state.channel = c), again()),
      crop: (c) => {
        state.crop = c;
        again();
        onCrop();
      },
      window: (w, preset) => ((state.window = preset === 'range' ? 'range' : w), again()),
      overlay: (on) => ((state.overlay = on), again()),
      opacity: (a) => {
        state.opacity = a;
        if (this.model) this.model.opacity = a;
        this.planes.draw();
      },
      crosshair: (on) => {
        state.crosshair = on;
        if (this.model) this.model.crosshair = on;
        this.planes.draw();
      },
    });
  }

  /** A new sample: its steps' voxels are fetched afresh. */
  setSample(sample: SampleJson): void {
    this.sample = sample;
    this.voxels = new Map();
    this.shown = -1;
  }

  voxelsOf(step: number): StepVoxels | undefined {
    return this.voxels.get(step);
  }

  /** Shows step `k` (voxels given when fetched; -1: nothing to show). */
  show(k: number, voxels?: StepVoxels): void {
    if (voxels) this.voxels.set(k, voxels);
    this.shown = k;
    if (k < 0) this.planes.set((this.model = undefined));
    else this.render();
  }

  get step(): number {
    return this.shown;
  }

  /** Redraws everything from the state for the shown step. */
  render(): void {
    const { state, info } = this;
    const step = this.sample?.steps[this.shown];
    const v = this.voxels.get(this.shown);
    if (!step || !v) return;
    const names = imageFields(step);
    const field = names.includes(state.field) ? state.field : names.includes(info.imageField) ? info.imageField : names[0];
    const fv = field ? v.get(field) : undefined;
    if (!field || !fv) {
      this.planes.set((this.model = undefined));
      this.controls.setClasses(step.classes);
      return;
    }
    const fi = step.fields[field] as ImageFieldInfo;
    const channel = Math.min(state.channel, fi.channels - 1);
    const crop = Math.min(state.crop, fi.crops - 1);
    this.controls.setChoices(names, field, fi.channels, channel, fi.crops, crop);
    const s = shape3Of(fi.spatial);
    const key = s.join('x');
    if (!state.center || key !== this.geometry) state.center = s.map((n) => Math.floor(n / 2)) as Shape3;
    this.geometry = key;
    const nvox = s[0] * s[1] * s[2];
    const k = crop * fi.channels + channel;
    const [r0, r1] = fv.range;
    const full: [number, number] = [r0, r1 > r0 ? r1 : r0 + 1];
    const window: [number, number] = state.window === null ? (fv.windows[k] ?? full) : state.window === 'range' ? full : state.window;

    // The label field, when it has this field's voxel grid.
    const li = step.fields[info.labelField];
    const lv = v.get(info.labelField);
    this.labels = undefined;
    if (field !== info.labelField && li?.kind === 'image' && lv && li.spatial.join() === fi.spatial.join()) {
      const map = labelMap(lv.data, li.channels, li.crops, nvox, crop);
      this.labels = { map, present: presentValues(map) };
    }
    const boxes = step.crop && (step.fields[step.crop.field] as ImageFieldInfo | undefined)?.spatial.join() === fi.spatial.join() ? step.crop : undefined;
    this.model = {
      info: fi,
      values: fv.data,
      offset: k * nvox,
      labels: state.overlay ? this.labels?.map : undefined,
      window,
      opacity: state.opacity,
      crosshair: state.crosshair,
      center: state.center,
      palette: info.palette,
      crop: boxes,
    };
    this.planes.set(this.model);
    this.controls.setWindow(window);
    this.controls.setPresets(fi.spatial.length === 3 && s[2] > 1, huMap(this.sample!.steps, this.shown, field));
    this.controls.setLegend(this.labels?.present, info.labels, info.palette);
    this.controls.setClasses(step.classes);
    this.readout();
  }

  /** Planes and readout after the crosshair or a slice moved. */
  private redraw(): void {
    if (!this.model || !this.state.center) return;
    this.model.center = this.state.center;
    this.planes.draw();
    this.readout();
  }

  /** The voxel under the mouse (else the crosshair's): index, mm, value, label. */
  private readout(): void {
    const m = this.model;
    const ijk = this.hover ?? this.state.center;
    if (!m || !ijk) {
      this.controls.setReadout([]);
      return;
    }
    const s = shape3Of(m.info.spatial);
    const at = ijk[0] + s[0] * (ijk[1] + s[1] * ijk[2]);
    const rows: [string, string][] = [
      [this.hover ? 'voxel' : 'crosshair', `(${ijk.slice(0, m.info.spatial.length).join(', ')})`],
      ['mm', `(${toWorld(m.info.affine, ijk).map((x) => x.toFixed(1)).join(', ')})`],
      ['value', fmt(Number(m.values[m.offset + at]))],
    ];
    if (this.labels) {
      const lv = this.labels.map[at];
      const name = this.info.labels[String(lv)];
      rows.push(['label', `${lv}${name ? ` ${name}` : ''}`]);
    }
    this.controls.setReadout(rows);
  }
}

function imageFields(step: StepJson): string[] {
  return Object.entries(step.fields)
    .filter(([, f]) => f.kind === 'image')
    .map(([k]) => k);
}
