/** runCli in-process with a fake io: exit statuses and the input checks that run before any socket. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { prepareCall } from '../../../src/cli/call-command';
import { CliInputError } from '../../../src/cli/input-error';
import { agentBehaviourFromOptions } from '../../../src/cli/agent-command';
import { safeCliText } from '../../../src/cli/text';
import type { CallCommandOptions } from '../../../src/cli/args';
import { memoryIo } from '../../helpers/cli-io';

const io = memoryIo;

const base: CallCommandOptions = { target: 'sip:agent@127.0.0.1:5080', headers: [], transport: 'udp', insecure: false };
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-unit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runCli', () => {
  it('usage errors exit 2 with usage on stderr, nothing on stdout', async () => {
    const x = io();
    expect(await runCli(['call', '--transport', 'sctp', 'sip:a@b'], x)).toBe(2);
    expect(x.out).toBe('');
    expect(x.err).toMatch(/--transport/);
    expect(x.err).toMatch(/usage:/);
  });

  it('a header with CRLF is exit 2 with the reason', async () => {
    const x = io();
    expect(await runCli(['call', 'sip:a@127.0.0.1', '-H', 'X-A: 1\r\nVia: evil'], x)).toBe(2);
    expect(x.err).toMatch(/bad header: .*CR, LF or NUL/);
    expect(x.err).not.toContain('evil');
  });

  it.each([
    [['call', 'sip:agent@127.0.0.1:5080', '--codecs', 'foo,pcmu'], /unknown codec "foo"/],
    [['call', 'sip:alice:s3cret@127.0.0.1:5080'], /holds a password/],
    [['load', 'not-a-uri', '--calls', '1'], /not a SIP URI/],
    [['load', 'sip:agent@127.0.0.1:5080', '--calls', '1', '--codecs', 'g729'], /unknown codec "g729"/],
    [['load', 'sip:agent@127.0.0.1:5080', '--calls', '1', '--play', '/nonexistent/q.wav'], /--play .*no such file/],
    [['load', 'sip:bob:pw@127.0.0.1:5080', '--calls', '1'], /holds a password/],
  ])('input errors are exit 2 before any call: %j', async (argv, why) => {
    const x = io();
    expect(await runCli(argv, x)).toBe(2);
    expect(x.err).toMatch(why);
    expect(x.err).not.toContain('s3cret');
    expect(x.out).toBe('');
  });

  it('report renders a saved result to HTML and JUnit', async () => {
    const x = io();
    const html = join(dir, 'r.html');
    const xml = join(dir, 'r.xml');
    const input = join(__dirname, '../../fixtures/report/busy.json');
    expect(await runCli(['report', input, '--html', html, '--junit', xml], x)).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
    expect(readFileSync(xml, 'utf8')).toMatch(/<failure message="outcome busy \(486 Busy Here; busy\), expected completed"/);
  });

  it('report refuses a file that is not a call result with exit 2', async () => {
    const x = io();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ outcome: 'completed' }));
    expect(await runCli(['report', bad, '--html', join(dir, 'x.html')], x)).toBe(2);
    expect(x.err).toMatch(/not a sipprobe call result/);
    expect(await runCli(['report', join(dir, 'missing.json'), '--html', join(dir, 'x.html')], x)).toBe(2);
  });

  it('help exits 0 on stderr; version on stdout', async () => {
    const a = io();
    expect(await runCli([], a)).toBe(0);
    expect(a.err).toMatch(/usage:/);
    const b = io();
    expect(await runCli(['version'], b)).toBe(0);
    expect(b.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('prepareCall', () => {
  it('refuses what is not a SIP URI', () => {
    for (const t of ['http://x', 'agent@host', 'sip:a@b c', 'tel:+1555']) expect(() => prepareCall({ ...base, target: t }, { cwd: dir })).toThrow(CliInputError);
  });

  it('reads a profile relative to cwd and builds headers: X- keys only', () => {
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ information: { main_agent_variables: { 'X-A': 1, b: 2 }, testing_agent_variables: { 'X-T': 3 } } }));
    const p = prepareCall({ ...base, profilePath: 'p.json', runId: 'r' }, { cwd: dir });
    expect(p.headers.headers.map((h) => h.name)).toEqual(['X-Run-Id', 'X-Scenario-Id', 'X-Result-Id', 'X-A']);
    expect(p.headers.ids.runId).toBe('r');
    expect(p.options.run?.runId).toBe('r');
  });

  it.each([
    [{ password: 'x' }, /user name/],
    [{ expect: 'great' }, /--expect/],
    [{ dtmf: '12x' }, /--dtmf/],
    [{ play: 'missing.wav' }, /no such file/],
    [{ json: 'nodir/out.json' }, /does not exist/],
    [{ headers: ['Contact: <sip:x@y>'] }, /bad header/],
  ])('refuses %j', (extra, msg) => {
    expect(() => prepareCall({ ...base, ...(extra as Partial<CallCommandOptions>) }, { cwd: dir })).toThrow(msg);
  });

  it('maps durations and credentials', () => {
    const p = prepareCall({ ...base, username: 'u', password: 'p', durationMs: 5000, ringTimeoutMs: 3000, json: '-' }, { cwd: dir });
    expect(p.options.auth).toEqual({ username: 'u', password: 'p' });
    // --duration is how long to stay in the call, not a cap that would end it as `timeout`
    expect(p.options.timeouts).toEqual({ ringMs: 3000 });
    expect(p.options.durationMs).toBe(5000);
    expect(p.outputs.json).toBe('-');
  });

  it('turns --dtmf into a script: prompt, digits, the rest of --duration, hang up', () => {
    writeFileSync(join(dir, 'q.wav'), Buffer.alloc(0));
    const p = prepareCall({ ...base, play: 'q.wav', dtmf: '12#', durationMs: 3000 }, { cwd: dir });
    expect(p.options.script).toEqual([{ play: join(dir, 'q.wav') }, { dtmf: '12#' }, { silence: 3000 }, { hangup: true }]);
    expect(p.options.play).toBeUndefined();
  });
});

describe('agent flags', () => {
  it('become a behaviour; user and password go together', () => {
    expect(agentBehaviourFromOptions({ port: 0, address: '127.0.0.1', transport: 'udp', echo: true, reject: 486, ringDelayMs: 100 })).toEqual({ ringMs: 100, reject: 486, echo: true });
    expect(() => agentBehaviourFromOptions({ port: 0, address: '127.0.0.1', transport: 'udp', echo: false, username: 'u' })).toThrow(/go together/);
  });
});

describe('safeCliText', () => {
  it('strips control characters and bounds length', () => {
    expect(safeCliText('a\x1b[31mb\r\nc')).toBe('a?[31mb??c');
    expect(safeCliText('x'.repeat(10), 4)).toBe('xxxx…');
  });
});
