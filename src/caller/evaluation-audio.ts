/**
 * The call's audio kept in memory for evaluation: caller as sent and agent as received, each
 * placed at its capture time (ms since the INVITE) on one timeline — the same placement the
 * MediaLeg's WAV recording uses, so metrics agree with the file.
 *
 * Memory: two 16-bit channels at min(codec rate, 16 kHz): 32 kB per second of call at 8 kHz
 * (≈ 1.9 MB a minute), 64 kB/s at 16 kHz, never more than `maxMs` (default 15 minutes, i.e.
 * ≤ 29 MB at 8 kHz / ≤ 58 MB at 16 kHz). Audio past `maxMs` is dropped and `truncated` set; the
 * Caller then reads the WAV back when there is one.
 */
import { Resampler } from '../audio/resampler';
import type { MediaLeg } from '../call-media/media-leg';

/** Highest rate kept: the VAD is built for telephone audio and 16 kHz serves every transcriber. */
const MAX_RATE = 16_000;
/** Default longest stretch kept, ms. */
export const EVALUATION_AUDIO_MAX_MS = 15 * 60_000;

type Channel = 0 | 1;

/** Two-channel in-memory timeline of a call (0 = caller as sent, 1 = agent as received). */
export class CallEvaluationAudio {
  readonly maxMs: number;
  #rate = 0;
  #maxFrames = 0;
  #data: [Int16Array, Int16Array] = [new Int16Array(0), new Int16Array(0)];
  #end: [number, number] = [0, 0];
  #started: [boolean, boolean] = [false, false];
  #resamplers: [Map<number, Resampler>, Map<number, Resampler>] = [new Map(), new Map()];
  #truncated = false;
  #detach: (() => void) | null = null;

  constructor(maxMs = EVALUATION_AUDIO_MAX_MS) {
    this.maxMs = maxMs;
  }

  /** Follows a leg's `sent` (caller) and `audio` (agent) frames until {@link detach}. */
  static attach(leg: MediaLeg, maxMs?: number): CallEvaluationAudio {
    const a = new CallEvaluationAudio(maxMs);
    const onSent = (f: { pcm: Int16Array; sampleRate: number; t: number }): void => a.add(0, f.pcm, f.sampleRate, f.t);
    const onAudio = (f: { pcm: Int16Array; sampleRate: number; t: number }): void => a.add(1, f.pcm, f.sampleRate, f.t);
    leg.on('sent', onSent);
    leg.on('audio', onAudio);
    a.#detach = () => {
      leg.off('sent', onSent);
      leg.off('audio', onAudio);
    };
    return a;
  }

  /** Stops following the leg. */
  detach(): void {
    this.#detach?.();
    this.#detach = null;
  }

  /** Sample rate of the timeline (0 before any audio). */
  get sampleRate(): number {
    return this.#rate;
  }

  /** Audio past `maxMs` was dropped. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Length of the timeline, ms. */
  get durationMs(): number {
    return this.#rate === 0 ? 0 : (Math.max(this.#end[0], this.#end[1]) * 1000) / this.#rate;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#data[0].byteLength + this.#data[1].byteLength;
  }

  /** Places mono `pcm` at `rate` on `channel`, starting `atMs` after the INVITE. */
  add(channel: Channel, pcm: Int16Array, rate: number, atMs: number): void {
    if (pcm.length === 0 || !Number.isFinite(atMs) || atMs < 0 || !(rate > 0)) return;
    if (this.#rate === 0) {
      this.#rate = Math.min(rate, MAX_RATE);
      this.#maxFrames = Math.floor((this.maxMs * this.#rate) / 1000);
    }
    let samples = pcm;
    if (rate !== this.#rate) {
      const map = this.#resamplers[channel];
      let rs = map.get(rate);
      if (!rs) map.set(rate, (rs = new Resampler(rate, this.#rate)));
      samples = rs.process(pcm);
      if (samples.length === 0) return;
    }
    let start = Math.round((atMs * this.#rate) / 1000);
    // rounding of frame times must not leave one-sample gaps or overlaps (as the WAV recorder does)
    const snap = Math.floor(this.#rate / 1000);
    if (this.#started[channel] && Math.abs(start - this.#end[channel]) <= snap) start = this.#end[channel];
    this.#started[channel] = true;
    let n = samples.length;
    if (start + n > this.#maxFrames) {
      this.#truncated = true;
      n = Math.max(0, this.#maxFrames - start);
      if (n === 0) return;
    }
    this.#ensure(start + n);
    this.#data[channel].set(samples.subarray(0, n), start);
    if (start + n > this.#end[channel]) this.#end[channel] = start + n;
  }

  #ensure(frames: number): void {
    const cur = this.#data[0].length;
    if (frames <= cur) return;
    const cap = Math.min(this.#maxFrames, Math.max(frames, cur * 2, this.#rate * 10));
    for (const c of [0, 1] as const) {
      const next = new Int16Array(cap);
      next.set(this.#data[c].subarray(0, this.#end[c]));
      this.#data[c] = next;
    }
  }

  /** The two channels, equally long (views into the buffers; no copy). */
  channels(): { caller: Int16Array; agent: Int16Array } {
    const n = Math.max(this.#end[0], this.#end[1]);
    return { caller: this.#data[0].subarray(0, n), agent: this.#data[1].subarray(0, n) };
  }
}
