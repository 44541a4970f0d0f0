/**
 * RFC 3264 outcome of one offer/answer exchange, stream by stream, independent of who we are.
 * `processAnswer` and `createAnswer` build on this; it is public so callers can inspect video or
 * secondary streams too.
 */
import { getSdpCodecs, getSdpDirection, type SdpCodec } from './attributes';
import type { Sdp, SdpConnection, SdpDirection, SdpMedia } from './model';

/** Where RTP for a stream goes. */
export interface SdpTransportAddress {
  address: string;
  port: number;
}

/** A codec both sides listed on one stream (matched by name, clock rate and channels, not by number). */
export interface SdpCommonCodec {
  name: string;
  clockRate: number;
  channels?: number;
  /** Payload type in the offer: the answerer sends with it. */
  offerPayloadType: number;
  /** Payload type in the answer: the offerer sends with it. */
  answerPayloadType: number;
  offerFmtp?: string;
  answerFmtp?: string;
}

/** Outcome for one `m=` line. Unaccepted streams have no codecs, no directions and both send flags false. */
export interface SdpStreamNegotiation {
  mIndex: number;
  media: string;
  /** False when either side has port 0 (or the answer lacks the line). */
  accepted: boolean;
  /** Common codecs in the answer's order. */
  codecs: SdpCommonCodec[];
  offerDirection?: SdpDirection;
  answerDirection?: SdpDirection;
  /** Offerer may send: its direction allows sending, the answer's allows receiving, and the answer's address is not a hold address. */
  offererSends: boolean;
  answererSends: boolean;
  /** The answer's effective address/port (media c= over session c=). */
  offererSendsTo?: SdpTransportAddress;
  answererSendsTo?: SdpTransportAddress;
}

/** Effective `c=` of a stream: media level over session level. */
export function effectiveSdpConnection(sdp: Sdp, media: SdpMedia): SdpConnection | undefined {
  return media.connection ?? sdp.connection;
}

/** `0.0.0.0` (RFC 2543 hold, still used) and the IPv6 unspecified address mean "do not send here". */
export function isSdpHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
}

/** Identity of a codec for offer/answer matching: case-insensitive name, clock rate, channels (audio default 1). */
export function sdpCodecKey(c: { name: string; clockRate: number; channels?: number }): string {
  return `${c.name.toLowerCase()}/${c.clockRate}/${c.channels ?? 1}`;
}

/** Direction flags. */
export function sdpDirectionSends(d: SdpDirection): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

/** Direction flags. */
export function sdpDirectionReceives(d: SdpDirection): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

/** The codecs of `offer` and `answer` streams they share, in the answer's order. */
function commonSdpCodecs(offerCodecs: readonly SdpCodec[], answerCodecs: readonly SdpCodec[]): SdpCommonCodec[] {
  const byKey = new Map<string, SdpCodec>();
  for (const c of offerCodecs) {
    const k = sdpCodecKey(c);
    if (!byKey.has(k)) byKey.set(k, c);
  }
  const out: SdpCommonCodec[] = [];
  const used = new Set<string>();
  for (const a of answerCodecs) {
    const k = sdpCodecKey(a);
    const o = byKey.get(k);
    if (!o || used.has(k)) continue;
    used.add(k);
    const c: SdpCommonCodec = { name: o.name, clockRate: o.clockRate, offerPayloadType: o.payloadType, answerPayloadType: a.payloadType };
    if (o.channels !== undefined) c.channels = o.channels;
    if (o.fmtp !== undefined) c.offerFmtp = o.fmtp;
    if (a.fmtp !== undefined) c.answerFmtp = a.fmtp;
    out.push(c);
  }
  return out;
}

function target(sdp: Sdp, m: SdpMedia): SdpTransportAddress | undefined {
  const c = effectiveSdpConnection(sdp, m);
  return c ? { address: c.address, port: m.port } : undefined;
}

/**
 * Negotiates every `m=` line of `offer` against the same-position line of `answer` (RFC 3264 §6, §7):
 * acceptance, common codecs, directions, who may send and where.
 */
export function negotiateSdp(offer: Sdp, answer: Sdp): SdpStreamNegotiation[] {
  const out: SdpStreamNegotiation[] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const om = offer.media[i];
    const am = answer.media[i];
    if (!am || om.port === 0 || am.port === 0 || am.type !== om.type) {
      out.push({ mIndex: i, media: om.type, accepted: false, codecs: [], offererSends: false, answererSends: false });
      continue;
    }
    const offerDirection = getSdpDirection(om, offer);
    const answerDirection = getSdpDirection(am, answer);
    const offererSendsTo = target(answer, am);
    const answererSendsTo = target(offer, om);
    const s: SdpStreamNegotiation = {
      mIndex: i,
      media: om.type,
      accepted: true,
      codecs: commonSdpCodecs(getSdpCodecs(om), getSdpCodecs(am)),
      offerDirection,
      answerDirection,
      offererSends:
        sdpDirectionSends(offerDirection) &&
        sdpDirectionReceives(answerDirection) &&
        offererSendsTo !== undefined &&
        !isSdpHoldAddress(offererSendsTo.address),
      answererSends:
        sdpDirectionSends(answerDirection) &&
        sdpDirectionReceives(offerDirection) &&
        answererSendsTo !== undefined &&
        !isSdpHoldAddress(answererSendsTo.address),
    };
    if (offererSendsTo) s.offererSendsTo = offererSendsTo;
    if (answererSendsTo) s.answererSendsTo = answererSendsTo;
    out.push(s);
  }
  return out;
}
