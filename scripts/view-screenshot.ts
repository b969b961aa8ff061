/**
 * Makes docs/view.png, the README's picture of `voxelpipe view`: the full
 * demo MMAR (what `voxelpipe demo` writes), the first training sample at
 * ScaleIntensityRange with the boxes FastCropByPosNegRatio will cut, and
 * the batch view open. Needs Debian's chromium (apt-get install chromium).
 *
 *     node --import tsx scripts/view-screenshot.ts [out.png]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { datalistLabels } from '../src/cli/common.js';
import { DEMO_SIZES, writeDemoMmar } from '../src/synthetic/mmar.js';
import { createDefaultRegistry } from '../src/transforms/catalogue.js';
import { startViewServer } from '../src/view/index.js';
import { findChromium, launchChromium, type PageDocument, type PageElement, type PageImage } from '../test/view/chromium.js';

// Page-side callbacks run in the browser, where `document` is the real one.
declare const document: PageDocument;

const out = resolve(process.argv[2] ?? 'docs/view.png');
const chromium = findChromium();
if (!chromium) {
  console.error('view-screenshot: chromium is not installed (apt-get install chromium)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'voxelpipe-view-shot-'));
try {
  const m = writeDemoMmar(dir, 'segmentation', DEMO_SIZES.full, 0);
  const config = loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  const spec = config.train!;
  const server = await startViewServer({ config, spec, labels: datalistLabels(spec.datalist.file), port: 0 });
  const { browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1000 });
    const ready = (sample: string) => page.waitForFunction((s) => document.body.dataset.state === 'ready' && document.body.dataset.sample === s, { timeout: 120000 }, sample);
    await page.goto(`${server.url}#epoch=0&index=0&step=2`);
    await ready('0:0:2');
    // Put the crosshair on the first foreground crop's centre, so its box shows in all three planes.
    const centre = await page.evaluate(async () => {
      const r = await fetch('/api/sample?epoch=0&index=0');
      const s = (await r.json()) as { steps: { crop?: { boxes: { centre?: number[]; foreground?: boolean }[] } }[] };
      const boxes = s.steps[2].crop?.boxes ?? [];
      return (boxes.find((b) => b.foreground) ?? boxes[0])?.centre;
    });
    if (centre)
      for (const [view, axis] of [['axial', 2], ['coronal', 1], ['sagittal', 0]] as const)
        await page.$eval(`input.slice[data-view=${view}]`, (e, v) => {
          (e as unknown as PageElement).value = String(v);
          e.dispatchEvent(new Event('input'));
        }, centre[axis]);
    await page.click('#batch-toggle');
    await page.waitForSelector('#batch-grid[data-state=ready]', { timeout: 120000 });
    await page.$$eval('#batch-grid img', (l) => Promise.all(l.map((i) => (i as unknown as PageImage).decode())));
    await page.screenshot({ path: out });
    console.log(`view-screenshot: wrote ${out}`);
  } finally {
    await close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
