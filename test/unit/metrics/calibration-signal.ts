/**
 * Builds the VAD calibration material: espeak-ng utterances (committed 8 kHz fixtures) laid out
 * with gaps, white noise at a given SNR, comfort-noise stretches in the gaps, G.711 µ-law
 * coded and decoded; plus the ground truth and the error statistics.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { readWav } from '../../../src/audio';
import { decodeMulaw, encodeMulaw } from '../../../src/rtp/codecs/g711';
import type { SpeechSegment } from '../../../src/metrics';

export const FIXTURES = join(__dirname, '../../fixtures/metrics');
export const RATE = 8000;

/** The committed utterances (see test/fixtures/metrics/README.md). */
export function loadUtterances(): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 1; i <= 6; i++) {
    const wav = readWav(readFileSync(join(FIXTURES, `utt${i}.wav`)));
    if (wav.sampleRate !== RATE || wav.channels !== 1) throw new Error(`utt${i}.wav is not 8 kHz mono`);
    out.push(wav.samples);
  }
  return out;
}

/** Seeded PRNG (mulberry32) with Gaussian draws (Box–Muller): reproducible noise. */
export class SeededRandom {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  gauss(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const m = Math.sqrt(-2 * Math.log(u));
    this.spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  }
}

/**
 * Ground truth on the clean (uncoded, noise-free) signal, after ITU-T P.56's notion of active
 * speech: the active speech level L is the mean power of the 10 ms blocks within 40 dB of the
 * loudest block; blocks at or above L − 15.9 dB (P.56's margin) are speech; runs closer than
 * 200 ms (P.56's hangover, also the VAD's offset) merge. The espeak-ng gaps are digital silence, so
 * this is unambiguous to the 10 ms block.
 */
export function groundTruth(clean: Int16Array, rate = RATE, mergeMs = 200, marginDb = 15.9): SpeechSegment[] {
  const block = rate / 100;
  const n = Math.floor(clean.length / block);
  const e = new Float64Array(n);
  let peak = 0;
  for (let b = 0; b < n; b++) {
    let s = 0;
    for (let i = b * block; i < (b + 1) * block; i++) s += clean[i] * clean[i];
    e[b] = s / block;
    if (e[b] > peak) peak = e[b];
  }
  let sum = 0;
  let cnt = 0;
  for (let b = 0; b < n; b++) if (e[b] >= peak * 1e-4) (sum += e[b]), cnt++;
  const thr = (sum / cnt) * Math.pow(10, -marginDb / 10);
  const segs: SpeechSegment[] = [];
  for (let b = 0; b < n; b++) {
    if (e[b] < thr) continue;
    const startMs = b * 10;
    const last = segs[segs.length - 1];
    if (last && startMs - last.endMs < mergeMs) last.endMs = startMs + 10;
    else segs.push({ startMs, endMs: startMs + 10 });
  }
  return segs.filter((s) => s.endMs - s.startMs >= 30);
}

export interface CalibrationSignal {
  clean: Int16Array;
  coded: Int16Array;
  truth: SpeechSegment[];
}

/**
 * Utterances in a seeded order with 0.8–1.6 s gaps (1 s lead-in, 1 s tail); white noise at `snrDb`
 * relative to the mean speech power over the truth segments; in every other gap the background
 * is replaced by comfort noise 10 dB lower (low-passed), from 200 ms after an utterance to 150 ms
 * before the next (sender VAD hangover / look-ahead); then G.711 µ-law encode + decode.
 */
export function buildSignal(utts: Int16Array[], snrDb: number, seed: number): CalibrationSignal {
  const rnd = new SeededRandom(seed);
  const order = utts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const gaps = order.map(() => 800 + Math.floor(rnd.uniform() * 800));
  let total = RATE; // lead-in
  for (let k = 0; k < order.length; k++) total += utts[order[k]].length + (k < order.length - 1 ? (gaps[k] * RATE) / 1000 : RATE);
  const clean = new Int16Array(total);
  let pos = RATE;
  for (let k = 0; k < order.length; k++) {
    clean.set(utts[order[k]], pos);
    pos += utts[order[k]].length + (k < order.length - 1 ? (gaps[k] * RATE) / 1000 : 0);
  }
  const truth = groundTruth(clean);
  let p = 0;
  let cnt = 0;
  for (const s of truth) {
    for (let i = (s.startMs * RATE) / 1000; i < (s.endMs * RATE) / 1000; i++) p += clean[i] * clean[i];
    cnt += ((s.endMs - s.startMs) * RATE) / 1000;
  }
  const speechPower = p / cnt;
  const sigma = Math.sqrt(speechPower / Math.pow(10, snrDb / 10));
  // Comfort-noise stretches: every other gap between truth segments longer than 600 ms.
  const cn: Array<[number, number]> = [];
  for (let k = 0; k + 1 < truth.length; k++) {
    const a = truth[k].endMs + 200;
    const b = truth[k + 1].startMs - 150;
    if (k % 2 === 0 && b - a >= 300) cn.push([a, b]);
  }
  const mixed = new Int16Array(total);
  let lp = 0;
  let c = 0;
  // One-pole low-pass (pole 0.8) of unit white noise has std 1/3: ×3 restores unit power.
  const cnSigma = sigma * Math.pow(10, -10 / 20) * 3;
  for (let i = 0; i < total; i++) {
    const tMs = (i * 1000) / RATE;
    while (c < cn.length && tMs >= cn[c][1]) c++;
    const inCn = c < cn.length && tMs >= cn[c][0];
    const g = rnd.gauss();
    lp = 0.8 * lp + 0.2 * g;
    const noise = inCn ? cnSigma * lp : sigma * g;
    const v = Math.round(clean[i] + noise);
    mixed[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return { clean, coded: decodeMulaw(encodeMulaw(mixed)), truth };
}

export interface ErrorStats {
  onsets: number;
  matchedOnsets: number;
  matchedOffsets: number;
  falseOnsets: number;
  onsetBiasMs: number;
  onsetMedianAbsMs: number;
  onsetP95AbsMs: number;
  offsetBiasMs: number;
  offsetMedianAbsMs: number;
  offsetP95AbsMs: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Each truth onset/offset is matched to the closest detected one within `tolMs`; the rest are misses/false alarms. */
export function compareSegments(truth: SpeechSegment[], detected: SpeechSegment[], tolMs = 300): { onsetErr: number[]; offsetErr: number[]; falseOnsets: number } {
  const onsetErr: number[] = [];
  const offsetErr: number[] = [];
  const used = new Set<number>();
  for (const t of truth) {
    let best = -1;
    for (let d = 0; d < detected.length; d++) {
      if (Math.abs(detected[d].startMs - t.startMs) <= tolMs && (best < 0 || Math.abs(detected[d].startMs - t.startMs) < Math.abs(detected[best].startMs - t.startMs))) best = d;
    }
    if (best >= 0) {
      used.add(best);
      onsetErr.push(detected[best].startMs - t.startMs);
    }
    let bestE = -1;
    for (let d = 0; d < detected.length; d++) {
      if (Math.abs(detected[d].endMs - t.endMs) <= tolMs && (bestE < 0 || Math.abs(detected[d].endMs - t.endMs) < Math.abs(detected[bestE].endMs - t.endMs))) bestE = d;
    }
    if (bestE >= 0) offsetErr.push(detected[bestE].endMs - t.endMs);
  }
  return { onsetErr, offsetErr, falseOnsets: detected.length - used.size };
}

export function summarise(onsets: number, onsetErr: number[], offsetErr: number[], falseOnsets: number): ErrorStats {
  const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : NaN);
  const absSorted = (a: number[]) => a.map(Math.abs).sort((x, y) => x - y);
  return {
    onsets,
    matchedOnsets: onsetErr.length,
    matchedOffsets: offsetErr.length,
    falseOnsets,
    onsetBiasMs: mean(onsetErr),
    onsetMedianAbsMs: quantile(absSorted(onsetErr), 0.5),
    onsetP95AbsMs: quantile(absSorted(onsetErr), 0.95),
    offsetBiasMs: mean(offsetErr),
    offsetMedianAbsMs: quantile(absSorted(offsetErr), 0.5),
    offsetP95AbsMs: quantile(absSorted(offsetErr), 0.95),
  };
}
