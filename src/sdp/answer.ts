/** RFC 3264 answers: processing the answer to our offer, and answering someone else's offer. */
import {
  getSdpCodecs,
  getSdpDirection,
  getSdpMaxptime,
  getSdpPtime,
  getSdpRtcp,
  hasSdpRtcpMux,
  type SdpCodec,
} from './attributes';
import { findSdpCodec, parseTelephoneEvents } from './codecs';
import { SdpCodecMismatchError, SdpNegotiationError, SdpStreamRejectedError } from './errors';
import {
  checkDirection,
  checkPort,
  checkPtime,
  checkToken,
  localConnection,
  localDescription,
  resolveCodecSpec,
  rtpmapValue,
  toSdp,
  type ResolvedCodecSpec,
  type SdpCodecSpec,
} from './local-description';
import type { Sdp, SdpAttribute, SdpDirection, SdpMedia } from './model';
import {
  effectiveSdpConnection,
  isSdpHoldAddress,
  negotiateSdp,
  sdpCodecKey,
  sdpDirectionReceives,
  sdpDirectionSends,
  type SdpCommonCodec,
  type SdpStreamNegotiation,
} from './negotiation';
import { serializeSdp } from './serializer';
import {
  SDP_SRTP_SUITES,
  SdpCryptoError,
  SdpSrtpNegotiated,
  createSdpSrtpCrypto,
  formatSdpSrtpCrypto,
  getSdpSrtpCryptos,
  isSdpSecureRtpProfile,
  type SdpSrtpCrypto,
  type SdpSrtpSuite,
} from './crypto';

/** The audio stream as negotiated, from our side. A plain object: safe to log and to put in a result. */
export interface SdpNegotiatedMedia {
  /** Index of the `m=` line. */
  mIndex: number;
  /** Codec to send: registry spelling when known (`PCMU`, `opus`), else as the peer wrote it. */
  codec: string;
  /** Payload type we send with (the peer's number). */
  payloadType: number;
  /** Payload type we receive with (our number). */
  localPayloadType: number;
  /** RTP clock rate (8000 for G.722). */
  clockRate: number;
  channels: number;
  /** The peer's `a=fmtp` for the codec (what it wants to receive). */
  fmtp?: string;
  /** Our `a=fmtp` for the codec. */
  localFmtp?: string;
  /** telephone-event payload type we send with, when both sides have it. */
  dtmfPayloadType?: number;
  /** telephone-event payload type we receive with. */
  localDtmfPayloadType?: number;
  /** Other codecs both sides accepted, in the answer's order (switching to them needs no new exchange). */
  alternatives: SdpCommonCodec[];
  /** Where to send RTP: media-level `c=` over session-level. */
  remoteAddress: string;
  remotePort: number;
  /** Where to send RTCP: `a=rtcp`, the RTP port with rtcp-mux, else RTP port + 1. */
  remoteRtcpAddress: string;
  remoteRtcpPort: number;
  /** Packetisation to send with: the peer's `a=ptime`, else 20 ms. */
  ptime: number;
  /** The peer's `a=maxptime`, if any. */
  maxptime?: number;
  /** Direction in our SDP. */
  localDirection: SdpDirection;
  /** Direction in the peer's SDP. */
  remoteDirection: SdpDirection;
  /** We may send RTP (our direction, theirs, and their address allow it). */
  sends: boolean;
  /** The peer may send RTP to us. */
  receives: boolean;
  /** The peer's SDP signals hold: direction sendonly/inactive or connection address 0.0.0.0. */
  hold: boolean;
  /** Both sides agreed on `a=rtcp-mux`. */
  rtcpMux: boolean;
  /** SDES-SRTP (RFC 4568) keys when the stream is `RTP/SAVP`; the keys are redacted in JSON/inspect. */
  srtp?: SdpSrtpNegotiated;
}

const NOT_MEDIA = new Set(['telephone-event', 'cn']);

function isPrimary(name: string): boolean {
  return !NOT_MEDIA.has(name.toLowerCase());
}

function isEventsOnly(codecs: readonly SdpCodec[]): boolean {
  return codecs.length > 0 && codecs.every((c) => c.name.toLowerCase() === 'telephone-event');
}

interface Pairing {
  name: string;
  clockRate: number;
  channels?: number;
  localPt: number;
  remotePt: number;
  localFmtp?: string;
  remoteFmtp?: string;
}

function pairings(common: SdpCommonCodec[], localIsOfferer: boolean): Pairing[] {
  return common.map((c) => ({
    name: c.name,
    clockRate: c.clockRate,
    channels: c.channels,
    localPt: localIsOfferer ? c.offerPayloadType : c.answerPayloadType,
    remotePt: localIsOfferer ? c.answerPayloadType : c.offerPayloadType,
    localFmtp: localIsOfferer ? c.offerFmtp : c.answerFmtp,
    remoteFmtp: localIsOfferer ? c.answerFmtp : c.offerFmtp,
  }));
}

function buildNegotiated(
  local: Sdp,
  lm: SdpMedia,
  remote: Sdp,
  rm: SdpMedia,
  mIndex: number,
  common: SdpCommonCodec[],
  localIsOfferer: boolean,
): SdpNegotiatedMedia | undefined {
  const pairs = pairings(common, localIsOfferer);
  const main = pairs.find((p) => isPrimary(p.name));
  if (!main) return undefined;
  const dtmf = pairs.find((p) => p.name.toLowerCase() === 'telephone-event' && p.clockRate === main.clockRate) ??
    pairs.find((p) => p.name.toLowerCase() === 'telephone-event');
  const conn = effectiveSdpConnection(remote, rm);
  const remoteAddress = conn ? conn.address : '0.0.0.0';
  const localDirection = getSdpDirection(lm, local);
  const remoteDirection = getSdpDirection(rm, remote);
  const localConn = effectiveSdpConnection(local, lm);
  const rtcpMux = hasSdpRtcpMux(lm) && hasSdpRtcpMux(rm);
  const rtcp = getSdpRtcp(rm);
  const known = findSdpCodec(main.name);
  const out: SdpNegotiatedMedia = {
    mIndex,
    codec: known && known.clockRate === main.clockRate ? known.name : main.name,
    payloadType: main.remotePt,
    localPayloadType: main.localPt,
    clockRate: main.clockRate,
    channels: main.channels ?? 1,
    alternatives: common.filter((c) => c.name !== main.name || c.clockRate !== main.clockRate || c.channels !== main.channels).filter((c) => isPrimary(c.name)),
    remoteAddress,
    remotePort: rm.port,
    remoteRtcpAddress: rtcp?.address ?? remoteAddress,
    remoteRtcpPort: rtcpMux ? rm.port : rtcp ? rtcp.port : rm.port + 1,
    ptime: getSdpPtime(rm) ?? 20,
    localDirection,
    remoteDirection,
    sends: sdpDirectionSends(localDirection) && sdpDirectionReceives(remoteDirection) && !isSdpHoldAddress(remoteAddress),
    receives:
      sdpDirectionReceives(localDirection) &&
      sdpDirectionSends(remoteDirection) &&
      !(localConn !== undefined && isSdpHoldAddress(localConn.address)),
    hold: remoteDirection === 'sendonly' || remoteDirection === 'inactive' || isSdpHoldAddress(remoteAddress),
    rtcpMux,
  };
  if (main.remoteFmtp !== undefined) out.fmtp = main.remoteFmtp;
  if (main.localFmtp !== undefined) out.localFmtp = main.localFmtp;
  if (dtmf) {
    out.dtmfPayloadType = dtmf.remotePt;
    out.localDtmfPayloadType = dtmf.localPt;
  }
  const maxptime = getSdpMaxptime(rm);
  if (maxptime !== undefined) out.maxptime = maxptime;
  return out;
}

/**
 * Processes the answer to an offer we made (RFC 3264 §7). The audio stream used is the first audio
 * `m=` line that was accepted; its codec is the first codec of the answer that we offered, matched by
 * name/clock rate/channels (the answerer may renumber dynamic payload types).
 *
 * Throws `SdpStreamRejectedError` when every audio stream was answered with port 0,
 * `SdpCodecMismatchError` when the answer keeps a stream but lists none of our codecs,
 * `SdpNegotiationError` (`SDP_ANSWER_MISMATCH`, `SDP_NO_AUDIO_STREAM`) when the answer does not line
 * up with the offer, and `SdpParseError` for unparseable text.
 */
export function processAnswer(offer: Sdp | string | Uint8Array, answer: Sdp | string | Uint8Array): SdpNegotiatedMedia {
  const o = toSdp(offer);
  const a = toSdp(answer);
  if (a.media.length !== o.media.length) {
    throw new SdpNegotiationError('SDP_ANSWER_MISMATCH', `answer has ${a.media.length} m= lines, offer has ${o.media.length}`);
  }
  for (let i = 0; i < o.media.length; i++) {
    if (o.media[i].type !== a.media[i].type) {
      throw new SdpNegotiationError('SDP_ANSWER_MISMATCH', `m= line ${i} is ${o.media[i].type} in the offer but ${a.media[i].type} in the answer`);
    }
  }
  const streams = negotiateSdp(o, a);
  let sawAudio = false;
  let sawAccepted = false;
  for (const s of streams) {
    const om = o.media[s.mIndex];
    if (om.type !== 'audio' || om.port === 0) continue;
    const offered = getSdpCodecs(om);
    if (isEventsOnly(offered)) continue;
    sawAudio = true;
    if (!s.accepted) continue;
    sawAccepted = true;
    const r = buildNegotiated(o, om, a, a.media[s.mIndex], s.mIndex, s.codecs, true);
    if (r) {
      const srtp = answeredSrtp(om, a.media[s.mIndex]);
      if (srtp) r.srtp = srtp;
      return r;
    }
  }
  if (!sawAudio) throw new SdpNegotiationError('SDP_NO_AUDIO_STREAM', 'the offer has no audio stream');
  if (!sawAccepted) throw new SdpStreamRejectedError('the answer rejected the audio stream (port 0)');
  throw new SdpCodecMismatchError('the answer lists no audio codec that was offered');
}

/**
 * The SRTP keys of an answered stream we offered as RTP/SAVP: the answer must be RTP/SAVP too and
 * carry a crypto line whose tag and suite match one we offered (RFC 4568 §7.1.3).
 */
function answeredSrtp(om: SdpMedia, am: SdpMedia): SdpSrtpNegotiated | undefined {
  if (!isSdpSecureRtpProfile(om.proto)) return undefined;
  if (!isSdpSecureRtpProfile(am.proto)) {
    throw new SdpNegotiationError('SDP_ANSWER_MISMATCH', `we offered ${om.proto} but the answer has ${am.proto}`);
  }
  const offered = getSdpSrtpCryptos(om);
  for (const ac of getSdpSrtpCryptos(am)) {
    const oc = offered.find((c) => c.tag === ac.tag);
    if (oc === undefined || oc.suite !== ac.suite) continue;
    if (!ac.usableWithDefaults) throw new SdpNegotiationError('SDP_ANSWER_MISMATCH', 'the answer\'s crypto line needs an MKI or session parameters we do not support');
    return new SdpSrtpNegotiated(ac.tag, ac.suite, oc.key, ac.key);
  }
  throw new SdpNegotiationError('SDP_ANSWER_MISMATCH', 'the answer has no crypto line matching an offered tag and suite');
}

/** The first offered crypto line we can use, or undefined (also for a malformed one: the stream is then rejected). */
function pickOfferedCrypto(om: SdpMedia, suites: readonly SdpSrtpSuite[]): SdpSrtpCrypto | undefined {
  let cryptos: SdpSrtpCrypto[];
  try {
    cryptos = getSdpSrtpCryptos(om);
  } catch (e) {
    if (e instanceof SdpCryptoError) return undefined;
    throw e;
  }
  return cryptos.find((c) => suites.includes(c.suite) && c.usableWithDefaults);
}

/** Per-`m=`-line overrides for `createAnswer` (indexed like the offer's m= lines). */
export interface SdpAnswerStreamOptions {
  /** Port for this stream; 0 rejects it. Streams after the first audio one are rejected unless a port is given. */
  port?: number;
  /** Media-level `c=` address when it differs from the session address. */
  address?: string;
  /** Codecs for this stream (needed for non-audio streams). */
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  direction?: SdpDirection;
  /** Accept telephone-event on this stream. Default: the session-wide setting. */
  dtmf?: boolean;
}

/** What we can do when answering (`createAnswer`). */
export interface SdpAnswerCapabilities {
  /** Local RTP address. */
  address: string;
  /** Local RTP port of the (first) audio stream. */
  port: number;
  /** Audio codecs we can handle, best first. Default `['PCMU', 'PCMA']`. */
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  /** Accept telephone-event when offered. Default true. */
  dtmf?: boolean;
  /** What we want: default `sendrecv`; `sendonly`/`inactive` to hold. Mirrored with the offer's direction. */
  direction?: SdpDirection;
  /** `a=ptime` to write; omitted by default. */
  ptime?: number;
  /** Accept `a=rtcp-mux` when offered. Default true. */
  rtcpMux?: boolean;
  /** Codec order in the answer: the offer's (RFC 3264 §6.1 recommendation, default) or ours. */
  order?: 'offer' | 'local';
  /** The last SDP we sent in this session: keeps the session id and bumps the version. */
  previous?: Sdp | string;
  /** `o=` username. Default `-`. */
  username?: string;
  /** `s=` text. Default `-`. */
  sessionName?: string;
  /** Overrides per offered m= line. */
  streams?: ReadonlyArray<SdpAnswerStreamOptions | undefined>;
  /**
   * Accept `RTP/SAVP` offers with SDES keys (RFC 4568): `true` for every supported suite, or the
   * suites to accept. The answer takes the first offered suite we accept and a fresh random key.
   * Default false: SAVP streams are rejected.
   */
  srtp?: boolean | readonly SdpSrtpSuite[];
}

/** Result of `createAnswer`. */
export interface SdpAnswerResult {
  /** The answer as a model. */
  answer: Sdp;
  /** The answer as text (CRLF). */
  text: string;
  /** The audio stream as negotiated; undefined when no audio stream could be accepted (answer 488 or send all-rejected SDP). */
  negotiated?: SdpNegotiatedMedia;
  /** Every m= line's outcome. */
  streams: SdpStreamNegotiation[];
}

const RTP_PROTOS = new Set(['RTP/AVP', 'RTP/AVPF']);

function rejected(om: SdpMedia): SdpMedia {
  return { type: om.type, port: 0, proto: om.proto, formats: om.formats.length > 0 ? [...om.formats] : ['0'], bandwidths: [], attributes: [], extraLines: [] };
}

function mirror(d: SdpDirection): SdpDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

function intersectDirection(a: SdpDirection, b: SdpDirection): SdpDirection {
  const send = sdpDirectionSends(a) && sdpDirectionSends(b);
  const recv = sdpDirectionReceives(a) && sdpDirectionReceives(b);
  return send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';
}

function formatEvents(events: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < events.length; ) {
    let j = i;
    while (j + 1 < events.length && events[j + 1] === events[j] + 1) j++;
    parts.push(i === j ? String(events[i]) : `${events[i]}-${events[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Answers an offer (RFC 3264 §6): per m= line, keeps the offered codecs we support (with the
 * offerer's payload numbers), mirrors the direction (sendonly ↔ recvonly, inactive stays), and
 * rejects with port 0 what we cannot do. An offer that puts us on hold (sendonly/inactive, or
 * `c=0.0.0.0`) is answered and reported through `negotiated.hold`.
 */
export function createAnswer(offer: Sdp | string | Uint8Array, capabilities: SdpAnswerCapabilities): SdpAnswerResult {
  const o = toSdp(offer);
  const caps = capabilities;
  const connection = localConnection(caps.address);
  const mainPort = checkPort(caps.port, 'port', false);
  const username = checkToken(caps.username ?? '-', 'username');
  const wanted = checkDirection(caps.direction ?? 'sendrecv');
  const ptime = caps.ptime === undefined ? undefined : checkPtime(caps.ptime, 'ptime');
  const previous = caps.previous === undefined ? undefined : toSdp(caps.previous);
  const audioSpecs = (caps.codecs ?? ['PCMU', 'PCMA']).map(resolveCodecSpec);
  const te = resolveCodecSpec('telephone-event');

  const srtpSuites = caps.srtp === true ? SDP_SRTP_SUITES : caps.srtp === false || caps.srtp === undefined ? [] : caps.srtp;
  const srtpByIndex = new Map<number, SdpSrtpNegotiated>();

  let audioTaken = false;
  const media: SdpMedia[] = o.media.map((om, i) => {
    const so = caps.streams?.[i];
    const explicitPort = so?.port === undefined ? undefined : checkPort(so.port, `streams[${i}].port`, true);
    const secure = isSdpSecureRtpProfile(om.proto);
    if (om.port === 0 || explicitPort === 0 || !(RTP_PROTOS.has(om.proto.toUpperCase()) || (secure && srtpSuites.length > 0))) return rejected(om);
    const offeredCrypto = secure ? pickOfferedCrypto(om, srtpSuites) : undefined;
    if (secure && offeredCrypto === undefined) return rejected(om);
    const isAudio = om.type === 'audio';
    let port: number;
    if (explicitPort !== undefined) port = explicitPort;
    else if (isAudio && !audioTaken) port = mainPort;
    else return rejected(om);

    const specs: ResolvedCodecSpec[] = so?.codecs ? so.codecs.map(resolveCodecSpec) : isAudio ? [...audioSpecs] : [];
    if (isAudio && (so?.dtmf ?? caps.dtmf ?? true) && !specs.some((s) => sdpCodecKey(s) === sdpCodecKey(te))) specs.push(te);
    const specByKey = new Map(specs.map((s) => [sdpCodecKey(s), s] as const));
    const offered = getSdpCodecs(om);
    let chosen = offered.filter((c) => specByKey.has(sdpCodecKey(c)));
    // One payload number per codec: the first the offerer listed.
    const seen = new Set<string>();
    chosen = chosen.filter((c) => !seen.has(sdpCodecKey(c)) && seen.add(sdpCodecKey(c)) !== undefined);
    if (caps.order === 'local') {
      const rank = new Map(specs.map((s, k) => [sdpCodecKey(s), k] as const));
      chosen.sort((x, y) => rank.get(sdpCodecKey(x))! - rank.get(sdpCodecKey(y))!);
    }
    const attributes: SdpAttribute[] = [];
    const formats: string[] = [];
    for (const c of chosen) {
      const spec = specByKey.get(sdpCodecKey(c))!;
      let fmtp = spec.fmtp ?? c.fmtp;
      if (c.name.toLowerCase() === 'telephone-event') {
        const events = parseTelephoneEvents(c.fmtp).filter((e) => parseTelephoneEvents(spec.fmtp).includes(e));
        if (events.length === 0) continue;
        fmtp = formatEvents(events);
      }
      formats.push(String(c.payloadType));
      const ch = c.channels ?? spec.channels;
      attributes.push({ name: 'rtpmap', value: rtpmapValue(c.payloadType, c.name, c.clockRate, ch) });
      if (fmtp !== undefined) attributes.push({ name: 'fmtp', value: `${c.payloadType} ${fmtp}` });
    }
    const eventsStream = isEventsOnly(offered);
    const hasPrimary = chosen.some((c) => isPrimary(c.name) && formats.includes(String(c.payloadType)));
    if (formats.length === 0 || (!hasPrimary && !eventsStream)) return rejected(om);
    if (isAudio && port === mainPort) audioTaken = true;

    if (ptime !== undefined && !eventsStream) attributes.push({ name: 'ptime', value: String(ptime) });
    if (hasSdpRtcpMux(om) && caps.rtcpMux !== false) attributes.push({ name: 'rtcp-mux' });
    if (offeredCrypto !== undefined) {
      const ours = createSdpSrtpCrypto(offeredCrypto.tag, offeredCrypto.suite);
      attributes.push({ name: 'crypto', value: formatSdpSrtpCrypto(ours) });
      srtpByIndex.set(i, new SdpSrtpNegotiated(ours.tag, ours.suite, ours.key, offeredCrypto.key));
    }
    const want = so?.direction === undefined ? wanted : checkDirection(so.direction);
    attributes.push({ name: intersectDirection(mirror(getSdpDirection(om, o)), want) });
    const m: SdpMedia = { type: om.type, port, proto: om.proto, formats, bandwidths: [], attributes, extraLines: [] };
    if (so?.address !== undefined && so.address !== connection.address) m.connection = localConnection(so.address);
    return m;
  });

  const answer = localDescription(connection, media, caps.sessionName ?? '-', username, previous);
  const streams = negotiateSdp(o, answer);
  let negotiated: SdpNegotiatedMedia | undefined;
  for (const s of streams) {
    if (!s.accepted || s.media !== 'audio') continue;
    negotiated = buildNegotiated(answer, answer.media[s.mIndex], o, o.media[s.mIndex], s.mIndex, s.codecs, false);
    if (negotiated) {
      const srtp = srtpByIndex.get(s.mIndex);
      if (srtp) negotiated.srtp = srtp;
      break;
    }
  }
  const result: SdpAnswerResult = { answer, text: serializeSdp(answer), streams };
  if (negotiated) result.negotiated = negotiated;
  return result;
}
