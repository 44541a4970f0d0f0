/**
 * Time source for everything with a timer (transactions, pacing, timeouts). Injectable so that
 * timers are tested by advancing a {@link FakeClock}, never by sleeping.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional), unaffected by wall-clock changes. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  readonly __timer?: never;
}

/** The real clock: `performance.now()` and Node timers. Timers are `unref`'d only by their owners. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)) as unknown as TimerHandle,
  clearTimeout: (h) => clearTimeout(h as unknown as NodeJS.Timeout),
};

interface FakeTimer extends TimerHandle {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A manual clock for tests: time moves only through {@link FakeClock.advance}; due timers fire in
 * deadline order (ties in creation order), including timers scheduled by timers that fire.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = handle as FakeTimer;
    t.cancelled = true;
    this.timers = this.timers.filter((x) => x !== t);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }
}
