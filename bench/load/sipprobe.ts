/**
 * The sipprobe side of the load benchmark: one Caller per step (fresh pacer, so pacing
 * statistics belong to that step), and a TestAgent echo in a child process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Caller } from '../../src/caller';
import { Pacer } from '../../src/rtp';
import type { StartCall } from '../../src/load';

/** A Caller prepared for one benchmark step. */
export interface SipprobeClient {
  startCall: StartCall;
  /** p99 |deviation| of every RTP frame sent in this step, ms (NaN without media). */
  pacingP99Ms(): number;
  close(): Promise<void>;
}

/** `media: 'none'` is the Caller's `media: false` (SDP offer/answer, no RTP); `tone` plays `wav` for the hold. */
export async function openSipprobe(opts: { target: string; holdMs: number; media: 'none' | 'tone'; wav?: string }): Promise<SipprobeClient> {
  const pacer = new Pacer();
  const caller = new Caller({ bind: { address: '127.0.0.1', port: 0 }, transport: 'udp', pacer });
  return {
    startCall: (_index, signal) =>
      caller.call({ target: opts.target, durationMs: opts.holdMs, ...(opts.media === 'tone' ? { play: opts.wav } : { media: false }), codecs: ['PCMU'], signal }).result,
    pacingP99Ms: () => (pacer.stats().sent > 0 ? pacer.stats().p99Ms : NaN),
    close: async () => {
      await caller.close();
      pacer.close();
    },
  };
}

/** Starts bench/load/agent-child.ts (TestAgent, echo) in its own process. */
export async function startAgentChild(): Promise<{ uri: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'agent-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const uri = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`agent child exited (${code}) before it was ready`)));
  });
  return {
    uri,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
