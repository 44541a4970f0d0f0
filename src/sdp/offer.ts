import { getSdpCodecs } from './attributes';
import { SdpSerializeError } from './errors';
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
import { sdpCodecKey } from './negotiation';
import { SDP_SRTP_SUITES, createSdpSrtpCrypto, formatSdpSrtpCrypto, type SdpSrtpSuite } from './crypto';

/** Options of `createOffer`. */
export interface SdpOfferOptions {
  /** Local RTP address (IPv4 or IPv6 literal, or host name). */
  address: string;
  /** Local RTP port. */
  port: number;
  /** Codec preference, best first. Registry names (`'opus'`, `'PCMU'`, `'PCMA'`, `'G722'`) or specs. Default `['PCMU', 'PCMA']`. */
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  /** `a=ptime` in ms. Default 20. */
  ptime?: number;
  /** `a=maxptime` in ms; omitted by default. */
  maxptime?: number;
  /** Default `sendrecv`; `sendonly`/`inactive` put the far end on hold. */
  direction?: SdpDirection;
  /** Offer `a=rtcp-mux` (RFC 5761). Default false. */
  rtcpMux?: boolean;
  /** Events for the telephone-event `a=fmtp`. Default `0-16`. telephone-event is always offered. */
  telephoneEvents?: string;
  /** The last SDP we sent in this session (offer or answer): keeps the session id and payload numbers, bumps the version. */
  previous?: Sdp | string;
  /** `o=` username. Default `-`. */
  username?: string;
  /** `s=` text. Default `-`. */
  sessionName?: string;
  /**
   * Offer SDES-SRTP (RFC 4568): `RTP/SAVP` with one `a=crypto` line per suite (tags 1, 2, …), each with
   * a fresh random key. `true` offers every supported suite. Read the keys back with `getSdpSrtpCryptos`.
   */
  srtp?: boolean | readonly SdpSrtpSuite[];
}

const PREFERRED_DYNAMIC: Record<string, number> = { 'telephone-event/8000/1': 101, 'opus/48000/2': 111 };

/**
 * Builds an SDP offer (RFC 3264 §5) with one audio stream: the codecs in preference order, then
 * telephone-event. Dynamic payload types are reused from `previous` so a re-offer does not renumber.
 */
export function createOffer(options: SdpOfferOptions): Sdp {
  const connection = localConnection(options.address);
  const port = checkPort(options.port, 'port', false);
  const ptime = checkPtime(options.ptime ?? 20, 'ptime');
  const username = checkToken(options.username ?? '-', 'username');
  const previous = options.previous === undefined ? undefined : toSdp(options.previous);

  const specs: ResolvedCodecSpec[] = [];
  const seen = new Set<string>();
  for (const c of options.codecs ?? ['PCMU', 'PCMA']) {
    const r = resolveCodecSpec(c);
    const key = sdpCodecKey(r);
    if (r.name.toLowerCase() === 'telephone-event' || seen.has(key)) continue;
    seen.add(key);
    specs.push(r);
  }
  if (specs.length === 0) throw new SdpSerializeError('at least one codec besides telephone-event is needed');
  const te = resolveCodecSpec({ name: 'telephone-event', fmtp: options.telephoneEvents ?? '0-16' });
  specs.push(te);

  // Payload numbers: static ones fixed, dynamic ones kept from the previous offer when possible.
  const used = new Set<number>();
  const previousPt = new Map<string, number>();
  const prevAudio = previous?.media.find((m) => m.type === 'audio');
  if (prevAudio) for (const c of getSdpCodecs(prevAudio)) if (c.payloadType >= 96) previousPt.set(sdpCodecKey(c), c.payloadType);
  const pts: number[] = new Array(specs.length).fill(-1);
  specs.forEach((s, i) => {
    if (s.staticPayloadType !== undefined) pts[i] = s.staticPayloadType;
  });
  const preferred = new Map(Object.entries(PREFERRED_DYNAMIC));
  for (const pass of [previousPt, preferred]) {
    specs.forEach((s, i) => {
      if (pts[i] >= 0) return;
      const want = pass.get(sdpCodecKey(s));
      if (want !== undefined && !used.has(want)) {
        pts[i] = want;
        used.add(want);
      }
    });
  }
  let next = 96;
  specs.forEach((_, i) => {
    if (pts[i] >= 0) return;
    while (used.has(next)) next++;
    if (next > 127) throw new SdpSerializeError('too many dynamic codecs');
    pts[i] = next;
    used.add(next);
  });

  const attributes: SdpAttribute[] = [];
  specs.forEach((s, i) => {
    attributes.push({ name: 'rtpmap', value: rtpmapValue(pts[i], s.name, s.clockRate, s.channels) });
    if (s.fmtp !== undefined) attributes.push({ name: 'fmtp', value: `${pts[i]} ${s.fmtp}` });
  });
  attributes.push({ name: 'ptime', value: String(ptime) });
  if (options.maxptime !== undefined) attributes.push({ name: 'maxptime', value: String(checkPtime(options.maxptime, 'maxptime')) });
  if (options.rtcpMux) attributes.push({ name: 'rtcp-mux' });
  attributes.push({ name: checkDirection(options.direction ?? 'sendrecv') });
  const suites = options.srtp === true ? SDP_SRTP_SUITES : options.srtp === false || options.srtp === undefined ? [] : options.srtp;
  suites.forEach((suite, i) => attributes.push({ name: 'crypto', value: formatSdpSrtpCrypto(createSdpSrtpCrypto(i + 1, suite)) }));

  const audio: SdpMedia = { type: 'audio', port, proto: suites.length > 0 ? 'RTP/SAVP' : 'RTP/AVP', formats: pts.map(String), bandwidths: [], attributes, extraLines: [] };
  return localDescription(connection, [audio], options.sessionName ?? '-', username, previous);
}
