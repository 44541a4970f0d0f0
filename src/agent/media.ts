/**
 * The media side of a TestAgent call, as the call logic needs it. Implemented over the shared
 * MediaLeg (src/call-media), which composes SDP, RTP, playback and recording for the Caller too.
 */
import type { SipBody } from '../sip/ua/core';

/** Media of one agent call. */
export interface AgentMedia {
  /** Our SDP answer to the caller's offer. */
  readonly answer: SipBody;
  /** Negotiated codec name (`PCMU`, `PCMA`, `G722`, `opus`). */
  readonly codec: string;
  /** Stereo WAV path when recording. */
  readonly recordingPath: string | undefined;
  /** Starts RTP (silence until something is played). */
  start(): void;
  /** Plays a WAV (resampled to the codec); resolves when it has been sent. */
  play(path: string): Promise<void>;
  /**
   * Plays a WAV so that its first sample is sent at media time `atMs` (see `now`), to the sample:
   * silence is queued in front of it in the frame before. Late (`atMs` already past or audio still
   * queued) it starts as soon as it can. `onQueued` gets the media time its first sample goes out
   * at (when nothing else is queued). Resolves when it has been sent.
   */
  playAt(path: string, atMs: number, onQueued?: (firstSampleAtMs: number) => void): Promise<void>;
  /** Sends back what the caller sends. */
  setEcho(on: boolean): void;
  /** Media time now (ms, the clock of frame times). */
  now(): number;
  /** Every decoded caller frame with its end time (ms, media time: see `now`) and duration. */
  onCallerFrame(listener: (pcm: Int16Array, t: number, durationMs: number) => void): void;
  /** Answers an offer in a re-INVITE from the caller. */
  reanswer(offer: SipBody): Promise<SipBody>;
  /** Our offer for a re-INVITE we send (the current session, refreshed). */
  reoffer(): SipBody;
  /** The caller's answer to our re-INVITE. */
  applyAnswer(answer: SipBody): Promise<void>;
  /** Stops RTP, finalises the recording. Idempotent. */
  close(): Promise<void>;
}

/** What the call passes when it needs media. */
export interface AgentMediaRequest {
  offer: SipBody;
  codecs: readonly string[] | undefined;
  /** Accept SRTP offers (`require`: only those). */
  srtp?: boolean | 'require';
  /** Directory for the recording. */
  record: string | undefined;
  callIndex: number;
  callId: string;
}

/** Creates the media of a call; throws (any error) when the offer cannot be answered. */
export type AgentMediaFactory = (request: AgentMediaRequest) => Promise<AgentMedia>;
