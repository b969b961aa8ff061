import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng } from '../../src/preview/png.js';
import { judgeRss, plotRss, type RssSample } from '../../scripts/soak-lib.js';

// The soak's verdict (scripts/soak.ts runs the pipeline; `npm run soak`):
// the swing of RSS within Smart Cache epochs is not growth, a leak is.

const MiB = 2 ** 20;

/** An hour of samples every 5 s: 1.8 GiB, swinging by a quarter within each 2-minute cycle, plus `leak` MiB per minute. */
function hour(leakMiBPerMin: number): RssSample[] {
  const out: RssSample[] = [];
  for (let ms = 0; ms <= 3_600_000; ms += 5000) {
    const swing = 1 + 0.25 * Math.abs(Math.sin((ms / 120_000) * Math.PI)) * (((ms / 5000) * 7919) % 13 > 6 ? 1 : 0.3);
    out.push({ ms, rss: (ms < 20_000 ? 200 + (ms / 20_000) * 1600 : 1800 * swing + (leakMiBPerMin * ms) / 60_000) * MiB, epoch: Math.floor(ms / 4000) });
  }
  return out;
}

test('soak verdict: a steady curve that swings within epochs passes; a slow leak fails', () => {
  const steady = judgeRss(hour(0), 20_000);
  assert.ok(steady.ok, `steady: growth ${(steady.growth * 100).toFixed(1)} %`);
  assert.equal(steady.windows.length, 10);
  // 3 MiB a minute: under 5 % of 1.8 GiB in 30 min, over it in the hour.
  const leak = judgeRss(hour(3), 20_000);
  assert.ok(!leak.ok, `leak: growth ${(leak.growth * 100).toFixed(1)} %`);
  assert.ok(leak.growth > 0.05 && leak.growth < 0.15);
});

test('soak verdict: too few samples after the first epoch is not a pass', () => {
  const v = judgeRss(hour(0).slice(0, 10), 20_000);
  assert.equal(v.ok, false);
});

test('soak plot: a 640x260 PNG with the curve drawn', () => {
  const s = hour(1);
  const png = decodePng(plotRss(s, judgeRss(s, 20_000), 20_000, 'voxelpipe soak test'));
  assert.equal(png.width, 640);
  assert.equal(png.height, 260);
  let blue = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] === 30 && png.rgba[i + 1] === 90 && png.rgba[i + 2] === 200) blue++;
  assert.ok(blue > 500, `${blue} curve pixels`);
});
