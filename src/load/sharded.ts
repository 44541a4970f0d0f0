import { Worker } from 'node:worker_threads';
import { LoadError } from './errors';
import { loadModuleFile } from './module-files';
import type { LoadCallTemplate } from './caller-start';
import { DEFAULT_LOAD_RTP_PORTS, splitRtpPortRange, type LoadRtpPortRange } from './port-slices';
import { validateLoadPlan, type LoadPlan } from './plan';
import { runLoadWith, type LoadEngine, type LoadEngineSink, type LoadRunCommon } from './run';
import type { LoadLoopDelayData } from './loop-delay';
import type { LoadPacingData } from './pacing';
import type { LoadMainMessage, LoadWorkerData, LoadWorkerMessage } from './shard-protocol';
import type { LoadSummary } from './summary';

/** Options of {@link runShardedLoad}. */
export interface ShardedLoadOptions<T> extends LoadRunCommon {
  /** Worker threads (≥ 1); each runs its own starter (one Caller each). */
  workers: number;
  /** Absolute path of a module exporting `openLoadStarter(template)` ({@link LoadStarterModule}). */
  starterModule: string;
  /** Passed to every worker's `openLoadStarter` (must survive structured clone). */
  template: T;
  /** Worker entry file (default: src/load/worker.ts from sources, dist/load-worker.js when built). */
  workerFile?: string;
  /**
   * RTP port range the workers split into disjoint slices (each starter gets its slice in its
   * {@link LoadShardContext}); null when the calls bind no RTP ports. Default, for a
   * {@link LoadCallTemplate}-shaped template: null with `media: false`, else its `rtpPorts`, else
   * 10000–20000 (a Caller's default).
   */
  rtpPorts?: LoadRtpPortRange | null;
}

/** Splits `n` into `parts` near-equal integers (the first ones get the remainder). */
function share(n: number, parts: number, i: number): number {
  return Math.floor(n / parts) + (i < n % parts ? 1 : 0);
}

const WORKER_FILE = loadModuleFile('worker');

/**
 * Running from TypeScript sources (tsx, tests), the worker file is .ts: the worker first
 * registers tsx's require hook (a dev dependency, present exactly when sources are run).
 */
function startWorker<T>(data: LoadWorkerData<T>, file: string): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, { workerData: data });
  const boot = `require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`;
  return new Worker(boot, { eval: true, workerData: data });
}

class ShardedEngine<T> implements LoadEngine {
  private readonly workers: Worker[] = [];
  private ready = 0;
  private startedCount = 0;
  private active = 0;
  private peak = 0;
  /** Each worker's pacing, from its `done` message. */
  readonly pacing: Array<LoadPacingData | null> = [];
  /** Each worker's event-loop delay, from its `done` message. */
  readonly loopDelay: Array<LoadLoopDelayData | null> = [];

  constructor(
    private readonly options: ShardedLoadOptions<T>,
    private readonly parts: readonly LoadPlan[],
    private readonly slices: readonly LoadRtpPortRange[] | null,
    private readonly sink: LoadEngineSink,
  ) {}

  get started(): number {
    return this.startedCount;
  }

  get activeCount(): number {
    return this.active;
  }

  get peakActive(): number {
    return this.peak;
  }

  run(): Promise<void> {
    const count = this.parts.length;
    const runs: Array<Promise<void>> = [];
    for (let w = 0; w < count; w++) {
      const data: LoadWorkerData<T> = {
        plan: this.parts[w],
        first: w,
        stride: count,
        template: this.options.template,
        shard: this.slices ? { index: w, count, rtpPorts: this.slices[w] } : { index: w, count },
        starterModule: this.options.starterModule,
      };
      const worker = startWorker(data, this.options.workerFile ?? WORKER_FILE);
      this.workers.push(worker);
      runs.push(this.follow(worker, w));
    }
    if (this.stopped) this.broadcast({ type: 'stop' });
    return Promise.all(runs).then(() => undefined);
  }

  private stopped = false;

  stop(): void {
    this.stopped = true;
    this.broadcast({ type: 'stop' });
  }

  pause(): void {
    this.broadcast({ type: 'pause' });
  }

  resume(): void {
    this.broadcast({ type: 'resume' });
  }

  private broadcast(m: LoadMainMessage): void {
    for (const w of this.workers) w.postMessage(m);
  }

  private follow(worker: Worker, w: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let fatal: string | null = null;
      worker.on('message', (m: LoadWorkerMessage) => {
        switch (m.type) {
          case 'ready':
            // every shard built its Caller: start them together
            if (++this.ready === this.workers.length) this.broadcast({ type: 'go' });
            break;
          case 'start':
            this.startedCount++;
            this.active++;
            if (this.active > this.peak) this.peak = this.active;
            this.sink.onStart(m.index);
            break;
          case 'result':
            this.active--;
            this.sink.onFinish(m.index, m.line, m.sample, null);
            break;
          case 'done':
            done = true;
            this.pacing[w] = m.pacing;
            this.loopDelay[w] = m.loopDelay;
            break;
          case 'fatal':
            fatal = m.message;
            break;
        }
      });
      worker.on('error', (err) => {
        fatal ??= err.message;
      });
      worker.on('exit', (code) => {
        if (done) resolve();
        else reject(new LoadError('LOAD_WORKER', `load worker ${w} ended without finishing (exit ${code}${fatal ? `: ${fatal}` : ''})`));
      });
    });
  }
}

/** The plan of each of `count` workers: calls, concurrency and rate split evenly. */
function splitPlan(plan: LoadPlan, count: number): LoadPlan[] {
  return Array.from({ length: count }, (_, w) => ({
    calls: share(plan.calls, count, w),
    concurrency: Math.max(1, share(plan.concurrency, count, w)),
    ratePerSec: plan.ratePerSec === undefined ? undefined : plan.ratePerSec / count,
    rampMs: plan.rampMs,
  }));
}

/** The range to split (see {@link ShardedLoadOptions.rtpPorts}), null for none. */
function rtpRangeOf<T>(options: ShardedLoadOptions<T>): LoadRtpPortRange | null {
  if (options.rtpPorts !== undefined) return options.rtpPorts;
  const t = options.template as Partial<Pick<LoadCallTemplate, 'media' | 'rtpPorts'>> | null;
  if (t === null || typeof t !== 'object') return DEFAULT_LOAD_RTP_PORTS;
  if (t.media === false) return null;
  return t.rtpPorts && typeof t.rtpPorts === 'object' ? t.rtpPorts : DEFAULT_LOAD_RTP_PORTS;
}

/**
 * Like {@link runLoad}, but the calls run on `workers` worker threads, one starter (Caller) each:
 * calls, concurrency and rate are split evenly, and the RTP port range into disjoint slices (so
 * workers never race for a port); results, aggregate, progress and interrupt handling stay in
 * this thread, so the output is the same as a single-loop run (pacing too: each worker's pacer
 * histogram is merged exactly).
 * @throws {@link LoadError} `LOAD_BAD_OPTION` for a bad plan or worker count, or an RTP range too
 *   small for the concurrency (before any worker starts).
 */
export function runShardedLoad<T>(options: ShardedLoadOptions<T>): Promise<LoadSummary> {
  validateLoadPlan(options.plan);
  if (!Number.isSafeInteger(options.workers) || options.workers < 1) throw new LoadError('LOAD_BAD_OPTION', `workers must be an integer ≥ 1, got ${options.workers}`);
  const parts = splitPlan(options.plan, Math.min(options.workers, options.plan.calls));
  const range = rtpRangeOf(options);
  const slices = range ? splitRtpPortRange(range, parts.map((p) => p.concurrency)) : null;
  let engine: ShardedEngine<T> | undefined;
  return runLoadWith(
    options,
    parts.length,
    (sink) => (engine = new ShardedEngine(options, parts, slices, sink)),
    { inWorkers: true, read: () => ({ pacing: engine?.pacing ?? [], loops: engine?.loopDelay ?? [] }) },
  );
}
