import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, UsageError } from '../../../src/cli/args';
import { runLoadCommand, type LoadCommandRunOptions } from '../../../src/cli/load';
import type { CallOptions } from '../../../src/caller/options';
import type { LoadCaller } from '../../../src/load';
import { fakeResult } from './fake-result';

class Capture {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** A Caller stand-in recording what each call was asked for; busy every 4th call. */
function fakeCaller(log: CallOptions[]): () => LoadCaller {
  let n = 0;
  return () => ({
    call: (options) => {
      const i = n++;
      log.push(options);
      const busy = i % 4 === 3;
      return { result: new Promise((res) => setImmediate(() => res(fakeResult(busy ? 'busy' : 'completed', { index: i, answerMs: 10 + i, status: busy ? 486 : 200 })))) };
    },
    close: async () => {},
  });
}

function load(args: string[]): LoadCommandRunOptions {
  const c = parseCli(['load', 'sip:agent@127.0.0.1:5080', ...args], {});
  if (c.command !== 'load') throw new Error('not load');
  return c.options;
}

describe('runLoadCommand', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'load-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the aggregate JSON, the per-call lines next to it, JUnit, the table; exit 1 when calls failed', async () => {
    const log: CallOptions[] = [];
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runLoadCommand(load(['--calls', '12', '--concurrency', '3', '--json', 'out.json', '--junit', 'junit.xml', '--run-id', 'R1', '--result-id', 'res', '-H', 'X-A: b']), {
      stdout: stdout as never,
      stderr: stderr as never,
      cwd: dir,
      createCaller: fakeCaller(log),
    });
    expect(code).toBe(1);
    expect(stdout.text).toBe('');
    const summary = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(summary.calls).toMatchObject({ planned: 12, finished: 12, ok: 9, failed: 3 });
    expect(summary.resultsFile).toBe(join(dir, 'out.calls.jsonl'));
    expect(readFileSync(join(dir, 'out.calls.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('tests="12" failures="3" errors="0"');
    expect(stderr.text).toContain('outcomes    completed 9, busy 3');
    // Every call shares the run id and headers; result ids follow the given prefix.
    expect(log.map((o) => (o.run as { runId: string }).runId)).toEqual(Array(12).fill('R1'));
    expect(log.map((o) => (o.run as { resultId: string }).resultId).sort()).toEqual([...Array(12).keys()].map((i) => `res-${i + 1}`).sort());
    expect(log[0].headers).toEqual({ 'X-A': 'b' });
    expect(log.every((o) => o.signal instanceof AbortSignal)).toBe(true);
  });

  it('exit 0 with --json - (only JSON on stdout) when every call has the expected outcome', async () => {
    const stdout = new Capture();
    const code = await runLoadCommand(
      { ...load(['--calls', '3', '--json', '-', '--expect', 'completed']), results: join(dir, 'r.jsonl') },
      {
        stdout: stdout as never,
        stderr: new Capture() as never,
        cwd: dir,
        createCaller: fakeCaller([]),
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout.text).calls.ok).toBe(3);
  });

  it('refuses bad input before any call is placed (UsageError, exit 2)', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    const cases: LoadCommandRunOptions[] = [
      load(['--calls', '2', '-H', 'X-Evil: a\r\nVia: x']),
      load(['--calls', '2', '-H', 'X-Run-Id: mine']),
      load(['--calls', '2', '-H', 'no colon']),
      load(['--calls', '2', '-H', 'X-A: 1', '-H', 'x-a: 2']),
      load(['--calls', '2', '--report', 'r.html']),
      load(['--calls', '2', '--pcap', 'p.pcap']),
      load(['--calls', '2', '--profile', 'bad.json']),
      load(['--calls', '2', '--expect', 'bogus']),
      { ...load(['--calls', '2']), workers: 0 },
    ];
    for (const o of cases) {
      let created = 0;
      await expect(
        runLoadCommand(o, { stdout: new Capture() as never, stderr: new Capture() as never, cwd: dir, createCaller: () => { created++; return fakeCaller([])(); } }),
      ).rejects.toBeInstanceOf(UsageError);
      expect(created).toBe(0);
    }
  });

  it('--no-media / --no-evaluate reach every call; --no-media with --play is refused before any call', async () => {
    const log: CallOptions[] = [];
    const code = await runLoadCommand(
      { ...load(['--calls', '4', '--json', '-', '--no-media', '--no-evaluate']), results: join(dir, 'r.jsonl') },
      { stdout: new Capture() as never, stderr: new Capture() as never, cwd: dir, createCaller: fakeCaller(log) },
    );
    expect(code).toBe(1); // the fake makes call 4 busy
    expect(log.map((o) => [o.media, o.evaluate])).toEqual(Array(4).fill([false, false]));
    writeFileSync(join(dir, 'p.wav'), '');
    await expect(
      runLoadCommand(load(['--calls', '1', '--play', 'p.wav', '--no-media']), { stdout: new Capture() as never, stderr: new Capture() as never, cwd: dir, createCaller: fakeCaller(log) }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(log).toHaveLength(4);
  });

  it('a password given with -p gets a note on stderr (visible in ps); from SIPPROBE_PASSWORD it does not; never the password', async () => {
    for (const [argv, env, noted] of [
      [['-u', 'alice', '-p', 's3cret'], {}, true],
      [['-u', 'alice'], { SIPPROBE_PASSWORD: 's3cret' }, false],
    ] as const) {
      const c = parseCli(['load', 'sip:agent@127.0.0.1:5080', '--calls', '1', ...argv], env);
      if (c.command !== 'load') throw new Error('not load');
      expect(c.options.password).toBe('s3cret');
      const stderr = new Capture();
      await runLoadCommand({ ...c.options, results: join(dir, 'p.jsonl') }, { stdout: new Capture() as never, stderr: stderr as never, cwd: dir, createCaller: fakeCaller([]) });
      expect(stderr.text.includes('visible to other users')).toBe(noted);
      expect(stderr.text).not.toContain('s3cret');
    }
  });

  it('Ctrl-C through io.onInterrupt: active calls are aborted and still written', async () => {
    let fire: () => void = () => {};
    const pending: Array<() => void> = [];
    const createCaller = (): LoadCaller => ({
      call: (options) => {
        const signal = options.signal as AbortSignal;
        if (pending.length === 2) setImmediate(() => fire());
        return {
          result: new Promise((res) => {
            pending.push(() => res(fakeResult('completed', { answerMs: 5 })));
            signal.addEventListener('abort', () => res(fakeResult('completed', { answerMs: 5 })));
          }),
        };
      },
      close: async () => {},
    });
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runLoadCommand(
      { ...load(['--calls', '100', '--concurrency', '3', '--json', '-']), results: join(dir, 'r.jsonl') },
      { stdout: stdout as never, stderr: stderr as never, cwd: dir, createCaller, onInterrupt: (h) => ((fire = h), () => undefined) },
    );
    expect(code).toBe(1);
    const s = JSON.parse(stdout.text);
    expect(s.interrupted).toBe(true);
    expect(s.calls).toMatchObject({ started: 3, finished: 3, notStarted: 97 });
    expect(readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(stderr.text).toContain('interrupted: starting no more calls');
  });
});
