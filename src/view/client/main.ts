import type { EpochJson, SampleJson, ViewInfo } from './api-types.js';
import { api, ApiError } from './api.js';
import { BatchView } from './batch-view.js';
import { ChainStrip } from './chain-strip.js';
import { basename, byId, el } from './dom.js';
import { initialState, writeHash } from './state.js';
import { StepView } from './step-view.js';

/**
 * The viewer page: picks a sample (epoch and position, or a datalist item),
 * runs nothing itself (the server runs the chain, exactly as training
 * does), fetches each step's voxels once and hands them to the StepView.
 */

const state = initialState();
let info: ViewInfo;
let view: StepView;
let sample: SampleJson | undefined;
const epochs = new Map<number, EpochJson>();
/** Where navigation is heading (ahead of `state` while a sample loads), so fast key presses add up. */
let target = { epoch: state.epoch, index: state.index };
/** Each load takes a number; answers for an older one are dropped. */
let generation = 0;

const strip = new ChainStrip(byId('chain'), byId('step-detail'), (k) => {
  state.step = k;
  void showStep(k, ++generation);
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
    view.setSample(s);
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
  let voxels = k >= 0 ? view.voxelsOf(k) : undefined;
  if (k >= 0 && !voxels) {
    busy(true);
    status(`loading the voxels after step ${k}...`);
    try {
      voxels = await api.step(state.epoch, state.index, k);
    } catch (err) {
      if (my === generation) {
        showError(messageOf(err));
        status('');
        busy(false);
      }
      return;
    }
    if (my !== generation) return;
  }
  view.show(k, voxels);
  strip.show(sample, k, info.imageField);
  writeHash(state);
  status('');
  document.body.dataset.sample = `${state.epoch}:${state.index}:${k}`;
  busy(false);
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
    if (!sample || view.step < 0) return;
    const k = Math.min(sample.steps.length - 1, Math.max(0, view.step + d));
    state.step = k;
    void showStep(k, ++generation);
  };
  const actions: Record<string, () => void> = {
    ArrowLeft: () => void move(-1),
    ArrowRight: () => void move(1),
    ArrowUp: () => view.planes.step(1),
    ArrowDown: () => view.planes.step(-1),
    PageUp: () => view.planes.step(10),
    PageDown: () => view.planes.step(-10),
    '[': () => stepBy(-1),
    ']': () => stepBy(1),
  };
  const act = actions[ev.key];
  if (!act) return;
  ev.preventDefault();
  act();
}

/** The item list: jumps to the first position of the epoch that draws the item, or says the epoch does not. */
async function pickItem(item: number): Promise<void> {
  const e = target.epoch;
  try {
    const ep = await epochOf(e);
    const at = ep.order.indexOf(item);
    if (at >= 0) return await go(e, at);
    if (sample) byId<HTMLSelectElement>('item').value = String(sample.item);
    showError(`item ${item} (${basename(info.items[item]?.source ?? '')}) is not drawn in epoch ${e}: the epoch's ${ep.size} samples come from other items (sampling, Smart Cache window or shard); try another epoch`);
  } catch (err) {
    showError(messageOf(err));
  }
}

async function start(): Promise<void> {
  try {
    info = await api.info();
  } catch (err) {
    showError(messageOf(err));
    busy(false);
    return;
  }
  view = new StepView(info, state, () => writeHash(state));
  byId('config').textContent = `${info.config} · ${info.section} · seed ${info.seed}`;
  byId('describe').textContent = info.describe;
  const items = byId<HTMLSelectElement>('item');
  items.replaceChildren(...info.items.map((it) => el('option', { value: it.index }, `${it.index}: ${basename(it.source)}`)));
  items.addEventListener('change', () => void pickItem(Number(items.value)));
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
  document.addEventListener('keydown', keys);
  await go(state.epoch, state.index);
}

void start();
