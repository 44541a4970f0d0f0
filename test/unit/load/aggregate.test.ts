import { LoadAggregate } from '../../../src/load/aggregate';
import { sampleOfResult } from '../../../src/load/sample';
import { buildLoadSummary } from '../../../src/load/summary';
import { formatLoadSummary } from '../../../src/load/table';
import { fakeResult } from './fake-result';

describe('sampleOfResult', () => {
  it('takes setup, ringing, loss and jitter from the result', () => {
    const s = sampleOfResult(fakeResult('completed', { answerMs: 42, ringingMs: 7, loss: 2, jitter: 1.5 }));
    expect(s).toMatchObject({ outcome: 'completed', status: 200, setupMs: 42, ringingMs: 7, lossPercent: 2, jitterMs: 1.5, mos: null, firstWordMs: null, errorCode: null });
  });

  it('uses evaluated metrics and quality when present, else the first-agent-speech timeline mark', () => {
    const r = fakeResult('completed', { answerMs: 100 });
    r.timeline.push({ t: 850, event: 'first-agent-speech' });
    expect(sampleOfResult(r).firstWordMs).toBe(750);
    const withMetrics = { ...r, metrics: { turns: [], speech: { caller: [], agent: [] }, talkTimeMs: { caller: 0, agent: 0 }, interruptions: [], firstWordLatencyMs: 640 }, rtpQuality: { codec: 'PCMU', received: { emodel: { mos: 4.3 } }, notes: [] } };
    const s = sampleOfResult(withMetrics as never);
    expect(s.firstWordMs).toBe(640);
    expect(s.mos).toBe(4.3);
  });

  it('reads odd-shaped results as nulls instead of throwing', () => {
    const r = fakeResult('error') as unknown as Record<string, unknown>;
    r.timings = { answerMs: 'soon' };
    r.rtp = { received: { expected: 0, lossPercent: NaN } };
    r.timeline = null;
    const s = sampleOfResult(r as never);
    expect(s).toMatchObject({ setupMs: null, lossPercent: null, jitterMs: null, errorCode: 'TEST_ERROR' });
  });
});

describe('LoadAggregate', () => {
  it('counts outcomes, statuses and errors and computes percentiles', () => {
    const a = new LoadAggregate();
    for (let i = 1; i <= 100; i++) a.record(sampleOfResult(fakeResult('completed', { answerMs: i })));
    for (let i = 0; i < 3; i++) a.record(sampleOfResult(fakeResult('busy', { status: 486 })));
    a.record(sampleOfResult(fakeResult('error')));
    expect([a.finished, a.ok, a.failed]).toEqual([104, 100, 4]);
    expect(a.outcomeCounts()).toEqual({ completed: 100, busy: 3, rejected: 0, 'no-answer': 0, timeout: 0, 'auth-failed': 0, unreachable: 0, error: 1 });
    expect(a.statusCounts()).toEqual({ '200': 100, '486': 3, none: 1 });
    expect(Object.keys(a.statusCounts())).toEqual(['200', '486', 'none']);
    expect(a.errorCounts()).toEqual({ TEST_ERROR: 1 });
    const d = a.distribution('setupMs')!;
    expect(d.count).toBe(100);
    expect(d.p50).toBeCloseTo(50, 0);
    expect(d.p99).toBeCloseTo(99, 0);
    expect([d.min, d.max, d.mean]).toEqual([1, 100, 50.5]);
    expect(a.distribution('mos')).toBeNull();
  });

  it('counts end reasons, most frequent first', () => {
    const a = new LoadAggregate();
    const withReason = (outcome: 'completed' | 'rejected', reason: string) => {
      const r = fakeResult(outcome);
      r.endReason = reason;
      return sampleOfResult(r);
    };
    for (let i = 0; i < 3; i++) a.record(withReason('completed', 'voicemail'));
    for (let i = 0; i < 5; i++) a.record(withReason('completed', 'agent hung up'));
    a.record(withReason('rejected', 'rejected (403 Forbidden)'));
    a.record(withReason('completed', 'silence timed out'));
    expect(Object.entries(a.endReasonCounts())).toEqual([['agent hung up', 5], ['voicemail', 3], ['rejected (403 Forbidden)', 1], ['silence timed out', 1]]);
    expect(sampleOfResult({ ...fakeResult('error'), endReason: 7 } as never).endReason).toBe('unknown');
  });

  it('a completed call that reached voicemail is not ok when completed is expected, unless allowed', () => {
    const vm = { ...fakeResult('completed'), voicemail: { beepStartMs: 5000, beepEndMs: 5500, beepFrequencyHz: 1000 } };
    const strict = new LoadAggregate();
    strict.record(sampleOfResult(vm));
    strict.record(sampleOfResult(fakeResult('completed')));
    expect([strict.ok, strict.failed]).toEqual([1, 1]);
    expect(strict.outcomeCounts().completed).toBe(2);
    const allowing = new LoadAggregate('completed', true);
    allowing.record(sampleOfResult(vm));
    expect([allowing.ok, allowing.failed]).toEqual([1, 0]);
    const busy = new LoadAggregate('busy');
    busy.record(sampleOfResult(vm));
    expect(busy.failed).toBe(1);
  });

  it('counts against the expected outcome', () => {
    const a = new LoadAggregate('busy');
    a.record(sampleOfResult(fakeResult('busy', { status: 486 })));
    a.record(sampleOfResult(fakeResult('completed')));
    expect([a.ok, a.failed]).toEqual([1, 1]);
  });

  it('caps distinct status/error keys and keeps hostile keys as plain keys', () => {
    const a = new LoadAggregate();
    for (let i = 0; i < 200; i++) {
      const r = fakeResult('error');
      r.error = { code: i === 0 ? '__proto__' : `CODE_${i}`, message: '' };
      a.record(sampleOfResult(r));
    }
    const errors = a.errorCounts();
    expect(Object.keys(errors).length).toBeLessThanOrEqual(65);
    expect(errors.other).toBe(200 - 64);
    expect(Object.getPrototypeOf(errors)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(errors, '__proto__')).toBe(true);
  });

  it('merging worker states gives the same summary as one aggregate', () => {
    const whole = new LoadAggregate();
    const parts = [new LoadAggregate(), new LoadAggregate()];
    for (let i = 0; i < 500; i++) {
      const s = sampleOfResult(fakeResult(i % 7 === 0 ? 'no-answer' : 'completed', { answerMs: (i * 37) % 211, loss: i % 5, jitter: (i % 13) / 3, status: i % 7 === 0 ? 480 : 200 }));
      whole.record(s);
      parts[i % 2].record(s);
    }
    const merged = new LoadAggregate();
    for (const p of parts) merged.mergeState(JSON.parse(JSON.stringify(p.toState())));
    const facts = { target: 't', plan: { calls: 500, concurrency: 10 }, interrupted: false, startedAt: new Date(0), endedAt: new Date(1000), wallMs: 1000, workers: 2, started: 500, peakActive: 10, resultsFile: null, resultsWritten: 0 };
    expect(buildLoadSummary(merged, facts)).toEqual(buildLoadSummary(whole, facts));
  });
});

describe('formatLoadSummary', () => {
  it('shows calls, outcomes, statuses and a percentile table; strips control characters', () => {
    const a = new LoadAggregate();
    for (let i = 1; i <= 10; i++) a.record(sampleOfResult(fakeResult('completed', { answerMs: i * 10, loss: 0.5, jitter: 2 })));
    const r = fakeResult('error');
    r.error = { code: 'EVIL\x1b[31m', message: '' };
    r.endReason = 'call failed (\x1b[2J)';
    a.record(sampleOfResult(r));
    const text = formatLoadSummary(
      buildLoadSummary(a, { target: 'sip:a@127.0.0.1', plan: { calls: 20, concurrency: 5, ratePerSec: 10 }, interrupted: true, startedAt: new Date(0), endedAt: new Date(2000), wallMs: 2000, workers: 1, started: 11, peakActive: 5, resultsFile: '/tmp/x.jsonl', resultsWritten: 11 }),
    );
    expect(text).toContain('INTERRUPTED');
    expect(text).toContain('11/20 started, 11 finished, 10 completed, 1 failed, 9 not started; peak 5 at once');
    expect(text).toContain('outcomes    completed 10, error 1');
    expect(text).toContain('SIP final   200 10, none 1');
    expect(text).toContain('end reasons completed 10, call failed (?[2J) 1');
    expect(text).toMatch(/setup \(INVITE→200\)\s+10\s+50\.\d ms/);
    expect(text).toContain('RTP loss');
    expect(text).toContain('11 lines in /tmp/x.jsonl');
    expect(text).not.toContain('\x1b');
  });
});
