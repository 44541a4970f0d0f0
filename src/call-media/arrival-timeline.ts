/**
 * Where received audio belongs on the call's timeline: at the time it would have arrived with
 * the least delay the stream has shown — the far end's own timing — derived from RTP timestamps.
 *
 * Why not the playout tick minus a lag: the receive side's playout ticks slip (a pacer skips
 * ticks after an event-loop stall, the jitter buffer then holds more), so "tick − lag" drifts by
 * whole frames over a call, and any single delayed packet moves an anchor. RTP timestamps carry
 * the sender's sampling clock: time = timestamp / clock rate + offset, with offset the minimum
 * of (arrival − timestamp time) over the packets seen (the least delayed one). A timestamp jump
 * of more than `MAX_JUMP_S` (a new source) starts over.
 */

const MAX_JUMP_S = 30;

/** One decoded frame as the RTP session hands it out (the fields this needs). */
export interface ArrivalFrame {
  readonly kind: 'frame' | 'concealed' | 'idle';
  /** Playout tick, ms on the session clock. */
  readonly time: number;
  readonly rtpTimestamp: number;
  readonly arrivalTime?: number;
}

/** Places received frames by RTP timestamp, anchored on the least delayed packet. */
export class ArrivalTimeline {
  private lastTs: number | null = null;
  private unwrapped = 0;
  private offset = Infinity;
  /** Time and playout tick of the last frame placed by timestamp (NaN before any). */
  private lastT = NaN;
  private lastTick = NaN;

  /** Time (ms on the session clock) of the first sample of `f`; `clockRate` is the RTP clock. */
  place(f: ArrivalFrame, clockRate: number): number {
    if (f.kind !== 'idle' && clockRate > 0) {
      if (this.lastTs === null) this.unwrapped = 0;
      else {
        const step = (f.rtpTimestamp - this.lastTs) | 0; // signed 32-bit difference: wraps handled
        if (Math.abs(step) > MAX_JUMP_S * clockRate) {
          this.unwrapped = 0;
          this.offset = Infinity;
        } else this.unwrapped += step;
      }
      this.lastTs = f.rtpTimestamp >>> 0;
      const tsMs = (this.unwrapped * 1000) / clockRate;
      if (f.kind === 'frame' && f.arrivalTime !== undefined) this.offset = Math.min(this.offset, f.arrivalTime - tsMs);
      if (Number.isFinite(this.offset)) {
        const t = tsMs + this.offset;
        this.lastT = t;
        this.lastTick = f.time;
        return t;
      }
    }
    // no timestamp (pre-roll, the far end paused): continue from the last placed frame by playout ticks
    if (!Number.isNaN(this.lastT)) return this.lastT + (f.time - this.lastTick);
    return f.time;
  }
}
