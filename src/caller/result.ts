import type { CallMetrics, RtpQuality, ScriptedTurnWer, Transcript } from '../metrics/types';

/**
 * The outcome of one test call, as a plain JSON-serialisable object. This is also the JSON output
 * (`sipprobe call --json`), versioned by {@link CallResult.schemaVersion}.
 */

/** Normalised outcome of a test call; the raw SIP status is kept beside it in {@link CallResult.sip}. */
export type CallOutcome =
  | 'completed'
  | 'busy'
  | 'rejected'
  | 'no-answer'
  | 'timeout'
  | 'auth-failed'
  | 'unreachable'
  | 'error';

/** Who ended an answered call. */
export type EndedBy = 'caller' | 'agent' | 'timeout' | 'error';

/** One SIP message of the ladder. `raw` has credentials redacted. */
export interface LadderMessage {
  /** Milliseconds since the INVITE was first sent (monotonic clock). */
  t: number;
  /** Wall-clock time, ISO 8601. */
  at: string;
  direction: 'sent' | 'received';
  transport: 'udp' | 'tcp' | 'tls';
  local: string;
  remote: string;
  /** Request line or status line. */
  firstLine: string;
  raw: string;
}

/** A milestone of the call (SIP or media), in ms since the INVITE was first sent. */
export interface TimelineEvent {
  t: number;
  event: string;
  detail?: string;
}

/** Negotiated audio codec. */
export interface NegotiatedCodecInfo {
  name: string;
  payloadType: number;
  clockRate: number;
  channels: number;
  ptimeMs: number;
  dtmfPayloadType: number | null;
  /** SRTP crypto suite protecting the media, null for plain RTP (absent in results saved before SRTP support). */
  srtp?: 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | null;
}

/** RTP statistics for what we sent and what we received. */
export interface RtpSummary {
  localPort: number | null;
  remote: string | null;
  sent: { packets: number; bytes: number };
  received: {
    packets: number;
    bytes: number;
    expected: number;
    lost: number;
    lossPercent: number;
    /** RFC 3550 interarrival jitter, in ms. */
    jitterMs: number;
    /** The largest value the jitter estimate took after any packet (as Wireshark's Max Jitter), in ms. */
    maxJitterMs: number;
    duplicates: number;
    reordered: number;
    /** Packets from unexpected sources or with unexpected SSRC/payload type, dropped. */
    dropped: number;
  };
  /** Whether the far end sent RTCP at all (many SIP agents do not). */
  rtcpReceived: boolean;
}

export interface CallResult {
  schemaVersion: 1;
  outcome: CallOutcome;
  /** Human end reason in the vocabulary of voice-agent test platforms, e.g. `did not answer`. */
  endReason: string;
  endedBy: EndedBy | null;
  target: string;
  transport: 'udp' | 'tcp' | 'tls';
  ids: { runId: string; scenarioId: string; resultId: string; generated: string[] };
  sip: {
    callId: string;
    finalStatus: number | null;
    finalReason: string | null;
    /** The test-metadata and custom headers sent with every INVITE. */
    headersSent: Array<{ name: string; value: string }>;
  };
  codec: NegotiatedCodecInfo | null;
  timings: {
    startedAt: string;
    firstProvisionalMs: number | null;
    ringingMs: number | null;
    earlyMediaMs: number | null;
    answerMs: number | null;
    /** Our ACK for the 2xx (ms since the INVITE). */
    ackMs: number | null;
    /** First 18x provisional response (not 100 Trying): INVITE → this is the post-dial delay. */
    first18xMs: number | null;
    firstRtpSentMs: number | null;
    firstRtpReceivedMs: number | null;
    endMs: number | null;
    /** Answer to end, or 0 when the call was never answered. */
    talkDurationMs: number;
  };
  rtp: RtpSummary | null;
  /** The stereo recording (when `record` was given); `startMs` is its time 0 in ms since the INVITE. */
  audio: { recordingPath: string; sampleRate: number; channels: 2; startMs: number } | null;
  dtmfReceived: Array<{ digit: string; t: number; durationMs: number }>;
  /**
   * The answering-machine beep heard after a greeting (ms since the INVITE), when the call landed
   * on voicemail; null when none was heard or detection was off (`voicemail: 'off'`).
   */
  voicemail: { beepStartMs: number; beepEndMs: number; beepFrequencyHz: number } | null;
  messages: LadderMessage[];
  timeline: TimelineEvent[];
  warnings: string[];
  error: { code: string; message: string } | null;
  /** Turn-taking metrics from the call's audio (VAD on both channels); null when not answered or not evaluated. */
  metrics: CallMetrics | null;
  /** RTP loss/jitter and E-model MOS for each direction we can see; null without media. */
  rtpQuality: RtpQuality | null;
  /** Transcript of both channels, when a transcriber was given. */
  transcript: Transcript | null;
  /** WER of the caller's scripted turns, when `expectedCallerTurns` and a transcriber were given. */
  scriptedWer: ScriptedTurnWer[] | null;
}
