import { encodePng } from '../src/preview/png.js';
import { drawText, textWidth, type Canvas } from '../src/preview/font.js';

/**
 * The judging and drawing half of `npm run soak` (scripts/soak.ts drives
 * the pipeline): whether resident memory grew after the first epoch, and a
 * small PNG of the curve.
 */

export interface RssSample {
  /** Milliseconds since the pipeline was created. */
  ms: number;
  rss: number;
  epoch: number;
}

export interface SoakVerdict {
  ok: boolean;
  /** Median RSS of the first window after the first epoch (the cache filled, replacement running). */
  baseline: number;
  /** Highest window median after that. */
  laterPeak: number;
  /** (laterPeak - baseline) / baseline. */
  growth: number;
  /** The bound: 0.05. */
  limit: number;
  /** Median of the last window. */
  final: number;
  /** Window medians, for the plot: [middle ms, median rss]. */
  windows: [number, number][];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Fails when resident memory after the first epoch (`firstEpochEndMs`)
 * grows more than `limit` (5 %). With Smart Cache replacement the live set
 * swings by a quarter within every epoch (the next epoch's volumes are
 * loaded while the current ones are served), so single samples are not
 * compared: the samples after the first epoch are cut into windows (a tenth
 * of them, at least 12 samples, spanning several epochs) and each window's
 * median is compared with the first one's. A leak raises every window; the
 * swing within epochs does not.
 */
export function judgeRss(samples: readonly RssSample[], firstEpochEndMs: number, limit = 0.05): SoakVerdict {
  const late = samples.filter((s) => s.ms > firstEpochEndMs);
  const size = Math.max(12, Math.floor(late.length / 10));
  const windows: [number, number][] = [];
  for (let i = 0; i + size <= late.length; i += size) {
    const w = late.slice(i, i + size);
    windows.push([(w[0].ms + w[w.length - 1].ms) / 2, median(w.map((x) => x.rss))]);
  }
  if (windows.length < 2) return { ok: false, baseline: windows[0]?.[1] ?? 0, laterPeak: 0, growth: 0, limit, final: windows[0]?.[1] ?? 0, windows };
  const baseline = windows[0][1];
  const laterPeak = Math.max(...windows.slice(1).map((w) => w[1]));
  const growth = (laterPeak - baseline) / baseline;
  return { ok: growth <= limit, baseline, laterPeak, growth, limit, final: windows[windows.length - 1][1], windows };
}

const MiB = 1024 * 1024;

/**
 * A line chart of RSS (MiB) against time (minutes): the samples in blue,
 * the window medians in green, the baseline in grey, the +5 % bound in red,
 * the end of the first epoch as a vertical line. 640 x 260 pixels.
 */
export function plotRss(samples: readonly RssSample[], verdict: SoakVerdict, firstEpochEndMs: number, title: string): Buffer {
  const width = 640;
  const height = 260;
  const c: Canvas = { rgba: new Uint8Array(width * height * 4).fill(255), width, height };
  const left = 56;
  const right = width - 12;
  const top = 28;
  const bottom = height - 30;
  const px = (x: number, y: number, rgb: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (Math.round(y) * width + Math.round(x)) * 4;
    c.rgba[o] = rgb[0];
    c.rgba[o + 1] = rgb[1];
    c.rgba[o + 2] = rgb[2];
  };
  const line = (x0: number, y0: number, x1: number, y1: number, rgb: readonly [number, number, number], dash = 0) => {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) if (!dash || Math.floor(i / dash) % 2 === 0) px(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, rgb);
  };
  const tEnd = Math.max(1, ...samples.map((s) => s.ms));
  const rss = samples.map((s) => s.rss / MiB);
  const bound = (verdict.baseline * (1 + verdict.limit)) / MiB;
  const lo = Math.max(0, Math.min(...rss, verdict.baseline / MiB) * 0.9);
  const hi = Math.max(...rss, bound) * 1.05;
  const X = (ms: number) => left + ((right - left) * ms) / tEnd;
  const Y = (mb: number) => bottom - ((bottom - top) * (mb - lo)) / Math.max(1e-9, hi - lo);
  const ink: [number, number, number] = [40, 40, 40];
  // Axes and ticks.
  line(left, top, left, bottom, ink);
  line(left, bottom, right, bottom, ink);
  for (let k = 0; k <= 4; k++) {
    const mb = lo + ((hi - lo) * k) / 4;
    const y = Y(mb);
    line(left - 3, y, left, y, ink);
    const label = mb.toFixed(0);
    drawText(c, left - 6 - textWidth(label, 1), Math.round(y) - 3, label, ink);
    const minutes = (tEnd * k) / 4 / 60000;
    const x = left + ((right - left) * k) / 4;
    line(x, bottom, x, bottom + 3, ink);
    const tl = minutes < 10 ? minutes.toFixed(1) : minutes.toFixed(0);
    drawText(c, Math.round(x - textWidth(tl, 1) / 2), bottom + 6, tl, ink);
  }
  drawText(c, Math.round((left + right) / 2 - textWidth('MINUTES', 1) / 2), bottom + 17, 'MINUTES', ink);
  drawText(c, 4, top - 14, 'RSS MIB', ink);
  drawText(c, left + 4, 6, title.slice(0, 90), ink);
  // Baseline, bound, first epoch.
  line(left, Y(verdict.baseline / MiB), right, Y(verdict.baseline / MiB), [150, 150, 150], 4);
  line(left, Y(bound), right, Y(bound), [210, 40, 40], 6);
  drawText(c, right - textWidth('+5%', 1) - 2, Math.round(Y(bound)) - 10, '+5%', [210, 40, 40]);
  line(X(firstEpochEndMs), top, X(firstEpochEndMs), bottom, [150, 150, 150], 2);
  // Window medians (what is judged), then the samples.
  const w = verdict.windows;
  for (let i = 1; i < w.length; i++) for (const d of [-1, 0, 1]) line(X(w[i - 1][0]), Y(w[i - 1][1] / MiB) + d, X(w[i][0]), Y(w[i][1] / MiB) + d, [20, 150, 60]);
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    for (const d of [0, 1]) line(X(a.ms), Y(a.rss / MiB) + d, X(b.ms), Y(b.rss / MiB) + d, [30, 90, 200]);
  }
  return encodePng(c.rgba, width, height);
}
