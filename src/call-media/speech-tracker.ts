/**
 * Follows the far end's speech on the received channel for "wait until the other side has
 * spoken and then stayed quiet" and for the first-speech milestone. Onsets and offsets come
 * from the energy + periodicity VAD of src/metrics (robust on coded audio); because the VAD
 * confirms a segment only after its offset, a plain energy gate adds "is it loud right now",
 * so that speech resuming inside the silence window is noticed at once.
 */
import { VoiceActivityDetector, type VadOptions } from '../metrics/vad';
import type { SpeechSegment } from '../metrics/types';

/** Options of {@link RemoteSpeechTracker}. */
export interface RemoteSpeechTrackerOptions {
  /** Frames louder than this (dBFS RMS) count as "sound right now". Default −45. */
  loudDbfs?: number;
  /** VAD tuning. */
  vad?: VadOptions;
}

/** RMS level of a frame in dBFS (−Infinity for an empty one). */
export function rmsDbfs(pcm: Int16Array): number {
  const n = pcm.length;
  if (n === 0) return -Infinity;
  // four running sums: one sum is a chain of dependent additions, and this runs for every frame
  // of every call in both directions (integers, so the order does not change the result)
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = pcm[i];
    const b = pcm[i + 1];
    const c = pcm[i + 2];
    const d = pcm[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++) s0 += pcm[i] * pcm[i];
  return 10 * Math.log10((s0 + s1 + s2 + s3) / n / (32768 * 32768) + 1e-20);
}

/** Default level (dBFS RMS) above which a frame counts as sound rather than silence. */
export const DEFAULT_LOUD_DBFS = -45;

/** Speech segments of the received audio, on the call's timeline (ms). */
export class RemoteSpeechTracker {
  readonly sampleRate: number;
  /** Confirmed segments so far, ms on the call timeline. */
  readonly segments: SpeechSegment[] = [];
  /** End (ms) of the latest frame louder than the gate. */
  lastLoudMs = -Infinity;
  /** End (ms) of the latest audio fed. */
  lastFedMs = -Infinity;
  private readonly vad: VoiceActivityDetector;
  private readonly loudDbfs: number;
  private baseMs: number | null = null;
  private ended = false;

  constructor(sampleRate: number, options: RemoteSpeechTrackerOptions = {}) {
    this.sampleRate = sampleRate;
    this.vad = new VoiceActivityDetector(sampleRate, options.vad);
    this.loudDbfs = options.loudDbfs ?? DEFAULT_LOUD_DBFS;
  }

  /** Feeds one contiguous frame that starts at `atMs`; returns segments confirmed by it. */
  push(pcm: Int16Array, atMs: number): SpeechSegment[] {
    if (this.ended) return [];
    if (this.baseMs === null) this.baseMs = atMs;
    const endMs = atMs + (pcm.length * 1000) / this.sampleRate;
    if (rmsDbfs(pcm) > this.loudDbfs) this.lastLoudMs = endMs;
    this.lastFedMs = endMs;
    this.vad.push(pcm);
    return this.collect(this.vad.takeSegments());
  }

  /** Flushes the VAD (end of the call); returns the last segments. */
  end(): SpeechSegment[] {
    if (this.ended) return [];
    this.ended = true;
    return this.collect(this.vad.end());
  }

  private collect(raw: SpeechSegment[]): SpeechSegment[] {
    const base = this.baseMs ?? 0;
    const out = raw.map((s) => ({ startMs: s.startMs + base, endMs: s.endMs + base }));
    this.segments.push(...out);
    return out;
  }
}
