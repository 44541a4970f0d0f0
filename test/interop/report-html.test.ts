import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { toHtml, toJUnit } from '../../src/report';
import { evaluatedCall, loadResult } from '../unit/report/fixtures';

// The HTML report in a real browser: Debian's `chromium` driven by playwright-core.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { chromium } = require('playwright-core') as typeof import('playwright-core');

jest.setTimeout(60_000);

// Browser globals used inside page.evaluate (tsconfig has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const DOMParser: any;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Watched {
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  requests: string[];
}

describe('HTML report in chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipprobe-report-html-'));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<Watched> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const w: Watched = { page, consoleErrors: [], dialogs: [], requests: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') w.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => w.consoleErrors.push(String(e)));
    page.on('dialog', (d) => {
      w.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => w.requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return w;
  }

  it('loads cleanly, draws the ladder and waveform, shows raw text on click, saves a screenshot', async () => {
    const { result, wav } = evaluatedCall();
    const w = await open('evaluated', toHtml(result, { audioWav: wav }));
    const { page } = w;
    expect(await page.locator('#ladder .ladder-arrow').count()).toBe(result.messages.length);
    expect(await page.locator('#raw-text').textContent()).toBe('');

    await page.locator('#ladder .ladder-arrow').nth(3).click();
    expect(await page.locator('#raw-text').textContent()).toBe(result.messages[3].raw);
    expect(await page.locator('#raw-title').textContent()).toContain('received UDP from 127.0.0.1:5080');
    await page.locator('#ladder .ladder-arrow').nth(0).click();
    expect(await page.locator('#raw-text').textContent()).toBe(result.messages[0].raw);
    expect(await page.locator('#ladder .ladder-arrow.selected').getAttribute('data-index')).toBe('0');

    // keyboard: focus + Enter
    await page.locator('#ladder .ladder-arrow').nth(5).focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#raw-text').textContent()).toBe(result.messages[5].raw);

    // The waveform canvas has ink in both lanes (caller blue, agent purple) and latency marks (red).
    const ink = await page.evaluate(() => {
      const c = document.getElementById('waveform') as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let blue = 0, purple = 0, red = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a < 200) continue;
        if (r < 40 && g > 80 && g < 130 && b > 190) blue++;
        else if (r > 100 && r < 150 && g < 100 && b > 190) purple++;
        else if (r > 180 && g < 60 && b < 70) red++;
      }
      return { blue, purple, red };
    });
    expect(ink.blue).toBeGreaterThan(500);
    expect(ink.purple).toBeGreaterThan(500);
    expect(ink.red).toBeGreaterThan(20);

    // the embedded recording is playable media
    const duration = await page.evaluate(async () => {
      const a = document.getElementById('recording') as unknown as { duration: number; readyState: number; load(): void; addEventListener(e: string, f: () => void): void };
      if (a.readyState < 1) await new Promise<void>((res) => a.addEventListener('loadedmetadata', () => res()));
      return a.duration;
    });
    expect(duration).toBeCloseTo(8, 1);

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // full page is tall
    expect(statSync(shot).size).toBeGreaterThan(50_000);

    expect(w.consoleErrors).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    await page.close();
  });

  it('hostile text stays text: no script runs, markup shows literally', async () => {
    const r = loadResult('hostile');
    const w = await open('hostile', toHtml(r));
    const { page } = w;
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.locator('#headers-sent').textContent()).toContain('<script>alert(1)</script>');
    expect(await page.locator('#outcome').textContent()).toContain('hung up <script>alert(1)</script>');
    await page.locator('#ladder .ladder-arrow').nth(2).click();
    const raw = await page.locator('#raw-text').textContent();
    expect(raw).toBe(r.messages[2].raw);
    expect(raw).toContain('</script><script>alert(3)</script>');
    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    expect(await page.locator('svg').count()).toBe(1); // only the ladder, no injected <svg onload>
    expect(w.dialogs).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
    await page.close();
  });

  it('the CSP blocks network access from the page', async () => {
    const w = await open('csp', toHtml(loadResult('completed')));
    const violation = await w.page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e: unknown) => resolve((e as unknown as { violatedDirective: string }).violatedDirective));
          void fetch('http://127.0.0.1:9/should-not-load').catch(() => undefined);
        }),
    );
    expect(violation).toBe('connect-src');
    expect(w.requests.filter((u) => u.startsWith('http'))).toEqual([]);
    await w.page.close();
  });

  it('the browser XML parser accepts the JUnit output of the hostile result', async () => {
    const w = await open('blank', '<!DOCTYPE html><title>x</title>');
    const xml = toJUnit([loadResult('hostile'), loadResult('busy'), loadResult('unreachable')]);
    const parsed = await w.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        cases: doc.getElementsByTagName('testcase').length,
        name: doc.getElementsByTagName('testcase')[0].getAttribute('name'),
      };
    }, xml);
    expect(parsed).toEqual({ error: 0, cases: 3, name: 'scenario <script>alert(1)</script> \\u0007 ]]>' });
    await w.page.close();
  });
});
