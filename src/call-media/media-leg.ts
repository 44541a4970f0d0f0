import { EventEmitter } from 'node:events';
import { Resampler } from '../audio/resampler';
import { StereoRecorder } from '../audio/stereo-recorder';
import { wavToMonoPcm } from '../audio/resampler';
import { WavWriter } from '../audio/wav-writer';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { BeepDetector, type BeepDetection, type BeepDetectorOptions } from '../metrics/beep';
import type { SpeechSegment } from '../metrics/types';
import type { Codec } from '../rtp/codecs/codec';
import { createCodec, isCodecSupported } from '../rtp/codecs/registry';
import { isOpusAvailable } from '../rtp/codecs/opus';
import type { Pacer } from '../rtp/pacer';
import { sharedRtpPortPool, type RtpPortAllocation, type RtpPortPool } from '../rtp/port-pool';
import { RtpSession, type RtpAudioFrame, type RtpDtmfEvent, type RtpPacketTap, type RtpSentFrame, type RtpSessionStats } from '../rtp/session';
import { createAnswer, processAnswer, type SdpNegotiatedMedia } from '../sdp/answer';
import { isSdpSrtpSuite, type SdpSrtpNegotiated, type SdpSrtpSuite } from '../sdp/crypto';
import { SdpNegotiationError } from '../sdp/errors';
import type { SdpCodecSpec } from '../sdp/local-description';
import { getSdpCodecs } from '../sdp/attributes';
import { createOffer } from '../sdp/offer';
import { serializeSdp } from '../sdp/serializer';
import type { Sdp } from '../sdp/model';
import { ArrivalTimeline } from './arrival-timeline';
import { MediaLegError } from './errors';
import { sharedPrompt } from './prompt-cache';
import { DEFAULT_LOUD_DBFS, RemoteSpeechTracker, rmsDbfs, type RemoteSpeechTrackerOptions } from './speech-tracker';

/** Which party this leg plays: the caller's leg records itself left, the agent's right. */
export type MediaLegSide = 'caller' | 'agent';

/** Options of {@link MediaLeg.create}. */
export interface MediaLegOptions {
  /** Local RTP bind address (default `127.0.0.1`). */
  address?: string;
  /** Address to write in SDP `c=` instead of the bound one (NAT). */
  advertisedAddress?: string;
  /** Codec preference, best first (default `['PCMU', 'PCMA']`); Opus is dropped when its WASM is unavailable. telephone-event is always offered. */
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  /** Where RTP ports come from (default the process-wide pool). */
  portPool?: RtpPortPool;
  /** Shared RTP scheduler (default the process-wide pacer). Must run on `clock`. */
  pacer?: Pacer;
  /** Monotonic clock (default the system clock). */
  clock?: Clock;
  /** This leg's party (default `caller`): decides the recording's channel order. */
  side?: MediaLegSide;
  /** Write a stereo WAV here (caller left, agent right, one clock). */
  recordPath?: string;
  /** Recording sample rate (default: the first negotiated codec's sample rate). */
  recordSampleRate?: number;
  /** Accept RTP from wherever the first valid packet comes (NAT); default `sdp` (exactly the SDP address). */
  latch?: 'sdp' | 'first-source';
  /** RTCP report interval (ms, default 5000). */
  rtcpIntervalMs?: number;
  /** Far-end speech detection tuning. */
  speech?: RemoteSpeechTrackerOptions;
  /**
   * False: no far-end speech detection — no VAD over every received frame and none of its
   * buffers (about 8 kB a leg), for load runs that evaluate nothing. `remote-speech` is then never
   * emitted, `remoteSpeech` stays empty, the first-speech milestone null, and
   * {@link MediaLeg.waitForRemoteSpeech} throws; `lastRemoteSoundMs` (a level gate) still works.
   * Default true.
   */
  detectSpeech?: boolean;
  /**
   * Answering-machine beep detection on the far end's audio (a greeting, then one steady tone):
   * tuning, or false for none. On, each qualifying beep is a `beep` event when the tone ends; a
   * tone still on when the leg closes is not reported (it could not be told from a held tone).
   * Default on.
   */
  beep?: BeepDetectorOptions | false;
  /** Clock time (ms) that is t = 0 of the recording and of every event (default: creation). Can be set later with {@link MediaLeg.origin}. */
  origin?: number;
  /**
   * False: signalling only (e.g. call-rate tests). No RTP port is bound and no RTP/RTCP is sent
   * or received; the offer still carries the codecs, on the discard port 9 with `a=inactive`
   * (RFC 3264 §5.1), and the answer is still negotiated. Default true.
   */
  rtp?: boolean;
  /** Capture hook handed to every RTP session of the leg (see {@link RtpPacketTap}). */
  onPacket?: RtpPacketTap;
  /**
   * SDES-SRTP (RFC 4568 / RFC 3711): `true` for every supported suite, or the suites to use,
   * best first. As offerer the leg offers `RTP/SAVP` with one `a=crypto` line (fresh key) per
   * suite, and an answer that does not take one of them fails (`MEDIA_SRTP_REFUSED`) rather than
   * falling back to plain RTP. As answerer it accepts `RTP/SAVP` offers (the first offered suite
   * it supports) as well as plain ones. Each side protects what it sends with the key of its own
   * SDP. Default: plain RTP only (`RTP/SAVP` offers are refused).
   */
  srtp?: boolean | readonly SdpSrtpSuite[];
  /** As answerer: refuse offers without usable SRTP (`MEDIA_SRTP_REQUIRED`, answer 488). Needs `srtp`. */
  requireSrtp?: boolean;
}

/** One received frame, for live consumers. */
export interface MediaLegAudioEvent {
  /** Decoded mono PCM (a copy the listener may keep). */
  pcm: Int16Array;
  sampleRate: number;
  /** ms since the origin. */
  t: number;
  kind: RtpAudioFrame['kind'];
}

/** One frame we sent. */
export interface MediaLegSentEvent {
  /** The PCM sent (valid only during the listener call). */
  pcm: Int16Array;
  sampleRate: number;
  t: number;
  silence: boolean;
}

/** A DTMF digit the far end sent. */
export interface MediaLegDtmfEvent {
  digit: string;
  /** ms since the origin when it started. */
  t: number;
  durationMs: number;
}

/** Result of {@link MediaLeg.waitForRemoteSpeech}. */
export interface RemoteSpeechWait {
  /** The far end spoke (and then stayed quiet for the requested time). */
  heard: boolean;
  /** The timeout passed first. */
  timedOut: boolean;
  /** ms since the origin when the wait ended. */
  t: number;
  /** The last speech segment heard, if any. */
  segment?: SpeechSegment;
}

/** Events of a {@link MediaLeg}. */
export type MediaLegEvents = {
  /** Media started (or restarted with another codec) after offer/answer. */
  started: [negotiated: SdpNegotiatedMedia];
  /** A received frame, once per ptime after the first packet. */
  audio: [event: MediaLegAudioEvent];
  /** A frame we sent. */
  sent: [event: MediaLegSentEvent];
  /** A DTMF digit ended. */
  dtmf: [event: MediaLegDtmfEvent];
  /** Milestones, ms since the origin. */
  'first-rtp-sent': [t: number];
  'first-rtp-received': [t: number];
  /** A confirmed speech segment of the far end (ms since the origin); the first one is the first-speech milestone. */
  'remote-speech': [segment: SpeechSegment];
  /** An answering-machine beep on the far end's audio (ms since the origin). */
  beep: [beep: BeepDetection];
  /** Non-fatal problems (socket errors, decode errors). */
  warning: [error: Error];
  closed: [];
};

interface PlayWaiter {
  end: number;
  resolve: () => void;
}

/** Stands in for a port pair when a leg runs without RTP: port 9 (discard), nothing bound. */
function noPorts(address: string): RtpPortAllocation {
  return { address, port: 9, rtpSocket: null as unknown as RtpPortAllocation['rtpSocket'], rtcpSocket: null, release: async () => undefined };
}

/**
 * The SDP offer a leg on `address:port` makes for `codecs` (unavailable codecs dropped,
 * telephone-event added). Pure: {@link MediaLeg.createOffer} and dry runs share it.
 */
export function buildMediaOffer(options: {
  address: string;
  port: number;
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  previous?: Sdp;
  inactive?: boolean;
  /** Offer RTP/SAVP with fresh SDES keys (see {@link MediaLegOptions.srtp}). */
  srtp?: boolean | readonly SdpSrtpSuite[];
}): Sdp {
  const codecs = usableCodecs(options.codecs ?? ['PCMU', 'PCMA']);
  if (codecs.length === 0) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'none of the requested codecs is available');
  return createOffer({
    address: options.address,
    port: options.port,
    codecs,
    ...(options.previous ? { previous: options.previous } : {}),
    ...(options.inactive ? { direction: 'inactive' as const } : {}),
    ...(srtpWanted(options.srtp) ? { srtp: options.srtp } : {}),
  });
}

function srtpWanted(srtp: boolean | readonly SdpSrtpSuite[] | undefined): srtp is true | readonly SdpSrtpSuite[] {
  return srtp === true || (Array.isArray(srtp) && srtp.length > 0);
}

function sameSrtp(a: SdpSrtpNegotiated | undefined, b: SdpSrtpNegotiated | undefined): boolean {
  if (!a || !b) return a === b;
  return a.suite === b.suite && a.localKey.equals(b.localKey) && a.remoteKey.equals(b.remoteKey);
}

/** The usable codecs of `options`, after checking the options a leg refuses. @throws MediaLegError `MEDIA_BAD_ARGUMENT` */
function checkedCodecs(options: MediaLegOptions): Array<string | SdpCodecSpec> {
  const codecs = usableCodecs(options.codecs ?? ['PCMU', 'PCMA']);
  if (codecs.length === 0) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'none of the requested codecs is available');
  if (Array.isArray(options.srtp) && options.srtp.some((s) => !isSdpSrtpSuite(String(s)))) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'unsupported SRTP suite');
  if (options.requireSrtp && !srtpWanted(options.srtp)) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'requireSrtp needs srtp');
  return codecs;
}

function usableCodecs(list: ReadonlyArray<string | SdpCodecSpec>): Array<string | SdpCodecSpec> {
  return list.filter((c) => {
    const name = typeof c === 'string' ? c : c.name;
    if (!isCodecSupported(name)) return false;
    return name.toLowerCase() !== 'opus' || isOpusAvailable();
  });
}

/**
 * The media half of a call, without SIP: SDP offer/answer, one RTP stream on held ports (RTP
 * never stops: silence when nothing plays), playback (WAV files resampled to the codec, live
 * PCM, silence, RFC 4733 DTMF), far-end speech detection, and a two-channel recording on one
 * clock (caller as sent left, agent as received right — or the mirror for an agent's leg).
 *
 * ```ts
 * const leg = await MediaLeg.create({ codecs: ['PCMU'], recordPath: 'call.wav' });
 * const offer = leg.createOffer();            // put in the INVITE
 * await leg.applyAnswer(answerSdp);           // from the 183/200: RTP starts
 * await leg.playFile('question.wav');
 * await leg.waitForRemoteSpeech({ thenSilenceMs: 800, timeoutMs: 10_000 });
 * await leg.close();
 * ```
 * Used by the Caller and the TestAgent alike (an agent calls {@link answerOffer} instead).
 */
export class MediaLeg extends EventEmitter<MediaLegEvents> {
  /** Local RTP address and port (RTCP on port + 1). */
  readonly localAddress: string;
  readonly localPort: number;
  /** This leg's party. */
  readonly side: MediaLegSide;
  private readonly options: MediaLegOptions;
  private readonly clock: Clock;
  /** Held for the whole leg: every RTP session of the leg (a re-INVITE may change the codec) runs on them. */
  private readonly ports: RtpPortAllocation;
  private readonly codecPrefs: Array<string | SdpCodecSpec>;
  private session: RtpSession | null = null;
  private starting: Promise<void> = Promise.resolve();
  private current: SdpNegotiatedMedia | null = null;
  private localSdp: Sdp | null = null;
  private offerSdp: Sdp | null = null;
  private originMs: number;
  private recorder: StereoRecorder | null = null;
  private recordRate = 0;
  private readonly toRecord: { sent: Resampler | null; received: Resampler | null } = { sent: null, received: null };
  private tracker: RemoteSpeechTracker | null = null;
  private beeps: BeepDetector | null = null;
  private readonly arrivals = new ArrivalTimeline();
  private firstSentAt: number | null = null;
  private firstReceivedAt: number | null = null;
  private enqueued = 0;
  private sentSamples = 0;
  /** End (ms since the origin) of the latest audible frame received / sent; -Infinity before any. */
  private lastRemoteSound = -Infinity;
  private lastLocalSound = -Infinity;
  private waiters: PlayWaiter[] = [];
  private speechWaits = new Set<() => void>();
  private closing: Promise<void> | null = null;
  private readonly sessionStatsLog: RtpSessionStats[] = [];

  private constructor(options: MediaLegOptions, ports: RtpPortAllocation) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.ports = ports;
    // between two sessions (codec change) no session listens: socket errors must not go unhandled
    for (const sock of [ports.rtpSocket, ports.rtcpSocket]) sock?.on('error', ignoreSocketError);
    this.localAddress = ports.address;
    this.localPort = ports.port;
    this.side = options.side ?? 'caller';
    this.originMs = options.origin ?? this.clock.now();
    this.codecPrefs = checkedCodecs(options);
  }

  /**
   * Binds an RTP/RTCP port pair. Nothing is sent until a remote description is applied.
   * @throws {@link MediaLegError} `MEDIA_BAD_ARGUMENT` when no requested codec is usable; port pool errors.
   */
  static async create(options: MediaLegOptions = {}): Promise<MediaLeg> {
    // every option check before a port is bound: a refused option must not leave sockets open
    checkedCodecs(options);
    const pool = options.portPool ?? sharedRtpPortPool();
    const ports = options.rtp === false ? noPorts(options.address ?? '127.0.0.1') : await pool.allocate({ address: options.address ?? '127.0.0.1', rtcp: true });
    return new MediaLeg(options, ports);
  }

  /** Clock time (ms) of t = 0 for every event and the recording. */
  get origin(): number {
    return this.originMs;
  }

  set origin(v: number) {
    if (this.session) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'the origin cannot move once media runs');
    this.originMs = v;
  }

  /** The negotiated stream, once offer/answer completed. */
  get negotiated(): SdpNegotiatedMedia | null {
    return this.current;
  }

  /** The codec names we offer/accept, in preference order. */
  get codecs(): ReadonlyArray<string | SdpCodecSpec> {
    return this.codecPrefs;
  }

  /** True once RTP is running. */
  get started(): boolean {
    return this.session !== null;
  }

  /** ms since the origin, now. */
  now(): number {
    return this.clock.now() - this.originMs;
  }

  /** First RTP sent / received, ms since the origin (null until then). */
  get milestones(): { firstRtpSent: number | null; firstRtpReceived: number | null; firstRemoteSpeech: number | null } {
    const s = this.finishedSpeech[0] ?? this.tracker?.segments[0];
    return { firstRtpSent: this.firstSentAt, firstRtpReceived: this.firstReceivedAt, firstRemoteSpeech: s ? s.startMs : null };
  }

  /**
   * End (ms since the origin) of the latest far-end audio that was sound rather than silence: a
   * frame louder than the speech gate (`speech.loudDbfs`, default −45 dBFS) or the end of a
   * confirmed speech segment. Null before any. With `detectSpeech: false` the level gate still
   * runs (one sum of squares per frame, nothing kept), so this stays right.
   */
  get lastRemoteSoundMs(): number | null {
    return this.lastRemoteSound === -Infinity ? null : this.lastRemoteSound;
  }

  /**
   * End (ms since the origin) of the latest audio we sent that was louder than the same gate
   * (played files, live PCM; not the silence RTP carries when nothing plays). Null before any.
   */
  get lastLocalSoundMs(): number | null {
    return this.lastLocalSound === -Infinity ? null : this.lastLocalSound;
  }

  /** Speech segments of the far end heard so far (ms since the origin). */
  get remoteSpeech(): SpeechSegment[] {
    return [...this.finishedSpeech, ...(this.tracker?.segments ?? [])];
  }

  private finishedSpeech: SpeechSegment[] = [];

  /** The recording's path once it was opened (at the first media start). */
  get recordingPath(): string | null {
    return this.recorder ? (this.options.recordPath ?? null) : null;
  }

  /** Sample rate of the recording (0 when none). */
  get recordingSampleRate(): number {
    return this.recordRate;
  }

  // ---- offer/answer -----------------------------------------------------------------------

  /** Builds our SDP offer (a re-offer keeps the session id and bumps the version). */
  createOffer(): string {
    this.checkOpen();
    const sdp = buildMediaOffer({
      address: this.options.advertisedAddress ?? this.localAddress,
      port: this.localPort,
      codecs: this.codecPrefs,
      ...(this.localSdp ? { previous: this.localSdp } : {}),
      inactive: this.options.rtp === false,
      ...(srtpWanted(this.options.srtp) ? { srtp: this.options.srtp } : {}),
    });
    this.localSdp = sdp;
    this.offerSdp = sdp;
    return serializeSdp(sdp);
  }

  /**
   * Applies the answer to our offer (from a 183 or the 2xx) and starts — or updates — RTP.
   * @throws `SdpStreamRejectedError` / `SdpCodecMismatchError` (codec mismatch), `SdpParseError`,
   *   {@link MediaLegError} `MEDIA_NOT_STARTED` when no offer was made, `MEDIA_SRTP_REFUSED` when
   *   we offered SRTP and the answer rejected the stream or did not key it.
   */
  async applyAnswer(answer: string | Uint8Array): Promise<SdpNegotiatedMedia> {
    this.checkOpen();
    if (!this.offerSdp) throw new MediaLegError('MEDIA_NOT_STARTED', 'no offer was made');
    const secure = this.offerSdp.media.some((m) => m.proto.toUpperCase() === 'RTP/SAVP');
    let negotiated: SdpNegotiatedMedia;
    try {
      negotiated = processAnswer(this.offerSdp, answer);
    } catch (e) {
      // never fall back to plain RTP: a refused SRTP offer is a media mismatch, said as such
      if (secure && e instanceof SdpNegotiationError && (e.code === 'SDP_ANSWER_MISMATCH' || e.code === 'SDP_STREAM_REJECTED')) {
        throw new MediaLegError('MEDIA_SRTP_REFUSED', `we offered SRTP (RTP/SAVP) but the answer did not accept it: ${e.message}`, { cause: e });
      }
      throw e;
    }
    if (secure && !negotiated.srtp && this.options.rtp !== false) {
      throw new MediaLegError('MEDIA_SRTP_REFUSED', 'we offered SRTP (RTP/SAVP) but the answer carries no usable crypto line');
    }
    await this.apply(negotiated);
    return negotiated;
  }

  /**
   * Answers the far end's offer (an incoming INVITE, or a re-INVITE in the call) and starts or
   * updates RTP. Returns the answer SDP.
   * @throws {@link MediaLegError} `MEDIA_NO_COMMON_CODEC` (answer 488), `SdpParseError`.
   */
  async answerOffer(offer: string | Uint8Array): Promise<{ sdp: string; negotiated: SdpNegotiatedMedia }> {
    this.checkOpen();
    const r = createAnswer(offer, {
      address: this.options.advertisedAddress ?? this.localAddress,
      port: this.localPort,
      codecs: this.codecPrefs,
      order: 'local',
      ...(this.localSdp ? { previous: this.localSdp } : {}),
      ...(this.options.rtp === false ? { direction: 'inactive' as const } : {}),
      ...(srtpWanted(this.options.srtp) ? { srtp: this.options.srtp } : {}),
    });
    if (!r.negotiated) {
      const savp = offeredSavp(offer);
      if (savp && !srtpWanted(this.options.srtp)) throw new MediaLegError('MEDIA_NO_COMMON_CODEC', 'the offer is SRTP (RTP/SAVP) and this leg takes plain RTP only');
      throw new MediaLegError('MEDIA_NO_COMMON_CODEC', savp ? 'the offer has no audio codec or SRTP crypto suite we support' : 'the offer has no audio codec we support');
    }
    if (this.options.requireSrtp && !r.negotiated.srtp) throw new MediaLegError('MEDIA_SRTP_REQUIRED', 'the offer is plain RTP and this leg requires SRTP');
    this.localSdp = r.answer;
    await this.apply(r.negotiated);
    return { sdp: r.text, negotiated: r.negotiated };
  }

  private apply(n: SdpNegotiatedMedia): Promise<void> {
    // read now: a later re-offer replaces the local SDP before this start runs
    const teClockRate = this.dtmfClockRate(n);
    this.starting = this.starting.then(() => this.applyNow(n, teClockRate));
    return this.starting;
  }

  /**
   * The telephone-event RTP clock from our SDP: 8000 even beside Opus at 48000 (what we offer), so
   * the codec's clock (the session's default) would be wrong there.
   */
  private dtmfClockRate(n: SdpNegotiatedMedia): number | undefined {
    const m = n.localDtmfPayloadType === undefined ? undefined : this.localSdp?.media[n.mIndex];
    return m ? getSdpCodecs(m).find((c) => c.payloadType === n.localDtmfPayloadType)?.clockRate : undefined;
  }

  private async applyNow(n: SdpNegotiatedMedia, teClockRate: number | undefined): Promise<void> {
    if (this.closing) return;
    if (this.options.rtp === false) {
      this.current = n;
      return;
    }
    const prev = this.current;
    this.current = n;
    const remote = { address: n.remoteAddress, port: n.remotePort, rtcpPort: n.remoteRtcpPort };
    const hold = n.remoteAddress === '0.0.0.0' || n.remoteAddress === '::';
    const same =
      this.session &&
      prev &&
      prev.codec === n.codec &&
      prev.payloadType === n.payloadType &&
      prev.localPayloadType === n.localPayloadType &&
      prev.ptime === n.ptime &&
      prev.dtmfPayloadType === n.dtmfPayloadType &&
      prev.localDtmfPayloadType === n.localDtmfPayloadType &&
      // new SDES keys (every offer/answer makes fresh ones) need new SRTP contexts
      sameSrtp(prev.srtp, n.srtp);
    if (same && this.session) {
      if (!hold && (prev!.remoteAddress !== n.remoteAddress || prev!.remotePort !== n.remotePort)) this.session.setRemote(remote);
      return;
    }
    if (this.session) {
      const old = this.session;
      this.session = null;
      this.sessionStatsLog.push(old.stats());
      old.clearAudio();
      this.releaseWaiters();
      await old.close();
    }
    // RFC 3264 §6.1: we send with the peer's payload numbers and receive with our own
    const codec = this.makeCodec(n, n.payloadType);
    const decoder = this.makeCodec(n, n.localPayloadType);
    const session = await RtpSession.open({
      codec,
      receiveCodec: decoder,
      receivePayloadType: n.localPayloadType,
      ports: this.ports,
      ...(hold ? {} : { remote }),
      latch: this.options.latch ?? 'sdp',
      ...(n.dtmfPayloadType !== undefined ? { telephoneEventPayloadType: n.dtmfPayloadType } : {}),
      ...(n.localDtmfPayloadType !== undefined ? { receiveTelephoneEventPayloadType: n.localDtmfPayloadType } : {}),
      ...(teClockRate !== undefined ? { telephoneEventClockRate: teClockRate } : {}),
      ...(this.options.pacer ? { pacer: this.options.pacer } : {}),
      clock: this.clock,
      ...(this.options.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.options.rtcpIntervalMs } : {}),
      ...(this.options.onPacket ? { onPacket: this.options.onPacket } : {}),
      // RFC 4568 §6.1: each a=crypto key is the one its SDP's author sends with
      ...(n.srtp ? { srtp: { send: { suite: n.srtp.suite, key: n.srtp.localKey }, receive: { suite: n.srtp.suite, key: n.srtp.remoteKey } } } : {}),
    });
    if (this.closing) {
      await session.close();
      return;
    }
    this.session = session;
    this.enqueued = 0;
    this.sentSamples = 0;
    this.openRecording(codec.sampleRate);
    if (this.options.detectSpeech !== false && (!this.tracker || this.tracker.sampleRate !== codec.sampleRate)) {
      if (this.tracker) this.finishedSpeech.push(...this.tracker.segments, ...this.tracker.end());
      this.tracker = new RemoteSpeechTracker(codec.sampleRate, this.options.speech);
    }
    if (this.options.beep !== false && this.beeps?.sampleRate !== codec.sampleRate) this.beeps = new BeepDetector(codec.sampleRate, this.options.beep);
    session.setFrameHooks({ sent: (f) => this.onSent(f), audio: (f) => this.onAudio(f) });
    session.on('dtmf', (e) => this.onDtmf(e));
    session.on('warning', (e) => {
      if (this.listenerCount('warning') > 0) this.emit('warning', e);
    });
    this.emit('started', n);
  }

  private makeCodec(n: SdpNegotiatedMedia, payloadType: number): Codec {
    return createCodec(n.codec, { payloadType, ptimeMs: n.ptime, channels: 1 });
  }

  private openRecording(codecRate: number): void {
    if (!this.options.recordPath) return;
    if (!this.recorder) {
      this.recordRate = this.options.recordSampleRate ?? codecRate;
      this.recorder = new StereoRecorder(WavWriter.open(this.options.recordPath, { sampleRate: this.recordRate, channels: 2 }));
    }
    this.toRecord.sent = codecRate === this.recordRate ? null : new Resampler(codecRate, this.recordRate);
    this.toRecord.received = codecRate === this.recordRate ? null : new Resampler(codecRate, this.recordRate);
  }

  // ---- media events -------------------------------------------------------------------------

  private onSent(f: RtpSentFrame): void {
    const t = f.time - this.originMs;
    if (this.firstSentAt === null && this.session) {
      const first = this.session.stats().sent.firstPacketTime;
      if (first !== null) {
        this.firstSentAt = first - this.originMs;
        this.emit('first-rtp-sent', this.firstSentAt);
      }
    }
    if (!f.silence) {
      if (rmsDbfs(f.pcm) > (this.options.speech?.loudDbfs ?? DEFAULT_LOUD_DBFS)) this.lastLocalSound = t + (f.pcm.length * 1000) / f.sampleRate;
      this.sentSamples = Math.min(this.enqueued, this.sentSamples + f.pcm.length);
      while (this.waiters.length > 0 && this.waiters[0].end <= this.sentSamples) this.waiters.shift()!.resolve();
    }
    this.record(this.side === 'caller' ? 'caller' : 'agent', f.pcm, t, 'sent');
    if (this.listenerCount('sent') > 0) this.emit('sent', { pcm: f.pcm, sampleRate: f.sampleRate, t, silence: f.silence });
  }

  private onAudio(f: RtpAudioFrame): void {
    // place audio at its arrival (by RTP timestamp, least-delayed anchor), not its playout: the
    // jitter buffer's delay and the playout ticks' slips are no part of the far end's timing
    const t = this.arrivals.place(f, this.current?.clockRate ?? f.sampleRate) - this.originMs;
    if (this.firstReceivedAt === null) {
      const first = this.session?.stats().received.firstPacketTime ?? f.arrivalTime ?? f.time;
      this.firstReceivedAt = first - this.originMs;
      this.emit('first-rtp-received', this.firstReceivedAt);
    }
    const mono = f.channels === 1 ? f.pcm : downmix(f.pcm, f.channels);
    this.record(this.side === 'caller' ? 'agent' : 'caller', mono, t, 'received');
    if (this.tracker) {
      for (const s of this.tracker.push(mono, t)) {
        if (s.endMs > this.lastRemoteSound) this.lastRemoteSound = s.endMs;
        this.emit('remote-speech', s);
      }
      if (this.tracker.lastLoudMs > this.lastRemoteSound) this.lastRemoteSound = this.tracker.lastLoudMs;
      if (this.speechWaits.size > 0) for (const wake of [...this.speechWaits]) wake();
    } else if (rmsDbfs(mono) > (this.options.speech?.loudDbfs ?? DEFAULT_LOUD_DBFS)) {
      this.lastRemoteSound = t + (mono.length * 1000) / f.sampleRate;
    }
    if (this.beeps) {
      const beep = this.beeps.push(mono, t);
      if (beep) this.emit('beep', beep);
    }
    // the session's frame is only lent for this call; ours is the listener's to keep
    if (this.listenerCount('audio') > 0) this.emit('audio', { pcm: mono === f.pcm ? mono.slice() : mono, sampleRate: f.sampleRate, t, kind: f.kind });
  }

  private onDtmf(e: RtpDtmfEvent): void {
    if (e.digit === null) return;
    this.emit('dtmf', { digit: e.digit, t: e.startTime - this.originMs, durationMs: e.durationMs });
  }

  private record(channel: 'caller' | 'agent', pcm: Int16Array, t: number, dir: 'sent' | 'received'): void {
    if (!this.recorder || t < 0) return;
    const rs = this.toRecord[dir];
    const out = rs ? rs.process(pcm) : pcm;
    try {
      this.recorder.add(channel, out, t);
    } catch (e) {
      if (this.listenerCount('warning') > 0) this.emit('warning', e as Error);
    }
  }

  // ---- playback -----------------------------------------------------------------------------

  private requireSession(): RtpSession {
    this.checkOpen();
    if (!this.session) throw new MediaLegError('MEDIA_NOT_STARTED', 'media has not started (no remote description yet)');
    return this.session;
  }

  /**
   * Queues mono PCM at `sampleRate` (resampled to the codec) behind what is queued; resolves
   * once its last sample was sent (or when playback is cleared or the leg closes).
   */
  playPcm(pcm: Int16Array, sampleRate: number): Promise<void> {
    const session = this.requireSession();
    if (!(pcm instanceof Int16Array)) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'pcm must be an Int16Array');
    if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 192000) {
      throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'sampleRate must be an integer between 1000 and 192000');
    }
    const rate = session.codec.sampleRate;
    const data = sampleRate === rate ? pcm.slice() : wavToMonoPcm({ samples: pcm, channels: 1, sampleRate }, rate);
    return this.enqueue(session, data);
  }

  /** Queues PCM at the codec rate as is (never written to: it may be shared). */
  private enqueue(session: RtpSession, data: Int16Array): Promise<void> {
    if (data.length === 0) return Promise.resolve();
    session.sendAudio(data);
    this.enqueued += data.length;
    const end = this.enqueued;
    return new Promise((resolve) => this.waiters.push({ end, resolve }));
  }

  /** Plays a WAV file (any rate, mono or stereo: downmixed and resampled to the codec). */
  async playFile(path: string): Promise<void> {
    const session = this.requireSession();
    // one decoded copy per file and rate for every leg playing it (load runs: hundreds of calls)
    const pcm = await sharedPrompt(path, session.codec.sampleRate);
    if (this.session !== session || this.closing) return;
    await this.enqueue(session, pcm);
  }

  /** Queues `ms` of silence (RTP keeps flowing); resolves when it has been sent. */
  silence(ms: number): Promise<void> {
    const session = this.requireSession();
    if (!(Number.isFinite(ms) && ms >= 0 && ms <= 3_600_000)) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'silence must be 0-3600000 ms');
    const n = Math.round((ms * session.codec.sampleRate) / 1000);
    return n === 0 ? Promise.resolve() : this.playPcm(new Int16Array(n), session.codec.sampleRate);
  }

  /** Drops queued audio (barge-in); pending playbacks resolve. */
  clearPlayback(): void {
    this.session?.clearAudio();
    this.releaseWaiters();
  }

  /** Milliseconds of audio still queued. */
  get queuedMs(): number {
    return this.session?.queuedMs ?? 0;
  }

  /** Sends RFC 4733 DTMF (pauses audio meanwhile). Rejects without a negotiated telephone-event. */
  sendDtmf(digits: string, options?: { toneMs?: number; gapMs?: number }): Promise<void> {
    return this.requireSession().sendDtmf(digits, options ?? {});
  }

  private releaseWaiters(): void {
    this.enqueued = this.sentSamples = 0;
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.resolve();
  }

  // ---- far-end speech ---------------------------------------------------------------------

  /**
   * Waits until the far end has spoken (a speech segment ending after this call) and then been
   * quiet for `thenSilenceMs`, or until `timeoutMs`. Never rejects; an abort resolves `heard: false`.
   * @throws {@link MediaLegError} `MEDIA_BAD_ARGUMENT` when the leg was created with `detectSpeech: false`.
   */
  waitForRemoteSpeech(options: { thenSilenceMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RemoteSpeechWait> {
    if (this.options.detectSpeech === false) throw new MediaLegError('MEDIA_BAD_ARGUMENT', 'far-end speech detection is off for this leg (detectSpeech: false)');
    const thenSilence = options.thenSilenceMs ?? 800;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const since = this.now();
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (r: Omit<RemoteSpeechWait, 't'>): void => {
        this.speechWaits.delete(check);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ ...r, t: this.now() });
      };
      const check = (): void => {
        if (this.closing) return done({ heard: false, timedOut: false });
        const segs = this.tracker?.segments ?? [];
        const last = segs.length > 0 ? segs[segs.length - 1] : undefined;
        if (!last || last.endMs <= since) return;
        const quietSince = Math.max(last.endMs, this.tracker!.lastLoudMs);
        if (this.tracker!.lastFedMs - quietSince >= thenSilence) done({ heard: true, timedOut: false, segment: last });
      };
      const onAbort = (): void => done({ heard: false, timedOut: false });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = this.clock.setTimeout(() => {
        timer = undefined;
        const segs = this.tracker?.segments ?? [];
        const last = segs.length > 0 ? segs[segs.length - 1] : undefined;
        done(last && last.endMs > since ? { heard: false, timedOut: true, segment: last } : { heard: false, timedOut: true });
      }, timeoutMs);
      this.speechWaits.add(check);
    });
  }

  // ---- stats / close ----------------------------------------------------------------------

  /** RTP statistics of the running (or last) session; null before media started. */
  stats(): RtpSessionStats | null {
    if (this.session) return this.session.stats();
    return this.sessionStatsLog.length > 0 ? this.sessionStatsLog[this.sessionStatsLog.length - 1] : null;
  }

  /** The largest received jitter (ms) of every RTP session this leg ran (a re-offer may start a new one). */
  maxJitterMs(): number {
    const all = this.session ? [...this.sessionStatsLog, this.session.stats()] : this.sessionStatsLog;
    return all.reduce((m, s) => Math.max(m, s.received.maxJitterMs), 0);
  }

  /**
   * Stops RTP (RTCP BYE), finalises the recording, returns the ports. Pending playbacks and
   * waits resolve. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      await this.starting.catch(() => undefined);
      const s = this.session;
      if (s) {
        this.sessionStatsLog.push(s.stats());
        this.session = null;
        await s.close();
      }
      this.releaseWaiters();
      if (this.speechWaits.size > 0) for (const wake of [...this.speechWaits]) wake();
      if (this.tracker) {
        for (const seg of this.tracker.end()) this.emit('remote-speech', seg);
      }
      if (this.recorder) {
        try {
          this.recorder.close();
        } catch (e) {
          if (this.listenerCount('warning') > 0) this.emit('warning', e as Error);
        }
      }
      await this.ports.release();
      this.emit('closed');
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing) throw new MediaLegError('MEDIA_CLOSED', 'the media leg is closed');
  }
}

/** True when the offer has an RTP/SAVP m= line (false for an unparsable one: that fails elsewhere). */
function offeredSavp(offer: string | Uint8Array): boolean {
  const text = typeof offer === 'string' ? offer : Buffer.from(offer).toString('latin1');
  return /^m=audio +\d+(?:\/\d+)? +RTP\/SAVP /im.test(text);
}

function ignoreSocketError(): void {
  // counted by the running session, if any; the leg itself has nothing to add
}

function downmix(pcm: Int16Array, channels: number): Int16Array {
  const n = Math.floor(pcm.length / channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += pcm[i * channels + c];
    out[i] = Math.round(s / channels);
  }
  return out;
}
