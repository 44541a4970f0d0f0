/**
 * Voice activity detection for telephone audio: energy plus periodicity.
 *
 * Why not energy alone: on G.711 legs with background noise, and with comfort noise that changes
 * the noise level between utterances, an energy threshold either fires on noise steps or misses
 * quiet speech. Voiced speech is periodic at the speaker's pitch (70–400 Hz); noise is not. So a
 * frame counts as voiced only when it is both above the noise floor and periodic (normalised
 * autocorrelation peak over the pitch lags), and speech *starts* only after `onsetFrames`
 * consecutive voiced frames. Energy then refines the boundaries: the onset is extended back over
 * preceding hops that are clearly above the floor (unvoiced consonants come before the vowel),
 * and energetic hops keep a segment alive until `offsetMs` of non-speech ends it.
 *
 * Everything is decided on a hop grid (default 10 ms): a voiced frame marks its central hop
 * active; an energetic hop (energy > floor + `energyMarginDb`) is active while in speech.
 * Segment start = start of the first active hop, end = end of the last active hop.
 *
 * The noise floor is the minimum frame energy over the last `noiseWindowMs` of frames that were
 * not voiced (voiced frames never raise it), bounded below by `minFloorDb`. It follows both
 * falling noise at once and rising noise within one window.
 *
 * Streaming: {@link VoiceActivityDetector.push} any chunk sizes, segments become available once
 * their offset is confirmed; {@link VoiceActivityDetector.end} flushes. All buffers are allocated
 * once in the constructor.
 */
import { MetricsArgumentError } from './errors';
import type { SpeechSegment } from './types';

/** Options of the {@link VoiceActivityDetector}; every field has a default tuned on G.711 speech. */
export interface VadOptions {
  /** Analysis frame length, ms (a multiple of `hopMs`). Default 30. */
  frameMs?: number;
  /** Hop between frames, ms. Default 10. */
  hopMs?: number;
  /** Lowest pitch searched, Hz. Default 70. */
  minPitchHz?: number;
  /** Highest pitch searched, Hz. Default 400. */
  maxPitchHz?: number;
  /** Consecutive voiced frames that confirm an onset. Default 3. */
  onsetFrames?: number;
  /** Non-speech needed to end a segment, ms. Default 200. */
  offsetMs?: number;
  /** Normalised autocorrelation peak for a frame to be periodic (0–1). Default 0.5. */
  periodicityThreshold?: number;
  /** A voiced frame must also be this far above the noise floor, dB. Default 3. */
  voicedMarginDb?: number;
  /** Hops this far above the floor hold a segment open (delay its offset), dB. Default 12. */
  energyMarginDb?: number;
  /** Hops this far above the floor just before a voiced onset extend it backwards, dB. Default 4. */
  backtrackMarginDb?: number;
  /** How far an onset may be extended back over energetic hops, ms. Default 100. */
  backtrackMs?: number;
  /** Window of the minimum-tracking noise floor, ms. Default 2000. */
  noiseWindowMs?: number;
  /** Lowest noise floor (digital silence), dBFS. Default −75. */
  minFloorDb?: number;
  /** Frames quieter than this are never speech, dBFS. Default −60. */
  absoluteThresholdDb?: number;
  /**
   * false: energy-only decisions (a frame is "voiced" when it is `energyOnlyMarginDb` above the
   * floor). For comparison; it is worse on noisy coded audio. Default true.
   */
  usePeriodicity?: boolean;
  /** Margin of the energy-only mode, dB. Default 9. */
  energyOnlyMarginDb?: number;
  /** Segments shorter than this are dropped, ms. Default 0. */
  minSegmentMs?: number;
  /**
   * Low-pass (2nd-order Butterworth) cut-off of the periodicity path, Hz; 0 disables. Voiced
   * speech keeps most of its harmonic energy below ~1 kHz while white noise is flat, so this buys
   * several dB of pitch SNR. Default 1000.
   */
  pitchLowpassHz?: number;
}

interface ResolvedVadOptions {
  frameMs: number;
  hopMs: number;
  minPitchHz: number;
  maxPitchHz: number;
  onsetFrames: number;
  offsetMs: number;
  periodicityThreshold: number;
  voicedMarginDb: number;
  energyMarginDb: number;
  backtrackMarginDb: number;
  backtrackMs: number;
  noiseWindowMs: number;
  minFloorDb: number;
  absoluteThresholdDb: number;
  usePeriodicity: boolean;
  energyOnlyMarginDb: number;
  minSegmentMs: number;
  pitchLowpassHz: number;
}

const DEFAULTS: ResolvedVadOptions = {
  frameMs: 30,
  hopMs: 10,
  minPitchHz: 70,
  maxPitchHz: 400,
  onsetFrames: 3,
  offsetMs: 200,
  periodicityThreshold: 0.5,
  voicedMarginDb: 3,
  energyMarginDb: 12,
  backtrackMarginDb: 4,
  backtrackMs: 100,
  noiseWindowMs: 2000,
  minFloorDb: -75,
  absoluteThresholdDb: -60,
  usePeriodicity: true,
  energyOnlyMarginDb: 9,
  minSegmentMs: 0,
  pitchLowpassHz: 1000,
};

function bad(message: string): never {
  throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', message);
}

function resolve(sampleRate: number, o: VadOptions | undefined): ResolvedVadOptions {
  if (!Number.isInteger(sampleRate) || sampleRate < 4000 || sampleRate > 192000) bad(`sample rate ${sampleRate} is not an integer in 4000..192000`);
  const r: ResolvedVadOptions = { ...DEFAULTS };
  if (o) {
    for (const key of Object.keys(DEFAULTS) as Array<keyof ResolvedVadOptions>) {
      const v = o[key];
      if (v === undefined) continue;
      if (key === 'usePeriodicity') {
        if (typeof v !== 'boolean') bad('usePeriodicity must be a boolean');
        r.usePeriodicity = v;
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${key} must be a finite number`);
        (r as unknown as Record<string, number>)[key] = v;
      }
    }
  }
  if (!(r.hopMs >= 1 && r.hopMs <= 100)) bad('hopMs must be in 1..100');
  if (!(r.frameMs >= r.hopMs && r.frameMs <= 200)) bad('frameMs must be in hopMs..200');
  if (Math.abs(r.frameMs / r.hopMs - Math.round(r.frameMs / r.hopMs)) > 1e-9) bad('frameMs must be a multiple of hopMs');
  if (!(r.minPitchHz > 0 && r.maxPitchHz > r.minPitchHz && r.maxPitchHz < sampleRate / 2)) bad('need 0 < minPitchHz < maxPitchHz < sampleRate/2');
  if (!(Number.isInteger(r.onsetFrames) && r.onsetFrames >= 1 && r.onsetFrames <= 100)) bad('onsetFrames must be an integer in 1..100');
  for (const k of ['offsetMs', 'backtrackMs', 'minSegmentMs'] as const) if (!(r[k] >= 0 && r[k] <= 60000)) bad(`${k} must be in 0..60000`);
  if (!(r.noiseWindowMs >= r.hopMs && r.noiseWindowMs <= 60000)) bad('noiseWindowMs must be in hopMs..60000');
  if (!(r.pitchLowpassHz === 0 || (r.pitchLowpassHz > r.maxPitchHz && r.pitchLowpassHz < sampleRate / 2))) bad('pitchLowpassHz must be 0 or in maxPitchHz..sampleRate/2');
  if (!(r.periodicityThreshold > 0 && r.periodicityThreshold <= 1)) bad('periodicityThreshold must be in (0, 1]');
  return r;
}

/** Prepared constants; `hopLen` etc. are in samples of the input rate, `dec*` of the analysis rate. */
interface Geometry {
  hopLen: number;
  frameHops: number;
  decimation: number;
  decFrameLen: number;
  minLag: number;
  maxLag: number;
}

function geometry(sampleRate: number, o: ResolvedVadOptions): Geometry {
  const hopLen = Math.max(1, Math.round((sampleRate * o.hopMs) / 1000));
  const frameHops = Math.round(o.frameMs / o.hopMs);
  // Periodicity only needs the band below ~2 kHz: analyse at ~8 kHz, so cost does not grow with the rate.
  let decimation = Math.max(1, Math.floor(sampleRate / 8000));
  while (decimation > 1 && hopLen % decimation !== 0) decimation--;
  const decRate = sampleRate / decimation;
  const decFrameLen = (hopLen / decimation) * frameHops;
  const minLag = Math.max(1, Math.floor(decRate / o.maxPitchHz));
  const maxLag = Math.ceil(decRate / o.minPitchHz);
  // The longest lag still needs a quarter of the frame as overlap to be measured.
  if (maxLag > (decFrameLen * 3) / 4) bad('frameMs is too short for minPitchHz');
  return { hopLen, frameHops, decimation, decFrameLen, minLag, maxLag };
}

/**
 * Streaming voice activity detector over one channel of 16-bit (or float, ±1.0) PCM.
 * Feed chunks with {@link push}; read confirmed segments with {@link takeSegments}; call
 * {@link end} at the end of the audio.
 */
export class VoiceActivityDetector {
  /** Sample rate of the input. */
  readonly sampleRate: number;
  /** The resolved options. */
  readonly options: Readonly<ResolvedVadOptions>;
  private readonly g: Geometry;
  private readonly msPerHop: number;
  // Input-rate accumulation of the current hop.
  private hopFill = 0;
  private hopEnergy = 0;
  private decFill = 0;
  private decAcc = 0;
  // DC-removing high-pass state (analysis rate).
  private hpPrevIn = 0;
  private hpPrevOut = 0;
  private readonly hpCoef: number;
  // Low-pass biquad (direct form I) of the periodicity path.
  private readonly lp: Float64Array;
  private lpX1 = 0;
  private lpX2 = 0;
  private lpY1 = 0;
  private lpY2 = 0;
  // Analysis-rate ring holding the last frame, every sample written twice (at `k` and `k + n`)
  // so that the frame, oldest first, is always the contiguous window `[decPos, decPos + n)`:
  // the periodicity search reads it in place instead of unrolling a copy every hop.
  private readonly decRing: Float32Array;
  private decPos = 0;
  private readonly prefix: Float64Array;
  // Per-hop history (ring): energy sum (input scale²), and per-hop sample count.
  private readonly hopHist: Float64Array;
  private readonly hopActive: Uint8Array;
  private readonly histLen: number;
  /** Hops completed so far. */
  private hops = 0;
  // Noise floor: ring of frame energies (dB) of non-voiced frames (+Infinity for voiced ones).
  private readonly floorRing: Float64Array;
  private floorPos = 0;
  /** The smallest entry of `floorRing`. */
  private floorMin = Infinity;
  private floorDb: number;
  // Decision state.
  private inSpeech = false;
  private voicedRun = 0;
  private firstVoicedHop = 0;
  private segStartHop = 0;
  private lastActiveHop = -1;
  private prevSegEndHop = 0;
  private readonly out: SpeechSegment[] = [];
  private ended = false;
  // Diagnostics.
  private framesSeen = 0;
  private framesVoiced = 0;
  /** The lag at which the last periodicity test succeeded (0: none). */
  private lastLag = 0;

  constructor(sampleRate: number, options?: VadOptions) {
    this.options = resolve(sampleRate, options);
    this.sampleRate = sampleRate;
    this.g = geometry(sampleRate, this.options);
    this.msPerHop = (this.g.hopLen * 1000) / sampleRate;
    const decRate = sampleRate / this.g.decimation;
    this.hpCoef = Math.exp((-2 * Math.PI * 60) / decRate);
    this.lp = lowpassBiquad(this.options.pitchLowpassHz, decRate);
    this.decRing = new Float32Array(2 * this.g.decFrameLen);
    this.prefix = new Float64Array(this.g.decFrameLen + 1);
    const backHops = Math.ceil(this.options.backtrackMs / this.msPerHop);
    this.histLen = backHops + this.g.frameHops + this.options.onsetFrames + 8;
    this.hopHist = new Float64Array(this.histLen);
    this.hopActive = new Uint8Array(this.histLen);
    this.floorRing = new Float64Array(Math.max(1, Math.round(this.options.noiseWindowMs / this.msPerHop))).fill(Infinity);
    this.floorDb = this.options.minFloorDb;
  }

  /** Frames analysed and frames judged voiced so far. */
  get stats(): { frames: number; voicedFrames: number; noiseFloorDb: number } {
    return { frames: this.framesSeen, voicedFrames: this.framesVoiced, noiseFloorDb: this.floorDb };
  }

  /** Feeds samples (Int16 scale; Float32Array is taken as ±1.0 full scale). */
  push(samples: Int16Array | Float32Array): void {
    if (this.ended) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'push after end');
    const scale = samples instanceof Float32Array ? 32768 : 1;
    const { hopLen, decimation } = this.g;
    // The per-sample state lives in locals for the loop (fields would be loaded and stored on
    // every sample) and goes back to the fields before a hop is completed and at the end.
    const c = this.lp;
    const b0 = c[0];
    const b1 = c[1];
    const b2 = c[2];
    const a1 = c[3];
    const a2 = c[4];
    const hpCoef = this.hpCoef;
    const ring = this.decRing;
    const ringLen = this.g.decFrameLen;
    let hopEnergy = this.hopEnergy;
    let hopFill = this.hopFill;
    let decAcc = this.decAcc;
    let decFill = this.decFill;
    let decPos = this.decPos;
    let hpPrevIn = this.hpPrevIn;
    let hpPrevOut = this.hpPrevOut;
    let lpX1 = this.lpX1;
    let lpX2 = this.lpX2;
    let lpY1 = this.lpY1;
    let lpY2 = this.lpY2;
    for (let i = 0; i < samples.length; i++) {
      let x = samples[i] * scale;
      if (!(x === x)) x = 0; // NaN from float input counts as silence
      hopEnergy += x * x;
      decAcc += x;
      if (++decFill === decimation) {
        const d = decAcc / decimation;
        decAcc = 0;
        decFill = 0;
        const y = d - hpPrevIn + hpCoef * hpPrevOut;
        hpPrevIn = d;
        hpPrevOut = y;
        const z = b0 * y + b1 * lpX1 + b2 * lpX2 - a1 * lpY1 - a2 * lpY2;
        lpX2 = lpX1;
        lpX1 = y;
        lpY2 = lpY1;
        lpY1 = z;
        ring[decPos] = z;
        ring[decPos + ringLen] = z;
        decPos = decPos + 1 === ringLen ? 0 : decPos + 1;
      }
      if (++hopFill === hopLen) {
        this.hopEnergy = hopEnergy;
        this.decPos = decPos;
        this.completeHop();
        hopFill = 0;
        hopEnergy = 0;
      }
    }
    this.hopEnergy = hopEnergy;
    this.hopFill = hopFill;
    this.decAcc = decAcc;
    this.decFill = decFill;
    this.decPos = decPos;
    this.hpPrevIn = hpPrevIn;
    this.hpPrevOut = hpPrevOut;
    this.lpX1 = lpX1;
    this.lpX2 = lpX2;
    this.lpY1 = lpY1;
    this.lpY2 = lpY2;
  }

  /** Segments whose offset has been confirmed since the last call (ms from the first sample). */
  takeSegments(): SpeechSegment[] {
    return this.out.splice(0, this.out.length);
  }

  /** Ends the audio: closes an open segment and returns the remaining segments. */
  end(): SpeechSegment[] {
    if (!this.ended) {
      this.ended = true;
      if (this.inSpeech) this.closeSegment();
    }
    return this.takeSegments();
  }

  private completeHop(): void {
    const h = this.hops++;
    const slot = h % this.histLen;
    this.hopHist[slot] = this.hopEnergy / this.g.hopLen;
    this.hopActive[slot] = 0;
    if (this.hops < this.g.frameHops) return;
    // The frame made of hops [h - frameHops + 1, h].
    const first = h - this.g.frameHops + 1;
    let sum = 0;
    for (let k = first; k <= h; k++) sum += this.hopHist[k % this.histLen];
    const frameDb = toDb(sum / this.g.frameHops);
    const o = this.options;
    this.framesSeen++;
    let voiced: boolean;
    if (frameDb < o.absoluteThresholdDb) voiced = false;
    else if (o.usePeriodicity) voiced = frameDb > this.floorDb + o.voicedMarginDb && this.periodic(o.periodicityThreshold);
    else voiced = frameDb > this.floorDb + o.energyOnlyMarginDb;
    if (voiced) this.framesVoiced++;
    // With periodicity, voiced frames never raise the floor (a long vowel is not noise). The
    // energy-only mode cannot tell, so like classic minimum-statistics VADs it uses every frame.
    const ring = this.floorRing;
    const entry = voiced && o.usePeriodicity ? Infinity : frameDb;
    const replaced = ring[this.floorPos];
    ring[this.floorPos] = entry;
    this.floorPos = this.floorPos + 1 === ring.length ? 0 : this.floorPos + 1;
    // the window's minimum, kept as entries come and go: a full scan only when the entry leaving
    // the window was the minimum (and the new one is not lower)
    let min = this.floorMin;
    if (entry <= min) min = entry;
    else if (replaced === min) {
      min = Infinity;
      for (let k = 0; k < ring.length; k++) if (ring[k] < min) min = ring[k];
    }
    this.floorMin = min;
    if (min !== Infinity) this.floorDb = Math.max(o.minFloorDb, min);

    const centre = first + Math.floor((this.g.frameHops - 1) / 2);
    if (voiced) this.hopActive[centre % this.histLen] = 1;
    this.decide(voiced, first, centre, h);
  }

  private energetic(hop: number, marginDb: number): boolean {
    const db = toDb(this.hopHist[hop % this.histLen]);
    return db >= this.options.absoluteThresholdDb && db > this.floorDb + marginDb;
  }

  private decide(voiced: boolean, first: number, centre: number, newest: number): void {
    const o = this.options;
    if (!this.inSpeech) {
      if (voiced) {
        if (this.voicedRun === 0) this.firstVoicedHop = centre;
        this.voicedRun++;
      } else this.voicedRun = 0;
      if (this.voicedRun >= o.onsetFrames) {
        this.inSpeech = true;
        this.voicedRun = 0;
        let start = this.firstVoicedHop;
        const limit = Math.max(this.prevSegEndHop, start - Math.ceil(o.backtrackMs / this.msPerHop), newest - this.histLen + 1, 0);
        while (start - 1 >= limit && this.energetic(start - 1, o.backtrackMarginDb)) start--;
        this.segStartHop = start;
        this.lastActiveHop = centre;
      }
      return;
    }
    // In speech: the centre hop of a voiced frame, or the newest hop if energetic, is active.
    void first;
    if (voiced) this.lastActiveHop = Math.max(this.lastActiveHop, centre);
    if (this.energetic(newest, o.energyMarginDb)) this.lastActiveHop = newest;
    if ((newest - this.lastActiveHop) * this.msPerHop >= o.offsetMs) this.closeSegment();
  }

  private closeSegment(): void {
    this.inSpeech = false;
    this.voicedRun = 0;
    const startMs = this.segStartHop * this.msPerHop;
    const endMs = (this.lastActiveHop + 1) * this.msPerHop;
    this.prevSegEndHop = this.lastActiveHop + 1;
    if (endMs - startMs >= this.options.minSegmentMs) this.out.push({ startMs: round3(startMs), endMs: round3(endMs) });
  }

  /** Whether the normalised autocorrelation of the current (analysis-rate) frame reaches `threshold` at some pitch lag. */
  // Only "is the best normalised autocorrelation ≥ threshold" is needed, so the search stops at
  // the first lag that reaches it, and it tries first the lags around the one that reached it in
  // the previous frame: pitch moves little from one 10 ms hop to the next, so voiced speech is
  // usually settled after a lag or three instead of dozens (the VAD runs on every received frame
  // of every call, hundreds at once in a load run). The answer is the same whatever the order.
  private periodic(threshold: number): boolean {
    const n = this.g.decFrameLen;
    const x = this.decRing;
    const b = this.decPos;
    const p = this.prefix;
    // the running sum in a register: through p[i] it would be a store-to-load chain per sample
    let e = 0;
    p[0] = 0;
    for (let i = 0; i < n; i++) {
      const v = x[b + i];
      e += v * v;
      p[i + 1] = e;
    }
    if (e <= 0) return 0 >= threshold;
    const { minLag, maxLag } = this.g;
    const hint = this.lastLag;
    let lo = maxLag + 1;
    let hi = minLag - 1;
    if (hint !== 0) {
      lo = Math.max(minLag, hint - LAG_HINT_SPAN);
      hi = Math.min(maxLag, hint + LAG_HINT_SPAN);
      for (let lag = lo; lag <= hi; lag++) {
        if (this.reaches(b, lag, threshold)) {
          this.lastLag = lag;
          return true;
        }
      }
    }
    for (let lag = minLag; lag <= maxLag; lag++) {
      if (lag === lo) {
        lag = hi;
        continue;
      }
      if (this.reaches(b, lag, threshold)) {
        this.lastLag = lag;
        return true;
      }
    }
    this.lastLag = 0;
    return 0 >= threshold;
  }

  /** Whether the normalised autocorrelation at `lag` of the frame at `b` in the ring reaches `threshold` (needs {@link periodic}'s prefix). */
  private reaches(b: number, lag: number, threshold: number): boolean {
    const x = this.decRing;
    const p = this.prefix;
    const n = this.g.decFrameLen;
    const m = n - lag;
    const den = Math.sqrt(p[m] * (p[n] - p[lag]));
    if (!(den > 0)) return false;
    // At half and three quarters of the sum, Cauchy–Schwarz bounds what the remaining products
    // can add: sqrt(energy of x[k, m) × energy of x[k + lag, n)). A lag whose partial sum plus
    // that bound stays below the threshold cannot reach it, and most lags of a loud frame that
    // is not voiced are settled there. The margin (1e-6 of the frame energy) is far above the
    // rounding of these sums, so an early "no" is always the answer the full sum would give.
    const need = threshold * den - BOUND_MARGIN * p[n];
    // four partial sums: one is a chain of dependent additions, and this is the VAD's inner loop
    // (the same sum rounded differently: a decision could only change where the correlation
    // equals the threshold to some fifteen digits)
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let i = b;
    const end = b + m;
    // checkpoints on the 4-product grid, so the sum is the same as without them
    const half = b + ((m >> 3) << 2);
    let check = half;
    for (; i + 3 < end; i += 4) {
      if (i === check) {
        const k = i - b;
        const rest = (p[m] - p[k]) * (p[n] - p[k + lag]);
        if (a0 + a1 + a2 + a3 + (rest > 0 ? Math.sqrt(rest) : 0) < need) return false;
        check = check === half ? b + (((3 * m) >> 4) << 2) : -1;
      }
      a0 += x[i] * x[i + lag];
      a1 += x[i + 1] * x[i + 1 + lag];
      a2 += x[i + 2] * x[i + 2 + lag];
      a3 += x[i + 3] * x[i + 3 + lag];
    }
    for (; i < end; i++) a0 += x[i] * x[i + lag];
    const acc = a0 + a1 + (a2 + a3);
    return acc > 0 && acc / den >= threshold;
  }
}

/** Lags either side of the previous frame's that {@link VoiceActivityDetector} tries first. */
const LAG_HINT_SPAN = 2;

/** Safety margin of the early rejection in {@link VoiceActivityDetector}, relative to the frame energy. */
const BOUND_MARGIN = 1e-6;

/** RBJ-cookbook Butterworth low-pass [b0, b1, b2, a1, a2]; identity when `hz` is 0. */
function lowpassBiquad(hz: number, rate: number): Float64Array {
  if (hz === 0) return Float64Array.of(1, 0, 0, 0, 0);
  const w = (2 * Math.PI * hz) / rate;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return Float64Array.of((1 - cos) / 2 / a0, (1 - cos) / a0, (1 - cos) / 2 / a0, (-2 * cos) / a0, (1 - alpha) / a0);
}

function toDb(meanSquare: number): number {
  // dBFS of a 16-bit signal; +1e-3 keeps digital silence finite (≈ −130 dBFS).
  return 10 * Math.log10((meanSquare + 1e-3) / (32768 * 32768));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One-shot VAD over a whole mono signal: the segments, in ms from its first sample. */
export function detectSpeech(pcm: Int16Array | Float32Array, sampleRate: number, options?: VadOptions): SpeechSegment[] {
  const vad = new VoiceActivityDetector(sampleRate, options);
  vad.push(pcm);
  return vad.end();
}
