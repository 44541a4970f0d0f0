import type { CallResult } from '../caller/result';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { dueTimeMs, rampedConcurrency, validateLoadPlan, type LoadPlan } from './plan';

/**
 * Starts call number `index` (0-based). The signal aborts when the run is interrupted: the call
 * must then hang up (CANCEL/BYE) and still resolve with its result. The load runner treats a
 * rejection as an `error` result, but a well-behaved implementation never rejects.
 */
export type StartCall = (index: number, signal: AbortSignal) => Promise<CallResult>;

/** Callbacks and clock of a {@link LoadScheduler}. */
export interface LoadSchedulerOptions {
  clock?: Clock;
  /** A call was started. */
  onStart?: (index: number) => void;
  /** A call finished (or its start failed and `onStartError` turned that into a result). */
  onFinish: (index: number, result: CallResult) => void;
  /** Turns a thrown/rejected start into a result, so no call is lost from the record. */
  onStartError: (index: number, error: unknown) => CallResult;
}

/**
 * Starts `plan.calls` calls, never more than the (possibly ramping) concurrency at once, never
 * faster than the (possibly ramping) rate. A start that is held back by the concurrency limit
 * shifts the rest of the rate schedule instead of being made up later in a burst; a timer that
 * fires late does start every call already due (the lag is the timer's, not the plan's).
 */
export class LoadScheduler {
  private readonly clock: Clock;
  private readonly plan: LoadPlan;
  private readonly active = new Map<number, AbortController>();
  private t0 = 0;
  private next = 0;
  private lagMs = 0;
  private finishedCount = 0;
  private peak = 0;
  private stopped = false;
  private paused = false;
  private timer: TimerHandle | null = null;
  private running = false;
  private resolveRun: (() => void) | null = null;

  constructor(
    plan: LoadPlan,
    private readonly startCall: StartCall,
    private readonly options: LoadSchedulerOptions,
  ) {
    this.plan = validateLoadPlan({ ...plan });
    this.clock = options.clock ?? systemClock;
  }

  /** Calls started so far. */
  get started(): number {
    return this.next;
  }

  /** Calls in progress. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Calls finished. */
  get finished(): number {
    return this.finishedCount;
  }

  /** Most calls that were in progress at once. */
  get peakActive(): number {
    return this.peak;
  }

  /** Whether {@link stop} was called. */
  get interrupted(): boolean {
    return this.stopped && this.next < this.plan.calls;
  }

  /** Runs the plan; resolves when no call is active and none will start. */
  run(): Promise<void> {
    if (this.running) throw new Error('LoadScheduler.run() called twice');
    this.running = true;
    this.t0 = this.clock.now();
    return new Promise<void>((resolve) => {
      this.resolveRun = resolve;
      this.pump();
    });
  }

  /** Starts nothing more and aborts every active call (they hang up and still report). */
  stop(reason: unknown = new Error('load run interrupted')): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    for (const c of [...this.active.values()]) c.abort(reason);
    this.maybeDone();
  }

  /** Holds new starts (e.g. while the results file catches up); active calls go on. */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  /** Undoes {@link pause}. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.shiftOverdue();
    if (this.running) this.pump();
  }

  private elapsed(): number {
    return this.clock.now() - this.t0;
  }

  private limit(t: number): number {
    return this.plan.ratePerSec === undefined ? rampedConcurrency(t, this.plan.concurrency, this.plan.rampMs) : this.plan.concurrency;
  }

  private pump(): void {
    if (this.stopped || this.paused || !this.running) return this.maybeDone();
    this.clearTimer();
    const rate = this.plan.ratePerSec;
    while (this.next < this.plan.calls) {
      const t = this.elapsed();
      const limit = this.limit(t);
      if (this.active.size >= limit) {
        // A concurrency ramp raises the limit with time alone: wake up for it.
        if (rate === undefined && limit < this.plan.concurrency && this.plan.rampMs) {
          // +1 µs: at the exact boundary ⌈C·t/ramp⌉ still equals the old limit.
          this.arm((limit * this.plan.rampMs) / this.plan.concurrency - t + 1e-3);
        }
        break;
      }
      if (rate !== undefined) {
        const due = dueTimeMs(this.next, rate, this.plan.rampMs) + this.lagMs;
        // Within 1 µs counts as due: float rounding must not re-arm a zero-length timer forever.
        if (due - t > 1e-3) {
          this.arm(due - t);
          break;
        }
      }
      this.startOne();
      if (this.stopped || this.paused) break;
    }
    this.maybeDone();
  }

  private startOne(): void {
    const index = this.next++;
    const controller = new AbortController();
    this.active.set(index, controller);
    if (this.active.size > this.peak) this.peak = this.active.size;
    this.options.onStart?.(index);
    let p: Promise<CallResult>;
    try {
      p = this.startCall(index, controller.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (r) => this.finish(index, r),
      (err) => this.finish(index, this.options.onStartError(index, err)),
    );
  }

  private finish(index: number, result: CallResult): void {
    if (!this.active.delete(index)) return;
    // A slot freed after the next start was due: that start was held back by concurrency.
    if (this.active.size + 1 >= this.plan.concurrency) this.shiftOverdue();
    this.finishedCount++;
    try {
      this.options.onFinish(index, result);
    } finally {
      this.pump();
    }
  }

  // A start held back (full or paused) moves the rest of the rate schedule instead of being
  // made up later in a burst.
  private shiftOverdue(): void {
    const rate = this.plan.ratePerSec;
    if (rate === undefined || this.stopped || this.next >= this.plan.calls) return;
    const t = this.elapsed();
    const due = dueTimeMs(this.next, rate, this.plan.rampMs) + this.lagMs;
    if (due < t) this.lagMs += t - due;
  }

  private arm(ms: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, ms));
  }

  private clearTimer(): void {
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private maybeDone(): void {
    if (!this.resolveRun || this.active.size > 0) return;
    if (this.next < this.plan.calls && !this.stopped) return;
    this.clearTimer();
    const r = this.resolveRun;
    this.resolveRun = null;
    r();
  }
}
