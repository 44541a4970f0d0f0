import type { CallResult } from '../caller/result';
import type { CallMetrics, RtpQuality, ScriptedTurnWer, Transcript } from '../metrics/types';

/**
 * The evaluation a CallResult may carry beside its SIP/RTP facts. The report renders each part
 * that is present and well-formed enough to draw; a missing or odd-shaped part is skipped.
 */
export interface CallEvaluation {
  metrics: CallMetrics | null;
  rtpQuality: RtpQuality | null;
  transcript: Transcript | null;
  scriptedWer: ScriptedTurnWer[] | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isArr = Array.isArray;

function looksLikeMetrics(v: unknown): v is CallMetrics {
  return isObj(v) && isArr(v.turns) && isObj(v.speech) && isArr(v.speech.caller) && isArr(v.speech.agent) && isObj(v.talkTimeMs) && isArr(v.interruptions);
}

function looksLikeQuality(v: unknown): v is RtpQuality {
  return isObj(v) && typeof v.codec === 'string' && isObj(v.received) && isObj(v.received.emodel) && isArr(v.notes);
}

function looksLikeTranscript(v: unknown): v is Transcript {
  return isObj(v) && typeof v.engine === 'string' && isArr(v.turns) && isArr(v.failures);
}

/** Reads the optional evaluation fields (`metrics`, `rtpQuality`, `transcript`, `scriptedWer`) of a result. */
export function evaluationOf(result: CallResult): CallEvaluation {
  const r = result as unknown as Record<string, unknown>;
  return {
    metrics: looksLikeMetrics(r.metrics) ? r.metrics : null,
    rtpQuality: looksLikeQuality(r.rtpQuality) ? r.rtpQuality : null,
    transcript: looksLikeTranscript(r.transcript) ? r.transcript : null,
    scriptedWer: isArr(r.scriptedWer) ? (r.scriptedWer as ScriptedTurnWer[]) : null,
  };
}

/** Turn-latency p90 in ms, when measured. */
export function latencyP90Ms(result: CallResult): number | null {
  const p = evaluationOf(result).metrics?.latency?.p90Ms;
  return typeof p === 'number' && Number.isFinite(p) ? p : null;
}

/** MOS-CQE of the audio we received, when estimated. */
export function receivedMos(result: CallResult): number | null {
  const m = evaluationOf(result).rtpQuality?.received.emodel.mos;
  return typeof m === 'number' && Number.isFinite(m) ? m : null;
}

/** Network loss of the RTP we received, in percent; null when no RTP was expected. */
export function receivedLossPercent(result: CallResult): number | null {
  const q = evaluationOf(result).rtpQuality;
  if (q && q.received.expected > 0 && Number.isFinite(q.received.lossPercent)) return q.received.lossPercent;
  return result.rtp && result.rtp.received.expected > 0 ? result.rtp.received.lossPercent : null;
}
