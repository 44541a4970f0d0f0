/**
 * The whole command line against a TestAgent that answers each caller turn 800 ms after
 * the caller stops: `sipprobe call … --report --junit --pcap --transcribe pocketsphinx --expect
 * completed --max-latency-p90 2000`. The summary shows the metrics, quality and transcript; the
 * gate passes (exit 0) and a stricter one fails (exit 1, reason on stderr and in JUnit).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

jest.setTimeout(120_000);

const ASSETS = join(__dirname, '../../assets');
const QUESTION = join(ASSETS, 'question-8k.wav');
const GREETING = join(ASSETS, 'greeting-8k.wav');

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIo & { out: string; err: string };
  o.stdout = { write: (t: string) => (o.out += t) };
  o.stderr = { write: (t: string) => (o.err += t) };
  o.env = process.env;
  o.cwd = process.cwd();
  o.signal = new AbortController().signal;
  return o;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-full-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function call(extra: string[]): Promise<{ code: number; err: string; result: CallResult; files: Record<string, string> }> {
  const agent = new TestAgent({ behaviour: { play: GREETING, turn: { afterSilenceMs: 800, maxTurns: 1 }, hangupAfterMs: 9000 } });
  const uri = await agent.start();
  const files = { html: join(dir, 'out.html'), xml: join(dir, 'out.xml'), pcap: join(dir, 'out.pcap'), json: join(dir, 'out.json') };
  const x = io();
  let code: number;
  try {
    code = await runCli(
      ['call', uri, '--play', QUESTION, '--duration', '12s', '--report', files.html, '--junit', files.xml, '--pcap', files.pcap, '--json', files.json, '--transcribe', 'pocketsphinx', '--expect', 'completed', ...extra],
      x,
    );
  } finally {
    await agent.stop();
  }
  return { code, err: x.err, result: JSON.parse(readFileSync(files.json, 'utf8')) as CallResult, files };
}

describe('sipprobe call with every artefact, transcript and a latency gate', () => {
  it('--max-latency-p90 2000 passes on an 800 ms agent: exit 0, metrics and transcript in the summary', async () => {
    const { code, err, result, files } = await call(['--max-latency-p90', '2000']);
    expect(err).toMatch(/^COMPLETED/);
    expect(err).not.toMatch(/FAILED/);
    expect(code).toBe(0);
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);
    // summary lines from the metrics
    expect(err).toMatch(/^turns {6}1 caller turns; latency p50 [\d.]+ (ms|s), p90/m);
    expect(err).toMatch(/^quality {4}received: MOS 4\.\d+/m);
    expect(err).toMatch(/^agent {6}first word /m);
    expect(err).toMatch(/^transcript \(pocketsphinx\):/m);
    const p90 = result.metrics!.latency!.p90Ms;
    expect(p90).toBeGreaterThan(700);
    expect(p90).toBeLessThan(1100);
    expect(result.transcript!.turns.some((t) => t.speaker === 'caller' && t.text.length > 0)).toBe(true);
    const xml = readFileSync(files.xml, 'utf8');
    expect(xml).toMatch(/failures="0" errors="0"/);
  });

  it('--max-latency-p90 300 fails on the same agent: exit 1, the reason on stderr and in JUnit', async () => {
    const { code, err, files } = await call(['--max-latency-p90', '300']);
    expect(err).toMatch(/^COMPLETED/);
    expect(code).toBe(1);
    expect(err).toMatch(/FAILED: turn latency p90 \d+(\.\d+)? ms exceeds 300 ms/);
    expect(readFileSync(files.xml, 'utf8')).toMatch(/<failure message="turn latency p90 \d+(\.\d+)? ms exceeds 300 ms/);
  });
});
