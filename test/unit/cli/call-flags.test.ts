/** `--latch`, `--voicemail`, `--srtp` (and friends) from the command line to the Caller's options, for `call` and `load`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallerOptions, CallOptions } from '../../../src/caller/options';
import { parseCli, UsageError, type CallCommandOptions, type LoadCommandOptions } from '../../../src/cli/args';
import { prepareCall } from '../../../src/cli/call-command';
import { runLoadCommand } from '../../../src/cli/load';
import { loadCallOptions, type LoadCallTemplate } from '../../../src/load/caller-start';
import { fakeResult } from '../load/fake-result';

const TARGET = 'sip:agent@127.0.0.1:5080';

function callOpts(argv: string[]): CallCommandOptions {
  const cmd = parseCli(['call', TARGET, ...argv], {});
  if (cmd.command !== 'call') throw new Error('not a call');
  return cmd.options;
}

function loadOpts(argv: string[]): LoadCommandOptions {
  const cmd = parseCli(['load', TARGET, '--calls', '2', ...argv], {});
  if (cmd.command !== 'load') throw new Error('not a load');
  return cmd.options;
}

/** Runs `sipprobe load` against a Caller stand-in; returns what it was built with and asked for. */
async function loadThrough(argv: string[]): Promise<{ caller: CallerOptions[]; calls: CallOptions[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-flags-'));
  const caller: CallerOptions[] = [];
  const calls: CallOptions[] = [];
  const sink = { write: () => true, isTTY: false };
  try {
    await runLoadCommand(loadOpts([...argv, '--results', join(dir, 'r.jsonl')]), {
      stdout: sink as never,
      stderr: sink as never,
      cwd: dir,
      createCaller: (o) => {
        caller.push(o);
        return {
          call: (c) => {
            calls.push(c);
            return { result: Promise.resolve(fakeResult('completed', { index: calls.length - 1, answerMs: 10, status: 200 })) };
          },
          close: async () => {},
        };
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { caller, calls };
}

const template: LoadCallTemplate = { target: TARGET, transport: 'udp', runId: 'run' };

describe('--latch', () => {
  test.each(['sdp', 'first-source'] as const)('call --latch %s reaches CallOptions.latch', (mode) => {
    const o = callOpts(['--latch', mode]);
    expect(o.latch).toBe(mode);
    expect(prepareCall(o, { cwd: '/' }).options.latch).toBe(mode);
  });

  test('without --latch the call options carry no latch (the Caller default, sdp)', () => {
    expect('latch' in prepareCall(callOpts([]), { cwd: '/' }).options).toBe(false);
  });

  test('load --latch first-source reaches every call', async () => {
    expect(loadOpts(['--latch', 'first-source']).latch).toBe('first-source');
    expect(loadCallOptions({ ...template, latch: 'first-source' }, 3).latch).toBe('first-source');
    expect('latch' in loadCallOptions(template, 0)).toBe(false);
    const { calls } = await loadThrough(['--latch', 'first-source']);
    expect(calls.map((c) => c.latch)).toEqual(['first-source', 'first-source']);
  });

  test.each(['first', 'FIRST-SOURCE', '', 'sdp\r\nX: y'])('refuses --latch %j', (v) => {
    expect(() => callOpts(['--latch', v])).toThrow(UsageError);
  });
});

describe('--voicemail', () => {
  test.each(['detect', 'hangup', 'off'] as const)('call --voicemail %s reaches CallOptions.voicemail', (mode) => {
    expect(prepareCall(callOpts(['--voicemail', mode]), { cwd: '/' }).options.voicemail).toBe(mode);
  });

  test('without it the call options carry none (the Caller default)', () => {
    expect('voicemail' in prepareCall(callOpts([]), { cwd: '/' }).options).toBe(false);
  });

  test('load --voicemail hangup reaches every call', async () => {
    expect(loadCallOptions({ ...template, voicemail: 'hangup' }, 1).voicemail).toBe('hangup');
    const { calls } = await loadThrough(['--voicemail', 'hangup']);
    expect(calls.map((c) => c.voicemail)).toEqual(['hangup', 'hangup']);
  });

  test.each(['yes', 'HANGUP', ''])('refuses --voicemail %j', (v) => {
    expect(() => callOpts(['--voicemail', v])).toThrow(UsageError);
  });
});

describe('--allow-voicemail (load)', () => {
  /** `sipprobe load` whose every call reaches an answering machine; the exit status. */
  async function voicemailRun(argv: string[]): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'cli-vm-'));
    const sink = { write: () => true, isTTY: false };
    try {
      return await runLoadCommand(loadOpts([...argv, '--results', join(dir, 'r.jsonl')]), {
        stdout: sink as never,
        stderr: sink as never,
        cwd: dir,
        createCaller: () => ({
          call: () => ({ result: Promise.resolve({ ...fakeResult('completed', { answerMs: 10, status: 200 }), endReason: 'voicemail', voicemail: { beepStartMs: 5000, beepEndMs: 5500, beepFrequencyHz: 1000 } }) }),
          close: async () => {},
        }),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('calls that reached voicemail fail the run (exit 1); with --allow-voicemail they pass (exit 0)', async () => {
    expect(await voicemailRun([])).toBe(1);
    expect(await voicemailRun(['--allow-voicemail'])).toBe(0);
  });
});

describe('--silence-timeout', () => {
  test('call: a duration becomes timeouts.silenceMs, beside --ring-timeout', () => {
    expect(prepareCall(callOpts(['--silence-timeout', '10s']), { cwd: '/' }).options.timeouts).toEqual({ silenceMs: 10_000 });
    expect(prepareCall(callOpts(['--silence-timeout', '750ms', '--ring-timeout', '5s']), { cwd: '/' }).options.timeouts).toEqual({ ringMs: 5000, silenceMs: 750 });
    expect(prepareCall(callOpts(['--ring-timeout', '5s']), { cwd: '/' }).options.timeouts).toEqual({ ringMs: 5000 });
    expect('timeouts' in prepareCall(callOpts([]), { cwd: '/' }).options).toBe(false);
  });

  test('call: zero or a non-duration is an input error', () => {
    expect(() => prepareCall(callOpts(['--silence-timeout', '0s']), { cwd: '/' })).toThrow(expect.objectContaining({ code: 'CLI_INPUT' }));
    expect(() => callOpts(['--silence-timeout', 'soon'])).toThrow(UsageError);
  });

  test('load: every call gets it; with --no-media it is refused before any call', async () => {
    const { calls } = await loadThrough(['--silence-timeout', '2s', '--ring-timeout', '3s']);
    expect(calls.map((c) => c.timeouts)).toEqual([{ ringMs: 3000, silenceMs: 2000 }, { ringMs: 3000, silenceMs: 2000 }]);
    expect(loadCallOptions({ ...template, silenceTimeoutMs: 900 }, 0).timeouts).toEqual({ silenceMs: 900 });
    await expect(loadThrough(['--silence-timeout', '2s', '--no-media'])).rejects.toThrow(UsageError);
    await expect(loadThrough(['--silence-timeout', '0'])).rejects.toThrow(UsageError);
  });
});

describe('--advertise', () => {
  test('call: checked, then handed to the Caller (IPv6 brackets dropped)', () => {
    expect(prepareCall(callOpts(['--advertise', '203.0.113.7']), { cwd: '/' }).advertise).toBe('203.0.113.7');
    expect(prepareCall(callOpts(['--advertise', '[2001:db8::1]']), { cwd: '/' }).advertise).toBe('2001:db8::1');
    expect(prepareCall(callOpts(['--advertise', 'sbc.example.com']), { cwd: '/' }).advertise).toBe('sbc.example.com');
    expect('advertise' in prepareCall(callOpts([]), { cwd: '/' })).toBe(false);
  });

  test.each(['1.2.3.4\r\nVia: x', 'a b', '0.0.0.0', 'host:5060', 'u@host', ''])('call: %j is an input error (exit 2)', (v) => {
    expect(() => prepareCall(callOpts(['--advertise', v]), { cwd: '/' })).toThrow(expect.objectContaining({ code: 'CLI_INPUT' }));
  });

  test('load: the run\'s Caller gets advertise.address; a bad one stops the run before any Caller exists', async () => {
    const { caller } = await loadThrough(['--advertise', '198.51.100.20', '--bind', '0.0.0.0']);
    expect(caller).toHaveLength(1);
    expect(caller[0].advertise).toEqual({ address: '198.51.100.20' });
    expect(caller[0].bind).toEqual({ address: '0.0.0.0', port: 0 });
    const bad = loadThrough(['--advertise', 'x\r\ny']);
    await expect(bad).rejects.toThrow(expect.objectContaining({ code: 'CLI_INPUT' }));
  });
});

describe('--srtp', () => {
  test('call --srtp reaches CallOptions.srtp; without it the options carry none', () => {
    const o = callOpts(['--srtp', '--transport', 'tls']);
    expect(o.srtp).toBe(true);
    expect(prepareCall(o, { cwd: '/' }).options.srtp).toBe(true);
    expect('srtp' in callOpts([])).toBe(false);
    expect('srtp' in prepareCall(callOpts([]), { cwd: '/' }).options).toBe(false);
  });

  test('--srtp takes no value', () => {
    expect(() => callOpts(['--srtp=yes'])).toThrow();
  });

  test('load --srtp reaches every call', async () => {
    expect(loadOpts(['--srtp']).srtp).toBe(true);
    expect(loadCallOptions({ ...template, srtp: true }, 1).srtp).toBe(true);
    expect('srtp' in loadCallOptions(template, 0)).toBe(false);
    const { calls } = await loadThrough(['--srtp']);
    expect(calls.map((c) => c.srtp)).toEqual([true, true]);
    const plain = await loadThrough([]);
    expect(plain.calls.every((c) => !('srtp' in c))).toBe(true);
  });
});
