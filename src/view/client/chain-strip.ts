import type { SampleJson, StepJson } from './api-types.js';
import { compact, el, fmt } from './dom.js';

/**
 * The chain as a strip of steps: name, time, output shape and what a random
 * transform drew; the selected step's args and draws in full below it. A
 * click selects the step whose output the planes show.
 */
export class ChainStrip {
  private steps: StepJson[] = [];

  constructor(
    private readonly list: HTMLElement,
    private readonly detail: HTMLElement,
    private readonly select: (step: number) => void,
  ) {}

  show(sample: SampleJson | undefined, selected: number, imageField: string): void {
    this.steps = sample?.steps ?? [];
    const items = this.steps.map((s, k) => {
      const f = s.fields[imageField] ?? Object.values(s.fields).find((x) => x.kind === 'image');
      const shape = f && f.kind === 'image' ? `[${f.shape.join(', ')}] ${f.dtype}` : '';
      const li = el(
        'li',
        { class: 'step', 'data-step': k, tabindex: 0, role: 'button', 'aria-current': k === selected ? 'true' : 'false', title: `${s.name} args ${compact(s.args)}` },
        el('div', { class: 'name' }, `${k} ${s.name}`),
        el('div', { class: 'meta' }, s.random ? el('span', { class: 'random' }, 'random · ') : '', `${fmt(s.ms)} ms${shape ? ` · ${shape}` : ''}`),
      );
      if (s.draws) li.append(el('div', { class: 'draws', title: drawsText(s.draws) }, drawsText(s.draws)));
      li.addEventListener('click', () => this.select(k));
      li.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          this.select(k);
        }
      });
      return li;
    });
    if (sample?.error) items.push(el('li', { class: 'step failed', title: sample.error }, el('div', { class: 'name' }, `${this.steps.length} failed`), el('div', { class: 'meta' }, 'see the message above')));
    this.list.replaceChildren(...items);
    const s = this.steps[selected];
    this.detail.textContent = s ? detailText(s) : '';
  }
}

/** One line of draws: `flipped false`, `centres [[31,38,0],[37,40,21]] foreground [false,false]`. */
export function drawsText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k} ${compact(v)}`)
    .join(' · ');
}

function detailText(s: StepJson): string {
  const lines = [`${s.index} ${s.name} args ${compact(s.args)}`];
  if (s.draws) lines.push(`drew: ${drawsText(s.draws)}`);
  if (s.crop) lines.push(`boxes drawn: where step ${s.crop.step} ${s.crop.name} crops (${s.crop.boxes.length}, size [${s.crop.boxes[0]?.size.join(', ')}]): yellow = foreground (pos), cyan = background (neg)`);
  return lines.join('\n');
}
