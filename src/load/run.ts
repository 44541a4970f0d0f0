import type { CallOutcome, CallResult } from '../caller/result';
import { systemClock, type Clock } from '../clock';
import { LoadAggregate } from './aggregate';
import { startFailureResult } from './failure-result';
import { JsonLinesWriter, resultLine } from './jsonl';
import { LoopDelayMonitor, worstLoopDelay, type LoadLoopDelayData } from './loop-delay';
import { mergeLoadPacing, type LoadPacingData } from './pacing';
import type { LoadPlan } from './plan';
import { ProgressDisplay, RateWindow, type LoadProgress } from './progress';
import { sampleOfResult, type CallSample } from './sample';
import { LoadScheduler, type StartCall } from './scheduler';
import { buildLoadSummary, type LoadSummary } from './summary';

/** Options of {@link runLoad}. */
export interface RunLoadOptions {
  /** The target URI (for the summary and for results of calls that failed to start). */
  target: string;
  transport?: CallResult['transport'];
  plan: LoadPlan;
  /** Places one call; see {@link StartCall}. */
  startCall: StartCall;
  /** JSON-lines file for every call's full result; none when null/absent. */
  resultsPath?: string | null;
  /** The outcome that counts as success (default `completed`). */
  expect?: CallOutcome;
  /** A `completed` call that reached an answering machine still counts as ok (default false: it fails an expected `completed`). */
  allowVoicemail?: boolean;
  /** Aborting stops new calls, hangs up the active ones, and still resolves with everything. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Live progress (TTY line or plain periodic lines); none when absent. */
  progress?: { stream: NodeJS.WritableStream & { isTTY?: boolean }; ttyIntervalMs?: number; plainIntervalMs?: number };
  /** Each finished call, after its line was queued (e.g. to stream JUnit). Must not throw. */
  onResult?: (index: number, result: CallResult) => void;
  /** Each finished call's aggregate sample (cheap: with workers, no result is parsed for it). Must not throw. */
  onSample?: (index: number, sample: CallSample) => void;
  /**
   * Reads the pacing of the starter behind `startCall` (its `LoadStarter.pacing`), once
   * every call has finished, for {@link LoadSummary.pacing}. Its pacer should be this run's
   * alone, or earlier frames count too.
   */
  pacing?: () => LoadPacingData | null;
}

/** Where calls run: the local scheduler or a set of worker threads. Same surface for both. */
export interface LoadEngine {
  run(): Promise<void>;
  stop(reason?: unknown): void;
  pause(): void;
  resume(): void;
  readonly started: number;
  readonly activeCount: number;
  readonly peakActive: number;
}

/** Callbacks an engine reports to. */
export interface LoadEngineSink {
  onStart(index: number): void;
  /** A finished call as its JSON line and aggregate sample (and the result itself when local). */
  onFinish(index: number, line: string, sample: CallSample, result: CallResult | null): void;
}

/** Options shared by {@link runLoad} and the sharded runner. */
export type LoadRunCommon = Omit<RunLoadOptions, 'startCall' | 'onResult' | 'pacing'> & { onResult?: (index: number, result: CallResult) => void };

/**
 * Runs a load plan: schedules the calls, streams each result to the JSON-lines file as it
 * finishes, keeps only counters and sketches in memory, shows progress, and resolves with the
 * aggregate. Interrupting (the signal) loses nothing: active calls hang up and are recorded.
 * Rejects with {@link LoadError} `LOAD_BAD_PACING` when `pacing` gives data that is not valid
 * (only after every result was written).
 */
export function runLoad(options: RunLoadOptions): Promise<LoadSummary> {
  const { pacing } = options;
  return runLoadWith(
    options,
    1,
    (sink, clock) =>
      new LoadScheduler(options.plan, options.startCall, {
        clock,
        onStart: (i) => sink.onStart(i),
        onStartError: (_i, err) => startFailureResult(options.target, options.transport ?? 'udp', err),
        onFinish: (i, result) => sink.onFinish(i, resultLine(result), sampleOfResult(result), result),
      }),
    { inWorkers: false, read: () => ({ pacing: pacing ? [pacing()] : [] }) },
  );
}

/** Where a run's calls run, and what those threads measured (read once the engine's run is over). */
export interface LoadThreads {
  /** Worker threads, which measure their own loops; false: this thread, which {@link runLoadWith} measures. */
  inWorkers: boolean;
  read(): {
    /** Each starter's pacing. */
    pacing: ReadonlyArray<LoadPacingData | null | undefined>;
    /** Each worker loop's delay (with `inWorkers`). */
    loops?: ReadonlyArray<LoadLoopDelayData | null | undefined>;
  };
}

/**
 * The engine-independent part of a load run (aggregate, results file, progress, interrupt).
 * `threads.read()`, called once the engine's run is over, gives the pacing of every starter
 * (merged into {@link LoadSummary.pacing}) and the delay of the loops that ran the calls
 * ({@link LoadSummary.eventLoop}; this thread's is measured here when the calls run on it).
 */
export async function runLoadWith(
  options: LoadRunCommon,
  workers: number,
  makeEngine: (sink: LoadEngineSink, clock: Clock) => LoadEngine,
  threads: LoadThreads,
): Promise<LoadSummary> {
  const clock = options.clock ?? systemClock;
  const aggregate = new LoadAggregate(options.expect ?? 'completed', options.allowVoicemail ?? false);
  const writer = options.resultsPath ? await JsonLinesWriter.open(options.resultsPath) : null;
  const starts = new RateWindow(clock);
  let stopping = false;
  const startedAt = new Date();
  const t0 = clock.now();

  const engine: LoadEngine = makeEngine(
    {
      onStart: () => starts.add(),
      onFinish: (index, line, sample, result) => {
        aggregate.record(sample);
        if (options.onSample) options.onSample(index, sample);
        if (writer) {
          writer.writeLine(line);
          if (writer.needsDrain && !stopping) {
            engine.pause();
            void writer.drained().then(() => engine.resume());
          }
        }
        if (options.onResult) options.onResult(index, result ?? (JSON.parse(line) as CallResult));
      },
    },
    clock,
  );

  const read = (): LoadProgress => ({
    planned: options.plan.calls,
    started: engine.started,
    active: engine.activeCount,
    ok: aggregate.ok,
    failed: aggregate.failed,
    callsPerSec: starts.perSecond(),
    setupP50Ms: aggregate.sketch('setupMs').quantile(0.5),
    elapsedMs: clock.now() - t0,
    stopping,
  });
  const display = options.progress ? new ProgressDisplay({ ...options.progress, read, clock }) : null;

  const onAbort = (): void => {
    stopping = true;
    engine.resume();
    engine.stop(options.signal?.reason);
    display?.refresh();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // Only on real time: the monitor samples the real loop, whatever a test's clock says.
  const ownLoop = !threads.inWorkers && clock === systemClock ? new LoopDelayMonitor() : null;
  display?.start();
  try {
    // Aborted before the start: stop first, so run() starts nothing.
    if (options.signal?.aborted) onAbort();
    await engine.run();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    display?.stop();
    ownLoop?.stop();
  }
  if (writer) await writer.close();
  const wallMs = clock.now() - t0;
  // After the results file is closed: bad pacing data from a custom starter loses no result.
  const measured = threads.read();
  const pacing = mergeLoadPacing(measured.pacing);
  const eventLoop = worstLoopDelay(threads.inWorkers ? (measured.loops ?? []) : [ownLoop?.stop()]);
  return buildLoadSummary(aggregate, {
    target: options.target,
    plan: options.plan,
    interrupted: stopping,
    startedAt,
    endedAt: new Date(),
    wallMs,
    workers,
    started: engine.started,
    peakActive: engine.peakActive,
    resultsFile: writer?.path ?? null,
    resultsWritten: writer?.lines ?? 0,
    pacing,
    eventLoop,
  });
}
