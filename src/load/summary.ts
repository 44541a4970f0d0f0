import type { CallOutcome } from '../caller/result';
import type { LoadAggregate, LoadDistribution } from './aggregate';
import type { LoadLoopDelaySummary } from './loop-delay';
import type { LoadPacingSummary } from './pacing';
import type { LoadPlan } from './plan';

/** The aggregate of a load run (`sipprobe load --json`), versioned by `schemaVersion`. */
export interface LoadSummary {
  schemaVersion: 1;
  kind: 'sipprobe-load';
  target: string;
  plan: { calls: number; concurrency: number; ratePerSec: number | null; rampMs: number | null };
  /** The outcome counted as success. */
  expect: CallOutcome;
  /** Stopped early (Ctrl-C / abort): active calls were hung up and the rest not started. */
  interrupted: boolean;
  startedAt: string;
  endedAt: string;
  wallMs: number;
  /** Worker threads the calls ran on (1 = the main event loop). */
  workers: number;
  calls: {
    planned: number;
    started: number;
    finished: number;
    ok: number;
    failed: number;
    notStarted: number;
    peakActive: number;
  };
  /** started / wall time and finished ok / wall time, calls per second. */
  throughput: { startedPerSec: number; okPerSec: number };
  outcomes: Record<CallOutcome, number>;
  /** Count per end reason in the voice-agent test platforms' words (`voicemail`, `silence timed out`, …), most frequent first. */
  endReasons: Record<string, number>;
  /** Final SIP status of the INVITE (`none` = no final response). */
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** INVITE → 200 OK. */
  setupMs: LoadDistribution | null;
  /** INVITE → first 18x. */
  ringingMs: LoadDistribution | null;
  /** ACK → first agent speech. */
  firstWordMs: LoadDistribution | null;
  rtp: { lossPercent: LoadDistribution | null; jitterMs: LoadDistribution | null; mos: LoadDistribution | null };
  /**
   * How accurately the tester itself paced the RTP it sent (every frame of every call, from the
   * pacers the calls used, merged over workers): high deviations or skipped frames mean the
   * tester was overloaded, not the agent or network. Null when no frame was paced (e.g.
   * `media: false`, or starters that report no pacing).
   */
  pacing: LoadPacingSummary | null;
  /**
   * How late the event loops that ran the calls ran their timers (the worst loop's percentiles
   * and the longest delay of any): tens of milliseconds and up mean the tester answered SIP and
   * RTP late, so setup times and loss say more about the tester than the agent. Null when not
   * measured (a test clock, or a run too short for one sample).
   */
  eventLoop: LoadLoopDelaySummary | null;
  /** The JSON-lines file holding every call's full result, one per line. */
  resultsFile: string | null;
  resultsWritten: number;
}

/** Run facts the aggregate does not know. */
export interface LoadRunFacts {
  target: string;
  plan: LoadPlan;
  interrupted: boolean;
  startedAt: Date;
  endedAt: Date;
  wallMs: number;
  workers: number;
  started: number;
  peakActive: number;
  resultsFile: string | null;
  resultsWritten: number;
  /** The run's merged pacing (see {@link LoadSummary.pacing}); null/absent when none. */
  pacing?: LoadPacingSummary | null;
  /** See {@link LoadSummary.eventLoop}; null/absent when not measured. */
  eventLoop?: LoadLoopDelaySummary | null;
}

const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function rounded(d: LoadDistribution | null): LoadDistribution | null {
  if (!d) return null;
  return { count: d.count, min: r3(d.min), mean: r3(d.mean), p50: r3(d.p50), p90: r3(d.p90), p95: r3(d.p95), p99: r3(d.p99), max: r3(d.max) };
}

/** Builds the run's summary from its aggregate. */
export function buildLoadSummary(agg: LoadAggregate, facts: LoadRunFacts): LoadSummary {
  const wallS = Math.max(facts.wallMs, 1) / 1000;
  return {
    schemaVersion: 1,
    kind: 'sipprobe-load',
    target: facts.target,
    plan: {
      calls: facts.plan.calls,
      concurrency: facts.plan.concurrency,
      ratePerSec: facts.plan.ratePerSec ?? null,
      rampMs: facts.plan.rampMs ?? null,
    },
    expect: agg.expect,
    interrupted: facts.interrupted,
    startedAt: facts.startedAt.toISOString(),
    endedAt: facts.endedAt.toISOString(),
    wallMs: Math.round(facts.wallMs),
    workers: facts.workers,
    calls: {
      planned: facts.plan.calls,
      started: facts.started,
      finished: agg.finished,
      ok: agg.ok,
      failed: agg.failed,
      notStarted: facts.plan.calls - facts.started,
      peakActive: facts.peakActive,
    },
    throughput: { startedPerSec: r3(facts.started / wallS), okPerSec: r3(agg.ok / wallS) },
    outcomes: agg.outcomeCounts(),
    endReasons: agg.endReasonCounts(),
    statuses: agg.statusCounts(),
    errors: agg.errorCounts(),
    setupMs: rounded(agg.distribution('setupMs')),
    ringingMs: rounded(agg.distribution('ringingMs')),
    firstWordMs: rounded(agg.distribution('firstWordMs')),
    rtp: {
      lossPercent: rounded(agg.distribution('lossPercent')),
      jitterMs: rounded(agg.distribution('jitterMs')),
      mos: rounded(agg.distribution('mos')),
    },
    pacing: facts.pacing ?? null,
    eventLoop: facts.eventLoop ?? null,
    resultsFile: facts.resultsFile,
    resultsWritten: facts.resultsWritten,
  };
}
