import type { EpochJson, ImageFieldInfo, SampleJson, StepJson, ViewInfo } from './api-types.js';
import { api, ApiError, type StepVoxels } from './api.js';
import { BatchView } from './batch-view.js';
import { ChainStrip } from './chain-strip.js';
import { Controls, huMap } from './controls.js';
import { basename, byId, el, fmt } from './dom.js';
import { labelMap, presentValues, shape3Of, toWorld, type Shape3 } from './draw.js';
import { PlanesView, type PlanesModel } from './planes-view.js';
import { initialState, writeHash } from './state.js';

/**
 * The viewer page: picks a sample (epoch and position, or a datalist item),
 * runs nothing itself (the server runs the chain, exactly as training
 * does), fetches each step's voxels once and draws planes from them.
 */

const state = initialState();
let info: ViewInfo;
let sample: SampleJson | undefined;
let shown = -1;
let voxels = new Map<number, StepVoxels>();
const epochs = new Map<number, EpochJson>();
/** Where navigation is heading (ahead of `state` while a sample loads), so fast key presses add up. */
let target = { epoch: state.epoch, index: state.index };
/** Each load takes a number; answers for an older one are dropped. */
let generation = 0;
let hover: Shape3 | null = null;
let geometry = '';
let labels: { map: Uint16Array; present: number[] } | undefined;
let model: PlanesModel | undefined;

const planes = new PlanesView(byId('planes'), {
  center(ijk) {
    state.center = ijk;
    redraw();
  },
  slice(axis, index) {
    if (!state.center) return;
    state.center[axis] = index;
    redraw();
  },
  window(w) {
    state.window = w;
    if (model) model.window = w;
    controls.setWindow(w);
    planes.draw();
  },
  hover(ijk) {
    hover = ijk;
    readout();
  },
});
const strip = new ChainStrip(byId('chain'), byId('step-detail'), (k) => {
  state.step = k;
  void showStep(k, ++generation);
});
const controls = new Controls({
  field(name) {
    state.field = name;
    render();
  },
  channel(c) {
    state.channel = c;
    render();
  },
  crop(c) {
    state.crop = c;
    render();
    writeHash(state);
  },
  window(w, preset) {
    state.window = preset === 'range' ? 'range' : w;
    render();
  },
  overlay(on) {
    state.overlay = on;
    render();
  },
  opacity(a) {
    state.opacity = a;
    if (model) model.opacity = a;
    planes.draw();
  },
  crosshair(on) {
    state.crosshair = on;
    if (model) model.crosshair = on;
    planes.draw();
  },
});
// A batch row opens as the network got it: the last step, that crop.
const batch = new BatchView((e, position, crop) => {
  state.crop = crop;
  state.step = null;
  void go(e, position);
}, showError);

function showError(message: string | undefined): void {
  const box = byId('error');
  box.hidden = !message;
  box.textContent = message ?? '';
}

function status(text: string): void {
  byId('status').textContent = text;
}

function busy(on: boolean): void {
  document.body.dataset.state = on ? 'loading' : 'ready';
}

function messageOf(e: unknown): string {
  return e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e);
}

async function epochOf(e: number): Promise<EpochJson> {
  let ep = epochs.get(e);
  if (!ep) {
    ep = await api.epoch(e);
    epochs.set(e, ep);
  }
  return ep;
}

/** Loads the sample at position `index` of epoch `e` and shows the remembered step (else the last). */
async function go(e: number, index: number): Promise<void> {
  const my = ++generation;
  target = { epoch: e, index };
  busy(true);
  status(`running the chain on sample ${index} of epoch ${e}...`);
  try {
    const [ep, s] = await Promise.all([epochOf(e), api.sample(e, index)]);
    if (my !== generation) return;
    state.epoch = e;
    state.index = index;
    sample = s;
    voxels = new Map();
    byId<HTMLInputElement>('epoch').value = String(e);
    byId<HTMLInputElement>('position').value = String(index);
    byId('epoch-size').textContent = `of ${ep.size} (0..${ep.size - 1})`;
    byId<HTMLSelectElement>('item').value = String(s.item);
    byId('source').textContent = basename(s.source);
    byId('source').title = s.source;
    batch.setEpoch(e);
    showError(s.error ? `sample ${index} of epoch ${e}: ${s.error}` : undefined);
    const last = s.steps.length - 1;
    await showStep(state.step !== null && state.step <= last ? state.step : last, my);
  } catch (err) {
    if (my !== generation) return;
    target = { epoch: state.epoch, index: state.index };
    showError(messageOf(err));
    status('');
    busy(false);
  }
}

async function showStep(k: number, my: number): Promise<void> {
  if (!sample) return;
  if (k < 0) {
    shown = -1;
    strip.show(sample, -1, info.imageField);
    planes.set((model = undefined));
    finish();
    return;
  }
  busy(true);
  let v = voxels.get(k);
  if (!v) {
    status(`loading the voxels after step ${k}...`);
    try {
      v = await api.step(state.epoch, state.index, k);
    } catch (err) {
      if (my === generation) {
        showError(messageOf(err));
        status('');
        busy(false);
      }
      return;
    }
    if (my !== generation) return;
    voxels.set(k, v);
  }
  shown = k;
  strip.show(sample, k, info.imageField);
  render();
  finish();
}

function finish(): void {
  writeHash(state);
  status('');
  document.body.dataset.sample = `${state.epoch}:${state.index}:${shown}`;
  busy(false);
}

function imageFields(step: StepJson): string[] {
  return Object.entries(step.fields)
    .filter(([, f]) => f.kind === 'image')
    .map(([k]) => k);
}

/** Redraws everything from `state` for the shown step. */
function render(): void {
  const step = sample?.steps[shown];
  const v = voxels.get(shown);
  if (!step || !v) return;
  const names = imageFields(step);
  const field = names.includes(state.field) ? state.field : names.includes(info.imageField) ? info.imageField : names[0];
  const fv = field ? v.get(field) : undefined;
  if (!field || !fv) {
    planes.set((model = undefined));
    controls.setClasses(step.classes);
    return;
  }
  const fi = step.fields[field] as ImageFieldInfo;
  const channel = Math.min(state.channel, fi.channels - 1);
  const crop = Math.min(state.crop, fi.crops - 1);
  controls.setChoices(names, field, fi.channels, channel, fi.crops, crop);
  const s = shape3Of(fi.spatial);
  const key = s.join('x');
  if (!state.center || key !== geometry) state.center = s.map((n) => Math.floor(n / 2)) as Shape3;
  geometry = key;
  const nvox = s[0] * s[1] * s[2];
  const k = crop * fi.channels + channel;
  const [r0, r1] = fv.range;
  const window: [number, number] =
    state.window === null ? (fv.windows[k] ?? [r0, r1 > r0 ? r1 : r0 + 1]) : state.window === 'range' ? [r0, r1 > r0 ? r1 : r0 + 1] : state.window;

  // The label field, when it has this field's voxel grid.
  const lf = info.labelField;
  const li = step.fields[lf];
  const lv = v.get(lf);
  labels = undefined;
  if (field !== lf && li?.kind === 'image' && lv && li.spatial.join() === fi.spatial.join()) {
    const map = labelMap(lv.data, li.channels, li.crops, nvox, crop);
    labels = { map, present: presentValues(map) };
  }
  const cropBoxes = step.crop && (step.fields[step.crop.field] as ImageFieldInfo | undefined)?.spatial.join() === fi.spatial.join() ? step.crop : undefined;
  model = {
    info: fi,
    values: fv.data,
    offset: k * nvox,
    labels: state.overlay ? labels?.map : undefined,
    window,
    opacity: state.opacity,
    crosshair: state.crosshair,
    center: state.center,
    palette: info.palette,
    crop: cropBoxes,
  };
  planes.set(model);
  controls.setWindow(window);
  controls.setPresets(fi.spatial.length === 3 && s[2] > 1, huMap(sample!.steps, shown, field));
  controls.setLegend(labels?.present, info.labels, info.palette);
  controls.setClasses(step.classes);
  readout();
}

/** Planes and readout after the crosshair or a slice moved. */
function redraw(): void {
  if (!model || !state.center) return;
  model.center = state.center;
  planes.draw();
  readout();
}

/** The voxel under the mouse (else the crosshair's): index, mm, value, label. */
function readout(): void {
  const step = sample?.steps[shown];
  if (!model || !step) {
    controls.setReadout([]);
    return;
  }
  const ijk = hover ?? state.center;
  if (!ijk) return;
  const s = shape3Of(model.info.spatial);
  const at = ijk[0] + s[0] * (ijk[1] + s[1] * ijk[2]);
  const rows: [string, string][] = [
    [hover ? 'voxel' : 'crosshair', `(${ijk.slice(0, model.info.spatial.length).join(', ')})`],
    ['mm', `(${toWorld(model.info.affine, ijk).map((x) => x.toFixed(1)).join(', ')})`],
    ['value', fmt(Number(model.values[model.offset + at]))],
  ];
  if (labels) {
    const lv = labels.map[at];
    rows.push(['label', `${lv}${info.labels[String(lv)] ? ` ${info.labels[String(lv)]}` : ''}`]);
  }
  controls.setReadout(rows);
}

async function move(delta: number): Promise<void> {
  let { epoch: e, index: i } = target;
  i += delta;
  try {
    const ep = await epochOf(e);
    if (i >= ep.size) {
      e++;
      i = 0;
    } else if (i < 0) {
      if (e === 0) return;
      e--;
      i = (await epochOf(e)).size - 1;
    }
  } catch (err) {
    showError(messageOf(err));
    return;
  }
  await go(e, i);
}

function keys(ev: KeyboardEvent): void {
  const t = ev.target;
  const typing = (t instanceof HTMLInputElement && t.type !== 'checkbox') || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  if (typing || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const stepBy = (d: number) => {
    if (!sample || shown < 0) return;
    const k = Math.min(sample.steps.length - 1, Math.max(0, shown + d));
    state.step = k;
    void showStep(k, ++generation);
  };
  const actions: Record<string, () => void> = {
    ArrowLeft: () => void move(-1),
    ArrowRight: () => void move(1),
    ArrowUp: () => planes.step(1),
    ArrowDown: () => planes.step(-1),
    PageUp: () => planes.step(10),
    PageDown: () => planes.step(-10),
    '[': () => stepBy(-1),
    ']': () => stepBy(1),
  };
  const act = actions[ev.key];
  if (!act) return;
  ev.preventDefault();
  act();
}

async function start(): Promise<void> {
  try {
    info = await api.info();
  } catch (err) {
    showError(messageOf(err));
    busy(false);
    return;
  }
  byId('config').textContent = `${info.config} · ${info.section} · seed ${info.seed}`;
  byId('describe').textContent = info.describe;
  byId<HTMLSelectElement>('item').replaceChildren(...info.items.map((it) => el('option', { value: it.index }, `${it.index}: ${basename(it.source)}`)));
  byId<HTMLInputElement>('epoch').addEventListener('change', (ev) => {
    const e = Number((ev.target as HTMLInputElement).value);
    if (Number.isInteger(e) && e >= 0) void go(e, 0);
  });
  byId<HTMLInputElement>('position').addEventListener('change', (ev) => {
    const i = Number((ev.target as HTMLInputElement).value);
    if (Number.isInteger(i) && i >= 0) void go(target.epoch, i);
  });
  byId('prev').addEventListener('click', () => void move(-1));
  byId('next').addEventListener('click', () => void move(1));
  byId<HTMLSelectElement>('item').addEventListener('change', async (ev) => {
    const item = Number((ev.target as HTMLSelectElement).value);
    const e = target.epoch;
    try {
      const ep = await epochOf(e);
      const at = ep.order.indexOf(item);
      if (at < 0) {
        if (sample) byId<HTMLSelectElement>('item').value = String(sample.item);
        showError(`item ${item} (${basename(info.items[item]?.source ?? '')}) is not drawn in epoch ${e}: the epoch's ${ep.size} samples come from other items (sampling, Smart Cache window or shard); try another epoch`);
        return;
      }
      await go(e, at);
    } catch (err) {
      showError(messageOf(err));
    }
  });
  document.addEventListener('keydown', keys);
  await go(state.epoch, state.index);
}

void start();
