/**
 * Checks on recorded WAV files: one channel out of a stereo recording, energy per window, where
 * sound is, and a mono WAV of one channel for the transcriber.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readWav } from '../../../src/audio/wav-reader';
import { encodeWav } from '../../../src/audio/wav-writer';

/** One channel of a WAV file as 16-bit samples. */
export interface WavChannel {
  sampleRate: number;
  samples: Int16Array;
  /** Seconds. */
  duration: number;
}

/** Reads channel `index` (0 = left) of a WAV file. */
export function readWavChannel(path: string, index = 0): WavChannel {
  const w = readWav(readFileSync(path));
  if (index < 0 || index >= w.channels) throw new Error(`${path} has ${w.channels} channel(s), no channel ${index}`);
  const out = new Int16Array(w.frames);
  for (let i = 0; i < w.frames; i++) out[i] = w.samples[i * w.channels + index];
  return { sampleRate: w.sampleRate, samples: out, duration: w.frames / w.sampleRate };
}

/** RMS level in dBFS of `samples[from, to)` (-120 for silence or an empty span). */
export function rmsDbfs(samples: Int16Array, from = 0, to = samples.length): number {
  const a = Math.max(0, Math.floor(from));
  const b = Math.min(samples.length, Math.floor(to));
  if (b <= a) return -120;
  let sum = 0;
  for (let i = a; i < b; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / (b - a)) / 32768;
  return rms > 0 ? Math.max(-120, 20 * Math.log10(rms)) : -120;
}

/** RMS level (dBFS) of the span `[fromSec, toSec)` of a channel. */
export function levelBetween(ch: WavChannel, fromSec: number, toSec: number): number {
  return rmsDbfs(ch.samples, fromSec * ch.sampleRate, toSec * ch.sampleRate);
}

/**
 * Where there is sound: the start of the first and the end of the last `windowMs` window whose
 * RMS is above `thresholdDb`, and the total active time (seconds). `null` when all is quiet.
 */
export function activeSpan(ch: WavChannel, thresholdDb = -40, windowMs = 20): { start: number; end: number; activeSec: number } | null {
  const w = Math.max(1, Math.round((ch.sampleRate * windowMs) / 1000));
  let first = -1;
  let last = -1;
  let active = 0;
  for (let i = 0; i + w <= ch.samples.length; i += w) {
    if (rmsDbfs(ch.samples, i, i + w) > thresholdDb) {
      if (first < 0) first = i;
      last = i + w;
      active += w;
    }
  }
  if (first < 0) return null;
  return { start: first / ch.sampleRate, end: last / ch.sampleRate, activeSec: active / ch.sampleRate };
}

/** Writes `ch` (optionally only `[fromSec, toSec)`) as a mono 16-bit WAV. */
export function writeMonoWav(path: string, ch: WavChannel, fromSec = 0, toSec = ch.duration): string {
  const a = Math.max(0, Math.floor(fromSec * ch.sampleRate));
  const b = Math.min(ch.samples.length, Math.floor(toSec * ch.sampleRate));
  writeFileSync(path, encodeWav(ch.samples.slice(a, Math.max(a, b)), { sampleRate: ch.sampleRate, channels: 1 }));
  return path;
}

/**
 * Normalised cross-correlation of the energy envelopes (10 ms frames) of `a` and `b` at the best
 * lag in `[-maxLagSec, maxLagSec]` (positive lag: `b` is later). The rates may differ (10 ms frames each).
 */
export function envelopeCorrelation(a: WavChannel, b: WavChannel, maxLagSec = 2): { r: number; lagSec: number } {
  const env = (c: WavChannel): Float64Array => {
    const frame = Math.round(c.sampleRate / 100);
    const n = Math.floor(c.samples.length / frame);
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) e[i] = Math.max(-60, rmsDbfs(c.samples, i * frame, (i + 1) * frame));
    return e;
  };
  const ea = env(a);
  const eb = env(b);
  const maxLag = Math.round(maxLagSec * 100);
  let best = { r: -1, lagSec: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let n = 0;
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < ea.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= eb.length) continue;
      sa += ea[i];
      sb += eb[j];
      n++;
    }
    if (n < 50) continue;
    const ma = sa / n;
    const mb = sb / n;
    let num = 0;
    let da = 0;
    let db = 0;
    for (let i = 0; i < ea.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= eb.length) continue;
      num += (ea[i] - ma) * (eb[j] - mb);
      da += (ea[i] - ma) ** 2;
      db += (eb[j] - mb) ** 2;
    }
    const r = da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
    if (r > best.r) best = { r, lagSec: lag / 100 };
  }
  return best;
}
