/**
 * Metrics against real tools (Debian espeak-ng, sox, pocketsphinx + pocketsphinx-en-us; present in
 * the interop stage): closed-set recognition of G.711-coded speech with WER, a whole call's
 * transcript, and the VAD calibration on freshly synthesised speech.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readWav } from '../../src/audio';
import { detectSpeech, PocketsphinxTranscriber, scriptedTurnsWer, transcribeCall, wordErrorRate } from '../../src/metrics';
import { decodeMulaw, encodeMulaw } from '../../src/rtp/codecs/g711';
import { buildSignal, compareSegments, summarise } from '../unit/metrics/calibration-signal';

const FIX = join(__dirname, '../fixtures/metrics');
const TEXTS: Record<string, string> = JSON.parse(readFileSync(join(FIX, 'texts.json'), 'utf8'));
const NAMES = Object.keys(TEXTS);
const g711 = (pcm: Int16Array) => decodeMulaw(encodeMulaw(pcm));
const load = (name: string) => readWav(readFileSync(join(FIX, name))).samples;

jest.setTimeout(240_000);

describe('pocketsphinx transcriber', () => {
  const ps = new PocketsphinxTranscriber();

  // Closed-set recognition of TTS speech through G.711 is good but not perfect (the female
  // en-us+f3 voice fares worst), hence "at least half".
  it('recognises G.711-coded espeak-ng phrases from a closed set (WER ≤ 0.25 on at least half)', async () => {
    const phrases = Object.values(TEXTS);
    const wers: number[] = [];
    for (const name of NAMES) {
      const pieces = await ps.transcribe(g711(load(name)), 8000, { phrases });
      const text = pieces.map((p) => p.text).join(' ');
      const w = wordErrorRate(TEXTS[name], text);
      console.log(`${name}: "${text}" WER ${w.wer}`);
      wers.push(w.wer);
      for (const p of pieces) expect(p.endMs).toBeGreaterThan(p.startMs);
    }
    expect(wers.filter((w) => w <= 0.25).length).toBeGreaterThanOrEqual(3);
    expect(wers.reduce((a, b) => a + b, 0) / wers.length).toBeLessThan(0.75);
  });

  it('transcribes a synthetic stereo call per VAD segment and scores the caller script', async () => {
    const rate = 8000;
    const parts: Array<[number, 'caller' | 'agent', string]> = [
      [500, 'agent', 'utt6.wav'],
      [4000, 'caller', 'utt1.wav'],
      [8000, 'agent', 'utt2.wav'],
      [11500, 'caller', 'utt3.wav'],
    ];
    const caller = new Int16Array(rate * 15);
    const agent = new Int16Array(rate * 15);
    for (const [ms, who, name] of parts) (who === 'caller' ? caller : agent).set(g711(load(name)), (ms * rate) / 1000);
    const segments = { caller: detectSpeech(caller, rate), agent: detectSpeech(agent, rate) };
    const transcript = await transcribeCall({ caller, agent, sampleRate: rate, segments, transcriber: ps, phrases: { caller: Object.values(TEXTS), agent: Object.values(TEXTS) } });
    console.log(JSON.stringify(transcript, null, 1));
    expect(transcript.failures).toEqual([]);
    expect(transcript.turns.map((t) => t.speaker)).toEqual(['agent', 'caller', 'agent', 'caller']);
    const wer = scriptedTurnsWer([TEXTS['utt1.wav'], TEXTS['utt3.wav']], transcript);
    expect(wer.every((w) => w.recognised !== null)).toBe(true);
    expect(Math.min(...wer.map((w) => w.wer))).toBeLessThanOrEqual(0.25);
  });
});

describe('VAD calibration on fresh espeak-ng speech', () => {
  it('median onset error ≤ 30 ms at 10 dB SNR (G.711, comfort-noise gaps)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipprobe-vad-'));
    try {
      const lines = ['Good morning, how can I help you today?', 'I need to change my delivery address.', 'Of course. What is the new address?', 'Forty two Baker Street, London.', 'Thanks, that is updated now.', 'Great, goodbye.'];
      const utts = lines.map((text, i) => {
        const raw = join(dir, `u${i}.wav`);
        const out = join(dir, `u${i}.8k.wav`);
        execFileSync('espeak-ng', ['-v', i % 2 ? 'en-us+f3' : 'en-us', '-s', '165', '-w', raw, text], { timeout: 30_000 });
        execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out], { timeout: 30_000 });
        return readWav(readFileSync(out)).samples;
      });
      const on: number[] = [];
      const off: number[] = [];
      let falseOnsets = 0;
      let n = 0;
      for (const seed of [11, 12, 13]) {
        const s = buildSignal(utts, 10, seed);
        const c = compareSegments(s.truth, detectSpeech(s.coded, 8000));
        on.push(...c.onsetErr);
        off.push(...c.offsetErr);
        falseOnsets += c.falseOnsets;
        n += s.truth.length;
      }
      const r = summarise(n, on, off, falseOnsets);
      console.log('fresh espeak-ng, 10 dB:', JSON.stringify(r));
      expect(r.onsetMedianAbsMs).toBeLessThanOrEqual(30);
      expect(r.matchedOnsets / r.onsets).toBeGreaterThanOrEqual(0.8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
