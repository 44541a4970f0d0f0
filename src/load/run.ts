import type { CallOutcome, CallResult } from '../caller/result';
import { systemClock, type Clock } from '../clock';
import { LoadAggregate } from './aggregate';
import { startFailureResult } from './failure-result';
import { JsonLinesWriter, resultLine } from './jsonl';
import type { LoadPlan } from './plan';
import { ProgressDisplay, RateWindow, type LoadProgress } from './progress';
import { sampleOfResult } from './sample';
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
  /** Aborting stops new calls, hangs up the active ones, and still resolves with everything. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Live progress (TTY line or plain periodic lines); none when absent. */
  progress?: { stream: NodeJS.WritableStream & { isTTY?: boolean }; ttyIntervalMs?: number; plainIntervalMs?: number };
  /** Each finished call, after its line was queued (e.g. to stream JUnit). Must not throw. */
  onResult?: (index: number, result: CallResult) => void;
}

/**
 * Runs a load plan: schedules the calls, streams each result to the JSON-lines file as it
 * finishes, keeps only counters and sketches in memory, shows progress, and resolves with the
 * aggregate. Interrupting (the signal) loses nothing: active calls hang up and are recorded.
 */
export async function runLoad(options: RunLoadOptions): Promise<LoadSummary> {
  const clock = options.clock ?? systemClock;
  const aggregate = new LoadAggregate(options.expect ?? 'completed');
  const writer = options.resultsPath ? await JsonLinesWriter.open(options.resultsPath) : null;
  const starts = new RateWindow(clock);
  let stopping = false;
  const startedAt = new Date();
  const t0 = clock.now();

  const scheduler: LoadScheduler = new LoadScheduler(options.plan, options.startCall, {
    clock,
    onStart: () => starts.add(),
    onStartError: (_i, err) => startFailureResult(options.target, options.transport ?? 'udp', err),
    onFinish: (index, result) => {
      aggregate.record(sampleOfResult(result));
      if (writer) {
        writer.writeLine(resultLine(result));
        if (writer.needsDrain && !stopping) {
          scheduler.pause();
          void writer.drained().then(() => scheduler.resume());
        }
      }
      options.onResult?.(index, result);
    },
  });

  const read = (): LoadProgress => ({
    planned: options.plan.calls,
    started: scheduler.started,
    active: scheduler.activeCount,
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
    scheduler.resume();
    scheduler.stop(options.signal?.reason);
    display?.refresh();
  };
  if (options.signal?.aborted) stopping = true;
  options.signal?.addEventListener('abort', onAbort, { once: true });

  display?.start();
  try {
    if (stopping) scheduler.stop(options.signal?.reason);
    else await scheduler.run();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    display?.stop();
  }
  // Even if closing the file fails, the aggregate is returned to the caller via the error path.
  if (writer) await writer.close();
  const wallMs = clock.now() - t0;
  return buildLoadSummary(aggregate, {
    target: options.target,
    plan: options.plan,
    interrupted: stopping,
    startedAt,
    endedAt: new Date(),
    wallMs,
    workers: 1,
    started: scheduler.started,
    peakActive: scheduler.peakActive,
    resultsFile: writer?.path ?? null,
    resultsWritten: writer?.lines ?? 0,
  });
}
