import { Clock, TimerHandle, systemClock } from '../clock';
import { SipprobeError } from '../errors';
import { DeadlineHeap, HeapEntry } from './pacer-heap';
import { PacingHistogram, type PacingHistogramData } from './pacer-histogram';

export { PacingHistogram, PacingHistogramDataError, PACING_HISTOGRAM_LAYOUT } from './pacer-histogram';
export type { PacingHistogramData } from './pacer-histogram';

/** Thrown for invalid pacer or stream options (`code` `PACER_BAD_OPTION`). */
export class PacerOptionError extends SipprobeError {
  constructor(message: string) {
    super('PACER_BAD_OPTION', message);
  }
}

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /** Time source; defaults to the monotonic {@link systemClock}. */
  clock?: Clock;
  /**
   * After an event-loop stall, how many overdue frames per stream are still delivered back to
   * back (besides the current one). Older overdue frames are skipped and counted. Default 2.
   */
  maxCatchUpFrames?: number;
  /** A delivered frame whose deviation exceeds this (ms) counts as late. Default 2. */
  lateThresholdMs?: number;
  /**
   * A frame due within this many ms is delivered now rather than after one more timer round
   * trip: Node timers have 1 ms granularity and fire 0–1.5 ms late, so aiming the single timer
   * this much early centres the real send time on the schedule instead of always lagging it.
   * Default 1 with the system clock, 0 with any other clock (a FakeClock sees exact deadlines).
   */
  earlyMs?: number;
  /**
   * A deadline at most this close (ms) is waited for by a synchronous spin (precise, but it holds
   * the event loop), with at most this much spinning per wake-up. Default 0 (measured in
   * bench/pacer.bench.ts: spinning buys little once `earlyMs` is set, and costs CPU).
   */
  spinMs?: number;
  /** `unref` the pacer's timer so that it alone does not keep the process alive. Default false. */
  unref?: boolean;
  /** Called when a stream's `onTick` or `afterTick` throws; the pacer keeps going. */
  onError?: (error: unknown, stream: PacedStream) => void;
}

/** Options of one stream registered with {@link Pacer.add}. */
export interface PacedStreamOptions {
  /** Frame duration in ms (20 for the usual RTP ptime). */
  ptimeMs: number;
  /**
   * Called once per frame: `frameIndex` counts from 0 at `startAt`; `scheduledTime` is
   * `startAt + frameIndex × ptimeMs` on the pacer's clock. Ticks come whether or not the stream
   * has audio — the stream decides what to send (silence keeps RTP flowing). Indices skipped after
   * a stall never arrive, so a stream derives its RTP timestamp from `frameIndex`.
   */
  onTick: (frameIndex: number, scheduledTime: number) => void;
  /**
   * The part of a frame's work that need not precede other streams' packets (decoding what
   * arrived, analysis, events). It runs once after each `onTick`, when every frame due in the
   * same pass has been handed to its `onTick` — so one stream's analysis never delays another
   * stream's packet — and always before this stream's next `onTick` (also when the stream was
   * removed in between). Pacing deviations are measured at `onTick` only.
   */
  afterTick?: (frameIndex: number, scheduledTime: number) => void;
  /** Clock time of frame 0; default: now (frame 0 is due at once). */
  startAt?: number;
  /**
   * Keep this stream's own deviation histogram (6 KiB) for per-stream percentiles. Default
   * true; false for streams that only read counters (the pacer's totals still see every frame).
   */
  histogram?: boolean;
}

/** Counters of one paced stream. Deviations are |real tick time − scheduled time|, in ms. */
export interface PacedStreamStats {
  /** Frames handed to `onTick`. */
  sent: number;
  /** Frames skipped after stalls (never handed to `onTick`). */
  skipped: number;
  /** Delivered frames whose deviation exceeded `lateThresholdMs`. */
  late: number;
  /** Delivered frames handed over before their scheduled time (within `earlyMs`). */
  early: number;
  /** `onTick` and `afterTick` calls that threw. */
  errors: number;
  /** Median deviation (ms, bucket upper edge); NaN without a per-stream histogram. */
  p50Ms: number;
  /** 99th percentile deviation (ms, bucket upper edge); NaN without a per-stream histogram. */
  p99Ms: number;
  /** Largest deviation (ms, exact). */
  maxMs: number;
  /** Mean deviation (ms). */
  meanMs: number;
}

/** A stream registered with a {@link Pacer}. */
export interface PacedStream {
  /** Frame duration in ms. */
  readonly ptimeMs: number;
  /** Clock time of frame 0. */
  readonly startAt: number;
  /** Index of the next frame to be delivered. */
  readonly nextFrameIndex: number;
  /** False once removed. */
  readonly active: boolean;
  /** Deviation histogram of every delivered frame (null when the stream was added with `histogram: false`). */
  readonly histogram: PacingHistogram | null;
  /** Snapshot of the counters and deviation percentiles. */
  stats(): PacedStreamStats;
  /** Stops ticking this stream (safe inside its own `onTick`, idempotent). */
  remove(): void;
}

class StreamEntry implements HeapEntry, PacedStream {
  deadline: number;
  heapIndex = -1;
  nextFrameIndex = 0;
  active = true;
  sent = 0;
  skipped = 0;
  late = 0;
  early = 0;
  errors = 0;
  maxDeviation = 0;
  totalDeviation = 0;
  /** Frame index whose `afterTick` is still to run (-1: none). */
  afterIndex = -1;
  afterScheduled = 0;
  readonly histogram: PacingHistogram | null;

  constructor(
    private readonly detach: (s: StreamEntry) => void,
    readonly seq: number,
    readonly ptimeMs: number,
    readonly startAt: number,
    readonly onTick: (frameIndex: number, scheduledTime: number) => void,
    readonly afterTick: ((frameIndex: number, scheduledTime: number) => void) | undefined,
    histogram: boolean,
  ) {
    this.deadline = startAt;
    this.histogram = histogram ? new PacingHistogram() : null;
  }

  stats(): PacedStreamStats {
    const h = this.histogram;
    return {
      sent: this.sent,
      skipped: this.skipped,
      late: this.late,
      early: this.early,
      errors: this.errors,
      p50Ms: h ? h.quantile(0.5) : NaN,
      p99Ms: h ? h.quantile(0.99) : NaN,
      maxMs: this.maxDeviation,
      meanMs: this.sent > 0 ? this.totalDeviation / this.sent : 0,
    };
  }

  remove(): void {
    this.detach(this);
  }
}

/** Totals over every stream a {@link Pacer} has delivered frames for, including removed ones. */
export interface PacerStats {
  /** Streams currently registered. */
  streams: number;
  /** Frames handed to `onTick` (all streams). */
  sent: number;
  /** Frames skipped after stalls. */
  skipped: number;
  /** Frames delivered more than `lateThresholdMs` late. */
  late: number;
  /** Frames delivered before their scheduled time (within `earlyMs`). */
  early: number;
  /** `onTick` and `afterTick` calls that threw. */
  errors: number;
  /** Timer wake-ups so far (a cost indicator). */
  wakeups: number;
  /** Median |deviation| in ms. */
  p50Ms: number;
  /** 99th percentile |deviation| in ms. */
  p99Ms: number;
  /** Largest |deviation| in ms. */
  maxMs: number;
}

/**
 * One drift-free scheduler for every media stream of the process (create one, or use
 * {@link sharedPacer}). Frame n of a stream is due at `startAt + n × ptimeMs` — computed, never
 * accumulated, so there is no drift — and a single timer serves all streams. Node timers have
 * 1 ms granularity and fire up to ~1.5 ms late, so the timer aims `earlyMs` before the earliest
 * deadline and each wake-up hands over every frame due within that window (optionally spinning
 * up to `spinMs` for an exact hit); the real send time is thereby centred on the schedule
 * instead of always lagging it, without a busy loop. A busy loop runs its timers only between
 * turns that may each read hundreds of datagrams, so I/O callbacks call {@link Pacer.poll} to hand
 * over frames that fell due meanwhile. A stream's work that need not be on time (`afterTick`)
 * runs once the frames due have been handed over, so with hundreds of streams the last packet of
 * a pass is not held up by every other stream's decoding and analysis. After a stall, each stream
 * delivers at most `maxCatchUpFrames` overdue frames and skips (and counts) the rest rather than
 * flooding, and a pass yields to the event loop after 10 ms even while frames are still due.
 * With no streams left the timer is cleared, so an idle pacer holds no handle.
 */
export class Pacer {
  private readonly clock: Clock;
  private readonly maxCatchUp: number;
  private readonly lateThreshold: number;
  private readonly early: number;
  private readonly spinMs: number;
  private readonly unref: boolean;
  private readonly onError?: (error: unknown, stream: PacedStream) => void;
  private readonly heap = new DeadlineHeap<StreamEntry>();
  /**
   * Streams whose `afterTick` is due once the frames due now are out: `pending[pendingHead,
   * pendingLen)`. The array is reused, never truncated (truncating frees its storage, and the
   * next pass would allocate it again).
   */
  private readonly pending: (StreamEntry | null)[] = [];
  private pendingHead = 0;
  private pendingLen = 0;
  private readonly totals = new PacingHistogram();
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private running = false;
  private sent = 0;
  private skipped = 0;
  private late = 0;
  private errors = 0;
  private earlyCount = 0;
  private wakeups = 0;

  constructor(options: PacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const real = this.clock === systemClock;
    this.maxCatchUp = nonNegative('maxCatchUpFrames', options.maxCatchUpFrames ?? 2, true);
    this.lateThreshold = nonNegative('lateThresholdMs', options.lateThresholdMs ?? 2);
    this.early = nonNegative('earlyMs', options.earlyMs ?? (real ? 1 : 0));
    if (this.early > 5) throw new PacerOptionError('earlyMs must be at most 5 ms');
    this.spinMs = nonNegative('spinMs', options.spinMs ?? 0);
    if (this.spinMs > 5) throw new PacerOptionError('spinMs must be at most 5 ms: a longer spin starves the event loop');
    this.unref = options.unref ?? false;
    this.onError = options.onError;
  }

  /** Number of registered streams. */
  get size(): number {
    return this.heap.size;
  }

  /** True while the timer is pending (false whenever no stream is registered). */
  get hasPendingTimer(): boolean {
    return this.timer !== undefined;
  }

  /** Registers a stream; its first tick is due at `startAt` (default now). */
  add(options: PacedStreamOptions): PacedStream {
    const { ptimeMs, onTick, afterTick } = options;
    if (!(typeof ptimeMs === 'number' && Number.isFinite(ptimeMs) && ptimeMs >= 1 && ptimeMs <= 1000)) {
      throw new PacerOptionError('ptimeMs must be a number between 1 and 1000');
    }
    if (typeof onTick !== 'function') throw new PacerOptionError('onTick must be a function');
    if (afterTick !== undefined && typeof afterTick !== 'function') throw new PacerOptionError('afterTick must be a function');
    const startAt = options.startAt ?? this.clock.now();
    if (!Number.isFinite(startAt)) throw new PacerOptionError('startAt must be a finite clock time');
    const s = new StreamEntry(this.detach, this.seq++, ptimeMs, startAt, onTick, afterTick, options.histogram !== false);
    this.heap.push(s);
    this.arm();
    return s;
  }

  /** Aggregate counters and deviation percentiles over every frame delivered so far. */
  stats(): PacerStats {
    return {
      streams: this.heap.size,
      sent: this.sent,
      skipped: this.skipped,
      late: this.late,
      early: this.earlyCount,
      errors: this.errors,
      wakeups: this.wakeups,
      p50Ms: this.totals.quantile(0.5),
      p99Ms: this.totals.quantile(0.99),
      maxMs: this.totals.max,
    };
  }

  /**
   * The deviation histogram of every frame delivered so far (all streams, removed ones too), as
   * plain data: a copy that another thread or process can merge exactly
   * ({@link PacingHistogram.fromData}).
   */
  histogramData(): PacingHistogramData {
    return this.totals.toJSON();
  }

  /**
   * Delivers the frames that are already due without waiting for the timer. Call it from I/O
   * callbacks (every received RTP packet does): under load one event-loop turn handles hundreds
   * of datagrams before timers run again, and every frame falling due meanwhile would go out
   * late. Costs one clock read when nothing is due; never sends a frame early.
   */
  poll(): void {
    if (this.running) return;
    const top = this.heap.peek();
    if (top === undefined || top.deadline - this.clock.now() > DUE_EPSILON_MS) return;
    this.run(0, 0);
  }

  /** Removes every stream and clears the timer. The pacer may be reused afterwards. */
  close(): void {
    let s: StreamEntry | undefined;
    while ((s = this.heap.peek())) {
      s.active = false;
      this.heap.remove(s);
    }
    this.disarm();
  }

  private readonly detach = (s: StreamEntry): void => {
    if (!s.active) return;
    s.active = false;
    this.heap.remove(s);
    if (this.heap.size === 0) this.disarm();
  };

  private readonly onWake = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.wakeups++;
    this.run(this.early, this.spinMs);
  };

  /** Drains (see {@link drain}), then re-arms the timer for what is left. */
  private run(early: number, spinMs: number): void {
    this.running = true;
    try {
      this.drain(early, spinMs);
    } finally {
      this.running = false;
    }
    this.arm();
  }

  /**
   * Delivers every frame due by now + `early`, spinning over a gap of at most the remaining
   * `spinMs` budget so that a lone deadline can be hit exactly. Pending `afterTick`s run when no
   * frame is due, one at a time, so a frame falling due meanwhile goes out first.
   */
  private drain(early: number, spinMs: number): void {
    const clock = this.clock;
    const pending = this.pending;
    const began = clock.now();
    let spinLeft = spinMs;
    for (;;) {
      const top = this.heap.peek();
      let now = clock.now();
      // A pass hands over frames for DRAIN_BUDGET_MS at most: an overloaded loop keeps reading
      // its sockets (a BYE still gets answered) instead of chasing deadlines forever.
      const gap = top !== undefined && now - began < DRAIN_BUDGET_MS ? top.deadline - now : Infinity;
      if (gap <= DUE_EPSILON_MS) {
        // due (the epsilon absorbs `now + (deadline − now)` rounding one ulp short of the deadline)
      } else if (this.pendingHead < this.pendingLen) {
        const s = pending[this.pendingHead]!;
        pending[this.pendingHead++] = null; // no reference kept to a stream that may be removed
        this.runAfter(s);
        if (this.pendingHead === this.pendingLen) this.pendingHead = this.pendingLen = 0;
        continue;
      } else if (gap <= spinLeft) {
        const spinFrom = now;
        // Bounded by iterations too, so a clock that does not advance cannot hang us.
        for (let i = 0; i < 1e7 && now < top!.deadline; i++) now = clock.now();
        spinLeft -= now - spinFrom;
      } else if (gap > early) {
        return;
      }
      this.deliver(top!, now);
    }
  }

  private runAfter(s: StreamEntry): void {
    const index = s.afterIndex;
    if (index < 0) return;
    s.afterIndex = -1;
    try {
      s.afterTick!(index, s.afterScheduled);
    } catch (err) {
      this.failed(err, s);
    }
  }

  private failed(err: unknown, s: StreamEntry): void {
    s.errors++;
    this.errors++;
    if (this.onError) {
      try {
        this.onError(err, s);
      } catch {
        // An error reporter that throws must not stop every other stream's media.
      }
    }
  }

  private deliver(s: StreamEntry, now: number): void {
    // a stall may bring this stream's next frame due before its last one's afterTick ran
    if (s.afterIndex >= 0) this.runAfter(s);
    const behind = Math.floor((now - s.startAt) / s.ptimeMs) - s.nextFrameIndex;
    if (behind > this.maxCatchUp) {
      const skip = behind - this.maxCatchUp;
      s.nextFrameIndex += skip;
      s.skipped += skip;
      this.skipped += skip;
      s.deadline = s.startAt + s.nextFrameIndex * s.ptimeMs;
    }
    const index = s.nextFrameIndex;
    const scheduled = s.deadline;
    const deviation = now - scheduled;
    const magnitude = deviation < 0 ? -deviation : deviation;
    s.histogram?.record(magnitude);
    if (magnitude > s.maxDeviation) s.maxDeviation = magnitude;
    s.totalDeviation += magnitude;
    this.totals.record(magnitude);
    s.sent++;
    this.sent++;
    if (deviation > this.lateThreshold) {
      s.late++;
      this.late++;
    } else if (deviation < -DUE_EPSILON_MS) {
      s.early++;
      this.earlyCount++;
    }
    s.nextFrameIndex = index + 1;
    s.deadline = s.startAt + s.nextFrameIndex * s.ptimeMs;
    this.heap.update(s);
    try {
      s.onTick(index, scheduled);
    } catch (err) {
      this.failed(err, s);
    }
    if (s.afterTick !== undefined) {
      s.afterIndex = index;
      s.afterScheduled = scheduled;
      this.pending[this.pendingLen++] = s;
    }
  }

  /** Schedules the one timer for the earliest deadline (or clears it when idle). */
  private arm(): void {
    if (this.running) return;
    const top = this.heap.peek();
    if (!top) {
      this.disarm();
      return;
    }
    const target = top.deadline - this.early;
    if (this.timer !== undefined && this.timerAt <= target) return;
    this.disarm();
    const now = this.clock.now();
    // A timer that fired before the window opened (Node rounds to whole ms) re-aims at the deadline.
    const wait = target > now ? target - now : Math.max(0, top.deadline - now);
    const handle = this.clock.setTimeout(this.onWake, wait);
    if (this.unref) (handle as { unref?: () => void }).unref?.();
    this.timer = handle;
    this.timerAt = target;
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

/** Deadlines closer than this count as reached (1 ns; far below any timer's resolution). */
const DUE_EPSILON_MS = 1e-6;

/**
 * Longest a single pass keeps handing over frames before it yields to the event loop (ms). Far
 * above a healthy pass (well under a millisecond for hundreds of streams), below a frame time.
 */
const DRAIN_BUDGET_MS = 10;

function nonNegative(name: string, v: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new PacerOptionError(`${name} must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return v;
}

let shared: Pacer | undefined;

/**
 * The process-wide pacer on the system clock, created on first use. Every RTP stream should
 * register here so that the whole process runs one timer, however many calls are up.
 */
export function sharedPacer(): Pacer {
  shared ??= new Pacer();
  return shared;
}
