/** Pure parts of the Caller's evaluation: SIP milestones, RTP quality mapping, ms speech edges, in-memory audio, never-throw. */
import fc from 'fast-check';
import { callMetricsOf, evaluateCall, rtpQualityOf, sipMilestones } from '../../../src/caller/evaluate';
import { CallEvaluationAudio } from '../../../src/caller/evaluation-audio';
import { refineSpeechEdges } from '../../../src/caller/speech-edges';
import type { CallResult, LadderMessage } from '../../../src/caller/result';
import { detectSpeech, evaluateCallAudio } from '../../../src/metrics';
import type { RtpSessionStats } from '../../../src/rtp/session';
import { randomUint32 } from '../../../src/random';

const RATE = 8000;

function msg(t: number, direction: 'sent' | 'received', firstLine: string, cseq: string): LadderMessage {
  const raw = `${firstLine}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  return { t, at: new Date(0).toISOString(), direction, transport: 'udp', local: '127.0.0.1:5060', remote: '127.0.0.1:5080', firstLine, raw };
}

/** Voiced bursts (140 Hz harmonics under a syllable envelope) into `pcm` over [from, to) ms. */
function voiced(pcm: Int16Array, fromMs: number, toMs: number, amp = 6000): void {
  const a = Math.round((fromMs * RATE) / 1000);
  const b = Math.round((toMs * RATE) / 1000);
  for (let n = a; n < b; n++) {
    const t = n / RATE;
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * 140 * h * t) / h;
    pcm[n] = Math.round(v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) * amp);
  }
}

function noise(pcm: Int16Array, amp: number, seed = 1): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < pcm.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    pcm[i] = Math.max(-32768, Math.min(32767, pcm[i] + Math.round((((s >>> 0) / 4294967296) * 2 - 1) * amp)));
  }
}

function stats(over: { received?: Partial<RtpSessionStats['received']>; remoteReport?: RtpSessionStats['rtcp']['remoteReport']; late?: number } = {}): RtpSessionStats {
  return {
    received: { packets: 500, bytes: 80000, expected: 502, lost: 4, lossPercent: 0.8, jitterMs: 1.25, duplicates: 2, reordered: 1, dtmfPackets: 0, ssrcChanges: 0, firstPacketTime: 1, ...over.received },
    jitterBuffer: { depth: 3, buffered: 0, played: 496, concealed: 4, late: over.late ?? 1, duplicates: 2, reordered: 1, resyncs: 0, tooLarge: 0, talkspurts: 1 },
    rtcp: { enabled: true, mux: false, sent: 3, received: 2, receivedAny: true, lastReceivedTime: 1, remoteReport: over.remoteReport ?? null, byeReceived: false },
  } as unknown as RtpSessionStats;
}

function baseResult(): CallResult {
  return {
    schemaVersion: 1,
    outcome: 'completed',
    endReason: 'caller hung up',
    endedBy: 'caller',
    target: 'sip:a@127.0.0.1',
    transport: 'udp',
    ids: { runId: 'r', scenarioId: 's', resultId: 'x', generated: [] },
    sip: { callId: 'c', finalStatus: 200, finalReason: 'OK', headersSent: [] },
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1, ptimeMs: 20, dtmfPayloadType: 101 },
    timings: { startedAt: new Date(0).toISOString(), firstProvisionalMs: 1, ringingMs: 5, earlyMediaMs: null, answerMs: 100, ackMs: null, first18xMs: null, firstRtpSentMs: 101, firstRtpReceivedMs: 102, endMs: 3000, talkDurationMs: 2900 },
    rtp: null,
    audio: null,
    dtmfReceived: [],
    voicemail: null,
    messages: [msg(0, 'sent', 'INVITE sip:a@127.0.0.1 SIP/2.0', '1 INVITE'), msg(5, 'received', 'SIP/2.0 180 Ringing', '1 INVITE'), msg(100, 'received', 'SIP/2.0 200 OK', '1 INVITE'), msg(100.5, 'sent', 'ACK sip:a@127.0.0.1 SIP/2.0', '1 ACK')],
    timeline: [],
    warnings: [],
    error: null,
    metrics: null,
    rtpQuality: null,
    transcript: null,
    scriptedWer: null,
  };
}

describe('sipMilestones', () => {
  it('post-dial delay is the first 18x to the INVITE (not 100, not an 18x to another method); ACK is the one after the 2xx', () => {
    const ladder = [
      msg(0, 'sent', 'INVITE sip:a@h SIP/2.0', '1 INVITE'),
      msg(3, 'received', 'SIP/2.0 100 Trying', '1 INVITE'),
      msg(9, 'received', 'SIP/2.0 401 Unauthorized', '1 INVITE'),
      msg(9.5, 'sent', 'ACK sip:a@h SIP/2.0', '1 ACK'),
      msg(10, 'sent', 'INVITE sip:a@h SIP/2.0', '2 INVITE'),
      msg(12, 'received', 'SIP/2.0 180 Ringing', '7 OPTIONS'),
      msg(40, 'received', 'SIP/2.0 183 Session Progress', '2 INVITE'),
      msg(41, 'received', 'SIP/2.0 180 Ringing', '2 INVITE'),
      msg(900, 'received', 'SIP/2.0 200 OK', '2 INVITE'),
      msg(901.25, 'sent', 'ACK sip:a@h SIP/2.0', '2 ACK'),
    ];
    expect(sipMilestones(ladder, 900)).toEqual({ first18xMs: 40, ackMs: 901.25 });
    expect(sipMilestones(ladder, null)).toEqual({ first18xMs: 40, ackMs: null });
    expect(sipMilestones([ladder[0], ladder[1]], null)).toEqual({ first18xMs: null, ackMs: null });
  });
});

describe('rtpQualityOf', () => {
  it('maps RtpSessionStats to the E-model input: distinct packets, late discards, running jitter, far-end fraction 0–1', () => {
    const q = rtpQualityOf(stats({ remoteReport: { reporterSsrc: 1, fractionLost: 0.25, cumulativeLost: 12, highestSequence: 100, jitter: 40, jitterMs: 5, rttMs: 30, receivedAtMs: 0 } }), { name: 'PCMU', ptimeMs: 20 }, 3.5)!;
    expect(q.received).toMatchObject({ packets: 498, expected: 502, lost: 4, lateDiscarded: 1, jitterMeanMs: 1.25, jitterMaxMs: 3.5, duplicates: 2, reordered: 1 });
    expect(q.received.lossPercent).toBeCloseTo(0.8, 2);
    expect(q.received.emodel.ppl).toBeCloseTo((100 * 5) / 502, 2);
    expect(q.sentAsSeenByFarEnd).toMatchObject({ fractionLostPercent: 25, cumulativeLost: 12, jitterMs: 5, rttMs: 30 });
    expect(q.sentAsSeenByFarEnd!.emodel.mos).toBeLessThan(q.received.emodel.mos);
    // jitter buffer depth × ptime is the playout delay in the one-way estimate (RTT/2 + 60 + 20 + look-ahead)
    expect(q.received.emodel.oneWayDelayMs).toBeGreaterThanOrEqual(15 + 60 + 20);
  });

  it('no RTP expected: no estimate; negative RFC 3550 loss (duplicates) is clamped', () => {
    expect(rtpQualityOf(stats({ received: { expected: 0, packets: 0, lost: 0, duplicates: 0 } }), { name: 'PCMU', ptimeMs: 20 }, null)).toBeNull();
    const q = rtpQualityOf(stats({ received: { lost: -2 } }), { name: 'PCMA', ptimeMs: 20 }, null)!;
    expect(q.received.lost).toBe(0);
    expect(q.received.jitterMaxMs).toBe(1.25);
  });
});

describe('refineSpeechEdges', () => {
  const bursts: Array<[number, number]> = [
    [400.5, 1300.25],
    [1900, 2450.75],
  ];
  it('clean line: the VAD hop-grid edges move to within 2 ms of the true ones', () => {
    const pcm = new Int16Array(RATE * 3);
    for (const [a, b] of bursts) voiced(pcm, a, b);
    const vad = detectSpeech(pcm, RATE);
    const fine = refineSpeechEdges(pcm, RATE, vad);
    expect(fine).toHaveLength(2);
    fine.forEach((s, i) => {
      expect(Math.abs(s.startMs - bursts[i][0])).toBeLessThanOrEqual(2);
      expect(Math.abs(s.endMs - bursts[i][1])).toBeLessThanOrEqual(2);
    });
    // the hop grid is measurably coarser on the same audio
    const coarse = Math.max(...vad.flatMap((s, i) => [Math.abs(s.startMs - bursts[i][0]), Math.abs(s.endMs - bursts[i][1])]));
    const refined = Math.max(...fine.flatMap((s, i) => [Math.abs(s.startMs - bursts[i][0]), Math.abs(s.endMs - bursts[i][1])]));
    expect(refined).toBeLessThan(coarse);
  });

  it('noisy line (≈ 20 dB SNR): edges stay within 15 ms', () => {
    const pcm = new Int16Array(RATE * 3);
    for (const [a, b] of bursts) voiced(pcm, a, b);
    noise(pcm, 600, 7);
    const fine = refineSpeechEdges(pcm, RATE, detectSpeech(pcm, RATE));
    expect(fine).toHaveLength(2);
    fine.forEach((s, i) => {
      expect(Math.abs(s.startMs - bursts[i][0])).toBeLessThanOrEqual(15);
      expect(Math.abs(s.endMs - bursts[i][1])).toBeLessThanOrEqual(15);
    });
  });

  it('keeps count and order, never overlaps, for any segments over any audio', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 0, maxLength: 4000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 300 })), { maxLength: 6 }),
        (samples, raw) => {
          const pcm = Int16Array.from(samples);
          let t = 0;
          const segs = raw.map(([gap, len]) => {
            const s = { startMs: t + gap, endMs: t + gap + len };
            t = s.endMs;
            return s;
          });
          const out = refineSpeechEdges(pcm, RATE, segs);
          expect(out).toHaveLength(segs.length);
          for (let i = 0; i < out.length; i++) {
            expect(out[i].endMs).toBeGreaterThanOrEqual(out[i].startMs);
            if (i > 0) expect(out[i].startMs).toBeGreaterThanOrEqual(out[i - 1].endMs);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('callMetricsOf', () => {
  it('agrees with evaluateCallAudio to within a VAD hop, with ms edges', () => {
    const caller = new Int16Array(RATE * 4);
    const agent = new Int16Array(RATE * 4);
    voiced(agent, 300, 1200);
    voiced(caller, 1500, 2300);
    voiced(agent, 3050.5, 3800);
    const timeline = { answerMs: 50, ackMs: 51, first18xMs: 20 };
    const fine = callMetricsOf(caller, agent, RATE, timeline);
    const coarse = evaluateCallAudio({ audio: { caller, agent }, sampleRate: RATE, timeline });
    expect(fine.turns).toHaveLength(1);
    expect(Math.abs(fine.turns[0].latencyMs! - 750.5)).toBeLessThanOrEqual(3);
    expect(Math.abs(fine.turns[0].latencyMs! - coarse.turns[0].latencyMs!)).toBeLessThanOrEqual(20);
    expect(Math.abs(fine.firstWordLatencyMs! - 249)).toBeLessThanOrEqual(3);
    expect(fine.postDialDelayMs).toBe(20);
    expect(fine.window).toEqual({ startMs: 50, endMs: 4000 });
  });
});

describe('CallEvaluationAudio', () => {
  it('places frames at their times on two channels, snapping sub-ms rounding, and reports length', () => {
    const a = new CallEvaluationAudio();
    const f = new Int16Array(160).fill(1000);
    a.add(0, f, 8000, 100);
    a.add(0, f, 8000, 120.06); // 1 sample off the end: snapped, no gap
    a.add(1, new Int16Array(160).fill(-7), 8000, 130);
    const { caller, agent } = a.channels();
    expect(a.sampleRate).toBe(8000);
    expect(caller.length).toBe(agent.length);
    expect(caller.length).toBe(1040 + 160); // the agent ends last: 130 ms + 20 ms
    expect(caller.subarray(800, 1120).every((v) => v === 1000)).toBe(true);
    expect(caller[799]).toBe(0);
    expect(agent[1039]).toBe(0);
    expect(agent[1040]).toBe(-7);
    expect(a.durationMs).toBeCloseTo(150, 5);
    expect(a.truncated).toBe(false);
  });

  it('caps the rate at 16 kHz (resampling wideband) and the length at maxMs', () => {
    const a = new CallEvaluationAudio(1000);
    for (let i = 0; i < 60; i++) a.add(0, new Int16Array(960).fill(500), 48000, i * 20);
    expect(a.sampleRate).toBe(16000);
    expect(a.truncated).toBe(true);
    expect(a.channels().caller.length).toBe(16000);
    expect(a.bytes).toBeLessThanOrEqual(2 * 2 * 16000);
  });

  it('ignores empty, negative-time and non-finite input', () => {
    const a = new CallEvaluationAudio();
    a.add(0, new Int16Array(0), 8000, 0);
    a.add(0, new Int16Array(10), 8000, -5);
    a.add(1, new Int16Array(10), 8000, Number.NaN);
    expect(a.sampleRate).toBe(0);
    expect(a.channels().caller.length).toBe(0);
  });
});

describe('evaluateCall', () => {
  it('fills milestones and metrics from memory; RTP quality from the stats', async () => {
    const r = baseResult();
    const audio = new CallEvaluationAudio();
    const agent = new Int16Array(RATE * 2);
    voiced(agent, 600, 1400);
    for (let t = 0; t < 2000; t += 20) {
      audio.add(0, new Int16Array(160), RATE, t);
      audio.add(1, agent.subarray((t * RATE) / 1000, ((t + 20) * RATE) / 1000), RATE, t);
    }
    await evaluateCall(r, { audio, stats: stats(), options: {} });
    expect(r.timings).toMatchObject({ first18xMs: 5, ackMs: 100.5 });
    expect(Math.abs(r.metrics!.firstWordLatencyMs! - 499.5)).toBeLessThanOrEqual(3);
    expect(r.rtpQuality!.codec).toBe('PCMU');
    expect(r.warnings).toEqual([]);
  });

  it('never throws: a broken stats object or transcriber becomes a warning', async () => {
    const r = baseResult();
    const broken = stats({ received: { jitterMs: Number.NaN } });
    const audio = new CallEvaluationAudio();
    audio.add(1, new Int16Array(8000), RATE, 0);
    const transcriber = {
      name: 'bad',
      transcribe: () => {
        throw new Error('boom');
      },
    };
    await expect(evaluateCall(r, { audio, stats: broken, options: { transcriber } })).resolves.toBeUndefined();
    expect(r.rtpQuality).toBeNull();
    expect(r.warnings.some((w) => w.startsWith('EVALUATION_FAILED: RTP quality: METRICS_BAD_ARGUMENT'))).toBe(true);
    expect(r.metrics).not.toBeNull();
    expect(r.transcript).toEqual({ engine: 'bad', turns: [], failures: [] }); // silence: no segment to transcribe
  });

  it('evaluate: false and unanswered calls: milestones only', async () => {
    const off = baseResult();
    const audio = new CallEvaluationAudio();
    audio.add(0, new Int16Array(160).fill(randomUint32() & 0x3fff), RATE, 0);
    await evaluateCall(off, { audio, stats: stats(), options: { evaluate: false } });
    expect(off.metrics).toBeNull();
    expect(off.rtpQuality).toBeNull();
    expect(off.timings.ackMs).toBe(100.5);
    const unanswered = baseResult();
    unanswered.timings.answerMs = null;
    await evaluateCall(unanswered, { audio, stats: stats(), options: {} });
    expect(unanswered.metrics).toBeNull();
    expect(unanswered.timings).toMatchObject({ first18xMs: 5, ackMs: null });
  });
});
