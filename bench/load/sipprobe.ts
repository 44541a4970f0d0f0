/**
 * The sipprobe side of the load benchmark: one Caller per step (its own pacer, so pacing
 * statistics belong to that step) or one per worker thread, and a TestAgent echo in a child
 * process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Caller } from '../../src/caller';
import { runLoad, runShardedLoad, type LoadCallTemplate, type LoadPlan, type LoadSummary } from '../../src/load';
import { loadModuleFile } from '../../src/load/module-files';
import { Pacer } from '../../src/rtp';
import type { StartCall } from '../../src/load';

/** A Caller prepared for one benchmark step. */
export interface SipprobeClient {
  startCall: StartCall;
  /** p99 |deviation| of every RTP frame sent in this step, ms (NaN without media). */
  pacingP99Ms(): number;
  close(): Promise<void>;
}

/**
 * `media: 'none'` is the Caller's `media: false` (SDP offer/answer, no RTP); `tone` plays `wav`
 * for the hold. `evaluate: false` keeps no call audio in memory (no turn metrics / MOS).
 */
export async function openSipprobe(opts: { target: string; holdMs: number; media: 'none' | 'tone'; wav?: string; evaluate?: boolean }): Promise<SipprobeClient> {
  const pacer = new Pacer();
  const caller = new Caller({ bind: { address: '127.0.0.1', port: 0 }, transport: 'udp', pacer });
  await caller.start();
  return {
    startCall: (_index, signal) =>
      caller.call({
        target: opts.target,
        durationMs: opts.holdMs,
        ...(opts.media === 'tone' ? { play: opts.wav } : { media: false }),
        ...(opts.evaluate === false ? { evaluate: false } : {}),
        codecs: ['PCMU'],
        signal,
      }).result,
    pacingP99Ms: () => (pacer.stats().sent > 0 ? pacer.stats().p99Ms : NaN),
    close: async () => {
      await caller.close();
      pacer.close();
    },
  };
}

/**
 * CPU and call rate between the first and the last finished call: leaves out module loading,
 * worker start-up and the tail (what the steady state costs, as SIPp's own rate shows it).
 */
export class SteadyWindow {
  private first: { t: number; cpu: number } | null = null;
  private last: { t: number; cpu: number } | null = null;
  private n = 0;

  /** Call on every finished call. */
  mark(): void {
    const c = process.cpuUsage();
    const now = { t: performance.now(), cpu: (c.user + c.system) / 1000 };
    this.first ??= now;
    this.last = now;
    this.n++;
  }

  /** Calls per second and process CPU (% of one core, every thread) over the window. */
  result(): { callsPerSec: number; cpuPercent: number } {
    if (!this.first || !this.last || this.n < 2 || this.last.t <= this.first.t) return { callsPerSec: NaN, cpuPercent: NaN };
    const ms = this.last.t - this.first.t;
    return { callsPerSec: ((this.n - 1) * 1000) / ms, cpuPercent: (100 * (this.last.cpu - this.first.cpu)) / ms };
  }
}

// LOAD_BENCH_DIST=1: workers run the built bundle (npm run build) instead of the sources under tsx.
const DIST = process.env.LOAD_BENCH_DIST === '1' ? join(__dirname, '..', '..', 'dist') : null;
const STARTER_MODULE = DIST ? join(DIST, 'load-caller-start.js') : loadModuleFile('caller-start');
const WORKER_FILE = DIST ? join(DIST, 'load-worker.js') : undefined;

/**
 * A signalling-only load run (media: false, hold 0: no RTP port is bound) on `workers` threads,
 * one Caller each. Same aggregate as a single-loop run.
 */
export function shardedSignallingRun(opts: { target: string; plan: LoadPlan; workers: number; resultsPath: string; onSample: () => void }): Promise<LoadSummary> {
  const template: LoadCallTemplate = { target: opts.target, transport: 'udp', runId: `bench-${process.pid}`, media: false, durationMs: 0, codecs: ['PCMU'] };
  if (opts.workers <= 1) {
    return (async () => {
      const client = await openSipprobe({ target: opts.target, holdMs: 0, media: 'none' });
      try {
        return await runLoad({ target: opts.target, plan: opts.plan, startCall: client.startCall, resultsPath: opts.resultsPath, onSample: opts.onSample });
      } finally {
        await client.close();
      }
    })();
  }
  return runShardedLoad({ target: opts.target, plan: opts.plan, workers: opts.workers, starterModule: STARTER_MODULE, ...(WORKER_FILE ? { workerFile: WORKER_FILE } : {}), template, resultsPath: opts.resultsPath, onSample: opts.onSample });
}

/**
 * A media load run on `workers` threads (one Caller and pacer each, each binding RTP only in its
 * own slice of 10000–20000): every call plays `wav` for `holdMs`. Pacing statistics stay in the
 * workers, so only loss and CPU are known.
 */
export function shardedMediaRun(opts: { target: string; plan: LoadPlan; workers: number; holdMs: number; wav: string; evaluate: boolean; resultsPath: string }): Promise<LoadSummary> {
  const template: LoadCallTemplate = {
    target: opts.target,
    transport: 'udp',
    runId: `bench-${process.pid}`,
    play: opts.wav,
    durationMs: opts.holdMs,
    codecs: ['PCMU'],
    ...(opts.evaluate ? {} : { evaluate: false }),
  };
  return runShardedLoad({ target: opts.target, plan: opts.plan, workers: opts.workers, starterModule: STARTER_MODULE, ...(WORKER_FILE ? { workerFile: WORKER_FILE } : {}), template, resultsPath: opts.resultsPath });
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
