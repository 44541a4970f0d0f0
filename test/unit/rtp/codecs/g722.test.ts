import fc from 'fast-check';
import { SipprobeError } from '../../../../src/errors';
import { CodecError } from '../../../../src/rtp/errors';
import { G722Codec, G722Decoder, G722Encoder, G722Error } from '../../../../src/rtp/codecs/g722';

const RATE = 16000;

function tone(freq: number, n: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / RATE));
  return out;
}

/** Linear chirp f0 → f1 over n samples. */
function sweep(f0: number, f1: number, n: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  const dur = n / RATE;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    out[i] = Math.round(amp * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) / (2 * dur)) * t * t)));
  }
  return out;
}

/** SNR (dB) of out[i + delay] against ref[i] over ref[from…to). */
function snrDb(ref: Int16Array, out: Int16Array, delay: number, from: number, to = ref.length): number {
  let sig = 0;
  let err = 0;
  for (let i = from; i < to && i + delay < out.length; i++) {
    const d = out[i + delay] - ref[i];
    sig += ref[i] * ref[i];
    err += d * d;
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-9));
}

function roundTrip(pcm: Int16Array): Int16Array {
  const c = new G722Codec();
  return c.decode(c.encode(pcm));
}

/** Transmit + receive QMF delay in samples, measured (see "codec delay" below). */
const DELAY = 22;
/** Skip the first 50 ms while the scale factors adapt from their reset values. */
const SETTLE = 800;

describe('G722Codec parameters (RFC 3551 §4.5.2)', () => {
  it('is payload type 9 with an 8000 Hz RTP clock but 16 kHz audio', () => {
    const c = new G722Codec();
    expect([c.name, c.payloadType, c.clockRate, c.sampleRate, c.channels]).toEqual(['G722', 9, 8000, 16000, 1]);
    expect([c.ptimeMs, c.samplesPerFrame, c.timestampStep]).toEqual([20, 320, 160]);
    expect(c.encode(new Int16Array(320))).toHaveLength(160);
    expect(c.decode(new Uint8Array(160))).toHaveLength(320);
  });

  it('scales the frame with ptime and accepts a remapped payload type', () => {
    const c = new G722Codec({ ptimeMs: 30, payloadType: 104 });
    expect([c.payloadType, c.samplesPerFrame, c.timestampStep]).toEqual([104, 480, 240]);
  });

  it('rejects bad options with a typed error', () => {
    for (const o of [{ payloadType: 128 }, { payloadType: -1 }, { payloadType: 1.5 }, { ptimeMs: 0 }, { ptimeMs: 2.5 }]) {
      expect(() => new G722Codec(o)).toThrow(expect.objectContaining({ code: 'CODEC_INVALID_OPTION' }));
    }
  });
});

describe('G.722 encode → decode quality', () => {
  // Floors are ~5 dB under the values measured with this implementation (which is bit-exact with
  // ffmpeg, see g722-ffmpeg-fixtures.test.ts): at −6 dBFS 300 Hz 63.5, 1 kHz 47.6, 3 kHz 41.4,
  // 6 kHz 27.3 dB; at −20 dBFS 56.9, 46.5, 41.5, 26.2 dB. The higher band (4–8 kHz) has only
  // 2 bits per sample, hence the lower figure at 6 kHz.
  const cases: Array<[number, number, number]> = [
    [300, 16384, 58], [1000, 16384, 42], [3000, 16384, 36], [6000, 16384, 22],
    [300, 3277, 51], [1000, 3277, 41], [3000, 3277, 36], [6000, 3277, 21],
  ];
  it.each(cases)('%d Hz tone at peak %d keeps SNR ≥ %d dB', (freq, amp, floor) => {
    const x = tone(freq, RATE, amp);
    expect(snrDb(x, roundTrip(x), DELAY, SETTLE)).toBeGreaterThanOrEqual(floor);
  });

  it('a 50 Hz → 7450 Hz sweep keeps SNR ≥ 21 dB overall and ≥ 37 dB below 3.75 kHz', () => {
    // Measured 26.0 dB overall, 42.9 dB over the first half (50 → 3750 Hz).
    const x = sweep(50, 7450, RATE, 16384);
    const y = roundTrip(x);
    expect(snrDb(x, y, DELAY, SETTLE)).toBeGreaterThanOrEqual(21);
    expect(snrDb(x, y, DELAY, SETTLE, RATE / 2)).toBeGreaterThanOrEqual(37);
  });

  it('codec delay is 22 samples: the alignment that maximises SNR', () => {
    const x = sweep(100, 6000, RATE, 12000);
    const y = roundTrip(x);
    const snrs = [18, 19, 20, 21, 22, 23, 24, 25, 26].map((d) => snrDb(x, y, d, SETTLE));
    expect(snrs.indexOf(Math.max(...snrs)) + 18).toBe(DELAY);
    // Misaligned by one sample the signal no longer matches: the peak is sharp.
    expect(Math.max(...snrs) - Math.max(snrs[3], snrs[5])).toBeGreaterThan(10);
  });

  it('silence stays silence and a near-silent input stays near silent', () => {
    // Idle-channel noise of ADPCM: the smallest codes still reconstruct ±a few LSB. Measured
    // peak 4, RMS 1.36 (−88 dBFS); a 4-LSB tone comes back with peak 15 (−67 dBFS).
    const zero = roundTrip(new Int16Array(RATE));
    let energy = 0;
    for (const v of zero) energy += v * v;
    expect(Math.max(...zero.map(Math.abs))).toBeLessThanOrEqual(4);
    expect(Math.sqrt(energy / zero.length)).toBeLessThanOrEqual(2);
    const y = roundTrip(tone(1000, RATE, 4));
    expect(Math.max(...y.subarray(SETTLE).map(Math.abs))).toBeLessThanOrEqual(32);
  });
});

describe('G.722 state', () => {
  it('encoding in 20 ms frames equals encoding in one block, and so does decoding', () => {
    const x = sweep(50, 7450, RATE, 8000);
    const whole = new G722Codec().encode(x);
    const c = new G722Codec();
    const framed = new Uint8Array(whole.length);
    for (let i = 0; i < x.length; i += 320) framed.set(c.encode(x.subarray(i, i + 320)), i / 2);
    expect(Buffer.from(framed).equals(Buffer.from(whole))).toBe(true);

    const d = new G722Codec();
    const decFramed = new Int16Array(x.length);
    for (let i = 0; i < whole.length; i += 160) decFramed.set(d.decode(whole.subarray(i, i + 160)), i * 2);
    expect(decFramed).toEqual(new G722Codec().decode(whole));
  });

  it('any split of the stream gives the same bytes and samples (property)', () => {
    const x = sweep(200, 7000, RATE, 3200);
    const ref = new G722Codec().encode(x);
    const refPcm = new G722Codec().decode(ref);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const enc = new G722Encoder();
        const dec = new G722Decoder();
        const bytes = new Uint8Array(ref.length);
        const pcm = new Int16Array(refPcm.length);
        let at = 0;
        for (let k = 0; at < ref.length; k++) {
          const n = Math.min(sizes[k % sizes.length], ref.length - at);
          enc.encodeRange(x, 2 * at, 2 * (at + n), bytes, at);
          dec.decodeRange(bytes, at, at + n, pcm, 2 * at);
          at += n;
        }
        return Buffer.from(bytes).equals(Buffer.from(ref)) && Buffer.from(pcm.buffer).equals(Buffer.from(refPcm.buffer));
      }),
      { numRuns: 100 },
    );
  });

  it('instances do not share state, and reset() returns to the initial state', () => {
    const x = tone(1000, 640, 8000);
    const a = new G722Codec();
    const b = new G722Codec();
    const first = a.encode(x);
    a.encode(tone(3000, 640, 20000));
    expect(b.encode(x)).toEqual(first);
    a.reset();
    expect(a.encode(x)).toEqual(first);
    expect(a.encode(x)).not.toEqual(first);
  });
});

describe('G.722 buffers and errors', () => {
  it('encodeInto/decodeInto write into the caller buffer and return counts', () => {
    const x = tone(440, 320, 10000);
    const out = new Uint8Array(200).fill(0xaa);
    expect(new G722Codec().encodeInto(x, out)).toBe(160);
    expect(out.subarray(0, 160)).toEqual(new G722Codec().encode(x));
    expect(out[160]).toBe(0xaa);
    const pcm = new Int16Array(400).fill(7);
    expect(new G722Codec().decodeInto(out.subarray(0, 160), pcm)).toBe(320);
    expect(pcm.subarray(0, 320)).toEqual(new G722Codec().decode(out.subarray(0, 160)));
    expect(pcm[320]).toBe(7);
  });

  it('odd sample counts and short output buffers give typed errors', () => {
    const c = new G722Codec();
    const err = (f: () => unknown): unknown => {
      try { f(); } catch (e) { return e; }
      return undefined;
    };
    const odd = err(() => c.encode(new Int16Array(321)));
    expect(odd).toBeInstanceOf(G722Error);
    expect(odd).toBeInstanceOf(SipprobeError);
    expect((odd as G722Error).code).toBe('G722_ODD_LENGTH');
    const short = err(() => c.encodeInto(new Int16Array(320), new Uint8Array(159)));
    expect(short).toBeInstanceOf(CodecError);
    expect((short as CodecError).code).toBe('CODEC_BUFFER_TOO_SMALL');
    expect((err(() => c.decodeInto(new Uint8Array(160), new Int16Array(319))) as CodecError).code).toBe('CODEC_BUFFER_TOO_SMALL');
  });

  it('empty input gives empty output', () => {
    const c = new G722Codec();
    expect(c.encode(new Int16Array(0))).toHaveLength(0);
    expect(c.decode(new Uint8Array(0))).toHaveLength(0);
  });

  it('decodes arbitrary bytes without throwing, two samples per byte (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const y = new G722Codec().decode(bytes);
        return y.length === 2 * bytes.length && y.every((v) => Number.isInteger(v) && v >= -32768 && v <= 32767);
      }),
      { numRuns: 200 },
    );
  });

  it('recovers after garbage: the ADPCM loop re-converges on a valid stream', () => {
    // A decoder fed garbage, then the middle of a valid stream, must lock on again: the
    // predictor and scale factors are leaky, so the state from the garbage fades.
    const garbage = Uint8Array.from({ length: 800 }, (_, i) => (i * 197 + 31) & 0xff);
    const x = tone(1000, 2 * RATE, 8000);
    const stream = new G722Codec().encode(x);
    const d = new G722Codec();
    d.decode(garbage);
    const y = d.decode(stream);
    // Measured: the first 100 ms still carry the garbage, from 200 ms on SNR ≥ 45 dB.
    expect(snrDb(x, y, DELAY, RATE / 5)).toBeGreaterThanOrEqual(40);
  });

  it('full-scale square waves and white noise encode without overflow and decode bounded', () => {
    const sq = Int16Array.from({ length: RATE }, (_, i) => ((i >> 5) & 1 ? 32767 : -32768));
    const y = roundTrip(sq);
    expect(y).toHaveLength(RATE);
    // A square wave is not band-limited, so only the shape is checked: same sign most of the time.
    let same = 0;
    for (let i = SETTLE; i < RATE - DELAY; i++) if (Math.sign(y[i + DELAY]) === Math.sign(sq[i])) same++;
    expect(same / (RATE - DELAY - SETTLE)).toBeGreaterThan(0.9);
  });
});
