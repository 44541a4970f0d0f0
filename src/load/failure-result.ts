import type { CallResult } from '../caller/result';
import { uuidV4 } from '../random';

/**
 * The record of a call whose start itself threw (a bug or a resource limit such as no free RTP
 * port): outcome `error` with the code and message, so the call still appears in the results.
 */
export function startFailureResult(target: string, transport: CallResult['transport'], error: unknown): CallResult {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'LOAD_START_FAILED';
  const message = error instanceof Error ? error.message : String(error);
  const resultId = uuidV4();
  return {
    schemaVersion: 1,
    outcome: 'error',
    endReason: 'call failed to start',
    endedBy: 'error',
    target,
    transport,
    ids: { runId: '', scenarioId: '', resultId, generated: ['resultId'] },
    sip: { callId: '', finalStatus: null, finalReason: null, headersSent: [] },
    codec: null,
    timings: {
      startedAt: new Date().toISOString(),
      firstProvisionalMs: null,
      ringingMs: null,
      earlyMediaMs: null,
      answerMs: null,
      ackMs: null,
      first18xMs: null,
      firstRtpSentMs: null,
      firstRtpReceivedMs: null,
      endMs: null,
      talkDurationMs: 0,
    },
    rtp: null,
    audio: null,
    dtmfReceived: [],
    messages: [],
    timeline: [],
    warnings: [],
    error: { code, message },
    metrics: null,
    rtpQuality: null,
    transcript: null,
    scriptedWer: null,
  };
}
