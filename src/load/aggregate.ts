import type { CallOutcome } from '../caller/result';
import { failsOnVoicemail } from '../report/junit';
import type { CallSample } from './sample';
import { QuantileSketch, type QuantileSketchState } from './sketch';

/** Every outcome, in the order the summary lists them. */
export const LOAD_OUTCOMES: readonly CallOutcome[] = ['completed', 'busy', 'rejected', 'no-answer', 'timeout', 'auth-failed', 'unreachable', 'error'];

/** Percentile summary of one measured quantity (ms, %, or MOS). */
export interface LoadDistribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Which quantities the aggregate keeps a sketch of. */
export type LoadMetricName = 'setupMs' | 'ringingMs' | 'firstWordMs' | 'lossPercent' | 'jitterMs' | 'mos';
const METRICS: readonly LoadMetricName[] = ['setupMs', 'ringingMs', 'firstWordMs', 'lossPercent', 'jitterMs', 'mos'];

// Status codes and error codes come from the network or the stack: cap the distinct keys so a
// hostile peer cannot grow the aggregate without bound.
const MAX_KEYS = 64;

/** Serialised {@link LoadAggregate} (what a worker sends to the main thread). */
export interface LoadAggregateState {
  finished: number;
  ok: number;
  outcomes: Record<string, number>;
  endReasons: Record<string, number>;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  sketches: Record<LoadMetricName, QuantileSketchState>;
}

/**
 * Counters and fixed-size sketches over finished calls: memory does not grow with the number of
 * calls. A call is "ok" when its outcome is the expected one (default `completed`).
 */
export class LoadAggregate {
  private finishedCount = 0;
  private okCount = 0;
  private readonly outcomes = new Map<string, number>();
  private readonly endReasons = new Map<string, number>();
  private readonly statuses = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly sketches: Record<LoadMetricName, QuantileSketch>;

  /**
   * @param expect the outcome that counts as ok
   * @param allowVoicemail whether a `completed` call that reached an answering machine is ok when
   *   `completed` is expected (default false, as in `judgeCall`)
   */
  constructor(
    readonly expect: CallOutcome = 'completed',
    readonly allowVoicemail = false,
  ) {
    this.sketches = {} as Record<LoadMetricName, QuantileSketch>;
    for (const m of METRICS) this.sketches[m] = new QuantileSketch();
  }

  /** Adds one finished call. */
  record(s: CallSample): void {
    this.finishedCount++;
    if (s.outcome === this.expect && !failsOnVoicemail(s.outcome, s.voicemail, this.expect, this.allowVoicemail)) this.okCount++;
    bump(this.outcomes, s.outcome);
    bump(this.endReasons, s.endReason);
    bump(this.statuses, s.status === null ? 'none' : String(s.status));
    if (s.errorCode !== null) bump(this.errors, s.errorCode);
    for (const m of METRICS) {
      const v = s[m];
      if (v !== null) this.sketches[m].record(v);
    }
  }

  /** Calls recorded so far. */
  get finished(): number {
    return this.finishedCount;
  }

  /** Calls with the expected outcome. */
  get ok(): number {
    return this.okCount;
  }

  /** Calls with any other outcome. */
  get failed(): number {
    return this.finishedCount - this.okCount;
  }

  /** A live view of one metric's sketch (read only). */
  sketch(name: LoadMetricName): QuantileSketch {
    return this.sketches[name];
  }

  /** Count per outcome, every outcome present (0 when none). */
  outcomeCounts(): Record<CallOutcome, number> {
    const out = {} as Record<CallOutcome, number>;
    for (const o of LOAD_OUTCOMES) out[o] = this.outcomes.get(o) ?? 0;
    return out;
  }

  /** Count per end reason, most frequent first (at most 64 reasons, then `other`). */
  endReasonCounts(): Record<string, number> {
    return Object.fromEntries([...this.endReasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  }

  /** Count per final SIP status (`none` = no final response), sorted by status. */
  statusCounts(): Record<string, number> {
    return sortedObject(this.statuses);
  }

  /** Count per error code, sorted by code. */
  errorCounts(): Record<string, number> {
    return sortedObject(this.errors);
  }

  /** Percentiles of one metric; null when no call measured it. */
  distribution(name: LoadMetricName): LoadDistribution | null {
    const s = this.sketches[name];
    if (s.count === 0) return null;
    return {
      count: s.count,
      min: s.min,
      mean: s.mean,
      p50: s.quantile(0.5),
      p90: s.quantile(0.9),
      p95: s.quantile(0.95),
      p99: s.quantile(0.99),
      max: s.max,
    };
  }

  /** Adds everything `other` recorded (e.g. a worker's share). */
  merge(other: LoadAggregate): void {
    this.mergeState(other.toState());
  }

  /** Adds a serialised aggregate. */
  mergeState(s: LoadAggregateState): void {
    this.finishedCount += s.finished;
    this.okCount += s.ok;
    for (const [k, v] of Object.entries(s.outcomes)) bump(this.outcomes, k, v);
    for (const [k, v] of Object.entries(s.endReasons)) bump(this.endReasons, k, v);
    for (const [k, v] of Object.entries(s.statuses)) bump(this.statuses, k, v);
    for (const [k, v] of Object.entries(s.errors)) bump(this.errors, k, v);
    for (const m of METRICS) if (s.sketches[m]) this.sketches[m].merge(QuantileSketch.fromState(s.sketches[m]));
  }

  /** Serialises the aggregate. */
  toState(): LoadAggregateState {
    const sketches = {} as Record<LoadMetricName, QuantileSketchState>;
    for (const m of METRICS) sketches[m] = this.sketches[m].toState();
    return {
      finished: this.finishedCount,
      ok: this.okCount,
      outcomes: Object.fromEntries(this.outcomes),
      endReasons: Object.fromEntries(this.endReasons),
      statuses: Object.fromEntries(this.statuses),
      errors: Object.fromEntries(this.errors),
      sketches,
    };
  }
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  const cur = map.get(key);
  if (cur !== undefined) map.set(key, cur + by);
  else if (map.size < MAX_KEYS) map.set(key, by);
  else map.set('other', (map.get('other') ?? 0) + by);
}

function sortedObject(map: Map<string, number>): Record<string, number> {
  const keys = [...map.keys()].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    if (Number.isFinite(na)) return -1;
    if (Number.isFinite(nb)) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  // fromEntries defines own properties, so a key like `__proto__` stays a plain key.
  return Object.fromEntries(keys.map((k) => [k, map.get(k)!]));
}
