import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser } from 'puppeteer-core';

/**
 * The few DOM shapes that page-side callbacks (`page.$eval(..., (e) => ...)`)
 * touch. Tests type-check against Node's library, not the DOM's (adding it
 * would change every other file's globals), so each browser test declares
 * `document` with these types in its own module scope.
 */
export interface PageElement {
  value: string;
  checked: boolean;
  hidden: boolean;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  blur(): void;
  dispatchEvent(e: unknown): boolean;
}
export interface PageCanvas extends PageElement {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
export interface PageImage extends PageElement {
  naturalWidth: number;
  decode(): Promise<void>;
}
export interface PageDocument {
  body: PageElement;
  activeElement: PageElement | null;
  getElementById(id: string): PageElement | null;
}

/** Debian's chromium (or $CHROMIUM), or undefined when this machine has none. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, ...(process.env.PATH ?? '').split(delimiter).flatMap((d) => [join(d, 'chromium'), join(d, 'chromium-browser')])];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Headless chromium with a fresh profile (removed on close), no network side traffic. */
export async function launchChromium(executablePath: string): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'voxelpipe-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
