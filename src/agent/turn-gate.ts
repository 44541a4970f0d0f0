/**
 * An energy gate that finds where the caller's turns end, for the TestAgent's turn mode
 * ("wait for the caller to stop speaking, then wait D ms, then speak"). The TestAgent plays
 * known, clean audio against a caller that sends clean audio over loopback, so frame energy
 * is enough here; measuring real agents uses the periodicity VAD in src/metrics.
 *
 * Where a turn ends must agree with how the metrics measure it (the measurement-truth tests
 * hold the two to ±30 ms): frame RMS above the threshold decides *that* the caller spoke, but
 * the end is the last sample of the decaying tail above `tailDbfs` — the quiet end of the last
 * syllable that a listener (and the VAD's energetic hops, floor + 12 dB over a clean line) still
 * counts as speech. A −40 dBFS frame gate alone ends espeak's "…hours?" about 25 ms early.
 */

/** Options of {@link TurnEnergyGate}. */
export interface TurnEnergyGateOptions {
  /** Frame RMS above this (dBFS) counts as speech. Default −40. */
  thresholdDbfs?: number;
  /** Speech must last this long before it counts as a turn (ignores clicks). Default 100 ms. */
  minSpeechMs?: number;
  /** Silence that must follow the last voiced frame before the turn is declared over. Default 300 ms. */
  hangoverMs?: number;
  /** Sample magnitude (dBFS) that still counts as the tail of speech, for the exact end. Default −60. */
  tailDbfs?: number;
}

/** What the gate found. Times are the frame times passed in (end of the frame). */
export type TurnGateEvent =
  | { readonly kind: 'speech-start'; readonly t: number }
  /** `t` is the end of the last sample of the speech tail: when the caller actually stopped. */
  | { readonly kind: 'speech-end'; readonly t: number; readonly speechMs: number };

/** RMS of 16-bit samples in dBFS (−Infinity for digital silence). */
export function frameDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / samples.length) / 32768;
  return rms === 0 ? -Infinity : 20 * Math.log10(rms);
}

/** Streaming speech/silence segmentation over PCM frames. */
export class TurnEnergyGate {
  private readonly threshold: number;
  private readonly minSpeechMs: number;
  private readonly hangoverMs: number;
  private readonly tailAmplitude: number;
  /** End (ms) of the last tail sample after the last voiced frame; the tail stops at a frame without one. */
  private tailEnd: number | undefined;
  private tailOpen = false;
  /** Start of the current voiced run (frame start), when in one. */
  private runStart: number | undefined;
  private lastVoiced: number | undefined;
  private speaking = false;

  constructor(options: TurnEnergyGateOptions = {}) {
    this.threshold = options.thresholdDbfs ?? -40;
    this.minSpeechMs = options.minSpeechMs ?? 100;
    this.hangoverMs = options.hangoverMs ?? 300;
    this.tailAmplitude = 32768 * 10 ** ((options.tailDbfs ?? -60) / 20);
  }

  /** End time (ms) of the last sample of `samples` louder than the tail level, if any. */
  private lastTail(samples: Int16Array, t: number, durationMs: number): number | undefined {
    const a = this.tailAmplitude;
    for (let i = samples.length - 1; i >= 0; i--) {
      const v = samples[i];
      if (v > a || -v > a) return t - durationMs + ((i + 1) * durationMs) / samples.length;
    }
    return undefined;
  }

  /** True between a `speech-start` and its `speech-end`. */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Forgets any partial turn (e.g. while the agent itself is speaking). */
  reset(): void {
    this.runStart = undefined;
    this.lastVoiced = undefined;
    this.speaking = false;
    this.tailEnd = undefined;
    this.tailOpen = false;
  }

  /**
   * Feeds one frame ending at time `t` (ms) and lasting `durationMs`. Returns what changed,
   * if anything.
   */
  push(samples: Int16Array, t: number, durationMs: number): TurnGateEvent | undefined {
    const voiced = frameDbfs(samples) > this.threshold;
    if (voiced) {
      if (this.runStart === undefined) this.runStart = t - durationMs;
      this.lastVoiced = t;
      this.tailEnd = this.lastTail(samples, t, durationMs) ?? t;
      this.tailOpen = true;
      if (!this.speaking && t - this.runStart >= this.minSpeechMs) {
        this.speaking = true;
        return { kind: 'speech-start', t: this.runStart };
      }
      return undefined;
    }
    if (this.lastVoiced === undefined) return undefined;
    if (this.tailOpen) {
      const tail = this.lastTail(samples, t, durationMs);
      if (tail === undefined) this.tailOpen = false;
      else this.tailEnd = tail;
    }
    if (t - this.lastVoiced < this.hangoverMs) return undefined;
    const start = this.runStart ?? this.lastVoiced;
    const end = this.tailEnd ?? this.lastVoiced;
    const wasSpeaking = this.speaking;
    this.reset();
    return wasSpeaking ? { kind: 'speech-end', t: end, speechMs: end - start } : undefined;
  }
}
