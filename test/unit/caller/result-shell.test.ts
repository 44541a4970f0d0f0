/** One CallResult builder behind a finished Call and a load run's start failure: same shape, same key order, nothing shared. */
import { Caller } from '../../../src/caller';
import { buildCallResult, emptyCallTimings, type CallResultInit } from '../../../src/caller/result-shell';
import type { CallResult } from '../../../src/caller/result';
import { startFailureResult } from '../../../src/load/failure-result';

/** Every key path of a JSON value, in order (arrays: their element shapes are not compared). */
function shape(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => [`${prefix}${k}`, ...shape(x, `${prefix}${k}.`)]);
}

const init = (): CallResultInit => ({
  outcome: 'error',
  endReason: 'x',
  endedBy: null,
  target: 'sip:a@127.0.0.1',
  transport: 'udp',
  ids: { runId: 'r', scenarioId: 's', resultId: 'i', generated: [] },
  error: null,
});

describe('buildCallResult', () => {
  test('fills what is not given with empty values, in the schema order', () => {
    const r = buildCallResult(init());
    expect(Object.keys(r)).toEqual([
      'schemaVersion', 'outcome', 'endReason', 'endedBy', 'target', 'transport', 'ids', 'sip', 'codec', 'timings', 'rtp', 'audio',
      'dtmfReceived', 'voicemail', 'messages', 'timeline', 'warnings', 'error', 'metrics', 'rtpQuality', 'transcript', 'scriptedWer',
    ]);
    expect(r.schemaVersion).toBe(1);
    expect(r.sip).toEqual({ callId: '', finalStatus: null, finalReason: null, headersSent: [] });
    expect(r.timings.talkDurationMs).toBe(0);
    expect(Object.entries(r.timings).filter(([k]) => k !== 'startedAt' && k !== 'talkDurationMs').every(([, v]) => v === null)).toBe(true);
    expect(Number.isNaN(Date.parse(r.timings.startedAt))).toBe(false);
    for (const k of ['codec', 'rtp', 'audio', 'voicemail', 'metrics', 'rtpQuality', 'transcript', 'scriptedWer'] as const) expect(r[k]).toBeNull();
    for (const k of ['dtmfReceived', 'messages', 'timeline', 'warnings'] as const) expect(r[k]).toEqual([]);
  });

  test('keeps what is given (the same objects), whatever the order of the init', () => {
    const messages: CallResult['messages'] = [];
    const timings = emptyCallTimings('2020-01-01T00:00:00.000Z');
    const r = buildCallResult({ warnings: ['w'], messages, timings, codec: null, ...init(), outcome: 'completed' });
    expect(r.outcome).toBe('completed');
    expect(r.messages).toBe(messages);
    expect(r.timings).toBe(timings);
    expect(r.warnings).toEqual(['w']);
    expect(Object.keys(r)[1]).toBe('outcome');
  });

  test('two results share no mutable part', () => {
    const a = buildCallResult(init());
    const b = buildCallResult(init());
    a.sip.headersSent.push({ name: 'X-A', value: '1' });
    a.timings.answerMs = 5;
    a.warnings.push('w');
    a.messages.push({ t: 0, at: '', direction: 'sent', transport: 'udp', local: '', remote: '', firstLine: '', raw: '' });
    expect(b.sip.headersSent).toEqual([]);
    expect(b.timings.answerMs).toBeNull();
    expect(b.warnings).toEqual([]);
    expect(b.messages).toEqual([]);
  });
});

describe('startFailureResult and a Call result come from the same builder', () => {
  test('a start failure is an error result with the code and message, and a generated result id', () => {
    const e = Object.assign(new Error('no free RTP port'), { code: 'RTP_NO_PORT' });
    const r = startFailureResult('sip:a@127.0.0.1:5080', 'tcp', e);
    expect(r).toMatchObject({ outcome: 'error', endReason: 'call failed to start', endedBy: 'error', target: 'sip:a@127.0.0.1:5080', transport: 'tcp', error: { code: 'RTP_NO_PORT', message: 'no free RTP port' } });
    expect(r.ids.generated).toEqual(['resultId']);
    expect(r.ids.resultId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(startFailureResult('sip:a@127.0.0.1', 'udp', 'plain').error).toEqual({ code: 'LOAD_START_FAILED', message: 'plain' });
    expect(startFailureResult('sip:a@127.0.0.1', 'udp', new Error('x')).ids.resultId).not.toBe(r.ids.resultId);
  });

  test('the JSON of a Call that ended before its INVITE has the same key paths in the same order', async () => {
    const caller = new Caller({ transport: 'udp' });
    try {
      const ac = new AbortController();
      ac.abort();
      const r = await caller.call({ target: 'sip:agent@127.0.0.1:9', signal: ac.signal }).result;
      expect(r.outcome).toBe('error');
      expect(r.error?.code).toBe('CALL_ABORTED');
      const failure = startFailureResult('sip:agent@127.0.0.1:9', 'udp', new Error('x'));
      expect(shape(JSON.parse(JSON.stringify(r)))).toEqual(shape(JSON.parse(JSON.stringify(failure))));
    } finally {
      await caller.close();
    }
  });
});
