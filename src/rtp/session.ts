/**
 * One RTP media stream over one UDP socket (plus port + 1 for RTCP unless rtcp-mux): paced
 * sending from a PCM queue (silence when nothing is queued, so RTP never stops), RFC 4733 DTMF,
 * symmetric RTP with source latching, receive statistics, a jitter buffer delivering one decoded
 * frame per ptime, and RTCP reports. Knows nothing of SIP or SDP: the caller passes what the
 * offer/answer negotiated (codec, payload types, remote address).
 */
import { EventEmitter } from 'node:events';
import type * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { SipprobeError } from '../errors';
import { randomUint32 } from '../random';
import type { Codec } from './codecs/codec';
import { DtmfReceiver, planDtmf, type DtmfNotification, type DtmfPacket, type DtmfPlanOptions } from './dtmf';
import { JitterBuffer, type JitterBufferStats } from './jitter-buffer';
import { sharedPacer, type PacedStream, type Pacer } from './pacer';
import { RTP_HEADER_LENGTH, parseRtpInto, rtpParseTarget, writeRtpHeader } from './packet';
import { sharedRtpPortPool, type RtpPortAllocation, type RtpPortPool } from './port-pool';
import { buildRtcpReport, generateCname, isRtcpDatagram, nextRtcpIntervalMs, parseRtcp, writeRtcp, type RtcpPacket } from './rtcp';
import { RtpReceiveStats, RtpSendStats, type RemoteReceptionReport } from './stats';
import { SrtpContext, type SrtpCryptoSuite } from './srtp';
import { SrtpError } from './srtp-errors';

/** Error codes of {@link RtpSessionError}. */
export type RtpSessionErrorCode = 'RTP_SESSION_BAD_OPTION' | 'RTP_SESSION_CLOSED' | 'RTP_SESSION_NO_DTMF';

/** Invalid session options or remote, use after close, or DTMF without a negotiated telephone-event. */
export class RtpSessionError extends SipprobeError {
  declare readonly code: RtpSessionErrorCode;

  constructor(code: RtpSessionErrorCode, message: string) {
    super(code, message);
  }
}

/** A transport address of the far end. */
export interface RtpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** Where the far end receives, from its SDP. */
export interface RtpRemote extends RtpEndpoint {
  /** RTCP port (SDP `a=rtcp`); default `port + 1`, or `port` with rtcp-mux. */
  readonly rtcpPort?: number;
}

/**
 * Which source the session accepts media from:
 * - `sdp`: exactly the address and port the SDP names (RTCP: its RTCP port).
 * - `first-source`: the source of the first valid packet, wherever it comes from (the SDP
 *   address may be private behind NAT); from then on RTP is also sent there.
 */
export type RtpLatchMode = 'sdp' | 'first-source';

/**
 * SDP media direction (RFC 3264 §5.1) from our side: `recvonly` and `inactive` send no RTP (the
 * ticks keep running, so timestamps stay right when sending resumes); receiving is unaffected.
 */
export type RtpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * Sees every RTP/RTCP datagram of a session as it is handed to or taken from a socket (for
 * captures). Called synchronously; `data` is only valid during the call (send buffers are reused),
 * so copy what you keep. `local` is the socket's address and port.
 */
export type RtpPacketTap = (direction: 'sent' | 'received', data: Uint8Array, local: RtpEndpoint, remote: RtpEndpoint) => void;

/** Options of {@link RtpSession.open}. */
export interface RtpSessionOptions {
  /**
   * Negotiated codec; it encodes what we send, with its payload type (the far end's number for
   * it: RFC 3264 §6.1, we send with the numbers of the peer's SDP).
   */
  readonly codec: Codec;
  /**
   * A second instance of the same codec for decoding, for codecs whose state must not be shared
   * between directions. Its payload type must be the receive one. Default `codec` (G.711 and
   * G.722 keep separate encoder/decoder states).
   */
  readonly receiveCodec?: Codec;
  /**
   * Payload type of the audio we accept: the number in our own SDP, which the far end must use
   * when sending to us (it may differ from `codec.payloadType` when the answerer renumbered a
   * dynamic codec). Default `codec`'s payload type.
   */
  readonly receivePayloadType?: number;
  /** Local address to bind; default `127.0.0.1`. */
  readonly address?: string;
  /** Where even RTP ports come from; default {@link sharedRtpPortPool}. Unused with `ports`. */
  readonly portPool?: RtpPortPool;
  /**
   * Run on sockets already bound (e.g. one pair held for a whole call across codec changes)
   * instead of allocating from the pool. rtcp-mux follows the allocation (`rtcpSocket` null).
   * Only one open session may use an allocation at a time.
   */
  readonly ports?: RtpPortAllocation;
  /**
   * Whether {@link RtpSession.close} releases `ports`. Default false: the session only detaches
   * its listeners and the allocation's owner releases it. (Allocated ports are always owned.)
   */
  readonly ownsPorts?: boolean;
  /** RTP and RTCP on one port (RFC 5761), demultiplexed by packet type 200–204. Default false. */
  readonly rtcpMux?: boolean;
  /** Send RTCP SR/RR (received RTCP is always parsed). Default true. */
  readonly rtcp?: boolean;
  /** Mean RTCP report interval in ms, randomised ±50 %. Default 5000 (RFC 3550 minimum). */
  readonly rtcpIntervalMs?: number;
  /** CNAME for SDES; default random (RFC 7022). */
  readonly cname?: string;
  /** Far end from its SDP; can be given later with {@link RtpSession.setRemote}. */
  readonly remote?: RtpRemote;
  /** Source latching; default `sdp`. */
  readonly latch?: RtpLatchMode;
  /** Our media direction; default `sendrecv`. */
  readonly direction?: RtpDirection;
  /** The far end's SSRC if signalled (`a=ssrc`): others are dropped. Default: latch to the first one. */
  readonly remoteSsrc?: number;
  /**
   * telephone-event payload type we send DTMF with (the far end's number); without it DTMF
   * cannot be sent. Also the one received unless `receiveTelephoneEventPayloadType` is given.
   */
  readonly telephoneEventPayloadType?: number;
  /**
   * telephone-event payload type we accept (the number in our own SDP). Default
   * `telephoneEventPayloadType`; without either, received DTMF is dropped as an unexpected type.
   */
  readonly receiveTelephoneEventPayloadType?: number;
  /** Clock rate of the telephone-event format; default the codec's RTP clock (RFC 4733 §2.1). */
  readonly telephoneEventClockRate?: number;
  /** Jitter buffer depth in frames; default 3. */
  readonly jitterBufferDepth?: number;
  /** The shared scheduler; default {@link sharedPacer}. Must run on `clock`. */
  readonly pacer?: Pacer;
  /** Monotonic clock for arrival and capture times; default the system clock. */
  readonly clock?: Clock;
  /** Wall clock in Unix ms, for RTCP NTP timestamps; default `Date.now`. */
  readonly wallClock?: () => number;
  /** Capture hook: every datagram sent and received on the session's sockets (as on the wire). Default none. */
  readonly onPacket?: RtpPacketTap;
  /**
   * SRTP/SRTCP (RFC 3711) with SDES keys: `send` protects what we send (our key from our SDP),
   * `receive` unprotects what arrives (the peer's key). Unauthenticated or replayed packets are
   * dropped and counted in `stats().dropped`. Default: plain RTP.
   */
  readonly srtp?: RtpSessionSrtpOptions;
}

/** One direction's SRTP keying for {@link RtpSessionOptions.srtp}. */
export interface RtpSessionSrtpKey {
  readonly suite: SrtpCryptoSuite;
  /** Master key || master salt, 30 octets (an SDES `inline:` key). Secret. */
  readonly key: Uint8Array;
}

/** SRTP keys of both directions for {@link RtpSessionOptions.srtp}. */
export interface RtpSessionSrtpOptions {
  readonly send: RtpSessionSrtpKey;
  readonly receive: RtpSessionSrtpKey;
}

/**
 * One frame delivered to consumers, once per ptime after the first packet arrived. The object and
 * its `pcm` are reused for the next frame: valid only during the listener call (copy to keep).
 */
export interface RtpAudioFrame {
  /** Decoded PCM at the codec's sample rate (interleaved if `channels` is 2). */
  readonly pcm: Int16Array;
  readonly sampleRate: number;
  readonly channels: number;
  /** Playout (capture) time on the session's clock, ms: the paced tick this frame belongs to. */
  readonly time: number;
  /**
   * `frame`: decoded from a packet; `concealed`: the packet is missing, silence in its place;
   * `idle`: the far end is not sending (jitter buffer pre-roll or silence suppression), silence.
   */
  readonly kind: 'frame' | 'concealed' | 'idle';
  /** RTP timestamp of the frame (for `idle`, 0). */
  readonly rtpTimestamp: number;
  /** Arrival time of the packet on the session's clock (only for `frame`). */
  readonly arrivalTime?: number;
}

/** One frame we sent, for recording the outgoing side; reused like {@link RtpAudioFrame}. */
export interface RtpSentFrame {
  /** The PCM encoded into this frame. */
  readonly pcm: Int16Array;
  readonly sampleRate: number;
  /** Scheduled send time on the session's clock. */
  readonly time: number;
  /** True when nothing was queued and silence was sent. */
  readonly silence: boolean;
}

/** A received DTMF digit, reported once at its end. */
export interface RtpDtmfEvent {
  /** `0`–`9`, `*`, `#`, `A`–`D`, or null for other telephone-events. */
  readonly digit: string | null;
  readonly event: number;
  /** Length of the tone in ms (the largest duration field seen). */
  readonly durationMs: number;
  /** Arrival of the event's first packet on the session's clock. */
  readonly startTime: number;
  readonly volume: number;
  readonly endedBy: 'end-bit' | 'new-event' | 'timeout';
}

/** Received RTCP, parsed. */
export interface RtpRtcpEvent {
  readonly packets: readonly RtcpPacket[];
  /** The far end's report about our stream in this compound, if any. */
  readonly remoteReport?: RemoteReceptionReport;
  /** Arrival on the session's clock. */
  readonly time: number;
}

/** Events of an {@link RtpSession}. */
export type RtpSessionEvents = {
  /** One decoded frame per ptime (after the first packet). */
  audio: [frame: RtpAudioFrame];
  /**
   * One frame we sent, reported once every stream of the pacer's pass has its packet out (the
   * packets go first; decoding, analysis and these events follow).
   */
  sent: [frame: RtpSentFrame];
  /** A DTMF digit ended (RFC 4733). */
  dtmf: [event: RtpDtmfEvent];
  /** A DTMF digit started. */
  dtmfStart: [event: { readonly digit: string | null; readonly event: number; readonly startTime: number }];
  /** RTCP arrived from the far end. */
  rtcp: [event: RtpRtcpEvent];
  /** The send queue ran empty (everything queued with `sendAudio` went out). */
  drained: [];
  /** A socket error (counted in stats, never thrown). */
  warning: [error: Error];
  /** Sockets released. */
  close: [];
};

/** Drop counters of received datagrams. */
export interface RtpDropStats {
  /** From a source other than the one named in the SDP / latched. */
  readonly foreignSource: number;
  /** From a source other than the latched / signalled SSRC. */
  readonly unexpectedSsrc: number;
  /** Payload type neither the receive codec's nor the receive telephone-event's. */
  readonly unexpectedPayloadType: number;
  /** Not RTP at all (truncated, wrong version, bad padding, …). */
  readonly malformed: number;
  /** Not valid RTCP. */
  readonly malformedRtcp: number;
  /** SRTP/SRTCP packets whose authentication tag did not verify (or too short / not RTP). 0 without SRTP. */
  readonly srtpAuthFailed: number;
  /** SRTP/SRTCP packets refused by the replay window. 0 without SRTP. */
  readonly srtpReplayed: number;
  /** The sum. */
  readonly total: number;
}

/** A snapshot of everything a session counted. Times are on the session's clock (ms). */
export interface RtpSessionStats {
  readonly localAddress: string;
  readonly localPort: number;
  /** Local RTCP port (`localPort` with rtcp-mux). */
  readonly localRtcpPort: number;
  /** Where RTP is sent now (the latched source in `first-source` mode), null before a remote is known. */
  readonly remote: RtpEndpoint | null;
  /** True once a source was latched (`first-source` mode). */
  readonly latched: boolean;
  readonly ssrc: number;
  readonly remoteSsrc: number | null;
  readonly sent: {
    readonly packets: number;
    /** Payload octets (RTCP octet count semantics). */
    readonly bytes: number;
    readonly audioFrames: number;
    readonly silenceFrames: number;
    readonly dtmfPackets: number;
    /** Frames the pacer skipped after event-loop stalls (timestamps kept their timing). */
    readonly skippedFrames: number;
    readonly firstPacketTime: number | null;
  };
  readonly received: {
    /** Accepted packets (audio and telephone-event, duplicates included). */
    readonly packets: number;
    /** Payload octets of those. */
    readonly bytes: number;
    /** Packets expected from the sequence numbers (RFC 3550 A.3). */
    readonly expected: number;
    /** Never received (duplicates do not hide loss). */
    readonly lost: number;
    /** `lost / expected` in percent. */
    readonly lossPercent: number;
    /** Interarrival jitter (RFC 3550 A.8) in ms, on the codec's RTP clock. */
    readonly jitterMs: number;
    /** The largest the jitter estimate was after any packet, over every source of the session, in ms. */
    readonly maxJitterMs: number;
    readonly duplicates: number;
    readonly reordered: number;
    readonly dtmfPackets: number;
    /** Times the far end's SSRC changed. */
    readonly ssrcChanges: number;
    readonly firstPacketTime: number | null;
  };
  readonly dropped: RtpDropStats;
  /** Playout: `late` are packets that came after their frame was played (discarded). */
  readonly jitterBuffer: JitterBufferStats;
  readonly rtcp: {
    readonly enabled: boolean;
    readonly mux: boolean;
    readonly sent: number;
    /** Compounds received from the far end. */
    readonly received: number;
    readonly receivedAny: boolean;
    readonly lastReceivedTime: number | null;
    /** The far end's latest report about our stream. */
    readonly remoteReport: RemoteReceptionReport | null;
    /** The far end sent BYE. */
    readonly byeReceived: boolean;
  };
  /** Payloads the codec could not decode (concealed). */
  readonly decodeErrors: number;
  /** Socket errors and exceptions caught in handlers. */
  readonly errors: number;
}

/** Options of {@link RtpSession.sendDtmf}. */
export interface RtpDtmfSendOptions {
  /** Tone length per digit, ms; default 100. */
  readonly toneMs?: number;
  /** Pause between digits, ms; default 100. */
  readonly gapMs?: number;
  /** Power level in −dBm0; default 10. */
  readonly volume?: number;
}

// A send may complete asynchronously (a busy socket queues the buffer without copying it, and a
// socket not from the port pool resolves even an IP literal on a later tick), so consecutive
// packets use different buffers: a ring far longer than any burst (catch-up frames, DTMF end
// packets) a tick can produce.
const SEND_RING = 16;
const MAX_PACKET = 1500;
// Room for a DTMF event (4 bytes) and a little more in every send slot.
const MIN_SEND_PAYLOAD = 16;

/**
 * Payload bytes of one frame of `codec` when the format fixes it (G.711: a byte per sample;
 * G.722: a byte per two 16 kHz samples), else 0 (Opus: variable, sized from real packets).
 * Buffers start at this size and grow for longer packets, so a wrong guess costs a copy, not a
 * packet: with hundreds of calls in one process, MTU-sized slots would be most of a call's memory.
 */
function rtpFramePayloadBytes(codec: Codec): number {
  const name = codec.name.toUpperCase();
  if (name === 'PCMU' || name === 'PCMA') return codec.samplesPerFrame * codec.channels;
  if (name === 'G722') return (codec.samplesPerFrame >> 1) * codec.channels;
  return 0;
}

/** The frame objects handed to listeners are filled in place for each frame. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The longest payload a session takes into its jitter buffer: 4096 bytes (an Opus packet of up to
 * 120 ms: at most 3 × 1276 bytes as encoders produce them; Asterisk drops datagrams over 4000),
 * or a frame as 16-bit PCM when that is longer (no codec compresses to more). Bounds how far a
 * hostile peer can make the buffer grow.
 */
function maxReceivePayload(codec: Codec): number {
  return Math.min(65535, Math.max(4096, codec.samplesPerFrame * codec.channels * 2));
}

// Encoding and RTCP building are synchronous and their output is copied out at once, so every
// session of a thread shares one scratch buffer for each instead of holding its own.
let encodeScratch = Buffer.alloc(0);
const rtcpScratch = Buffer.alloc(MAX_PACKET);

// Likewise the PCM of the frame being decoded, handed to 'audio' listeners as a view valid only
// during the call: one array per frame length for the whole thread, since a session decodes and
// emits in one go. (The frame being sent is each session's own: its 'sent' event comes after
// every other stream's packet of the pacer's pass is out.) A frame handed to listeners allocates
// nothing, at 50 frames a second per call and direction.
const receivePcm = new Map<number, Int16Array>();

/** @internal Per-frame handlers of an {@link RtpSession}'s owner ({@link RtpSession.setFrameHooks}). */
export interface RtpFrameHooks {
  sent(frame: RtpSentFrame): void;
  audio(frame: RtpAudioFrame): void;
}

/** {@link RtpSession}'s `sentPending`: a sent frame to announce, and whether the queue ran dry with it. */
const SENT_FRAME = 1;
const SENT_DRAINED = 2;

function sharedPcm(pool: Map<number, Int16Array>, length: number): Int16Array {
  let a = pool.get(length);
  if (!a) pool.set(length, (a = new Int16Array(length)));
  return a;
}

/** The view {@link encodedBytes} hands out; replaced together with the encode scratch. */
let encodedView = encodeScratch;

/** The shared encode buffer, at least `bytes` long: any frame the encoder can produce fits. */
function encodeBuffer(bytes: number): Buffer {
  if (encodeScratch.length < bytes) {
    encodeScratch = Buffer.alloc(bytes);
    encodedView = encodeScratch.subarray(0, 0);
  }
  return encodeScratch;
}

/**
 * The first `length` bytes of the encode scratch as a view, kept while frames keep one length (a
 * codec's usually do): copying a frame out of the scratch then allocates nothing, where
 * `Buffer#copy` of a range makes a view on every call.
 */
function encodedBytes(length: number): Buffer {
  if (encodedView.length !== length) encodedView = encodeScratch.subarray(0, length);
  return encodedView;
}

// Packets from a new SSRC, with none from the current one in between, before we follow it.
const SSRC_SWITCH_PACKETS = 10;

interface DtmfJob {
  readonly digits: string;
  readonly options: RtpDtmfSendOptions;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface ActiveDtmf {
  readonly plan: DtmfPacket[];
  readonly job: DtmfJob;
  startFrame: number;
  next: number;
}

interface MutableHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

interface ReceiveTotals {
  packets: number;
  lost: number;
  expected: number;
  duplicates: number;
  reordered: number;
  maxJitterMs: number;
}

function sameEndpoint(a: RtpEndpoint | null, address: string, port: number): boolean {
  return a !== null && a.port === port && a.address === address;
}

function checkRemote(remote: RtpRemote): void {
  if (typeof remote?.address !== 'string' || isIP(remote.address) === 0) {
    throw new RtpSessionError('RTP_SESSION_BAD_OPTION', 'remote address must be an IP address');
  }
  for (const p of [remote.port, remote.rtcpPort]) {
    if (p !== undefined && !(Number.isInteger(p) && p > 0 && p <= 65535)) {
      throw new RtpSessionError('RTP_SESSION_BAD_OPTION', `remote port ${String(p)} is not 1-65535`);
    }
  }
}

/**
 * One RTP media stream. Create with {@link RtpSession.open}; it binds its ports, starts ticking on
 * the shared pacer at once (RTP flows as soon as a remote is known) and runs until {@link close}.
 *
 * Sending: each tick (one per ptime) takes the next frame of the PCM queued with
 * {@link sendAudio} (at the codec's sample rate, mono) or, when nothing is queued, silence. The
 * RTP timestamp comes from the tick's frame index, so frames the pacer skips after a stall keep
 * the media timing right. The marker bit is set on the first packet and at each talkspurt
 * (queued audio after silence). DTMF ({@link sendDtmf}) pauses the audio while events go out.
 *
 * Receiving: datagrams from other sources, other SSRCs or unexpected payload types are counted
 * and dropped; accepted audio goes through statistics and the jitter buffer, and each tick
 * delivers exactly one decoded frame (`audio` event) once the first packet has arrived.
 */
export class RtpSession extends EventEmitter<RtpSessionEvents> {
  /** Our SSRC (random from `crypto`). */
  readonly ssrc: number;
  /** The codec that encodes what we send. */
  readonly codec: Codec;
  /** Local address the sockets are bound to. */
  readonly localAddress: string;
  /** Local RTP port (even). */
  readonly localPort: number;
  /** Local RTCP port (`localPort` with rtcp-mux). */
  readonly localRtcpPort: number;
  /** RTCP multiplexed on the RTP port. */
  readonly rtcpMux: boolean;

  private readonly decoder: Codec;
  private readonly ports: RtpPortAllocation;
  private readonly ownsPorts: boolean;
  private readonly rtpSocket: dgram.Socket;
  private readonly rtcpSocket: dgram.Socket;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly latchMode: RtpLatchMode;
  private readonly fixedRemoteSsrc: number | null;
  private readonly tePt: number;
  private readonly rxPt: number;
  private readonly rxTePt: number;
  private readonly teClockRate: number;
  private readonly rtcpEnabled: boolean;
  private readonly rtcpIntervalMs: number;
  private readonly cname: string;
  private readonly pacer: Pacer;
  private readonly pacedStream: PacedStream;
  private readonly tap: RtpPacketTap | null;
  private readonly localRtp: RtpEndpoint;
  private readonly localRtcp: RtpEndpoint;

  // Send side.
  private readonly initialTimestamp: number;
  private sequence: number;
  private readonly header: MutableHeader;
  /** SEND_RING packets of `ringSlot` bytes each in one allocation; replaced (larger) when a packet does not fit. */
  private ring: Buffer;
  private ringSlot: number;
  private ringIndex = 0;
  /**
   * Per slot, a view of the ring holding the slot's last packet. Sending a view whole spares
   * `dgram`'s own per-send slicing (a new Buffer for every `send(buf, offset, length, …)`); a
   * packet of another length replaces the slot's view.
   */
  private ringViews: (Buffer | null)[] = new Array<Buffer | null>(SEND_RING).fill(null);
  /** Bytes the encoder may write for one frame (the scratch it encodes into). */
  private readonly encodeBytes: number;
  private readonly frame: Int16Array;
  private readonly queue: Int16Array[] = [];
  private queueOffset = 0;
  private markerPending = true;
  private talking = false;
  private readonly sendStats: RtpSendStats;
  private sentPackets = 0;
  private sentBytes = 0;
  private audioFrames = 0;
  private silenceFrames = 0;
  private dtmfSent = 0;
  private firstSent: number | null = null;
  private dtmfJobs: DtmfJob[] = [];
  private dtmf: ActiveDtmf | null = null;

  // Remote and latching.
  private sdpRemote: RtpEndpoint | null = null;
  private sdpRtcpRemote: RtpEndpoint | null = null;
  private latchedRtp: RtpEndpoint | null = null;
  private latchedRtcp: RtpEndpoint | null = null;

  // Receive side.
  private remoteSsrc: number | null;
  private candidateSsrc = -1;
  private candidateCount = 0;
  private ssrcChanges = 0;
  private recvStats: RtpReceiveStats;
  private readonly retired: ReceiveTotals = { packets: 0, lost: 0, expected: 0, duplicates: 0, reordered: 0, maxJitterMs: 0 };
  private readonly jitter: JitterBuffer;
  /** Payload bytes of one received frame when payloads can be cut at frame boundaries (G.711, G.722), else 0. */
  private readonly rxFrameBytes: number;
  private readonly dtmfReceiver: DtmfReceiver | null;
  private readonly decoded: Int16Array;
  private readonly audioFrame: Mutable<RtpAudioFrame>;
  private readonly sentFrame: Mutable<RtpSentFrame>;
  /** What {@link afterTick} has to announce: 0 nothing, else `sentFrame` (and 'drained' too). */
  private sentPending: 0 | typeof SENT_FRAME | typeof SENT_DRAINED = 0;
  /** Every received RTP packet is parsed into this one object (the payload stays a range of the datagram). */
  private readonly rxPacket = rtpParseTarget();
  /** The owner's per-frame handlers (see {@link setFrameHooks}). */
  private hooks: RtpFrameHooks | null = null;
  // 'sent' and 'audio' listeners, counted as they come and go: emitting per frame with nobody
  // listening would still build an argument list, and asking EventEmitter is a megamorphic lookup
  private sentListeners = 0;
  private audioListeners = 0;
  private receivedPackets = 0;
  private receivedBytes = 0;
  private dtmfReceived = 0;
  private firstReceived: number | null = null;
  private foreignSource = 0;
  private unexpectedSsrc = 0;
  private unexpectedPt = 0;
  private malformed = 0;
  private malformedRtcp = 0;
  private srtpAuthFailed = 0;
  private srtpReplayed = 0;
  private readonly srtpSend: SrtpContext | null;
  private readonly srtpReceive: SrtpContext | null;
  private decodeErrors = 0;
  private errors = 0;

  // RTCP.
  private rtcpTimer: TimerHandle | null = null;
  private rtcpSent = 0;
  private rtcpReceived = 0;
  private lastRtcpTime: number | null = null;
  private byeReceived = false;

  private closing: Promise<void> | null = null;
  private sending = true;
  private dir: RtpDirection = 'sendrecv';

  /**
   * Binds an even port (and RTCP port) from the pool — or takes `options.ports` — and starts the
   * stream.
   * @throws {@link RtpSessionError} `RTP_SESSION_BAD_OPTION` for invalid options (also for
   *   `ports` another open session runs on); port pool errors.
   */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    validate(options);
    if (options.ports) {
      const given = options.ports;
      if (portsInUse.has(given)) throw new RtpSessionError('RTP_SESSION_BAD_OPTION', 'these ports are in use by another open session');
      if (options.address !== undefined && options.address !== given.address) {
        throw new RtpSessionError('RTP_SESSION_BAD_OPTION', `address ${options.address} differs from the ports' ${given.address}`);
      }
      if (options.rtcpMux !== undefined && options.rtcpMux !== (given.rtcpSocket === null)) {
        throw new RtpSessionError('RTP_SESSION_BAD_OPTION', 'rtcpMux must match the ports (a null rtcpSocket means rtcp-mux)');
      }
      const owned = options.ownsPorts ?? false;
      try {
        return new RtpSession(options, given, owned);
      } catch (e) {
        if (owned) await given.release();
        throw e;
      }
    }
    const pool = options.portPool ?? sharedRtpPortPool();
    const ports = await pool.allocate({ address: options.address ?? '127.0.0.1', rtcp: !options.rtcpMux });
    try {
      return new RtpSession(options, ports, true);
    } catch (e) {
      await ports.release();
      throw e;
    }
  }

  private constructor(options: RtpSessionOptions, ports: RtpPortAllocation, ownsPorts: boolean) {
    super();
    const codec = options.codec;
    this.codec = codec;
    this.srtpSend = options.srtp ? new SrtpContext({ suite: options.srtp.send.suite, key: options.srtp.send.key }) : null;
    this.srtpReceive = options.srtp ? new SrtpContext({ suite: options.srtp.receive.suite, key: options.srtp.receive.key }) : null;
    this.decoder = options.receiveCodec ?? codec;
    this.ports = ports;
    this.ownsPorts = ownsPorts;
    this.rtpSocket = ports.rtpSocket;
    this.rtcpSocket = ports.rtcpSocket ?? ports.rtpSocket;
    this.rtcpMux = ports.rtcpSocket === null;
    this.localAddress = ports.address;
    this.localPort = ports.port;
    this.localRtcpPort = this.rtcpMux ? ports.port : ports.port + 1;
    this.clock = options.clock ?? systemClock;
    this.wallClock = options.wallClock ?? Date.now;
    this.latchMode = options.latch ?? 'sdp';
    this.fixedRemoteSsrc = options.remoteSsrc ?? null;
    this.remoteSsrc = this.fixedRemoteSsrc;
    this.tePt = options.telephoneEventPayloadType ?? -1;
    this.rxPt = options.receivePayloadType ?? codec.payloadType;
    this.rxTePt = options.receiveTelephoneEventPayloadType ?? this.tePt;
    this.teClockRate = options.telephoneEventClockRate ?? codec.clockRate;
    this.rtcpEnabled = options.rtcp ?? true;
    this.rtcpIntervalMs = options.rtcpIntervalMs ?? 5000;
    this.cname = options.cname ?? generateCname();
    this.tap = options.onPacket ?? null;
    const untyped = this as EventEmitter; // the typed event map does not list EventEmitter's own events
    untyped.on('newListener', (event: string | symbol) => this.countListeners(event, 1));
    untyped.on('removeListener', (event: string | symbol) => this.countListeners(event, -1));
    this.localRtp = { address: this.localAddress, port: this.localPort };
    this.localRtcp = { address: this.localAddress, port: this.localRtcpPort };

    this.ssrc = randomUint32();
    this.initialTimestamp = randomUint32();
    this.sequence = randomUint32() & 0xffff;
    this.header = { marker: false, payloadType: codec.payloadType, sequenceNumber: 0, timestamp: 0, ssrc: this.ssrc };
    // one allocation for the whole ring, each slot only as large as this codec's packets need
    this.ringSlot = RTP_HEADER_LENGTH + Math.max(rtpFramePayloadBytes(codec), MIN_SEND_PAYLOAD);
    this.ring = Buffer.alloc(SEND_RING * this.ringSlot);
    // a frame as 16-bit PCM bounds every encoder's output (Opus is told a frame's sample count)
    this.encodeBytes = Math.max(MAX_PACKET, codec.samplesPerFrame * 2);
    this.frame = new Int16Array(codec.samplesPerFrame);
    this.sendStats = new RtpSendStats({ ssrc: this.ssrc, clockRate: codec.clockRate });

    this.recvStats = new RtpReceiveStats({ clockRate: codec.clockRate, ssrc: this.remoteSsrc ?? 0 });
    const maxPayload = maxReceivePayload(this.decoder);
    this.rxFrameBytes = Math.min(rtpFramePayloadBytes(this.decoder), maxPayload);
    this.jitter = new JitterBuffer({
      depth: options.jitterBufferDepth ?? 3,
      timestampStep: this.decoder.timestampStep,
      maxPayloadBytes: maxPayload,
      slotBytes: this.rxFrameBytes,
    });
    this.dtmfReceiver = this.rxTePt >= 0 ? new DtmfReceiver({ clockRate: this.teClockRate }) : null;
    this.decoded = sharedPcm(receivePcm, this.decoder.samplesPerFrame * this.decoder.channels);
    // the codecs and buffers are the session's for life: only the per-frame fields change
    this.audioFrame = { pcm: this.decoded, sampleRate: this.decoder.sampleRate, channels: this.decoder.channels, time: 0, kind: 'idle', rtpTimestamp: 0, arrivalTime: undefined };
    this.sentFrame = { pcm: this.frame, sampleRate: codec.sampleRate, time: 0, silence: true };

    if (options.remote) this.setRemote(options.remote);
    if (options.direction) this.setDirection(options.direction);

    this.rtpSocket.on('message', this.onRtpMessage);
    this.rtpSocket.on('error', this.onSocketError);
    if (!this.rtcpMux) {
      this.rtcpSocket.on('message', this.onRtcpMessage);
      this.rtcpSocket.on('error', this.onSocketError);
    }
    this.pacer = options.pacer ?? sharedPacer();
    this.pacedStream = this.pacer.add({ ptimeMs: codec.ptimeMs, onTick: this.onTick, afterTick: this.afterTick, histogram: false });
    if (this.rtcpEnabled) this.scheduleRtcp();
    portsInUse.add(ports);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /** Milliseconds of PCM still queued for sending. */
  get queuedMs(): number {
    let samples = 0 - this.queueOffset;
    for (const c of this.queue) samples += c.length;
    return (samples * 1000) / this.codec.sampleRate;
  }

  /**
   * Sets (or changes, after a re-INVITE) where the far end receives. Resets latching.
   * @throws {@link RtpSessionError} `RTP_SESSION_BAD_OPTION` for a non-IP address or bad port.
   */
  setRemote(remote: RtpRemote): void {
    checkRemote(remote);
    this.sdpRemote = { address: remote.address, port: remote.port };
    this.sdpRtcpRemote = { address: remote.address, port: remote.rtcpPort ?? (this.rtcpMux ? remote.port : remote.port + 1) };
    this.latchedRtp = null;
    this.latchedRtcp = null;
  }

  /** Our current media direction. */
  get direction(): RtpDirection {
    return this.dir;
  }

  /**
   * Changes our media direction (hold/resume after a re-INVITE). While not sending, queued audio
   * and DTMF wait; the next packet after resuming carries the marker bit.
   * @throws {@link RtpSessionError} `RTP_SESSION_BAD_OPTION` for an unknown direction.
   */
  setDirection(direction: RtpDirection): void {
    if (direction !== 'sendrecv' && direction !== 'sendonly' && direction !== 'recvonly' && direction !== 'inactive') {
      throw new RtpSessionError('RTP_SESSION_BAD_OPTION', `direction ${String(direction)} is not sendrecv, sendonly, recvonly or inactive`);
    }
    const sending = direction === 'sendrecv' || direction === 'sendonly';
    if (sending && !this.sending) this.markerPending = true;
    this.sending = sending;
    this.dir = direction;
  }

  /**
   * Queues mono PCM at the codec's sample rate; it goes out frame by frame after what is already
   * queued. The array is not copied: do not modify it until it has been sent.
   */
  sendAudio(pcm: Int16Array): void {
    if (this.closing) throw new RtpSessionError('RTP_SESSION_CLOSED', 'session is closed');
    if (!(pcm instanceof Int16Array)) throw new RtpSessionError('RTP_SESSION_BAD_OPTION', 'sendAudio takes an Int16Array');
    if (pcm.length > 0) this.queue.push(pcm);
  }

  /** Drops all queued audio (barge-in); silence follows from the next tick. */
  clearAudio(): void {
    this.queue.length = 0;
    this.queueOffset = 0;
  }

  /**
   * Sends DTMF digits as RFC 4733 telephone-events on the negotiated payload type, pausing the
   * audio meanwhile (queued audio resumes afterwards). Calls queue behind each other.
   * @returns resolves when the last end packet was sent; rejects with {@link RtpSessionError}
   *   (`RTP_SESSION_NO_DTMF` without a telephone-event payload type, `RTP_SESSION_CLOSED`) or a
   *   `DtmfError` for digits outside 0-9 * # A-D.
   */
  sendDtmf(digits: string, options: RtpDtmfSendOptions = {}): Promise<void> {
    if (this.closing) return Promise.reject(new RtpSessionError('RTP_SESSION_CLOSED', 'session is closed'));
    if (this.tePt < 0) return Promise.reject(new RtpSessionError('RTP_SESSION_NO_DTMF', 'no telephone-event payload type was negotiated'));
    try {
      // Validate now, so that a bad digit string fails the call rather than a later tick.
      planDtmf(digits, this.dtmfPlanOptions(0, options));
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.dtmfJobs.push({ digits, options, resolve, reject });
    });
  }

  /** Snapshot of all counters. */
  stats(): RtpSessionStats {
    const r = this.recvStats.snapshot();
    const lost = this.retired.lost + r.lost;
    const expected = this.retired.expected + r.expected;
    const remote = this.sendTarget();
    const report = this.sendStats.remoteReport;
    const pacing = this.pacedStream.stats();
    const dropped =
      this.foreignSource + this.unexpectedSsrc + this.unexpectedPt + this.malformed + this.malformedRtcp + this.srtpAuthFailed + this.srtpReplayed;
    return {
      localAddress: this.localAddress,
      localPort: this.localPort,
      localRtcpPort: this.localRtcpPort,
      remote: remote ? { address: remote.address, port: remote.port } : null,
      latched: this.latchedRtp !== null,
      ssrc: this.ssrc,
      remoteSsrc: this.remoteSsrc,
      sent: {
        packets: this.sentPackets,
        bytes: this.sentBytes,
        audioFrames: this.audioFrames,
        silenceFrames: this.silenceFrames,
        dtmfPackets: this.dtmfSent,
        skippedFrames: pacing.skipped,
        firstPacketTime: this.firstSent,
      },
      received: {
        packets: this.receivedPackets,
        bytes: this.receivedBytes,
        expected,
        lost,
        lossPercent: expected > 0 ? (Math.max(0, lost) * 100) / expected : 0,
        jitterMs: r.jitterMs,
        maxJitterMs: Math.max(this.retired.maxJitterMs, r.maxJitterMs),
        duplicates: this.retired.duplicates + r.duplicates,
        reordered: this.retired.reordered + r.reordered,
        dtmfPackets: this.dtmfReceived,
        ssrcChanges: this.ssrcChanges,
        firstPacketTime: this.firstReceived,
      },
      dropped: {
        foreignSource: this.foreignSource,
        unexpectedSsrc: this.unexpectedSsrc,
        unexpectedPayloadType: this.unexpectedPt,
        malformed: this.malformed,
        malformedRtcp: this.malformedRtcp,
        srtpAuthFailed: this.srtpAuthFailed,
        srtpReplayed: this.srtpReplayed,
        total: dropped,
      },
      jitterBuffer: this.jitter.stats(),
      rtcp: {
        enabled: this.rtcpEnabled,
        mux: this.rtcpMux,
        sent: this.rtcpSent,
        received: this.rtcpReceived,
        receivedAny: this.rtcpReceived > 0,
        lastReceivedTime: this.lastRtcpTime,
        remoteReport: report ?? null,
        byeReceived: this.byeReceived,
      },
      decodeErrors: this.decodeErrors,
      errors: this.errors,
    };
  }

  /**
   * Stops the stream: leaves the pacer, clears the RTCP timer, sends an RTCP BYE (when RTCP is
   * enabled and a remote is known), closes the sockets and returns the ports. Pending DTMF
   * rejects with `RTP_SESSION_CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.pacedStream.remove();
    // Calls often end in bunches (one timer turn, or one read of BYEs): each close's RTCP BYE and
    // socket work runs after the other streams' frames that are due, not before them.
    this.pacer.poll();
    if (this.rtcpTimer) {
      this.clock.clearTimeout(this.rtcpTimer);
      this.rtcpTimer = null;
    }
    const pending = this.dtmf ? [this.dtmf.job, ...this.dtmfJobs] : this.dtmfJobs;
    this.dtmf = null;
    this.dtmfJobs = [];
    for (const job of pending) job.reject(new RtpSessionError('RTP_SESSION_CLOSED', 'session closed before the DTMF was sent'));
    this.closing = this.sendBye()
      .then(() => this.detachPorts())
      .then(() => {
        this.emit('close');
      });
    return this.closing;
  }

  /** Releases owned ports; on borrowed ones only takes our listeners off, for the next session. */
  private detachPorts(): Promise<void> {
    portsInUse.delete(this.ports);
    if (this.ownsPorts) return this.ports.release();
    this.rtpSocket.off('message', this.onRtpMessage);
    this.rtpSocket.off('error', this.onSocketError);
    if (!this.rtcpMux) {
      this.rtcpSocket.off('message', this.onRtcpMessage);
      this.rtcpSocket.off('error', this.onSocketError);
    }
    return Promise.resolve();
  }

  // ---- sending -------------------------------------------------------------------------------

  /** The packet of this tick: what has to leave on time. Everything else waits for {@link afterTick}. */
  private readonly onTick = (frameIndex: number, scheduledTime: number): void => {
    if (this.closing || !this.sending) return;
    try {
      const timestamp = (this.initialTimestamp + frameIndex * this.codec.timestampStep) >>> 0;
      if (!this.dtmf && this.dtmfJobs.length > 0) this.startDtmf(frameIndex, timestamp);
      if (this.dtmf && this.tickDtmf(frameIndex, timestamp, scheduledTime)) return;
      this.sendAudioFrame(timestamp, scheduledTime, true);
    } catch (e) {
      this.errors++;
      this.warn(e);
    }
  };

  /** After every stream's packet of this pass is out: tells listeners what was sent, plays out what arrived. */
  private readonly afterTick = (_frameIndex: number, scheduledTime: number): void => {
    const sent = this.sentPending;
    if (sent !== 0) {
      this.sentPending = 0;
      try {
        // a frame that went out is reported even if the session closed meanwhile
        this.hooks?.sent(this.sentFrame);
        if (this.sentListeners > 0) this.emit('sent', this.sentFrame);
        if (sent === SENT_DRAINED) this.emit('drained');
      } catch (e) {
        this.errors++;
        this.warn(e);
      }
    }
    if (this.closing) return;
    try {
      this.playout(scheduledTime);
    } catch (e) {
      this.errors++;
      this.warn(e);
    }
  };

  private sendTarget(): RtpEndpoint | null {
    return this.latchedRtp ?? this.sdpRemote;
  }

  /** Encodes the next frame (queued audio, or silence) and sends it. */
  private sendAudioFrame(timestamp: number, time: number, useQueue: boolean): void {
    const frame = this.frame;
    const hadAudio = useQueue && this.fillFrame();
    if (!hadAudio) frame.fill(0);
    if (hadAudio && !this.talking) this.markerPending = true;
    this.talking = hadAudio;
    const scratch = encodeBuffer(this.encodeBytes);
    const n = this.codec.encodeInto(frame, scratch);
    if (hadAudio) this.audioFrames++;
    else this.silenceFrames++;
    this.transmit(this.codec.payloadType, this.markerPending, timestamp, encodedBytes(n), time);
    // filling the reused frame costs less than asking whether anyone listens before emitting
    const sent = this.sentFrame;
    sent.time = time;
    sent.silence = !hadAudio;
    this.sentPending = hadAudio && this.queue.length === 0 ? SENT_DRAINED : SENT_FRAME;
  }

  /** Copies the next frame of queued PCM into `this.frame`, zero-padding a short tail. */
  private fillFrame(): boolean {
    const frame = this.frame;
    let filled = 0;
    while (filled < frame.length && this.queue.length > 0) {
      const chunk = this.queue[0];
      const take = Math.min(frame.length - filled, chunk.length - this.queueOffset);
      // copied in a loop: `set(chunk.subarray(…))` makes a view object per frame of every call
      for (let i = 0, from = this.queueOffset; i < take; i++) frame[filled + i] = chunk[from + i];
      filled += take;
      this.queueOffset += take;
      if (this.queueOffset >= chunk.length) {
        this.queue.shift();
        this.queueOffset = 0;
      }
    }
    if (filled === 0) return false;
    if (filled < frame.length) frame.fill(0, filled);
    return true;
  }

  /** Builds the packet (header + `payload`) in the next ring slot and sends it. */
  private transmit(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array, time: number): void {
    const target = this.sendTarget();
    if (!target) return;
    const payloadLength = payload.length;
    const length = RTP_HEADER_LENGTH + payloadLength;
    if (length > this.ringSlot) this.growRing(length);
    const buf = this.ring;
    const offset = this.ringIndex * this.ringSlot;
    const h = this.header;
    h.marker = marker;
    h.payloadType = payloadType;
    h.sequenceNumber = this.sequence;
    h.timestamp = timestamp;
    writeRtpHeader(h, buf, offset);
    buf.set(payload, offset + RTP_HEADER_LENGTH);
    if (this.srtpSend) {
      const wire = this.srtpSend.protectRtp(buf.subarray(offset, offset + length));
      this.rtpSocket.send(wire, target.port, target.address);
      if (this.tap) this.tap('sent', wire, this.localRtp, target);
    } else {
      let view = this.ringViews[this.ringIndex];
      if (view === null || view.length !== length) view = this.ringViews[this.ringIndex] = buf.subarray(offset, offset + length);
      this.rtpSocket.send(view, target.port, target.address);
      if (this.tap) this.tap('sent', view, this.localRtp, target);
    }
    this.ringIndex = (this.ringIndex + 1) % SEND_RING;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.markerPending = false;
    this.sentPackets++;
    this.sentBytes += payloadLength;
    this.sendStats.onSent(payloadLength, timestamp, this.clock.now());
    if (this.firstSent === null) this.firstSent = time;
  }

  /**
   * A packet longer than the slots (a codec whose frames are not a fixed size): a new, larger
   * ring. Sends still queued on the old one keep it alive and unchanged until they are done.
   */
  private growRing(length: number): void {
    this.ringSlot = Math.max(length, 2 * this.ringSlot);
    this.ring = Buffer.alloc(SEND_RING * this.ringSlot);
    this.ringViews = new Array<Buffer | null>(SEND_RING).fill(null);
    this.ringIndex = 0;
  }

  private dtmfPlanOptions(startTimestamp: number, o: RtpDtmfSendOptions): DtmfPlanOptions {
    return {
      startTimestamp,
      clockRate: this.teClockRate,
      ptimeMs: this.codec.ptimeMs,
      ...(o.toneMs !== undefined ? { toneMs: o.toneMs } : {}),
      ...(o.gapMs !== undefined ? { gapMs: o.gapMs } : {}),
      ...(o.volume !== undefined ? { volume: o.volume } : {}),
    };
  }

  private startDtmf(frameIndex: number, timestamp: number): void {
    const job = this.dtmfJobs.shift()!;
    try {
      this.dtmf = { plan: planDtmf(job.digits, this.dtmfPlanOptions(timestamp, job.options)), job, startFrame: frameIndex, next: 0 };
    } catch (e) {
      job.reject(e);
    }
  }

  /**
   * Sends the telephone-event packets due at this tick. Returns true when the tick is taken (an
   * event packet went out, or silence in the gap between digits), false once the plan is done.
   */
  private tickDtmf(frameIndex: number, timestamp: number, time: number): boolean {
    const d = this.dtmf!;
    const offsetMs = (frameIndex - d.startFrame) * this.codec.ptimeMs;
    let sent = false;
    while (d.next < d.plan.length && d.plan[d.next].sendOffsetMs <= offsetMs) {
      const p = d.plan[d.next++];
      this.transmit(this.tePt, p.marker, p.timestamp, p.payload, time);
      this.dtmfSent++;
      sent = true;
    }
    if (d.next >= d.plan.length) {
      this.dtmf = null;
      d.job.resolve();
      if (sent) return true;
      return false;
    }
    if (!sent) this.sendAudioFrame(timestamp, time, false);
    return true;
  }

  // ---- receiving -----------------------------------------------------------------------------

  private readonly onSocketError = (err: Error): void => {
    this.errors++;
    this.warn(err);
  };

  private warn(e: unknown): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', e instanceof Error ? e : new Error(String(e)));
  }

  private readonly onRtpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.closing) return;
    // media arrives all the time: a chance to send frames due while this loop turn reads datagrams
    this.pacer.poll();
    if (this.closing) return; // a tick just delivered may have ended this very session
    if (this.tap) this.tap('received', msg, this.localRtp, rinfo);
    try {
      if (this.rtcpMux && isRtcpDatagram(msg)) this.handleRtcp(msg, rinfo);
      else this.handleRtp(msg, rinfo);
    } catch (e) {
      this.errors++;
      this.warn(e);
    }
  };

  private readonly onRtcpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.closing) return;
    if (this.tap) this.tap('received', msg, this.localRtcp, rinfo);
    try {
      this.handleRtcp(msg, rinfo);
    } catch (e) {
      this.errors++;
      this.warn(e);
    }
  };

  private handleRtp(wire: Buffer, rinfo: dgram.RemoteInfo): void {
    const latching = this.latchMode === 'first-source' && this.latchedRtp === null;
    if (!latching && !sameEndpoint(this.latchMode === 'sdp' ? this.sdpRemote : this.latchedRtp, rinfo.address, rinfo.port)) {
      this.foreignSource++;
      return;
    }
    const msg = this.srtpReceive ? this.unprotect(wire, false) : wire;
    if (msg === null) return;
    const p = this.rxPacket;
    if (parseRtpInto(msg, p) !== null) {
      this.malformed++;
      return;
    }
    const isAudio = p.payloadType === this.rxPt;
    if (!isAudio && p.payloadType !== this.rxTePt) {
      this.unexpectedPt++;
      return;
    }
    if (!this.acceptSsrc(p.ssrc)) {
      this.unexpectedSsrc++;
      return;
    }
    if (latching) this.latchedRtp = { address: rinfo.address, port: rinfo.port };
    const now = this.clock.now();
    if (this.firstReceived === null) this.firstReceived = now;
    const payloadLength = p.payloadEnd - p.payloadStart;
    this.receivedPackets++;
    this.receivedBytes += payloadLength;
    this.recvStats.receive(p.sequenceNumber, p.timestamp, now, payloadLength, isAudio);
    if (isAudio) {
      this.pushAudio(p.timestamp, p.sequenceNumber, msg, p.payloadStart, p.payloadEnd, now, p.marker);
      return;
    }
    this.dtmfReceived++;
    if (this.dtmfReceiver) this.notifyDtmf(this.dtmfReceiver.receive({ timestamp: p.timestamp, payload: msg.subarray(p.payloadStart, p.payloadEnd) }, now));
  }

  /**
   * Into the jitter buffer. A peer may send longer packets than the negotiated ptime (it is only
   * a preference, RFC 3264 §5.1; some gateways fix their own): G.711 and G.722 bytes map to RTP
   * clock ticks one to one, so a payload of several whole frames is cut into frames, each played
   * on its own tick. Anything else goes in whole. The payload is `data[start, end)`.
   */
  private pushAudio(timestamp: number, seq: number, data: Uint8Array, start: number, end: number, now: number, marker: boolean): void {
    const fb = this.rxFrameBytes;
    const len = end - start;
    if (fb === 0 || len <= fb || len % fb !== 0) {
      this.jitter.push(timestamp, seq, data, now, marker, start, end);
      return;
    }
    const step = this.decoder.timestampStep;
    for (let off = start, i = 0; off < end; off += fb, i++) {
      this.jitter.push((timestamp + i * step) >>> 0, seq, data, now, marker && i === 0, off, off + fb);
    }
  }

  /** Latches the first SSRC; follows a new one only after it persisted while the old one was silent. */
  private acceptSsrc(ssrc: number): boolean {
    if (this.remoteSsrc === null) {
      this.remoteSsrc = ssrc;
      this.recvStats.ssrc = ssrc;
      return true;
    }
    if (ssrc === this.remoteSsrc) {
      this.candidateCount = 0;
      return true;
    }
    if (this.fixedRemoteSsrc !== null) return false;
    if (ssrc !== this.candidateSsrc) {
      this.candidateSsrc = ssrc;
      this.candidateCount = 0;
    }
    if (++this.candidateCount < SSRC_SWITCH_PACKETS) return false;
    // The far end restarted its stream (re-INVITE, media server switch): account the old
    // source's totals and start afresh on the new one.
    const old = this.recvStats.snapshot();
    this.retired.lost += old.lost;
    this.retired.expected += old.expected;
    this.retired.duplicates += old.duplicates;
    this.retired.reordered += old.reordered;
    this.retired.maxJitterMs = Math.max(this.retired.maxJitterMs, old.maxJitterMs);
    this.recvStats = new RtpReceiveStats({ clockRate: this.decoder.clockRate, ssrc });
    this.remoteSsrc = ssrc;
    this.candidateCount = 0;
    this.ssrcChanges++;
    this.jitter.reset();
    return true;
  }

  private notifyDtmf(notes: readonly DtmfNotification[]): void {
    // nearly always the shared empty list, every tick: an indexed loop makes no iterator
    for (let i = 0; i < notes.length; i++) {
      const n = notes[i];
      if (n.type === 'start') {
        this.emit('dtmfStart', { digit: n.digit, event: n.event, startTime: n.startMs });
      } else {
        this.emit('dtmf', {
          digit: n.digit,
          event: n.event,
          durationMs: n.durationMs ?? 0,
          startTime: n.startMs,
          volume: n.volume,
          endedBy: n.endedBy ?? 'end-bit',
        });
      }
    }
  }

  /** Pops the frame due at this tick and hands it to consumers. */
  private playout(time: number): void {
    if (this.dtmfReceiver) this.notifyDtmf(this.dtmfReceiver.poll(this.clock.now()));
    if (this.firstReceived === null) return;
    const f = this.jitter.pop();
    const out = this.decoded;
    let kind: RtpAudioFrame['kind'] = f.kind;
    if (kind === 'frame') {
      try {
        const n = this.decoder.decodeInto(f.payload, out);
        if (n < out.length) out.fill(0, n);
      } catch {
        this.decodeErrors++;
        kind = 'concealed';
        out.fill(0);
      }
    } else {
      out.fill(0);
    }
    const a = this.audioFrame;
    a.time = time;
    a.kind = kind;
    a.rtpTimestamp = kind === 'idle' ? 0 : f.timestamp;
    a.arrivalTime = kind === 'frame' ? f.arrivalTime : undefined;
    this.hooks?.audio(a);
    if (this.audioListeners > 0) this.emit('audio', a);
  }

  /**
   * @internal Handlers the session's owner runs for every sent and every played-out frame,
   * before the 'sent' and 'audio' listeners (the same frame objects, lent for the call only).
   * One plain call per frame instead of an event emission; `null` removes them.
   */
  setFrameHooks(hooks: RtpFrameHooks | null): void {
    this.hooks = hooks;
  }

  private countListeners(event: string | symbol, delta: number): void {
    if (event === 'sent') this.sentListeners += delta;
    else if (event === 'audio') this.audioListeners += delta;
  }

  // ---- RTCP ----------------------------------------------------------------------------------

  private handleRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const latching = this.latchMode === 'first-source' && this.latchedRtcp === null;
    if (!latching && !sameEndpoint(this.latchMode === 'sdp' ? this.sdpRtcpRemote : this.latchedRtcp, rinfo.address, rinfo.port)) {
      this.foreignSource++;
      return;
    }
    const plain = this.srtpReceive ? this.unprotect(msg, true) : msg;
    if (plain === null) return;
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(plain);
    } catch {
      this.malformedRtcp++;
      return;
    }
    if (latching) this.latchedRtcp = { address: rinfo.address, port: rinfo.port };
    const now = this.clock.now();
    this.rtcpReceived++;
    this.lastRtcpTime = now;
    for (const p of packets) {
      if (p.type === 'SR' && p.ssrc === this.remoteSsrc) this.recvStats.onSenderReport(p, now);
      if (p.type === 'BYE' && this.remoteSsrc !== null && p.ssrcs.includes(this.remoteSsrc)) this.byeReceived = true;
    }
    const remoteReport = this.sendStats.onRtcp(packets, this.wallClock());
    this.emit('rtcp', remoteReport ? { packets, remoteReport, time: now } : { packets, time: now });
  }

  private rtcpTarget(): RtpEndpoint | null {
    if (this.latchedRtcp) return this.latchedRtcp;
    // Latched RTP without RTCP yet: the far end's RTCP is presumably beside its RTP.
    if (this.latchedRtp) return this.rtcpMux ? this.latchedRtp : { address: this.latchedRtp.address, port: this.latchedRtp.port + 1 };
    return this.sdpRtcpRemote;
  }

  private scheduleRtcp(): void {
    this.rtcpTimer = this.clock.setTimeout(() => {
      this.rtcpTimer = null;
      if (this.closing) return;
      try {
        this.sendReport(false, null);
      } catch (e) {
        this.errors++;
        this.warn(e);
      }
      this.scheduleRtcp();
    }, nextRtcpIntervalMs(this.rtcpIntervalMs));
  }

  /** SRTP/SRTCP unprotect; null (and counted) when the packet is refused. */
  private unprotect(wire: Buffer, rtcp: boolean): Buffer | null {
    try {
      return rtcp ? this.srtpReceive!.unprotectRtcp(wire) : this.srtpReceive!.unprotectRtp(wire);
    } catch (e) {
      if (!(e instanceof SrtpError)) throw e;
      if (e.code === 'SRTP_REPLAY') this.srtpReplayed++;
      else this.srtpAuthFailed++;
      return null;
    }
  }

  /** Builds SR (if we sent since the last report) or RR + SDES (+ BYE) and sends it. */
  private sendReport(bye: boolean, done: (() => void) | null): boolean {
    const target = this.rtcpTarget();
    if (!target) return false;
    const now = this.clock.now();
    const block = this.recvStats.buildReportBlock(now);
    const sender = this.sendStats.isSender ? this.sendStats.senderInfo(now, this.wallClock()) : undefined;
    const packets = buildRtcpReport({
      ssrc: this.ssrc,
      cname: this.cname,
      ...(block ? { reports: [block] } : {}),
      ...(sender ? { sender } : {}),
      ...(bye ? { bye: {} } : {}),
    });
    const n = writeRtcp(packets, rtcpScratch, 0);
    // A copy (protectRtcp makes one too): the shared buffer is rewritten by the next report (of any session) before an asynchronous send reads it.
    const data = this.srtpSend ? this.srtpSend.protectRtcp(rtcpScratch.subarray(0, n)) : Buffer.from(rtcpScratch.subarray(0, n));
    if (done) this.rtcpSocket.send(data, target.port, target.address, () => done());
    else this.rtcpSocket.send(data, target.port, target.address);
    if (this.tap) this.tap('sent', data, this.localRtcp, target);
    this.rtcpSent++;
    return true;
  }

  private sendBye(): Promise<void> {
    if (!this.rtcpEnabled) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        if (!this.sendReport(true, resolve)) resolve();
      } catch {
        resolve();
      }
    });
  }
}

/** Allocations an open session runs on (borrowed ones must not be shared by two sessions). */
const portsInUse = new WeakSet<RtpPortAllocation>();

function validate(o: RtpSessionOptions): void {
  const bad = (m: string): never => {
    throw new RtpSessionError('RTP_SESSION_BAD_OPTION', m);
  };
  if (!o || typeof o !== 'object' || !o.codec) bad('a codec is required');
  const c = o.codec;
  if (!(c.ptimeMs > 0) || !(c.samplesPerFrame > 0) || !(c.timestampStep > 0)) bad('codec has no frame size');
  const isPt = (pt: number): boolean => Number.isInteger(pt) && pt >= 0 && pt <= 127;
  if (o.receivePayloadType !== undefined && !isPt(o.receivePayloadType)) bad(`receive payload type ${o.receivePayloadType} is not 0-127`);
  const rxPt = o.receivePayloadType ?? c.payloadType;
  const rc = o.receiveCodec;
  if (rc && (rc.name !== c.name || rc.clockRate !== c.clockRate)) bad('receiveCodec must be the same codec as codec');
  if (rc && rc.payloadType !== rxPt) bad('receiveCodec must have the receive payload type');
  if (o.telephoneEventPayloadType !== undefined) {
    const pt = o.telephoneEventPayloadType;
    if (!isPt(pt) || pt === c.payloadType) bad(`telephone-event payload type ${pt} is not 0-127 or equals the codec's`);
  }
  const rxTePt = o.receiveTelephoneEventPayloadType ?? o.telephoneEventPayloadType;
  if (rxTePt !== undefined && (!isPt(rxTePt) || rxTePt === rxPt)) bad(`receive telephone-event payload type ${rxTePt} is not 0-127 or equals the receive codec's`);
  if (o.ports !== undefined) {
    const p = o.ports;
    if (!p || typeof p !== 'object' || !p.rtpSocket || typeof p.release !== 'function' || !Number.isInteger(p.port)) bad('ports must be an RtpPortAllocation');
  }
  if (o.rtcpIntervalMs !== undefined && !(o.rtcpIntervalMs >= 10 && Number.isFinite(o.rtcpIntervalMs))) bad('rtcpIntervalMs must be at least 10');
  if (o.address !== undefined && isIP(o.address) === 0) bad('address must be an IP address');
  if (o.remote) checkRemote(o.remote);
  if (o.direction !== undefined && !['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(o.direction)) bad(`direction ${String(o.direction)} is not valid`);
  if (o.latch !== undefined && o.latch !== 'sdp' && o.latch !== 'first-source') bad(`latch mode ${String(o.latch)} is not sdp or first-source`);
  if (o.remoteSsrc !== undefined && !(Number.isInteger(o.remoteSsrc) && o.remoteSsrc >= 0 && o.remoteSsrc <= 0xffffffff)) bad('remoteSsrc is not an unsigned 32-bit integer');
}
