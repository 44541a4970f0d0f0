import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallResult } from '../../../src/caller/result';

/** Names of the synthetic CallResult fixtures in test/fixtures/report. */
export const FIXTURE_NAMES = ['completed', 'busy', 'unreachable', 'hostile'] as const;

/** Loads a synthetic CallResult fixture (a fresh copy each call, so tests may mutate it). */
export function loadResult(name: (typeof FIXTURE_NAMES)[number]): CallResult {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/report', `${name}.json`), 'utf8')) as CallResult;
}

import { encodeWav } from '../../../src/audio';
import { evaluateCallAudio } from '../../../src/metrics';
import type { RtpQuality, Transcript } from '../../../src/metrics';

const RATE = 8000;

/** Voiced, speech-like bursts: 140 Hz harmonics under a 4 Hz syllable envelope. */
function voiced(into: Int16Array, channel: 0 | 1, fromMs: number, toMs: number, f0: number): void {
  const a = Math.floor((fromMs * RATE) / 1000);
  const b = Math.floor((toMs * RATE) / 1000);
  for (let n = a; n < b; n++) {
    const t = n / RATE;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    const env = 0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t);
    into[n * 2 + channel] = Math.round(v * env * 6000);
  }
}

/**
 * A synthetic 8 s stereo call (left caller, right agent; recording starts at the answer, 1004.8 ms
 * after the INVITE), the WAV bytes, and the completed fixture extended with metrics computed by
 * src/metrics from that audio plus a hand-written (synthetic) RTP quality and transcript.
 */
export function evaluatedCall(): { result: CallResult; wav: Buffer; recordingStartMs: number } {
  const base = loadResult('completed');
  const frames = RATE * 8;
  const stereo = new Int16Array(frames * 2);
  voiced(stereo, 1, 400, 1900, 180); // agent greeting
  voiced(stereo, 0, 2300, 3900, 120); // caller question
  voiced(stereo, 1, 4650, 6200, 180); // agent answer, ~750 ms later
  voiced(stereo, 0, 5800, 6600, 120); // caller barges in
  const recordingStartMs = base.timings.answerMs!;
  const metrics = evaluateCallAudio({
    audio: { stereo },
    sampleRate: RATE,
    recordingStartMs,
    timeline: { first18xMs: base.timings.ringingMs, answerMs: base.timings.answerMs, ackMs: 1005.3 },
  });
  const emodel = { scale: 'narrowband' as const, r: 92.1, rNarrowbandScale: 92.1, mos: 4.37, ie: 0, bpl: 25.1, ppl: 0.8, burstR: 1, ieEff: 2.9, id: 0.2, oneWayDelayMs: 60, codecSource: 'ITU-T G.113 Appendix I (synthetic fixture)' };
  const rtpQuality: RtpQuality = {
    codec: 'PCMU',
    received: { packets: 248, expected: 250, lost: 2, lossPercent: 0.8, lateDiscarded: 0, jitterMeanMs: 0.42, jitterMaxMs: 1.9, reordered: 1, duplicates: 0, emodel },
    sentAsSeenByFarEnd: null,
    notes: ['far end sent no RTCP: its view of our stream is unknown'],
  };
  const transcript: Transcript = {
    engine: 'synthetic',
    turns: [
      { speaker: 'agent', startMs: 1405, endMs: 2905, text: 'hello <b>how</b> can I help' },
      { speaker: 'caller', startMs: 3305, endMs: 4905, text: 'what are your opening hours' },
    ],
    failures: [{ speaker: 'agent', startMs: 5655, endMs: 7205, code: 'TRANSCRIBER_FAILED', message: 'synthetic failure' }],
  };
  const result = { ...base, metrics, rtpQuality, transcript } as CallResult;
  return { result, wav: encodeWav(stereo, { sampleRate: RATE, channels: 2 }), recordingStartMs };
}
