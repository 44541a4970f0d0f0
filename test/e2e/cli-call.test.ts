/**
 * `sipprobe call` and `sipprobe demo` as processes (launcher → tsx → src, no build) against a
 * TestAgent on loopback: JSON-only stdout, exit statuses, the demo's recording.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWavFile } from '../../src/audio';
import { TestAgent } from '../../src/agent';

import { runCli } from '../helpers/cli-process';


let dir: string;
let agent: TestAgent | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-call-'));
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

jest.setTimeout(90_000);

describe('sipprobe call', () => {
  it('--json - writes only parseable JSON on stdout; headers and profile X- keys reach the agent; exit 0', async () => {
    agent = new TestAgent({ behaviour: { hangupAfterMs: 1500 } });
    const uri = await agent.start();
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify({ name: 'p', information: { main_agent_variables: { 'X-Tier': 'gold', secret_prompt: 'no' }, testing_agent_variables: { 'X-Test': 'no' } } }));
    const r = await runCli(['call', uri, '--run-id', 'run-cli', '--profile', profile, '-H', 'X-Extra: 1', '--duration', '5s', '--json', '-', '-u', 'alice'], { SIPPROBE_PASSWORD: 'never-printed' });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.schemaVersion).toBe(1);
    expect(json.outcome).toBe('completed');
    expect(json.ids.runId).toBe('run-cli');
    expect(r.stderr).toMatch(/COMPLETED/);
    expect(r.stdout + r.stderr).not.toContain('never-printed');
    const h = agent.calls[0].invite.headers;
    expect(h.get('X-Run-Id')).toBe('run-cli');
    expect(h.get('X-Tier')).toBe('gold');
    expect(h.get('X-Extra')).toBe('1');
    expect(h.has('secret_prompt')).toBe(false);
    expect(h.has('X-Test')).toBe(false);
  });

  it('a busy agent is exit 1 with outcome busy', async () => {
    agent = new TestAgent({ behaviour: { reject: 486 } });
    const uri = await agent.start();
    const out = join(dir, 'r.json');
    const r = await runCli(['call', uri, '--json', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).outcome).toBe('busy');
    expect(r.stderr).toMatch(/BUSY/);
  });
});

describe('sipprobe demo', () => {
  it('exit 0, summary with the profile split, and a valid stereo recording', async () => {
    const rec = join(dir, 'demo.wav');
    const r = await runCli(['demo', '--record', rec]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/COMPLETED/);
    expect(r.stderr).toMatch(/X-Customer-Tier: sent as a SIP header/);
    expect(r.stderr).toMatch(/customer_name: not sent \(no X- prefix\)/);
    expect(r.stderr).toMatch(/X-Testing-Only: not sent/);
    expect(r.stderr).toContain(`recording: ${rec}`);
    expect(existsSync(rec)).toBe(true);
    const wav = await readWavFile(rec);
    expect(wav.channels).toBe(2);
    expect(wav.frames / wav.sampleRate).toBeGreaterThan(2);
  });
});
