import fc from 'fast-check';
import { computeTurnMetrics, evaluateCallAudio, latencyStats, MetricsArgumentError, quantileSorted, type SpeechSegment } from '../../../src/metrics';
import { addNoise, addVoice } from './synth';

const seg = (startMs: number, endMs: number): SpeechSegment => ({ startMs, endMs });
const W = { startMs: 0, endMs: 20000 };

describe('computeTurnMetrics on segment lists', () => {
  const caller = [seg(3000, 4000), seg(6000, 7000), seg(7100, 7600), seg(10000, 11000)];
  const agent = [seg(1500, 2500), seg(4800, 5600), seg(8100, 9800), seg(10500, 12000)];
  const m = computeTurnMetrics({ caller, agent, timeline: { first18xMs: 120, answerMs: 900, ackMs: 905 }, window: W });

  it('reports SIP delays and first-word latency from the ACK and from the INVITE', () => {
    expect(m.postDialDelayMs).toBe(120);
    expect(m.answerTimeMs).toBe(900);
    expect(m.firstWordLatencyMs).toBe(1500 - 905);
    expect(m.firstWordFromInviteMs).toBe(1500);
  });

  it('finds the turns: a caller pause before the agent speaks is the same turn', () => {
    expect(m.turns.map((t) => [t.callerStartMs, t.callerEndMs, t.agentOnsetMs, t.latencyMs, t.overlapped])).toEqual([
      [3000, 4000, 4800, 800, false],
      [6000, 7600, 8100, 500, false],
      [10000, 11000, 10500, -500, true], // the agent talked over the caller
    ]);
    expect(m.latency).toEqual({ count: 2, minMs: 500, maxMs: 800, meanMs: 650, p50Ms: 650, p90Ms: 770, p95Ms: 785, p99Ms: 797 });
  });

  it('counts talk time, talk share, mutual silence and interruptions both ways', () => {
    expect(m.talkTimeMs).toEqual({ caller: 3500, agent: 5000 });
    expect(m.agentTalkShare).toBeCloseTo(5000 / 8500, 3);
    expect(m.longestMutualSilence).toEqual({ startMs: 12000, durationMs: 8000 });
    expect(m.interruptions).toEqual([{ by: 'agent', atMs: 10500, interruptedStoppedAfterMs: 500, overlapMs: 500 }]);
    expect(m.interruptionCounts).toEqual({ callerInterruptedAgent: 0, agentInterruptedCaller: 1 });
    expect(m.agentMeanStopAfterInterruptionMs).toBeNull();
  });

  it('measures how fast the agent stops after a caller barge-in', () => {
    const r = computeTurnMetrics({
      caller: [seg(1000, 2000), seg(3500, 4500)],
      agent: [seg(2600, 3800)],
      timeline: { answerMs: 0, ackMs: 0 },
      window: { startMs: 0, endMs: 5000 },
    });
    expect(r.interruptions).toEqual([{ by: 'caller', atMs: 3500, interruptedStoppedAfterMs: 300, overlapMs: 300 }]);
    expect(r.agentMeanStopAfterInterruptionMs).toBe(300);
    expect(r.interruptionCounts.callerInterruptedAgent).toBe(1);
    expect(r.turns[1]).toMatchObject({ callerEndMs: 4500, agentOnsetMs: null, latencyMs: null, overlapped: false });
    expect(r.longestMutualSilence).toEqual({ startMs: 0, durationMs: 1000 });
  });

  it('handles no speech at all and missing milestones', () => {
    const r = computeTurnMetrics({ caller: [], agent: [], timeline: {}, window: { startMs: 100, endMs: 400 } });
    expect(r).toMatchObject({ postDialDelayMs: null, answerTimeMs: null, firstWordLatencyMs: null, firstWordFromInviteMs: null, turns: [], latency: null, agentTalkShare: null });
    expect(r.longestMutualSilence).toEqual({ startMs: 100, durationMs: 300 });
  });

  it('refuses unordered, overlapping or non-finite segments and bad marks', () => {
    const bad = (caller: SpeechSegment[], timeline = {}) => () => computeTurnMetrics({ caller, agent: [], timeline, window: W });
    for (const f of [bad([seg(5, 4)]), bad([seg(0, 10), seg(5, 20)]), bad([seg(NaN, 1)]), bad([seg(0, Infinity)])]) {
      expect(f).toThrow(expect.objectContaining({ code: 'METRICS_BAD_SEGMENTS' }));
    }
    expect(bad([], { answerMs: -1 })).toThrow(MetricsArgumentError);
    expect(bad([], { ackMs: NaN })).toThrow(MetricsArgumentError);
    expect(() => computeTurnMetrics({ caller: [], agent: [], timeline: {}, window: { startMs: 5, endMs: 1 } })).toThrow(MetricsArgumentError);
  });

  it('properties: latencies of clean turns are ≥ 0, talk times add up, silence fits in the window', () => {
    const segList = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 2000 })), { maxLength: 12 })
      .map((pairs) => {
        let t = 0;
        return pairs.map(([gap, len]) => {
          const s = seg(t + gap, t + gap + len);
          t = s.endMs;
          return s;
        });
      });
    fc.assert(
      fc.property(segList, segList, (caller, agent) => {
        const end = Math.max(1, ...caller.map((s) => s.endMs), ...agent.map((s) => s.endMs)) + 100;
        const r = computeTurnMetrics({ caller, agent, timeline: {}, window: { startMs: 0, endMs: end } });
        for (const t of r.turns) if (!t.overlapped && t.latencyMs !== null) expect(t.latencyMs).toBeGreaterThanOrEqual(0);
        expect(r.talkTimeMs.caller).toBeCloseTo(caller.reduce((s, x) => s + x.endMs - x.startMs, 0), 5);
        if (r.longestMutualSilence) expect(r.longestMutualSilence.startMs + r.longestMutualSilence.durationMs).toBeLessThanOrEqual(end + 1e-6);
        expect(r.interruptions.length).toBe(r.interruptionCounts.agentInterruptedCaller + r.interruptionCounts.callerInterruptedAgent);
        if (r.latency) expect(r.latency.p50Ms).toBeLessThanOrEqual(r.latency.p99Ms);
      }),
      { numRuns: 300 },
    );
  });
});

describe('latency percentiles', () => {
  it('interpolate between closest ranks (R type 7)', () => {
    // 1..100: p50 = 50.5, p90 = 90.1, p95 = 95.05, p99 = 99.01 (numpy.percentile(range(1,101), q)).
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyStats(v)).toEqual({ count: 100, minMs: 1, maxMs: 100, meanMs: 50.5, p50Ms: 50.5, p90Ms: 90.1, p95Ms: 95.1, p99Ms: 99 });
    expect(quantileSorted([10], 0.99)).toBe(10);
    expect(latencyStats([NaN])).toBeNull();
    expect(() => quantileSorted([1], 1.5)).toThrow(MetricsArgumentError);
  });
});

describe('evaluateCallAudio on synthetic stereo audio', () => {
  it('measures first-word and per-turn latencies within 30 ms of the truth', () => {
    const rate = 8000;
    const frames = rate * 12;
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    addNoise(left, 25, 1);
    addNoise(right, 25, 2);
    // Recording starts 1000 ms after the INVITE; ACK at 1000 ms. Times below are recording times.
    addVoice(right, rate, 800, 2000, 210); // greeting: INVITE+1800 → 800 ms after ACK
    addVoice(left, rate, 2600, 4000, 120);
    addVoice(right, rate, 4700, 6000, 210); // 700 ms
    addVoice(left, rate, 6500, 7200, 120);
    addVoice(right, rate, 8700, 9500, 210); // 1500 ms
    addVoice(left, rate, 9200, 9900, 120); // caller barges in at 9200 while the agent talks until 9500
    const stereo = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      stereo[2 * i] = left[i];
      stereo[2 * i + 1] = right[i];
    }
    const m = evaluateCallAudio({ audio: { stereo }, sampleRate: rate, recordingStartMs: 1000, timeline: { first18xMs: 50, answerMs: 990, ackMs: 1000 } });
    expect(Math.abs((m.firstWordLatencyMs as number) - 800)).toBeLessThanOrEqual(30);
    expect(Math.abs((m.firstWordFromInviteMs as number) - 1800)).toBeLessThanOrEqual(30);
    const lat = m.turns.map((t) => t.latencyMs);
    expect(Math.abs((lat[0] as number) - 700)).toBeLessThanOrEqual(30);
    expect(Math.abs((lat[1] as number) - 1500)).toBeLessThanOrEqual(30);
    expect(m.turns[2]).toMatchObject({ agentOnsetMs: null });
    expect(m.interruptionCounts.callerInterruptedAgent).toBe(1);
    expect(Math.abs((m.agentMeanStopAfterInterruptionMs as number) - 300)).toBeLessThanOrEqual(30);
    expect(Math.abs(m.talkTimeMs.agent - 3300)).toBeLessThanOrEqual(90);
    expect(m.window).toEqual({ startMs: 1000, endMs: 13000 });
    expect(m.speech.agent[0].startMs).toBeGreaterThanOrEqual(1770);
    // Same result from separate channels.
    expect(evaluateCallAudio({ audio: { caller: left, agent: right }, sampleRate: rate, recordingStartMs: 1000, timeline: { first18xMs: 50, answerMs: 990, ackMs: 1000 } })).toEqual(m);
  });

  it('refuses odd-length stereo and a bad recording start', () => {
    expect(() => evaluateCallAudio({ audio: { stereo: new Int16Array(3) }, sampleRate: 8000, timeline: {} })).toThrow(MetricsArgumentError);
    expect(() => evaluateCallAudio({ audio: { stereo: new Int16Array(4) }, sampleRate: 8000, recordingStartMs: -5, timeline: {} })).toThrow(MetricsArgumentError);
  });
});
