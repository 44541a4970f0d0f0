/**
 * `sipprobe call --json --pcap --junit` then `sipprobe report result.json --html` as processes
 * against a TestAgent: the saved result renders again with the call's ladder; the pcap and the
 * JUnit file are there; a failing threshold is exit 1 with its reason.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import { readPcap } from '../unit/pcap/pcap-reader';

import { runCli } from '../helpers/cli-process';


const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

let dir: string;
let agent: TestAgent | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-report-'));
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

jest.setTimeout(90_000);

describe('sipprobe call → result.json → sipprobe report', () => {
  it('renders the saved result again: the HTML holds the call ladder; pcap and JUnit written', async () => {
    agent = new TestAgent({ behaviour: { ringMs: 200, hangupAfterMs: 1500 } });
    const uri = await agent.start();
    const json = join(dir, 'result.json');
    const pcap = join(dir, 'call.pcap');
    const junit = join(dir, 'call.xml');
    const call = await runCli(['call', uri, '--duration', '5s', '--json', json, '--pcap', pcap, '--junit', junit, '--max-loss', '5', '--expect', 'completed']);
    expect(call.stderr).toMatch(/^COMPLETED/);
    expect(call.code).toBe(0);
    expect(call.stderr).toContain(`wrote ${pcap}`);
    expect(call.stderr).not.toMatch(/FAILED/);
    // the summary carries the evaluation
    expect(call.stderr).toMatch(/^quality {4}received: MOS \d\.\d+/m);
    expect(call.stderr).toMatch(/^agent {6}first word [\d.]+ (ms|s) after ACK/m);
    expect(call.stderr).toMatch(/^talk {7}caller /m);
    const result = JSON.parse(readFileSync(json, 'utf8')) as CallResult;
    expect(result.outcome).toBe('completed');
    const firstLines = result.messages.map((m) => m.firstLine);
    expect(firstLines).toEqual(expect.arrayContaining(['SIP/2.0 180 Ringing', expect.stringMatching(/^ACK /), expect.stringMatching(/^BYE /)]));

    // the pcap: SIP messages + RTP/RTCP of the call
    const frames = readPcap(readFileSync(pcap)).frames;
    const rtp = result.rtp!;
    expect(frames.length).toBeGreaterThanOrEqual(result.messages.length + rtp.sent.packets + rtp.received.packets);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="sipprobe" tests="1" failures="0" errors="0"/);
    expect(xml).toContain(`<property name="callId" value="${result.sip.callId}"/>`);
    expect(xml).not.toMatch(/<failure/);

    const html = join(dir, 'again.html');
    const rep = await runCli(['report', json, '--html', html]);
    expect(rep.code).toBe(0);
    expect(rep.stderr).toContain(`wrote ${html}`);
    expect(existsSync(html)).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    // one ladder arrow per message, each first line shown
    expect(count(page, /<g class="ladder-arrow[^"]*"/g)).toBe(result.messages.length);
    for (const l of new Set(firstLines.map((f) => f.split(' ').slice(0, 2).join(' ')))) expect(page).toContain(l);
    expect(page).toContain(result.sip.callId);
  });

  it('a threshold that fails is exit 1 with the reason on stderr and a JUnit failure', async () => {
    agent = new TestAgent({ behaviour: { play: null, hangupAfterMs: 600 } });
    const uri = await agent.start();
    const junit = join(dir, 'gate.xml');
    // no caller speech → no turns → the p90 gate cannot be checked: that is a failure, not a pass
    const r = await runCli(['call', uri, '--duration', '3s', '--junit', junit, '--max-latency-p90', '2000']);
    expect(r.stderr).toMatch(/^COMPLETED/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: turn latency p90 not measured \(threshold 2000 ms\)/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure message="turn latency p90 not measured/);
  });
});
