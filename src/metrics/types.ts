/**
 * Plain, JSON-serialisable result types of the call-evaluation metrics. `CallResult` (src/caller)
 * references these; every time is in milliseconds.
 */

/** One stretch of detected speech on one channel, in ms from the start of the analysed audio. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

/** Who spoke: the caller (left channel, as sent) or the agent (right channel, as received). */
export type Speaker = 'caller' | 'agent';

/**
 * SIP milestones of the call, in ms since the INVITE was first sent (the INVITE itself is 0).
 * `null`/absent when the milestone never happened.
 */
export interface CallTimelineMarks {
  /** First 18x provisional response (not 100 Trying). */
  first18xMs?: number | null;
  /** The 200 OK to the INVITE. */
  answerMs?: number | null;
  /** Our ACK for the 200 OK. */
  ackMs?: number | null;
}

/** Distribution summary; percentiles use linear interpolation between closest ranks (R type 7). */
export interface LatencyStats {
  count: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/**
 * One caller turn: the caller stopped speaking and (maybe) the agent answered. Times are in ms
 * since the INVITE.
 */
export interface TurnLatency {
  /** 0-based index among caller turns. */
  index: number;
  /** Start of the caller's turn (first onset of the caller segments merged into this turn). */
  callerStartMs: number;
  /** End of the caller's speech (as sent). */
  callerEndMs: number;
  /** The agent's next onset after `callerEndMs` (as received), or null if the agent never spoke again. */
  agentOnsetMs: number | null;
  /**
   * `agentOnsetMs − callerEndMs`; null when the agent did not answer. Negative only when
   * `overlapped` (the agent had already started before the caller finished).
   */
  latencyMs: number | null;
  /** The agent was already speaking when the caller's turn ended (no clean hand-over). */
  overlapped: boolean;
}

/** An onset of one side while the other side was speaking. Times in ms since the INVITE. */
export interface Interruption {
  /** Who started speaking. */
  by: Speaker;
  /** Onset of the interrupter. */
  atMs: number;
  /** How long the interrupted side kept talking after `atMs` (its segment end − atMs). */
  interruptedStoppedAfterMs: number;
  /** Overlap duration: min(end of the interrupter's segment, end of interrupted segment) − atMs. */
  overlapMs: number;
}

/** Turn-taking metrics of a call (pure function of VAD segments of both channels + timeline). */
export interface TurnMetrics {
  /** INVITE → first 18x. */
  postDialDelayMs: number | null;
  /** INVITE → 200 OK. */
  answerTimeMs: number | null;
  /** ACK → first agent speech onset. */
  firstWordLatencyMs: number | null;
  /** INVITE → first agent speech onset. */
  firstWordFromInviteMs: number | null;
  /** Every caller turn in order. */
  turns: TurnLatency[];
  /** Over the turns the agent answered without overlap (latencyMs ≥ 0); null when there are none. */
  latency: LatencyStats | null;
  /** Total detected speech per side. */
  talkTimeMs: { caller: number; agent: number };
  /** agent / (caller + agent) talk time; null when nobody spoke. */
  agentTalkShare: number | null;
  /** Longest stretch in the analysed window where neither side spoke. */
  longestMutualSilence: { startMs: number; durationMs: number } | null;
  /** Onsets while the other side was speaking, both directions, in time order. */
  interruptions: Interruption[];
  /** Counts per direction. */
  interruptionCounts: { callerInterruptedAgent: number; agentInterruptedCaller: number };
  /** Mean of `interruptedStoppedAfterMs` over caller barge-ins (how fast the agent yields); null if none. */
  agentMeanStopAfterInterruptionMs: number | null;
}

/** Everything derived from the call's audio and timeline. */
export interface CallMetrics extends TurnMetrics {
  /** VAD segments per channel, in ms since the INVITE. */
  speech: { caller: SpeechSegment[]; agent: SpeechSegment[] };
  /** The analysed window, in ms since the INVITE. */
  window: { startMs: number; endMs: number };
}

/** Loss accounting of one RTP direction. */
export interface RtpLossView {
  packets: number;
  expected: number;
  lost: number;
  /** lost / expected × 100 (0 when nothing was expected). */
  lossPercent: number;
  /** Packets discarded by the jitter buffer for arriving too late (counted as lost for the E-model). */
  lateDiscarded: number;
  jitterMeanMs: number | null;
  jitterMaxMs: number | null;
  reordered: number | null;
  duplicates: number | null;
}

/** E-model result for one direction. */
export interface EModelResult {
  /** Which rating scale R is on: G.107 (narrowband, max ≈ 93.2) or G.107.1 (wideband, max 129). */
  scale: 'narrowband' | 'wideband';
  /** Transmission rating factor on `scale`. */
  r: number;
  /** R moved to the narrowband scale (R_wb / 1.29 for wideband; = r otherwise). */
  rNarrowbandScale: number;
  /** MOS-CQE per G.107 Annex B from `rNarrowbandScale`. */
  mos: number;
  /** Equipment impairment factor used (Ie or Ie,wb). */
  ie: number;
  /** Packet-loss robustness factor used. */
  bpl: number;
  /** Packet-loss probability used, in percent (network loss + late discards). */
  ppl: number;
  burstR: number;
  /** Effective equipment impairment Ie,eff. */
  ieEff: number;
  /** Delay impairment Id. */
  id: number;
  /** One-way mouth-to-ear delay estimate Ta used for Id, in ms. */
  oneWayDelayMs: number;
  /** Where the codec's Ie/Bpl come from. */
  codecSource: string;
}

/** RTP quality for each direction we can see. */
export interface RtpQuality {
  codec: string;
  /** What we received from the far end (measured here). */
  received: RtpLossView & { emodel: EModelResult };
  /** What the far end says about our stream (RTCP RR), when it sent any. */
  sentAsSeenByFarEnd:
    | {
        fractionLostPercent: number;
        cumulativeLost: number;
        jitterMs: number;
        rttMs: number | null;
        emodel: EModelResult;
      }
    | null;
  /** Human-readable notes about the estimate (e.g. unknown codec, no RTT). */
  notes: string[];
}

/** One recognised piece of text. Times in ms relative to the audio handed to the transcriber. */
export interface TranscriptionSegment {
  startMs: number;
  endMs: number;
  text: string;
}

/** One turn of the transcript. Times in ms since the INVITE. */
export interface TranscriptTurn {
  speaker: Speaker;
  startMs: number;
  endMs: number;
  text: string;
}

/** Transcript of a call: every VAD segment of both channels, recognised, in time order. */
export interface Transcript {
  /** Transcriber name, e.g. `pocketsphinx`. */
  engine: string;
  turns: TranscriptTurn[];
  /** Segments that could not be transcribed (the error code and message); the rest still are. */
  failures: Array<{ speaker: Speaker; startMs: number; endMs: number; code: string; message: string }>;
}

/** Word error rate of one hypothesis against a reference. */
export interface WordErrorRate {
  /** (substitutions + deletions + insertions) / referenceWords; Infinity-free: 0 reference words ⇒ insertions count as 1 each. */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
  hypothesisWords: number;
}

/** WER of one scripted caller turn. */
export interface ScriptedTurnWer extends WordErrorRate {
  index: number;
  expected: string;
  recognised: string | null;
}
