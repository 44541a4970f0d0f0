import { downmixToMono } from './pcm';
import { AudioArgumentError } from './errors';

/**
 * Filter design: windowed-sinc low-pass (Kaiser window, β = 7.857 → ~80 dB stop-band) at the
 * upsampled rate R = from × L, cut off at 0.94 × the lower rate's Nyquist, 24 zero crossings of
 * the lower rate each side. At 8 kHz that passes 0–3.3 kHz flat and stops everything above
 * ~4.2 kHz, so no alias can land in the telephone band.
 */
const KAISER_BETA = 7.857;
const CUTOFF = 0.94;
const HALF_ZERO_CROSSINGS = 24;
const MAX_L = 1024;

interface Filter {
  /** Interpolation factor L and decimation factor M (L/M = to/from, reduced). */
  L: number;
  M: number;
  /** Half length in taps at rate R; the filter has 2H + 1 taps and delays by H. */
  H: number;
  /** Taps per polyphase branch. */
  T: number;
  /** Branch p, tap j at p × T + j, already scaled by L (so each branch has unity DC gain). */
  coeffs: Float64Array;
}

const filters = new Map<string, Filter>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series; converges fast for β < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function design(from: number, to: number): Filter {
  const key = `${from}/${to}`;
  const cached = filters.get(key);
  if (cached) return cached;
  const g = gcd(from, to);
  const L = to / g;
  const M = from / g;
  const R = from * L;
  const lower = Math.min(from, to);
  const H = Math.ceil((HALF_ZERO_CROSSINGS * R) / lower);
  const fc = (CUTOFF * lower) / 2 / R; // cycles per sample at R
  const n = 2 * H + 1;
  const h = new Float64Array(n);
  const i0b = besselI0(KAISER_BETA);
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const x = t - H;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const r = x / H;
    const w = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    h[t] = sinc * w;
    sum += h[t];
  }
  const T = Math.ceil(n / L);
  const coeffs = new Float64Array(L * T);
  for (let p = 0; p < L; p++) {
    for (let j = 0; j < T; j++) {
      const t = p + j * L;
      coeffs[p * T + j] = t < n ? (h[t] * L) / sum : 0;
    }
  }
  const f = { L, M, H, T, coeffs };
  filters.set(key, f);
  return f;
}

function checkRate(name: string, r: number): void {
  if (!Number.isInteger(r) || r < 1000 || r > 384_000) {
    throw new AudioArgumentError('AUDIO_UNSUPPORTED_RATE', `${name} must be an integer between 1000 and 384000 Hz`);
  }
}

/**
 * Streaming sample-rate converter for 16-bit mono PCM (polyphase windowed-sinc, real
 * anti-aliasing — see the design notes above). Any pair of integer rates whose reduced ratio has
 * an interpolation factor ≤ 1024 works (8/16/48 kHz in every direction, 44.1 kHz to any of them…).
 *
 * The filter's delay is compensated: output sample k is the input signal at time k / toRate,
 * so `process` chunks followed by `flush` give exactly the samples of one-shot {@link resamplePcm}
 * (bit-identical), `ceil(inputLength × to / from)` of them.
 */
export class Resampler {
  /** Input sample rate (Hz). */
  readonly fromRate: number;
  /** Output sample rate (Hz). */
  readonly toRate: number;
  private readonly f: Filter;
  /** Input history; `buf[0]` is absolute input index `bufStart` (negative indices are zero padding). */
  private buf: Int16Array;
  private bufStart: number;
  private bufLen: number;
  private inCount = 0;
  private nextOut = 0;
  private flushed = false;

  constructor(fromRate: number, toRate: number) {
    checkRate('fromRate', fromRate);
    checkRate('toRate', toRate);
    const g = gcd(fromRate, toRate);
    if (toRate / g > MAX_L) throw new AudioArgumentError('AUDIO_UNSUPPORTED_RATE', `ratio ${toRate}/${fromRate} needs too many filter phases`);
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.f = design(fromRate, toRate);
    this.buf = new Int16Array(this.f.T * 4 + 1024);
    this.bufStart = -(this.f.T - 1);
    this.bufLen = this.f.T - 1;
  }

  /** Feeds the next chunk; returns every output sample it completes (possibly none). */
  process(input: Int16Array): Int16Array {
    if (this.flushed) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'process after flush (call reset first)');
    this.append(input, input.length);
    this.inCount += input.length;
    // Output k needs input up to floor((k·M + H) / L); stop at the first one not yet available.
    const { L, M, H } = this.f;
    const last = Math.floor((this.inCount * L - 1 - H) / M); // largest k with top < inCount
    return this.produce(last + 1);
  }

  /** Ends the stream: returns the remaining output (the input is taken as silent beyond its end). */
  flush(): Int16Array {
    if (this.flushed) return new Int16Array(0);
    this.flushed = true;
    const { L, M, H } = this.f;
    const total = Math.ceil((this.inCount * L) / M);
    this.append(new Int16Array(Math.ceil(H / L) + 2), Math.ceil(H / L) + 2);
    return this.produce(total);
  }

  /** Forgets all state, ready for a new stream. */
  reset(): void {
    this.buf.fill(0);
    this.bufStart = -(this.f.T - 1);
    this.bufLen = this.f.T - 1;
    this.inCount = 0;
    this.nextOut = 0;
    this.flushed = false;
  }

  private append(src: Int16Array, n: number): void {
    // Drop history no future output can reach.
    const { L, M, H, T } = this.f;
    const oldestNeeded = Math.floor((this.nextOut * M + H) / L) - (T - 1);
    const drop = Math.min(Math.max(0, oldestNeeded - this.bufStart), this.bufLen);
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart += drop;
    }
    if (this.bufLen + n > this.buf.length) {
      const grown = new Int16Array(Math.max(this.buf.length * 2, this.bufLen + n));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(src.subarray(0, n), this.bufLen);
    this.bufLen += n;
  }

  private produce(end: number): Int16Array {
    const count = Math.max(0, end - this.nextOut);
    const out = new Int16Array(count);
    const { L, M, H, T, coeffs } = this.f;
    const buf = this.buf;
    for (let o = 0; o < count; o++) {
      const i = (this.nextOut + o) * M + H;
      const top = Math.floor(i / L);
      const base = (i - top * L) * T;
      let rel = top - this.bufStart;
      let acc = 0;
      for (let j = 0; j < T; j++, rel--) acc += coeffs[base + j] * buf[rel];
      const s = Math.round(acc);
      out[o] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
    this.nextOut += count;
    return out;
  }
}

/** One-shot conversion of a whole signal (same samples as streaming it through {@link Resampler}). */
export function resamplePcm(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) {
    checkRate('fromRate', fromRate);
    return input.slice();
  }
  const r = new Resampler(fromRate, toRate);
  const a = r.process(input);
  const b = r.flush();
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Prepares decoded WAV audio for sending: mixes it down to mono (channel average) and converts
 * it to `sampleRate` (e.g. a 44.1 kHz stereo prompt → 8 kHz mono for PCMU).
 */
export function wavToMonoPcm(wav: { samples: Int16Array; channels: number; sampleRate: number }, sampleRate: number): Int16Array {
  const mono = wav.channels === 1 ? wav.samples : downmixToMono(wav.samples, wav.channels);
  return wav.sampleRate === sampleRate ? mono.slice() : resamplePcm(mono, wav.sampleRate, sampleRate);
}
