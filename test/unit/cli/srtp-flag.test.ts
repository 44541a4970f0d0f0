/** `--srtp` from the command line to the Caller's options, for `call` and `load`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallerOptions, CallOptions } from '../../../src/caller/options';
import { parseCli, type CallCommandOptions, type LoadCommandOptions } from '../../../src/cli/args';
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
  const dir = mkdtempSync(join(tmpdir(), 'cli-srtp-'));
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
