import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../helpers/server-process.js';

// Debian's chromium (.ci/run installs it), headless, loopback only: playwright-core downloads no browser.
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'console');
export const DOC_IMAGE_DIR = join(ROOT, 'docs', 'images');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

// A page that records what the browser reports as an error: console errors (CSP violations among them) and
// uncaught exceptions.
export async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

// Spread of the screenshot's luminance (0..255), computed by the browser from the PNG: a blank page is ~0.
async function pixelStdDev(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      let sum = 0;
      let sq = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
        sum += y;
        sq += y * y;
      }
      const mean = sum / n;
      return Math.sqrt(sq / n - mean * mean);
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

// Writes test-results/console/<name>.png and returns its luminance spread (checked by the caller: not blank).
export async function screenshot(browser: Browser, page: Page, name: string): Promise<number> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(SCREENSHOT_DIR, `${name}.png`), png);
  return pixelStdDev(browser, png);
}

// Writes docs/images/<name>.png, the whole page (docs/console.md and the README show them).
// Only with CONSOLE_DOC_SCREENSHOTS=1 (docs/console.md says how to renew them), so a test run leaves the tree clean.
export async function docScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.CONSOLE_DOC_SCREENSHOTS !== '1') return;
  mkdirSync(DOC_IMAGE_DIR, { recursive: true });
  writeFileSync(join(DOC_IMAGE_DIR, `${name}.png`), await page.screenshot({ fullPage: true }));
}

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

// axe-core's serious and critical violations on the page as it is (evaluated through the DevTools protocol, which the
// page's Content-Security-Policy does not restrict).
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(' ')}`);
}
