import fc from 'fast-check';
import { VoiceActivityDetector, detectSpeech, MetricsArgumentError } from '../../../src/metrics';
import { addNoise, addVoice } from './synth';

const RATE = 8000;

function silence(ms: number, rate = RATE): Int16Array {
  return new Int16Array(Math.round((ms * rate) / 1000));
}

describe('detectSpeech on synthetic audio', () => {
  it('finds a voiced burst within one hop of its true edges in mild noise', () => {
    const buf = silence(3000);
    addNoise(buf, 30, 1);
    addVoice(buf, RATE, 1000, 2000);
    const segs = detectSpeech(buf, RATE);
    expect(segs).toHaveLength(1);
    expect(Math.abs(segs[0].startMs - 1000)).toBeLessThanOrEqual(20);
    expect(Math.abs(segs[0].endMs - 2000)).toBeLessThanOrEqual(30);
  });

  it('finds nothing in white noise, even loud, and nothing in digital silence', () => {
    const noise = silence(4000);
    addNoise(noise, 3000, 7);
    expect(detectSpeech(noise, RATE)).toEqual([]);
    expect(detectSpeech(silence(2000), RATE)).toEqual([]);
    expect(detectSpeech(new Int16Array(0), RATE)).toEqual([]);
  });

  it('does not fire on a noise step (comfort noise → louder background), energy-only does', () => {
    const buf = silence(4000);
    addNoise(buf, 40, 3, 0, 8000); // comfort noise for 1 s
    addNoise(buf, 1200, 4, 8000, buf.length); // then a 30 dB louder background
    expect(detectSpeech(buf, RATE)).toEqual([]);
    expect(detectSpeech(buf, RATE, { usePeriodicity: false }).length).toBeGreaterThan(0);
  });

  it('merges bursts closer than offsetMs and splits farther ones', () => {
    const buf = silence(4000);
    addNoise(buf, 20, 2);
    addVoice(buf, RATE, 500, 1000);
    addVoice(buf, RATE, 1150, 1500); // 150 ms gap: merged
    addVoice(buf, RATE, 2000, 2500); // 500 ms gap: separate
    const segs = detectSpeech(buf, RATE);
    expect(segs).toHaveLength(2);
    expect(segs[0].startMs).toBeLessThanOrEqual(520);
    expect(segs[0].endMs).toBeGreaterThanOrEqual(1480);
    expect(segs[1].startMs).toBeGreaterThanOrEqual(1980);
    const split = detectSpeech(buf, RATE, { offsetMs: 100 });
    expect(split).toHaveLength(3);
  });

  it('ignores a click shorter than a pitch period', () => {
    const buf = silence(2000);
    addNoise(buf, 20, 5);
    addVoice(buf, RATE, 1000, 1006); // a click, shorter than one pitch period
    expect(detectSpeech(buf, RATE)).toEqual([]);
  });

  it('works at 16 and 48 kHz with the same answer as at 8 kHz (within one hop)', () => {
    for (const rate of [16000, 48000]) {
      const buf = silence(3000, rate);
      addNoise(buf, 30, 9);
      addVoice(buf, rate, 700, 1900, 180);
      const segs = detectSpeech(buf, rate);
      expect(segs).toHaveLength(1);
      expect(Math.abs(segs[0].startMs - 700)).toBeLessThanOrEqual(20);
      expect(Math.abs(segs[0].endMs - 1900)).toBeLessThanOrEqual(30);
    }
  });

  it('accepts Float32Array (±1.0) with the same result as Int16Array, NaN counts as silence', () => {
    const buf = silence(3000);
    addNoise(buf, 30, 11);
    addVoice(buf, RATE, 1200, 2200);
    const f = Float32Array.from(buf, (v) => v / 32768);
    expect(detectSpeech(f, RATE)).toEqual(detectSpeech(buf, RATE));
    const nan = new Float32Array(16000).fill(NaN);
    expect(detectSpeech(nan, RATE)).toEqual([]);
  });
});

describe('VoiceActivityDetector streaming', () => {
  it('gives the same segments for any chunking (property)', () => {
    const buf = silence(5000);
    addNoise(buf, 60, 21);
    addVoice(buf, RATE, 600, 1500, 120);
    addVoice(buf, RATE, 2300, 2600, 220);
    addVoice(buf, RATE, 3400, 4700, 160);
    const whole = detectSpeech(buf, RATE);
    expect(whole).toHaveLength(3);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 30 }), (cuts) => {
        const vad = new VoiceActivityDetector(RATE);
        const got = [];
        let pos = 0;
        let k = 0;
        while (pos < buf.length) {
          const n = cuts[k++ % cuts.length];
          vad.push(buf.subarray(pos, pos + n));
          got.push(...vad.takeSegments());
          pos += n;
        }
        got.push(...vad.end());
        expect(got).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('releases a segment once its offset is confirmed, before the end of the audio', () => {
    const buf = silence(3000);
    addNoise(buf, 20, 8);
    addVoice(buf, RATE, 500, 1000);
    const vad = new VoiceActivityDetector(RATE);
    vad.push(buf.subarray(0, Math.round(1.3 * RATE))); // 300 ms after the end > 200 ms offset
    const early = vad.takeSegments();
    expect(early).toHaveLength(1);
    vad.push(buf.subarray(Math.round(1.3 * RATE)));
    expect(vad.end()).toEqual([]);
    expect(vad.stats.frames).toBeGreaterThan(290);
    expect(vad.stats.voicedFrames).toBeGreaterThan(40);
  });

  it('needs onsetFrames consecutive voiced frames: a 40 ms burst passes with 1, not with 8', () => {
    const buf = silence(2000);
    addNoise(buf, 20, 5);
    addVoice(buf, RATE, 1000, 1040);
    expect(detectSpeech(buf, RATE, { onsetFrames: 1 })).toHaveLength(1);
    expect(detectSpeech(buf, RATE, { onsetFrames: 8 })).toEqual([]);
  });

  it('closes a segment still open at the end', () => {
    const buf = silence(1500);
    addVoice(buf, RATE, 1000, 1500);
    const segs = detectSpeech(buf, RATE);
    expect(segs).toHaveLength(1);
    expect(segs[0].endMs).toBeGreaterThanOrEqual(1450);
  });

  it('refuses push after end', () => {
    const vad = new VoiceActivityDetector(RATE);
    vad.end();
    expect(() => vad.push(new Int16Array(10))).toThrow(MetricsArgumentError);
  });
});

describe('VAD options validation', () => {
  const cases: Array<[number, Record<string, unknown>]> = [
    [7999.5, {}],
    [0, {}],
    [8000, { frameMs: 25 }],
    [8000, { hopMs: 0 }],
    [8000, { minPitchHz: 500 }],
    [8000, { maxPitchHz: 5000 }],
    [8000, { onsetFrames: 0 }],
    [8000, { onsetFrames: 2.5 }],
    [8000, { offsetMs: -1 }],
    [8000, { periodicityThreshold: 0 }],
    [8000, { periodicityThreshold: NaN }],
    [8000, { usePeriodicity: 'yes' }],
    [8000, { pitchLowpassHz: 300 }],
    [8000, { frameMs: 10, minPitchHz: 70 }],
  ];
  it.each(cases)('rate %p options %p → METRICS_BAD_ARGUMENT', (rate, opts) => {
    try {
      new VoiceActivityDetector(rate, opts as never);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(MetricsArgumentError);
      expect((e as MetricsArgumentError).code).toBe('METRICS_BAD_ARGUMENT');
    }
  });
});
