import type { CallOutcome, CallResult } from '../caller/result';
import { evaluationOf } from '../report/evaluation';

/**
 * The few numbers of one call the load aggregate needs. Extracted once per call so the full
 * result can go to disk (and, in a worker, never cross threads) while the aggregate keeps only
 * counters and sketches.
 */
export interface CallSample {
  outcome: CallOutcome;
  /** The result's end reason (`voicemail`, `agent hung up`, `silence timed out`, …). */
  endReason: string;
  /** An answering machine's beep was heard (`result.voicemail`). */
  voicemail: boolean;
  /** Final SIP status of the INVITE, null when none arrived. */
  status: number | null;
  /** `error.code` when the call errored. */
  errorCode: string | null;
  /** INVITE → 200 OK, ms. */
  setupMs: number | null;
  /** INVITE → first 18x (post-dial delay), ms. */
  ringingMs: number | null;
  /** ACK → first agent speech onset, ms. */
  firstWordMs: number | null;
  /** Receive-side RTP loss, percent (only when packets were expected). */
  lossPercent: number | null;
  /** Receive-side RFC 3550 jitter, ms. */
  jitterMs: number | null;
  /** MOS-CQE estimate of the received audio. */
  mos: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// The Caller marks the agent's first speech in the timeline; metrics (when evaluated) are preferred.
const FIRST_SPEECH = /first[-_ ]?agent[-_ ]?speech/i;

function firstWordMs(result: CallResult): number | null {
  const fromMetrics = num(evaluationOf(result).metrics?.firstWordLatencyMs);
  if (fromMetrics !== null) return fromMetrics;
  const answer = num(result.timings?.answerMs);
  if (answer === null || !Array.isArray(result.timeline)) return null;
  for (const e of result.timeline) {
    if (e && typeof e.event === 'string' && FIRST_SPEECH.test(e.event)) {
      const t = num(e.t);
      return t === null ? null : Math.max(0, t - answer);
    }
  }
  return null;
}

/** Pulls the aggregate's numbers out of a result; a missing or odd-shaped field is null. */
export function sampleOfResult(result: CallResult): CallSample {
  const rtp = result.rtp;
  const expected = num(rtp?.received?.expected) ?? 0;
  const quality = evaluationOf(result).rtpQuality;
  return {
    outcome: result.outcome,
    endReason: typeof result.endReason === 'string' ? result.endReason : 'unknown',
    voicemail: typeof result.voicemail === 'object' && result.voicemail !== null,
    status: num(result.sip?.finalStatus),
    errorCode: typeof result.error?.code === 'string' ? result.error.code : null,
    setupMs: num(result.timings?.answerMs),
    ringingMs: num(result.timings?.ringingMs),
    firstWordMs: firstWordMs(result),
    lossPercent: expected > 0 ? num(rtp?.received?.lossPercent) : null,
    jitterMs: rtp && (num(rtp.received?.packets) ?? 0) > 1 ? num(rtp.received.jitterMs) : null,
    mos: num(quality?.received?.emodel?.mos),
  };
}
