/**
 * Voicemail beep detection on synthetic tones and on the speech fixtures (eSpeak NG utterances,
 * see test/fixtures/metrics/README.md), through G.711 where a call would carry them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../../src/audio/wav-reader';
import { analyzeTone, BeepDetector, type BeepDetection, type BeepDetectorOptions } from '../../../src/metrics/beep';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../../../src/rtp/codecs/g711';
import { concatPcm } from '../../helpers/pcm';

const SR = 8000;
const FRAME = 160; // 20 ms

function tone(freqs: number[], ms: number, amplitude = 8000, sampleRate = SR): Int16Array {
  const n = Math.round((sampleRate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / sampleRate);
    out[i] = Math.round((amplitude * v) / freqs.length);
  }
  return out;
}

const ulaw = (pcm: Int16Array): Int16Array => decodeMulaw(encodeMulaw(pcm));
const alaw = (pcm: Int16Array): Int16Array => decodeAlaw(encodeAlaw(pcm));
const fixture = (path: string): Int16Array => readWav(readFileSync(path)).samples;
const GREETING = fixture(join(__dirname, '../../../assets/greeting-8k.wav'));
const UTTERANCES = [1, 2, 3, 4, 5, 6].map((k) => fixture(join(__dirname, `../../fixtures/metrics/utt${k}.wav`)));

/** Feeds `pcm` in frames of `frame` samples, timed from `t0`; every detection, the end's too. */
function detect(pcm: Int16Array, options?: BeepDetectorOptions, frame = FRAME, sampleRate = SR, t0 = 0): BeepDetection[] {
  const d = new BeepDetector(sampleRate, options);
  const out: BeepDetection[] = [];
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    const r = d.push(pcm.subarray(i, i + frame), t0 + (i * 1000) / sampleRate);
    if (r) out.push(r);
  }
  const r = d.end();
  if (r) out.push(r);
  return out;
}

const greetingMs = (GREETING.length * 1000) / SR;

describe('analyzeTone', () => {
  it('a pure tone: its frequency within 0.5 % and a purity of about 1, at its level', () => {
    for (const f of [400, 440, 1000, 1400, 2000]) {
      const a = analyzeTone(tone([f], 20), SR);
      expect(Math.abs(a.frequencyHz - f) / f).toBeLessThan(0.005);
      expect(a.purity).toBeGreaterThan(0.95);
      expect(a.purity).toBeLessThan(1.05);
      // a sine of amplitude 8000 has an RMS of 8000/√2
      expect(a.levelDbfs).toBeCloseTo(20 * Math.log10(8000 / Math.SQRT2 / 32768), 1);
    }
  });

  it('a dual tone (DTMF 5) and noise are not pure', () => {
    expect(analyzeTone(tone([770, 1336], 20), SR).purity).toBeLessThan(0.6);
    let seed = 7;
    const noise = Int16Array.from({ length: FRAME }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 16000) - 8000);
    expect(analyzeTone(noise, SR).purity).toBeLessThan(0.3);
  });

  it('below a given level: the frequency, but no purity pass', () => {
    const quiet = analyzeTone(tone([1000], 20, 100), SR, -40);
    expect(Math.abs(quiet.frequencyHz - 1000)).toBeLessThan(5);
    expect(quiet.purity).toBe(0);
    expect(analyzeTone(tone([1000], 20, 100), SR).purity).toBeGreaterThan(0.95);
  });

  it('silence and empty frames: no frequency, no purity', () => {
    expect(analyzeTone(new Int16Array(FRAME), SR)).toEqual({ levelDbfs: -Infinity, frequencyHz: NaN, purity: 0 });
    expect(analyzeTone(new Int16Array(0), SR)).toEqual({ levelDbfs: -Infinity, frequencyHz: NaN, purity: 0 });
  });
});

describe('BeepDetector', () => {
  it('greeting then a 1000 Hz beep, through µ-law: one beep, where and as long as it was', () => {
    const d = detect(ulaw(concatPcm(GREETING, tone([1000], 500))));
    expect(d).toHaveLength(1);
    expect(d[0].frequencyHz).toBe(1000);
    // the frame holding the greeting's end is not pure: the beep starts on the next frame
    expect(d[0].startMs).toBeGreaterThanOrEqual(greetingMs);
    expect(d[0].startMs).toBeLessThanOrEqual(greetingMs + 20);
    expect(d[0].endMs - d[0].startMs).toBeGreaterThanOrEqual(460);
    expect(d[0].endMs - d[0].startMs).toBeLessThanOrEqual(500);
  });

  it('a quiet 440 Hz beep through A-law, a 2000 Hz one at 16 kHz in 30 ms frames', () => {
    expect(detect(alaw(concatPcm(GREETING, tone([440], 300, 800))))[0]?.frequencyHz).toBe(440);
    const wide = concatPcm(upsample(GREETING), tone([2000], 400, 6000, 16000));
    const d = detect(wide, undefined, 480, 16000);
    expect(d).toHaveLength(1);
    expect(d[0].frequencyHz).toBe(2000);
  });

  it('reports the beep on the first frame past the gap allowance after it, or at the end of the audio while it is on', () => {
    const pushAll = (pcm: Int16Array): { det: BeepDetector; at: number[] } => {
      const det = new BeepDetector(SR);
      const at: number[] = [];
      for (let i = 0; i + FRAME <= pcm.length; i += FRAME) if (det.push(pcm.subarray(i, i + FRAME), i / 8)) at.push(i / 8);
      return { det, at };
    };
    const on = pushAll(concatPcm(GREETING, tone([1000], 400)));
    expect(on.at).toEqual([]);
    expect(on.det.end()?.frequencyHz).toBe(1000);
    const off = pushAll(concatPcm(GREETING, tone([1000], 400), new Int16Array(SR)));
    expect(off.at).toHaveLength(1);
    // 40 ms of silence is still a gap the tone may skip; the third silent frame closes it
    const beepEnd = Math.floor((GREETING.length + 3200) / FRAME) * 20;
    expect(off.at[0]).toBeGreaterThanOrEqual(beepEnd + 40);
    expect(off.at[0]).toBeLessThanOrEqual(beepEnd + 60);
    expect(off.det.end()).toBeNull();
  });

  it('one lost packet (20 ms of silence) inside the beep does not split it', () => {
    const d = detect(ulaw(concatPcm(GREETING, tone([1000], 200), new Int16Array(FRAME), tone([1000], 200))));
    expect(d).toHaveLength(1);
    expect(d[0].endMs - d[0].startMs).toBeGreaterThanOrEqual(400);
  });

  it('no beep in speech alone (every speech fixture, as is and through µ-law)', () => {
    for (const u of [GREETING, ...UTTERANCES]) {
      expect(detect(u)).toEqual([]);
      expect(detect(ulaw(concatPcm(GREETING, u)))).toEqual([]);
    }
  });

  it('not a beep: a tone without a greeting before it, too short, too long (fax CED), DTMF, ringback, below the band, a tone sequence', () => {
    expect(detect(ulaw(tone([1000], 500)))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([1000], 100))))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([2100], 3000))))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([770, 1336], 500))))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([440, 480], 2000))))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([200], 500))))).toEqual([]);
    // a special information tone (ITU-T E.180: 950, 1400, 1800 Hz, 330 ms each) after an announcement
    expect(detect(ulaw(concatPcm(GREETING, tone([950], 330), tone([1400], 330), tone([1800], 330))))).toEqual([]);
    expect(detect(ulaw(concatPcm(GREETING, tone([950], 330), new Int16Array(FRAME), tone([1400], 330), tone([1800], 330))))).toEqual([]);
  });

  it('a tone that changes level (fading in and out) is not a beep', () => {
    const t = tone([1000], 600);
    for (let i = 0; i < t.length; i++) t[i] = Math.round(t[i] * (0.1 + (0.9 * i) / t.length));
    expect(detect(concatPcm(GREETING, t))).toEqual([]);
  });

  it('options move the limits', () => {
    const pcm = ulaw(concatPcm(GREETING, tone([1000], 100)));
    expect(detect(pcm, { minToneMs: 80 })).toHaveLength(1);
    expect(detect(ulaw(tone([1000], 500)), { minGreetingMs: 0 })).toHaveLength(1);
  });
});

/** 8 kHz → 16 kHz by repeating samples: enough for a greeting whose role is to be sound. */
function upsample(pcm: Int16Array): Int16Array {
  const out = new Int16Array(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out[2 * i] = out[2 * i + 1] = pcm[i];
  return out;
}
