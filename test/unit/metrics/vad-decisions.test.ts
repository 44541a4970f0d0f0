/**
 * Frame-exact regression guard for the VAD's speed work: on speech (the committed utterances,
 * G.711-coded, at three SNRs), synthetic voice in noise, white noise, a tone sweep like the load
 * benchmark's, and at 16 kHz, the detector fed 20 ms frames (as a call feeds it) must take exactly
 * the same decision for every analysis frame, keep the same noise floor and return the same
 * segments. The expected fingerprints were recorded from the implementation before the
 * optimisation (commit 40b38dd) by this same file; a change that moves any one decision fails.
 */
import { createHash } from 'crypto';
import { VoiceActivityDetector } from '../../../src/metrics';
import { buildSignal, loadUtterances, RATE } from './calibration-signal';
import { addNoise, addVoice } from './synth';

/** Feeds `pcm` in 20 ms chunks; hashes the voiced-frame count after every chunk, the floor and the segments. */
function fingerprint(pcm: Int16Array, rate: number): { hash: string; frames: number; voiced: number; segments: number } {
  const vad = new VoiceActivityDetector(rate);
  const h = createHash('sha256');
  const chunk = (rate * 20) / 1000;
  let segments = 0;
  for (let i = 0; i < pcm.length; i += chunk) {
    vad.push(pcm.subarray(i, Math.min(pcm.length, i + chunk)));
    const s = vad.stats;
    h.update(`${s.voicedFrames},${s.noiseFloorDb};`);
    for (const seg of vad.takeSegments()) {
      h.update(`[${seg.startMs},${seg.endMs}]`);
      segments++;
    }
  }
  for (const seg of vad.end()) {
    h.update(`[${seg.startMs},${seg.endMs}]`);
    segments++;
  }
  const s = vad.stats;
  return { hash: h.digest('hex').slice(0, 16), frames: s.frames, voiced: s.voicedFrames, segments };
}

function sweep(seconds: number, rate: number): Int16Array {
  const out = new Int16Array(seconds * rate);
  let ph = 0;
  for (let i = 0; i < out.length; i++) {
    const hz = 300 + (2700 * i) / out.length;
    ph += (2 * Math.PI * hz) / rate;
    out[i] = Math.round(0.3 * 32767 * Math.sin(ph));
  }
  return out;
}

function synthetic(rate: number): Int16Array {
  const buf = new Int16Array(rate * 4);
  addNoise(buf, 40, 11);
  addVoice(buf, rate, 500, 1400, 110);
  addVoice(buf, rate, 1600, 2300, 210, 3000);
  addVoice(buf, rate, 3000, 3600, 320, 9000);
  return buf;
}

function noise(): Int16Array {
  const buf = new Int16Array(RATE * 3);
  addNoise(buf, 2500, 5);
  return buf;
}

const utts = loadUtterances();
const cases: Array<[string, () => Int16Array, number]> = [
  ['speech 20 dB SNR', () => buildSignal(utts, 20, 1).coded, RATE],
  ['speech 10 dB SNR', () => buildSignal(utts, 10, 2).coded, RATE],
  ['speech 0 dB SNR', () => buildSignal(utts, 0, 3).coded, RATE],
  ['synthetic voice in noise', () => synthetic(RATE), RATE],
  ['synthetic voice at 16 kHz', () => synthetic(16000), 16000],
  ['white noise', noise, RATE],
  ['tone sweep 300–3000 Hz', () => sweep(10, RATE), RATE],
];

const EXPECTED: Record<string, ReturnType<typeof fingerprint>> = {
  'speech 20 dB SNR': { hash: '1b6ca81a512369f9', frames: 2300, voiced: 895, segments: 9 },
  'speech 10 dB SNR': { hash: '84405d13611b3330', frames: 2248, voiced: 847, segments: 7 },
  'speech 0 dB SNR': { hash: '45d347d3ebe4d20e', frames: 2213, voiced: 568, segments: 13 },
  'synthetic voice in noise': { hash: 'bb1510d7e3ef1346', frames: 398, voiced: 226, segments: 2 },
  'synthetic voice at 16 kHz': { hash: 'a55c5b3d49b2bd43', frames: 398, voiced: 226, segments: 2 },
  'white noise': { hash: '359a3f685b9c9443', frames: 298, voiced: 0, segments: 0 },
  'tone sweep 300–3000 Hz': { hash: '8a216176744e828c', frames: 998, voiced: 998, segments: 1 },
};

describe('VAD decisions are unchanged frame by frame', () => {
  it.each(cases)('%s', (name, signal, rate) => {
    const got = fingerprint(signal(), rate);
    if (process.env.VAD_RECORD) console.log(JSON.stringify([name, got]));
    expect(got).toEqual(EXPECTED[name]);
  });
});
