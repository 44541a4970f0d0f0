/**
 * The HTML report of a real call: `sipprobe call --report --record --json` against a TestAgent
 * on loopback, then the report opened in Debian's chromium (playwright-core): no console
 * errors, one ladder arrow per SIP message, both waveform lanes drawn, the recording playable,
 * a screenshot saved.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { chromium } = require('playwright-core') as typeof import('playwright-core');

jest.setTimeout(90_000);

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

const QUESTION = join(__dirname, '../../assets/question-8k.wav');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIo & { out: string; err: string };
  o.stdout = { write: (t: string) => (o.out += t) };
  o.stderr = { write: (t: string) => (o.err += t) };
  o.env = process.env;
  o.cwd = process.cwd();
  o.signal = new AbortController().signal;
  return o;
}

describe('sipprobe call --report, opened in chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-report-html-'));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a real call: clean console, ladder = messages, waveform in both lanes, recording playable, screenshot', async () => {
    // the agent rings, answers, greets; the caller asks its question; the agent hangs up
    const agent = new TestAgent({ behaviour: { ringMs: 300, greetingDelayMs: 200, hangupAfterMs: 6000 } });
    const uri = await agent.start();
    const html = join(dir, 'call.html');
    const wav = join(dir, 'call.wav');
    const json = join(dir, 'call.json');
    const x = io();
    let code: number;
    try {
      code = await runCli(['call', uri, '--play', QUESTION, '--duration', '10s', '--report', html, '--record', wav, '--json', json], x);
    } finally {
      await agent.stop();
    }
    expect(x.err).toMatch(/^COMPLETED/);
    expect(code).toBe(0);
    expect(x.err).toContain(`wrote ${html}`);
    const result = JSON.parse(readFileSync(json, 'utf8')) as CallResult;
    expect(result.messages.length).toBeGreaterThanOrEqual(6); // INVITE 180 200 ACK BYE 200 (+100 over UDP if any)
    expect(result.audio?.recordingPath).toBe(wav);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

    // the ladder: one arrow per message; clicking one shows that message's (redacted) text
    expect(await page.locator('#ladder .ladder-arrow').count()).toBe(result.messages.length);
    const bye = result.messages.findIndex((m) => m.firstLine.startsWith('BYE '));
    expect(bye).toBeGreaterThan(0);
    await page.locator('#ladder .ladder-arrow').nth(bye).click();
    expect(await page.locator('#raw-text').textContent()).toBe(result.messages[bye].raw);

    // the waveform: caller lane (blue) and agent lane (purple) both have ink
    const ink = await page.evaluate(() => {
      const c = document.getElementById('waveform');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
      let blue = 0;
      let purple = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a < 200) continue;
        if (r < 40 && g > 80 && g < 130 && b > 190) blue++;
        else if (r > 100 && r < 150 && g < 100 && b > 190) purple++;
      }
      return { blue, purple };
    });
    expect(ink.blue).toBeGreaterThan(500);
    expect(ink.purple).toBeGreaterThan(500);

    // the embedded recording is the call's WAV, playable for as long as the call talked
    const duration = await page.evaluate(async () => {
      const a = document.getElementById('recording');
      if (a.readyState < 1) await new Promise<void>((res) => a.addEventListener('loadedmetadata', () => res()));
      return a.duration as number;
    });
    expect(duration).toBeGreaterThan(3);
    expect(Math.abs(duration * 1000 - result.timings.talkDurationMs)).toBeLessThan(1000);

    // kept after the run (outside the test's temporary folder) for a human to look at
    const shot = join(tmpdir(), 'sipprobe-cli-report-html.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(statSync(shot).size).toBeGreaterThan(30_000);

    expect(consoleErrors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    await page.close();
  });
});
