import fc from 'fast-check';
import { CodecError } from '../../../../src/rtp/errors';
import { OpusCodec, OpusError, opusPacketSampleCount } from '../../../../src/rtp/codecs/opus';

const RATE = 48000;

function tone(freq: number, n: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / RATE));
  return out;
}

/** Aperiodic test signal (chirp 200 → 3000 Hz), so the alignment lag is unambiguous. */
function chirp(n: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  const dur = n / RATE;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    out[i] = Math.round(amp * Math.sin(2 * Math.PI * (200 * t + (2800 / (2 * dur)) * t * t)));
  }
  return out;
}

/** Encodes and decodes `x` in frames with one codec; returns the decoded signal. */
function roundTrip(x: Int16Array, c = new OpusCodec()): Int16Array {
  const y = new Int16Array(x.length * c.channels);
  const packet = new Uint8Array(1500);
  for (let i = 0; i < x.length; i += c.samplesPerFrame) {
    const n = c.encodeInto(x.subarray(i, i + c.samplesPerFrame), packet);
    c.decodeInto(packet.subarray(0, n), y.subarray(i * c.channels));
  }
  return y;
}

/** Normalised cross-correlation of x[i] with y[i + lag] over x[from…to). */
function correlation(x: Int16Array, y: Int16Array, lag: number, from: number, to: number): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = from; i < to; i++) {
    sxy += x[i] * y[i + lag];
    sxx += x[i] * x[i];
    syy += y[i + lag] * y[i + lag];
  }
  return sxy / Math.sqrt(sxx * syy);
}

function rms(a: Int16Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * a[i];
  return Math.sqrt(s / (to - from));
}

/** Frequency (Hz, 5 Hz steps) with the most energy in a[from…to), by a Goertzel scan. */
function dominantFrequency(a: Int16Array, from: number, to: number): number {
  let best = 0;
  let bestPower = -1;
  for (let f = 50; f <= 8000; f += 5) {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / RATE);
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < to; i++) {
      const s0 = a[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Opus's algorithmic delay at 48 kHz in VOIP mode (measured below). */
const LOOKAHEAD = 312;

describe('OpusCodec parameters (RFC 7587)', () => {
  it('is opus/48000, dynamic payload type 111 by default, 20 ms = 960 samples', () => {
    const c = new OpusCodec();
    expect([c.name, c.payloadType, c.clockRate, c.sampleRate, c.channels]).toEqual(['opus', 111, 48000, 48000, 1]);
    expect([c.ptimeMs, c.samplesPerFrame, c.timestampStep]).toEqual([20, 960, 960]);
    c.close();
  });

  it('takes the negotiated payload type, ptime and decode channels', () => {
    const c = new OpusCodec({ payloadType: 96, ptimeMs: 60, channels: 2 });
    expect([c.payloadType, c.samplesPerFrame, c.timestampStep, c.channels]).toEqual([96, 2880, 2880, 2]);
    c.close();
  });

  it('rejects bad options with CODEC_INVALID_OPTION', () => {
    for (const o of [{ payloadType: 128 }, { ptimeMs: 30 }, { ptimeMs: 2.5 }, { channels: 3 }, { bitrate: 100 }, { packetLossPercent: 101 }]) {
      const e = thrown(() => new OpusCodec(o));
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).code).toBe('CODEC_INVALID_OPTION');
    }
  });
});

describe('Opus encode → decode', () => {
  it.each([440, 1000, 3000])('a %d Hz tone keeps its frequency and energy', (freq) => {
    const x = tone(freq, RATE, 10000);
    const y = roundTrip(x);
    // Skip the first 100 ms (encoder start-up) and compare 0.5 s of steady state.
    expect(Math.abs(dominantFrequency(y, 4800, 28800) - freq)).toBeLessThanOrEqual(5);
    const ratio = rms(y, 4800, 48000) / rms(x, 4800, 48000);
    // Measured 1.000–1.001 at the default bitrate.
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  it(`output matches the input after the ${LOOKAHEAD}-sample lookahead (correlation ≥ 0.95)`, () => {
    const x = chirp(RATE, 10000);
    const y = roundTrip(x);
    let bestLag = 0;
    let best = -1;
    for (let lag = 0; lag <= 960; lag++) {
      const r = correlation(x, y, lag, 4800, RATE - 960);
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    // Measured: lag 312 samples = 6.5 ms (libopus lookahead at 48 kHz in VOIP mode), r = 0.997.
    expect(bestLag).toBe(LOOKAHEAD);
    expect(best).toBeGreaterThanOrEqual(0.95);
    expect(correlation(x, y, 0, 4800, RATE - 960)).toBeLessThan(0.5);
  });

  it('decodes a mono stream to identical left and right channels when asked for stereo', () => {
    const enc = new OpusCodec();
    const mono = new OpusCodec();
    const stereo = new OpusCodec({ channels: 2 });
    const x = chirp(9600, 8000);
    for (let i = 0; i < x.length; i += 960) {
      const p = enc.encode(x.subarray(i, i + 960));
      const m = mono.decode(p);
      const s = stereo.decode(p);
      expect(s).toHaveLength(1920);
      for (let k = 0; k < 960; k++) {
        expect(s[2 * k]).toBe(s[2 * k + 1]);
      }
      if (i > 0) expect(correlation(m, s.filter((_, k) => k % 2 === 0), 0, 0, 960)).toBeGreaterThan(0.99);
    }
    for (const c of [enc, mono, stereo]) c.close();
  });

  it('honours the bitrate option', () => {
    const sizes = (bitrate: number): number => {
      const c = new OpusCodec({ bitrate });
      const x = chirp(RATE, 10000);
      let total = 0;
      for (let i = 0; i < x.length; i += 960) total += c.encode(x.subarray(i, i + 960)).length;
      c.close();
      return (total * 8) / 1; // bits in one second
    };
    const low = sizes(16000);
    const high = sizes(64000);
    expect(low).toBeGreaterThan(16000 * 0.7);
    expect(low).toBeLessThan(16000 * 1.3);
    expect(high).toBeGreaterThan(64000 * 0.7);
    expect(high).toBeLessThan(64000 * 1.3);
  });

  it('concurrent instances do not disturb each other (opusscript wrapper bug regression)', () => {
    // Eight streams in lock-step, mono and stereo mixed, must give exactly what each gives alone.
    const make = (j: number): OpusCodec => new OpusCodec({ channels: j % 2 ? 2 : 1 });
    const step = (c: OpusCodec, j: number, k: number): string => {
      const p = c.encode(tone(300 + 200 * j, 960, 9000).map((v, i) => (i + k * 7) % 13 === 0 ? -v : v));
      return Buffer.from(p).toString('hex') + Buffer.from(c.decode(p).buffer).toString('hex');
    };
    const alone = Array.from({ length: 8 }, (_, j) => {
      const c = make(j);
      const r = Array.from({ length: 10 }, (_, k) => step(c, j, k));
      c.close();
      return r;
    });
    const codecs = Array.from({ length: 8 }, (_, j) => make(j));
    for (let k = 0; k < 10; k++) {
      for (let j = 0; j < 8; j++) expect(step(codecs[j], j, k)).toBe(alone[j][k]);
    }
    codecs.forEach((c) => c.close());
  });
});

describe('Opus bad input', () => {
  const c = new OpusCodec();
  afterAll(() => c.close());

  it.each([
    ['empty', []],
    ['code 3 without a frame count', [0x03]],
    ['code 3 with zero frames', [0x03, 0x00]],
    ['code 1 with an odd payload (two equal frames impossible)', [0x01, 0xaa]],
    ['code 2 with a first-frame length past the end', [0x02, 0xfb, 0x01]],
    ['more than 120 ms (code 3, 7 × 20 ms)', [0xfb, 0x07, 0, 0, 0, 0, 0, 0, 0]],
  ])('%s → OPUS_INVALID_PACKET', (_, bytes) => {
    const e = thrown(() => c.decode(Uint8Array.from(bytes)));
    expect(e).toBeInstanceOf(OpusError);
    expect((e as OpusError).code).toBe('OPUS_INVALID_PACKET');
  });

  it('a payload longer than any Opus packet → OPUS_INVALID_PACKET, without writing past the WASM buffer', () => {
    expect((thrown(() => c.decode(new Uint8Array(5000).fill(0x78))) as OpusError).code).toBe('OPUS_INVALID_PACKET');
  });

  it('random bytes either decode to the header’s sample count or give OPUS_INVALID_PACKET; the decoder keeps working', () => {
    const enc = new OpusCodec();
    const valid = enc.encode(tone(1000, 960, 8000));
    enc.close();
    const fresh = new OpusCodec();
    fresh.decode(valid);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (junk) => {
        const d = new OpusCodec({ channels: 2 });
        try {
          try {
            const y = d.decode(junk);
            expect(y.length).toBe(opusPacketSampleCount(junk) * 2);
          } catch (e) {
            expect(e).toBeInstanceOf(OpusError);
            expect((e as OpusError).code).toBe('OPUS_INVALID_PACKET');
          }
          expect(d.decode(valid)).toHaveLength(1920);
        } finally {
          d.close();
        }
      }),
      { numRuns: 300 },
    );
    fresh.close();
  });

  it('wrong frame length → OPUS_BAD_FRAME; short output buffers → CODEC_BUFFER_TOO_SMALL', () => {
    expect((thrown(() => c.encode(new Int16Array(959))) as OpusError).code).toBe('OPUS_BAD_FRAME');
    const p = c.encode(tone(1000, 960, 8000));
    expect((thrown(() => c.encodeInto(tone(1000, 960, 8000), new Uint8Array(2))) as CodecError).code).toBe('CODEC_BUFFER_TOO_SMALL');
    // The size check happens before decoding, so the state is untouched by the failed call.
    const a = new OpusCodec();
    const b = new OpusCodec();
    expect((thrown(() => a.decodeInto(p, new Int16Array(959))) as CodecError).code).toBe('CODEC_BUFFER_TOO_SMALL');
    expect(a.decode(p)).toEqual(b.decode(p));
    a.close();
    b.close();
  });
});

describe('opusPacketSampleCount (RFC 6716 §3.1)', () => {
  it.each([
    [[0x78], 960], // config 15: hybrid FB 20 ms, code 0
    [[0x08], 960], // config 1: SILK NB 20 ms
    [[0x18], 2880], // config 3: SILK NB 60 ms
    [[0xf8], 960], // config 31: CELT FB 20 ms
    [[0x80], 120], // config 16: CELT NB 2.5 ms
    [[0xf9], 1920], // code 1: two frames
    [[0xfb, 0x06], 5760], // code 3: six 20 ms frames = 120 ms
    [[0xfb, 0x07], -1], // 140 ms is over the limit
    [[0xfb], -1],
    [[], -1],
  ])('%j → %d', (bytes, n) => {
    expect(opusPacketSampleCount(Uint8Array.from(bytes))).toBe(n);
  });
});

describe('OpusCodec.close()', () => {
  it('is idempotent and makes further use a typed error', () => {
    const c = new OpusCodec();
    c.close();
    c.close();
    expect(c.closed).toBe(true);
    expect((thrown(() => c.encode(new Int16Array(960))) as OpusError).code).toBe('OPUS_CLOSED');
    expect((thrown(() => c.decode(Uint8Array.of(0x78))) as OpusError).code).toBe('OPUS_CLOSED');
  });
});
