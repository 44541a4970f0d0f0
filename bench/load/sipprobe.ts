/**
 * The sipprobe side of the load benchmark: the same starter `sipprobe load` uses (one Caller with
 * its own pacer per step, or one per worker thread), so the pacing numbers are the run summary's
 * own; and a TestAgent echo in a child process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openLoadCaller, runLoad, runShardedLoad, type LoadCallTemplate, type LoadPlan, type LoadStarter, type LoadStarterModule, type LoadSummary } from '../../src/load';
import { loadModuleFile } from '../../src/load/module-files';

/** What a benchmark step's calls do. */
export interface BenchCalls {
  target: string;
  holdMs: number;
  /** `none` is the Caller's `media: false` (SDP offer/answer, no RTP); `tone` plays `wav` for the hold. */
  media: 'none' | 'tone';
  wav?: string;
  /** False keeps no call audio in memory (no turn metrics / MOS). */
  evaluate?: boolean;
}

// LOAD_BENCH_DIST=1 (what `npm run bench:load` sets, after building): the calls run on the built
// bundle, as users get it, instead of the sources under tsx — whose name-keeping transform gives
// every named closure its own property array (6–10 KiB more per call).
const DIST = process.env.LOAD_BENCH_DIST === '1' ? join(__dirname, '..', '..', 'dist') : null;
const STARTER_MODULE = DIST ? join(DIST, 'load-caller-start.js') : loadModuleFile('caller-start');
const WORKER_FILE = DIST ? join(DIST, 'load-worker.js') : undefined;
const distLoad = DIST ? (require(join(DIST, 'index.js')) as { runLoad: typeof runLoad }) : null;
const distStarter = DIST ? (require(STARTER_MODULE) as LoadStarterModule<LoadCallTemplate>) : null;

/** The load template of a step: G.711 µ-law, the hold, and either no media or the tone. */
export function benchTemplate(o: BenchCalls): LoadCallTemplate {
  return {
    target: o.target,
    transport: 'udp',
    runId: `bench-${process.pid}`,
    codecs: ['PCMU'],
    durationMs: o.holdMs,
    ...(o.media === 'tone' ? { play: o.wav } : { media: false }),
    ...(o.evaluate === false ? { evaluate: false } : {}),
    // LOAD_BENCH_SIP_THREAD=0: the SIP socket in the calls' own event loop, as before the SIP thread
    ...(process.env.LOAD_BENCH_SIP_THREAD === '0' ? { sipThread: false } : {}),
  };
}

/**
 * A Caller prepared for one benchmark step (its own pacer: `pacing()` covers this step's frames
 * only). Pass `pacing` on to {@link runLoad} for the summary's pacing.
 */
export function openSipprobe(o: BenchCalls): Promise<LoadStarter> {
  return distStarter ? distStarter.openLoadStarter(benchTemplate(o)) : openLoadCaller(benchTemplate(o));
}

/** A single-loop run on `client`, its summary carrying the client's pacing. */
export function clientRun(client: LoadStarter, o: { target: string; plan: LoadPlan; resultsPath?: string; onSample?: () => void }): Promise<LoadSummary> {
  return (distLoad?.runLoad ?? runLoad)({
    target: o.target,
    plan: o.plan,
    startCall: client.startCall,
    pacing: () => client.pacing?.() ?? null,
    ...(o.resultsPath ? { resultsPath: o.resultsPath } : {}),
    ...(o.onSample ? { onSample: o.onSample } : {}),
  });
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

/**
 * A signalling-only load run (media: false, hold 0: no RTP port is bound) on `workers` threads,
 * one Caller each. Same aggregate as a single-loop run.
 */
export function shardedSignallingRun(opts: { target: string; plan: LoadPlan; workers: number; resultsPath: string; onSample: () => void }): Promise<LoadSummary> {
  const calls: BenchCalls = { target: opts.target, holdMs: 0, media: 'none' };
  const template = benchTemplate(calls);
  if (opts.workers <= 1) {
    return (async () => {
      const client = await openSipprobe(calls);
      try {
        return await clientRun(client, { target: opts.target, plan: opts.plan, resultsPath: opts.resultsPath, onSample: opts.onSample });
      } finally {
        await client.close();
      }
    })();
  }
  return runShardedLoad({ target: opts.target, plan: opts.plan, workers: opts.workers, starterModule: STARTER_MODULE, ...(WORKER_FILE ? { workerFile: WORKER_FILE } : {}), template, resultsPath: opts.resultsPath, onSample: opts.onSample });
}

/**
 * A media load run on `workers` threads (one Caller and pacer each, each binding RTP only in its
 * own slice of 10000–20000): every call plays `wav` for `holdMs`. The summary's pacing merges
 * every worker's pacer.
 */
export function shardedMediaRun(opts: { target: string; plan: LoadPlan; workers: number; holdMs: number; wav: string; evaluate: boolean; resultsPath: string }): Promise<LoadSummary> {
  const template = benchTemplate({ target: opts.target, holdMs: opts.holdMs, media: 'tone', wav: opts.wav, evaluate: opts.evaluate });
  return runShardedLoad({ target: opts.target, plan: opts.plan, workers: opts.workers, starterModule: STARTER_MODULE, ...(WORKER_FILE ? { workerFile: WORKER_FILE } : {}), template, resultsPath: opts.resultsPath });
}

/** Starts bench/load/agent-child.ts (TestAgent, echo) in its own process. */
export async function startAgentChild(): Promise<{ uri: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'agent-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] }); // stdin: the child exits when it closes
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
