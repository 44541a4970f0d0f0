/**
 * The one builder of a {@link CallResult}: a finished call and a call that could not even start
 * (load runs) share the schema version, the key order of the JSON output and the empty values.
 */
import type { CallResult } from './result';

/** The fields a result always takes from its maker; every other field may be left out (empty). */
export type CallResultInit = Pick<CallResult, 'outcome' | 'endReason' | 'endedBy' | 'target' | 'transport' | 'ids' | 'error'> &
  Partial<Omit<CallResult, 'schemaVersion' | 'outcome' | 'endReason' | 'endedBy' | 'target' | 'transport' | 'ids' | 'error'>>;

/** Timings of a call where nothing has happened yet, started now (or at `startedAt`). */
export function emptyCallTimings(startedAt: string = new Date().toISOString()): CallResult['timings'] {
  return {
    startedAt,
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
  };
}

/**
 * A complete {@link CallResult} from `init`: what is not given is empty (no SIP exchange, no
 * codec, no media, no messages, no evaluation). Keys come in the schema's order whatever the
 * order of `init`, so the JSON output reads the same for every maker.
 */
export function buildCallResult(init: CallResultInit): CallResult {
  return {
    schemaVersion: 1,
    outcome: init.outcome,
    endReason: init.endReason,
    endedBy: init.endedBy,
    target: init.target,
    transport: init.transport,
    ids: init.ids,
    sip: init.sip ?? { callId: '', finalStatus: null, finalReason: null, headersSent: [] },
    codec: init.codec ?? null,
    timings: init.timings ?? emptyCallTimings(),
    rtp: init.rtp ?? null,
    audio: init.audio ?? null,
    dtmfReceived: init.dtmfReceived ?? [],
    voicemail: init.voicemail ?? null,
    messages: init.messages ?? [],
    timeline: init.timeline ?? [],
    warnings: init.warnings ?? [],
    error: init.error,
    metrics: init.metrics ?? null,
    rtpQuality: init.rtpQuality ?? null,
    transcript: init.transcript ?? null,
    scriptedWer: init.scriptedWer ?? null,
  };
}
