import { systemClock, type Clock, type TimerHandle } from '../clock';

/** What the progress line shows. */
export interface LoadProgress {
  planned: number;
  started: number;
  active: number;
  ok: number;
  failed: number;
  /** Starts per second over the last couple of seconds. */
  callsPerSec: number;
  /** Median INVITE → 200 OK so far, ms (NaN before the first answer). */
  setupP50Ms: number;
  elapsedMs: number;
  /** Ctrl-C seen: hanging up the active calls. */
  stopping: boolean;
}

/**
 * Counts events in fixed time slots over a sliding window (default 8 × 250 ms) for a "current
 * rate" that reacts within a second and does not grow with the run.
 */
export class RateWindow {
  private readonly slots: Float64Array;
  private slotStart = 0;
  private head = 0;
  private started = false;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly slotMs = 250,
    slotCount = 8,
  ) {
    this.slots = new Float64Array(slotCount);
  }

  /** Counts `n` events now. */
  add(n = 1): void {
    this.roll();
    this.slots[this.head] += n;
  }

  /** Events per second over the window (or since the first event, if that is shorter; at least one slot). */
  perSecond(): number {
    this.roll();
    if (!this.started) return 0;
    let sum = 0;
    for (const v of this.slots) sum += v;
    const now = this.clock.now();
    // The current slot is only partly elapsed: the window spans the full older slots plus it.
    const span = (this.slots.length - 1) * this.slotMs + (now - this.slotStart);
    const covered = Math.max(this.slotMs, Math.min(now - this.firstAt, span));
    return (sum * 1000) / covered;
  }

  private firstAt = 0;

  private roll(): void {
    const now = this.clock.now();
    if (!this.started) {
      this.started = true;
      this.slotStart = now;
      this.firstAt = now;
      return;
    }
    let steps = Math.floor((now - this.slotStart) / this.slotMs);
    if (steps <= 0) return;
    this.slotStart += steps * this.slotMs;
    if (steps > this.slots.length) steps = this.slots.length;
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % this.slots.length;
      this.slots[this.head] = 0;
    }
  }
}

function num(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One progress line (no newline, no control characters). */
export function formatProgressLine(p: LoadProgress): string {
  const setup = Number.isFinite(p.setupP50Ms) ? `${num(p.setupP50Ms)} ms` : '-';
  return (
    `${clockText(p.elapsedMs)} started ${p.started}/${p.planned}  active ${p.active}  ok ${p.ok}  failed ${p.failed}  ` +
    `${num(p.callsPerSec)} calls/s  p50 setup ${setup}${p.stopping ? '  (stopping: hanging up active calls)' : ''}`
  );
}

/** Where and how often progress goes. */
export interface ProgressDisplayOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Snapshot source, called on every refresh. */
  read: () => LoadProgress;
  clock?: Clock;
  /** Refresh period on a TTY, ms (default 250). */
  ttyIntervalMs?: number;
  /** Period of plain lines when not a TTY, ms (default 5000). */
  plainIntervalMs?: number;
}

/**
 * A live, rewritten line on a TTY; plain periodic lines otherwise (logs, CI). Its timer never
 * keeps the process alive on its own.
 */
export class ProgressDisplay {
  private timer: TimerHandle | null = null;
  private readonly clock: Clock;
  private readonly tty: boolean;
  private drawn = false;

  constructor(private readonly options: ProgressDisplayOptions) {
    this.clock = options.clock ?? systemClock;
    this.tty = options.stream.isTTY === true;
  }

  /** Starts refreshing. */
  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  /** Draws now (e.g. right after Ctrl-C). */
  refresh(): void {
    const line = formatProgressLine(this.options.read());
    if (this.tty) {
      this.options.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.options.stream.write(`${line}\n`);
    }
  }

  /** Stops; on a TTY leaves the last state on its own line. */
  stop(): void {
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.tty) {
      this.refresh();
      if (this.drawn) this.options.stream.write('\n');
      this.drawn = false;
    }
  }

  private schedule(): void {
    const ms = this.tty ? this.options.ttyIntervalMs ?? 250 : this.options.plainIntervalMs ?? 5000;
    this.timer = this.clock.setTimeout(() => {
      this.refresh();
      this.schedule();
    }, ms);
    (this.timer as { unref?: () => void }).unref?.();
  }
}
