import type { CallOutcome, CallResult } from '../../../src/caller/result';
import { startFailureResult } from '../../../src/load/failure-result';

/** A structurally complete CallResult for aggregate/scheduler tests (not produced by a real call). */
export function fakeResult(outcome: CallOutcome, opts: { status?: number | null; answerMs?: number | null; ringingMs?: number | null; loss?: number; jitter?: number; index?: number } = {}): CallResult {
  const r = startFailureResult('sip:agent@127.0.0.1:5060', 'udp', new Error('x'));
  r.outcome = outcome;
  r.endReason = outcome;
  r.error = outcome === 'error' ? { code: 'TEST_ERROR', message: 'boom' } : null;
  r.sip.finalStatus = opts.status === undefined ? (outcome === 'completed' ? 200 : null) : opts.status;
  r.sip.callId = `call-${opts.index ?? 0}`;
  r.timings.answerMs = opts.answerMs ?? null;
  r.timings.ringingMs = opts.ringingMs ?? null;
  if (opts.loss !== undefined) {
    r.rtp = {
      localPort: 4000,
      remote: '127.0.0.1:5000',
      sent: { packets: 100, bytes: 17200 },
      received: { packets: 100, bytes: 17200, expected: 100, lost: opts.loss, lossPercent: opts.loss, jitterMs: opts.jitter ?? 0, maxJitterMs: opts.jitter ?? 0, duplicates: 0, reordered: 0, dropped: 0 },
      rtcpReceived: false,
    };
  }
  return r;
}
