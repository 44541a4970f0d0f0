import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readWav } from '../../../src/audio/wav-reader';
import { resamplePcm, Resampler, wavToMonoPcm } from '../../../src/audio/resampler';

function tone(freq: number, rate: number, seconds: number, amplitude: number): Int16Array {
  const n = Math.round(rate * seconds);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate)));
}

/** Least-squares fit of a sine at `freq` over the middle of `y` (edges skipped): amplitude, phase, SNR of the rest. */
function fitTone(y: Int16Array, freq: number, rate: number, skipSeconds = 0.05) {
  const skip = Math.round(rate * skipSeconds);
  let a = 0;
  let b = 0;
  let n = 0;
  for (let i = skip; i < y.length - skip; i++, n++) {
    const w = (2 * Math.PI * freq * i) / rate;
    a += y[i] * Math.sin(w);
    b += y[i] * Math.cos(w);
  }
  a = (2 * a) / n;
  b = (2 * b) / n;
  let sig = 0;
  let res = 0;
  for (let i = skip; i < y.length - skip; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    const fit = a * Math.sin(w) + b * Math.cos(w);
    sig += fit * fit;
    res += (y[i] - fit) ** 2;
  }
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(b, a), snrDb: 10 * Math.log10(sig / Math.max(res, 1e-9)) };
}

function rms(y: Int16Array, skipSamples: number): number {
  let s = 0;
  let n = 0;
  for (let i = skipSamples; i < y.length - skipSamples; i++, n++) s += y[i] * y[i];
  return Math.sqrt(s / n);
}

const directions: [number, number][] = [
  [8000, 16000],
  [16000, 8000],
  [8000, 48000],
  [48000, 8000],
  [16000, 48000],
  [48000, 16000],
];

describe('Resampler: a 1 kHz tone survives every direction', () => {
  test.each(directions)('%i → %i Hz', (from, to) => {
    const x = tone(1000, from, 0.5, 10000);
    const y = resamplePcm(x, from, to);
    expect(y.length).toBe(Math.ceil((x.length * to) / from));
    const f = fitTone(y, 1000, to);
    expect(Math.abs(20 * Math.log10(f.amplitude / 10000))).toBeLessThan(0.05); // dB
    expect(Math.abs(f.phase)).toBeLessThan(0.005); // radians: the filter delay is compensated
    expect(f.snrDb).toBeGreaterThan(70); // no images, no aliases, no distortion above 16-bit noise
  });
});

describe('Resampler: real anti-aliasing', () => {
  const cases: [number, number, number][] = [
    [6000, 16000, 8000],
    [5000, 48000, 8000],
    [4300, 48000, 8000],
    [4500, 16000, 8000],
    [10000, 48000, 16000],
    [20000, 48000, 16000],
  ];
  test.each(cases)('%i Hz from %i to %i Hz is attenuated by ≥ 40 dB', (freq, from, to) => {
    const x = tone(freq, from, 0.5, 16000);
    const y = resamplePcm(x, from, to);
    const attenuationDb = 20 * Math.log10(rms(y, Math.round(to * 0.05)) / rms(x, Math.round(from * 0.05)));
    expect(attenuationDb).toBeLessThan(-40);
  });

  test('a 3.3 kHz tone (top of the telephone band) passes 48 → 8 kHz within 0.5 dB', () => {
    const y = resamplePcm(tone(3300, 48000, 0.5, 10000), 48000, 8000);
    expect(Math.abs(20 * Math.log10(fitTone(y, 3300, 8000).amplitude / 10000))).toBeLessThan(0.5);
  });

  test('sample dropping would fail this: 16 → 8 kHz of 7 kHz is not folded to 1 kHz', () => {
    const y = resamplePcm(tone(7000, 16000, 0.5, 16000), 16000, 8000);
    expect(fitTone(y, 1000, 8000).amplitude).toBeLessThan(16000 * 0.01);
  });
});

describe('Resampler streaming', () => {
  test.each(directions)('%i → %i: any chunking gives the one-shot samples exactly', (from, to) => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 0, maxLength: 700 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 30 }),
        (samples, cuts) => {
          const x = Int16Array.from(samples);
          const whole = resamplePcm(x, from, to);
          const r = new Resampler(from, to);
          const parts: number[] = [];
          let off = 0;
          for (const c of cuts) {
            if (off >= x.length) break;
            parts.push(...r.process(x.subarray(off, off + c)));
            off += c;
          }
          parts.push(...r.process(x.subarray(off)));
          parts.push(...r.flush());
          return parts.length === whole.length && parts.every((v, i) => v === whole[i]);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('20 ms frames in real time: latency is bounded and reset() restarts cleanly', () => {
    const r = new Resampler(8000, 48000);
    const x = tone(1000, 8000, 0.2, 8000);
    let got = 0;
    for (let k = 0; k < 10; k++) {
      got += r.process(x.subarray(k * 160, (k + 1) * 160)).length;
      expect((k + 1) * 960 - got).toBeLessThanOrEqual(6 * 25); // at most ~25 input samples held back
    }
    r.flush();
    expect(() => r.process(x)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    r.reset();
    const again = [...r.process(x), ...r.flush()];
    expect(again).toEqual([...resamplePcm(x, 8000, 48000)]);
  });

  test('clipping instead of wrap-around on full-scale square waves', () => {
    const sq = Int16Array.from({ length: 800 }, (_, i) => (Math.floor(i / 20) % 2 ? 32767 : -32768));
    const y = resamplePcm(sq, 8000, 48000);
    let bad = 0;
    for (let i = 1; i < y.length; i++) if (Math.abs(y[i] - y[i - 1]) > 40000) bad++;
    expect(bad).toBe(0);
  });

  test('invalid rates are typed errors; equal rates copy', () => {
    expect(() => new Resampler(0, 8000)).toThrow(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_RATE' }));
    expect(() => new Resampler(8000, 8000.5)).toThrow(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_RATE' }));
    expect(() => new Resampler(8000, 1e6)).toThrow(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_RATE' }));
    expect(() => new Resampler(8001, 48000)).toThrow(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_RATE' }));
    const x = Int16Array.from([1, 2, 3]);
    const y = resamplePcm(x, 8000, 8000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  test('44.1 kHz WAV material converts to 8 kHz too', () => {
    const y = resamplePcm(tone(1000, 44100, 0.3, 10000), 44100, 8000);
    const f = fitTone(y, 1000, 8000);
    expect(f.snrDb).toBeGreaterThan(60);
    expect(Math.abs(f.amplitude - 10000)).toBeLessThan(50);
  });
});

describe('wavToMonoPcm', () => {
  test('a 44.1 kHz stereo SoX file becomes 8 kHz mono with its tones intact', () => {
    const wav = readWav(readFileSync(`${__dirname}/../../fixtures/audio/pcm_s16_stereo_44k1.wav`));
    const pcm = wavToMonoPcm(wav, 8000);
    expect(pcm.length).toBe(Math.ceil((4410 * 8000) / 44100));
    // left 440 Hz and right 660 Hz at 0.7 full scale, averaged: each ≈ 0.35 × 32767 (sox's 'vol' is linear)
    // 0.1 s of audio: fit over 0.01–0.09 s (a whole number of cycles of neither, hence the tolerance)
    const a440 = fitTone(pcm, 440, 8000, 0.01).amplitude;
    const a660 = fitTone(pcm, 660, 8000, 0.01).amplitude;
    expect(a440 / 32767).toBeGreaterThan(0.33);
    expect(a440 / 32767).toBeLessThan(0.37);
    expect(a660 / 32767).toBeGreaterThan(0.33);
    expect(a660 / 32767).toBeLessThan(0.37);
    const same = wavToMonoPcm({ samples: Int16Array.from([1, 3, 5, 7]), channels: 2, sampleRate: 8000 }, 8000);
    expect(Array.from(same)).toEqual([2, 6]);
  });
});
