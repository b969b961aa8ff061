import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { planesOf, renderPreview } from '../../src/preview/index.js';
import type { ChainImage } from '../../src/transforms/image.js';
import { findChromium, launchChromium, type PageCanvas, type PageDocument, type PageElement, type PageImage } from './chromium.js';

// Page-side callbacks run in the browser, where `document` is the real one.
declare const document: PageDocument;
import { demoMmar, stepsOf, trainingPipeline, viewer, withFailingTransform } from './helpers.js';

const CHROMIUM = findChromium();

async function ready(page: Page, sample?: string): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === 'ready' && (!s || document.body.dataset.sample === s), { timeout: 30000 }, sample ?? '');
}

const slices = (page: Page) => page.$$eval('figure.plane', (fs) => Object.fromEntries(fs.map((f) => [(f as unknown as PageElement).dataset.view!, Number((f as unknown as PageElement).dataset.slice)])));

async function canvasPixels(page: Page, view: string): Promise<{ width: number; height: number; data: number[] }> {
  return page.$eval(`canvas.image[data-view=${view}]`, (c) => {
    const canvas = c as unknown as PageCanvas;
    return { width: canvas.width, height: canvas.height, data: Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data) };
  });
}

/** Pixels of the overlay canvas that are not transparent (crosshair, crop boxes). */
const overlayInk = (page: Page, view: string) =>
  page.$eval(`figure.plane[data-view=${view}] canvas.overlay`, (c) => {
    const canvas = c as unknown as PageCanvas;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });

async function setInput(page: Page, selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.keyboard.type(value);
  await page.keyboard.press('Tab');
}

test('view in a real browser: slider, chain step, window, the preview\'s pixels, keys, crop boxes, batch view, a failing sample', { skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium): the browser test needs it' }, async (t) => {
  const m = demoMmar(t);
  const s = await viewer(t, m);
  const p = trainingPipeline(m);
  t.after(() => p.close());
  const { browser, close } = await launchChromium(CHROMIUM!);
  t.after(close);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await page.setViewport({ width: 1400, height: 950 });
  await page.goto(s.url);
  await ready(page, '0:0:6');
  assert.equal(await page.$eval('#error', (e) => (e as unknown as PageElement).hidden), true);
  assert.equal(await page.$$eval('#chain .step', (l) => l.length), 7);

  // Step to ScaleIntensityRange (the whole volume) and set a window.
  await page.click('#chain .step[data-step="2"]');
  await ready(page, '0:0:2');
  await setInput(page, '#win-lo', '0.1');
  await setInput(page, '#win-hi', '0.9');
  // Move the axial slice slider with its own keys.
  const before = await slices(page);
  await page.focus('input.slice[data-view=axial]');
  for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowUp');
  const moved = await slices(page);
  assert.equal(moved.axial, before.axial + 3);
  assert.equal(moved.coronal, before.coronal);

  // The canvases show exactly what `voxelpipe preview` draws for that step, slice and window.
  const ref = await stepsOf(p, 0, 0);
  const image = ref.steps[2].output.image as ChainImage;
  const label = ref.steps[2].output.label as ChainImage;
  const planes = planesOf(image.affine);
  const center = [0, 0, 0];
  for (const pl of planes) center[pl.sliceAxis!] = moved[pl.view];
  const pv = renderPreview(image, label, { window: [0.1, 0.9], center });
  let labelled = 0;
  for (const [k, pl] of planes.entries()) {
    const c = await canvasPixels(page, pl.view);
    const panel = pv.panels[k];
    assert.deepEqual([c.width, c.height], [panel.width / panel.scaleH, panel.height / panel.scaleV]);
    let diff = 0;
    for (let v = 0; v < c.height; v++)
      for (let u = 0; u < c.width; u++) {
        const o = ((panel.y + v * panel.scaleV) * pv.width + panel.x + u * panel.scaleH) * 4;
        const q = (v * c.width + u) * 4;
        for (let ch = 0; ch < 4; ch++) if (c.data[q + ch] !== pv.rgba[o + ch]) diff++;
        if (c.data[q] !== c.data[q + 1]) labelled++;
      }
    assert.equal(diff, 0, `${pl.view}: canvas and preview differ`);
  }
  assert.ok(labelled > 0, 'the compared planes include label-coloured pixels');
  assert.equal(await page.$eval('#win-hi', (e) => (e as unknown as PageElement).value), '0.9');

  // The crop's boxes are drawn on the volume before the crop, not after it.
  await page.click('#crosshair');
  assert.ok((await overlayInk(page, 'axial')) + (await overlayInk(page, 'coronal')) > 0, 'boxes on step 2');
  await page.keyboard.press(']');
  await ready(page, '0:0:3');
  await page.keyboard.press(']');
  await ready(page, '0:0:4');
  assert.equal((await overlayInk(page, 'axial')) + (await overlayInk(page, 'coronal')) + (await overlayInk(page, 'sagittal')), 0, 'no boxes on the crops, no crosshair');
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await ready(page, '0:0:2');

  // Keys: -> is the next sample (the same step stays shown), <- goes back, up/down move the slice.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('ArrowRight');
  await ready(page, '0:1:2');
  assert.equal(await page.$eval('#position', (e) => (e as unknown as PageElement).value), '1');
  assert.equal(await page.$eval('#item', (e) => (e as unknown as PageElement).value), String(p.order(0)[1]));
  const here = await slices(page);
  await page.keyboard.press('ArrowDown');
  assert.equal((await slices(page)).axial, here.axial - 1);
  await page.keyboard.press('ArrowLeft');
  await ready(page, '0:0:2');
  assert.match(page.url(), /#epoch=0&index=0&step=2$/);

  // Under the mouse: index, mm, value and label of the voxel drawn there; a click moves the crosshair.
  const box = (await page.$('canvas.image[data-view=axial]'))!;
  const r = (await box.boundingBox())!;
  const axial = planes[0];
  const [nu, nv] = [image.shape[axial.hAxis], image.shape[axial.vAxis]];
  const [u, v] = [Math.floor(nu * 0.6), Math.floor(nv * 0.4)];
  const at = { x: r.x + ((u + 0.5) * r.width) / nu, y: r.y + ((v + 0.5) * r.height) / nv };
  await page.mouse.move(at.x, at.y);
  const readout = await page.$$eval('#readout dd', (l) => Object.fromEntries(l.map((d) => [(d as unknown as PageElement).dataset.key!, d.textContent])));
  const z = (await slices(page)).axial;
  const ih = axial.hDir === 1 ? u : nu - 1 - u;
  const iv = axial.vDir === 1 ? nv - 1 - v : v;
  const ijk = [0, 0, 0];
  ijk[axial.hAxis] = ih;
  ijk[axial.vAxis] = iv;
  ijk[axial.sliceAxis!] = z;
  const flat = ijk[0] + image.shape[0] * (ijk[1] + image.shape[1] * ijk[2]);
  assert.equal(readout.voxel, `(${ijk.join(', ')})`);
  assert.equal(readout.mm, `(${[0, 1, 2].map((row) => (image.affine[row][0] * ijk[0] + image.affine[row][1] * ijk[1] + image.affine[row][2] * ijk[2] + image.affine[row][3]).toFixed(1)).join(', ')})`);
  assert.equal(Number(readout.value), Number(image.data[flat].toPrecision(4)));
  assert.equal(readout.label, label.data[flat] === 1 ? '1 spleen' : '0 background');
  await page.mouse.click(at.x, at.y);
  const crossed = await slices(page);
  assert.deepEqual([crossed.coronal, crossed.sagittal, crossed.axial], [ijk[planes[1].sliceAxis!], ijk[planes[2].sliceAxis!], z], 'the other planes move to the clicked voxel');
  // Dragging right widens the window; CT presets are HU mapped through ScaleIntensityRange (a_min -57, a_max 164 -> 0..1).
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  await page.mouse.move(at.x + 60, at.y, { steps: 4 });
  await page.mouse.up();
  const dragged = await page.$$eval('#win-lo, #win-hi', (l) => l.map((e) => Number((e as unknown as PageElement).value)));
  assert.ok(dragged[1] - dragged[0] > 0.8 * 1.3, `a wider window after the drag: ${dragged}`);
  await page.click('#presets button[data-preset="soft tissue"]');
  const soft = await page.$$eval('#win-lo, #win-hi', (l) => l.map((e) => Number((e as unknown as PageElement).value)));
  assert.deepEqual(soft, [Number(((-160 + 57) / 221).toPrecision(4)), Number(((240 + 57) / 221).toPrecision(4))]);
  await page.click('#chain .step[data-step="0"]');
  await ready(page, '0:0:0');
  await page.click('#presets button[data-preset="soft tissue"]');
  assert.deepEqual(await page.$$eval('#win-lo, #win-hi', (l) => l.map((e) => Number((e as unknown as PageElement).value))), [-160, 240], 'raw HU before the rescaling');
  await page.click('#presets button[data-preset="auto"]');
  await page.click('#chain .step[data-step="2"]');
  await ready(page, '0:0:2');

  // The item list: an item the epoch draws opens its position; one it does not draw is said so.
  const order = p.order(0);
  const notDrawn = [0, 1, 2, 3, 4].find((k) => !order.includes(k))!;
  await page.select('#item', String(order[3]));
  await ready(page, '0:3:2');
  await page.select('#item', String(notDrawn));
  await page.waitForFunction(() => !document.getElementById('error')!.hidden);
  assert.match(await page.$eval('#error', (e) => e.textContent ?? ''), new RegExp(`^item ${notDrawn} \\(spleen_${notDrawn}\\.nii\\.gz\\) is not drawn in epoch 0`));
  assert.equal(await page.$eval('#item', (e) => (e as unknown as PageElement).value), String(order[3]), 'the list goes back to the shown sample');
  await page.select('#item', String(order[0]));
  await ready(page, '0:0:2');

  // Batch view: the real batch's rows as thumbnails; a click opens a row's sample and crop.
  await page.click('#batch-toggle');
  await page.waitForSelector('#batch-grid[data-state=ready]');
  const widths = await page.$$eval('#batch-grid img', (l) => Promise.all(l.map((i) => (i as unknown as PageImage).decode().then(() => (i as unknown as PageImage).naturalWidth))));
  assert.equal(widths.length, 4);
  assert.ok(widths.every((w) => w > 0), `thumbnail widths ${widths}`);
  await page.click('#batch-grid figure[data-row="3"]');
  await ready(page, '0:1:6');
  assert.equal(await page.$eval('#crop', (e) => (e as unknown as PageElement).value), '1');
  assert.deepEqual(problems, []);

  // A sample whose chain throws: its one line, the steps before it, the last good step drawn.
  const bad = demoMmar(t);
  withFailingTransform(bad);
  const sb = await viewer(t, bad);
  const failing = p.order(0).indexOf(1);
  await page.goto(`${sb.url}#epoch=0&index=${failing}`);
  await ready(page, `0:${failing}:2`);
  const error = await page.$eval('#error', (e) => ({ hidden: (e as unknown as PageElement).hidden, text: e.textContent ?? '' }));
  assert.equal(error.hidden, false);
  assert.match(error.text, new RegExp(`^sample ${failing} of epoch 0: .*spleen_1\\.nii\\.gz: train\\.pre_transforms\\[3\\] Boom \\(chain index 3\\) failed .*: Boom: this case is corrupt`));
  assert.ok(!error.text.includes('\n'));
  assert.equal(await page.$$eval('#chain .step.failed', (l) => l.length), 1);
  assert.equal(await page.$$eval('canvas.image', (l) => l.length), 3);
});
