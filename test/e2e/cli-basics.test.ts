/**
 * The CLI as a process (src/cli/launcher.cjs → tsx → src/cli/bin.ts, no build needed): usage
 * errors, bad headers (exit 2, nothing sent), and `sipprobe agent` until SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { MediaLeg } from '../../src/call-media';
import { SipUserAgent } from '../../src/sip/user-agent';

import { LAUNCHER, runCli } from '../helpers/cli-process';


let dir: string;
let agent: TestAgent | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-'));
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('sipprobe CLI: input errors exit 2', () => {
  it('usage error: unknown flag', async () => {
    const r = await runCli(['call', 'sip:a@127.0.0.1', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no-such-flag/);
    expect(r.stderr).toMatch(/usage:/);
  });

  it('usage error: unknown command, missing target', async () => {
    expect((await runCli(['dial'])).code).toBe(2);
    expect((await runCli(['call'])).code).toBe(2);
  });

  it('a bad header is exit 2 with the reason, and nothing reaches the agent', async () => {
    agent = new TestAgent({ behaviour: { play: null } });
    const uri = await agent.start();
    for (const bad of [['-H', 'X-Evil: a\r\nVia: x'], ['-H', 'Via: SIP/2.0/UDP evil'], ['-H', 'X-Run-Id: dup'], ['-H', 'Bad Name: v']]) {
      const r = await runCli(['call', uri, ...bad, '--json', '-']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/bad header/);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.requests).toHaveLength(0);
  });

  it('a profile with an object value or reserved key is exit 2, nothing sent', async () => {
    agent = new TestAgent({ behaviour: { play: null } });
    const uri = await agent.start();
    const p1 = join(dir, 'p1.json');
    writeFileSync(p1, JSON.stringify({ information: { main_agent_variables: { 'X-Obj': { a: 1 } } } }));
    const p2 = join(dir, 'p2.json');
    writeFileSync(p2, JSON.stringify({ information: { main_agent_variables: { 'x-run-id': 'r' } } }));
    const p3 = join(dir, 'p3.json');
    writeFileSync(p3, '{ not json');
    for (const p of [p1, p2, p3, join(dir, 'missing.json')]) {
      const r = await runCli(['call', uri, '--profile', p]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/profile|header/);
    }
    expect(agent.requests).toHaveLength(0);
  });

  it('never prints the password from SIPPROBE_PASSWORD, even in errors', async () => {
    const r = await runCli(['call', 'sip:a@127.0.0.1', '-u', 'alice', '-H', 'X-Bad: \u0007'], { SIPPROBE_PASSWORD: 'pw-must-not-show' });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain('pw-must-not-show');
  });

  it('version and help', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const h = await runCli(['help']);
    expect(h.code).toBe(0);
    expect(h.stderr).toMatch(/sipprobe demo/);
  });
});

describe('sipprobe agent', () => {
  it('answers calls until SIGTERM, then shuts down cleanly with exit 0', async () => {
    const child = spawn(process.execPath, [LAUNCHER, 'agent', '--port', '0', '--reject', '486'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const uri = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 20_000);
      child.stderr.on('data', () => {
        const m = /listening on (sip:\S+)/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    const ua = new SipUserAgent({ timers: { T1: 50, T2: 400, T4: 500, D: 500 } });
    await ua.start();
    const leg = await MediaLeg.create();
    try {
      const r = await ua.invite({ target: uri, from: 'sip:probe@127.0.0.1', body: leg.createOffer(), contentType: 'application/sdp', headers: { 'X-Run-Id': 'cli-agent' } }).result;
      expect(r.kind).toBe('rejected');
      if (r.kind === 'rejected') expect(r.response.status).toBe(486);
    } finally {
      await ua.close();
      await leg.close();
    }
    await new Promise((r) => setTimeout(r, 200));
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/call 1 \S+ from .*\[X-Run-Id\]/);
    expect(stderr).toMatch(/call 1 rejected \(rejected 486\)/);
    expect(stderr).toMatch(/stopping/);
  });
});
