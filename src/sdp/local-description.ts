/** What offers and answers we write have in common: option checks, codec specs, the `o=` line and its version. */
import { isIP } from 'node:net';
import { randomHex } from '../random';
import { findSdpCodec } from './codecs';
import { SdpSerializeError } from './errors';
import type { Sdp, SdpConnection, SdpDirection, SdpMedia } from './model';
import { parseSdp } from './parser';
import { serializeSdp } from './serializer';

/** A codec named by the user: a registry name (`'opus'`) or a full description for anything else. */
export interface SdpCodecSpec {
  name: string;
  /** Required for codecs the registry does not know. */
  clockRate?: number;
  channels?: number;
  /** `a=fmtp` value to write (what we want to receive). */
  fmtp?: string;
}

/** A codec spec with everything filled in. */
export interface ResolvedCodecSpec {
  name: string;
  clockRate: number;
  channels: number;
  staticPayloadType?: number;
  fmtp?: string;
}

export function resolveCodecSpec(spec: string | SdpCodecSpec): ResolvedCodecSpec {
  const s = typeof spec === 'string' ? { name: spec } : spec;
  if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(s.name)) {
    throw new SdpSerializeError('codec name must be a short token');
  }
  const known = findSdpCodec(s.name);
  const clockRate = s.clockRate ?? known?.clockRate;
  if (clockRate === undefined || !Number.isInteger(clockRate) || clockRate <= 0) {
    throw new SdpSerializeError(`unknown codec ${JSON.stringify(s.name)} needs a clockRate`);
  }
  const channels = s.channels ?? known?.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > 255) throw new SdpSerializeError('codec channels must be 1-255');
  const out: ResolvedCodecSpec = { name: known && clockRate === known.clockRate ? known.name : s.name, clockRate, channels };
  if (known && known.staticPayloadType !== undefined && clockRate === known.clockRate && channels === known.channels) {
    out.staticPayloadType = known.staticPayloadType;
  }
  const fmtp = s.fmtp ?? (known && clockRate === known.clockRate ? known.fmtp : undefined);
  if (fmtp !== undefined) out.fmtp = fmtp;
  return out;
}

/** `c=` for a local address: IPv4/IPv6 literal or a host name; anything else is refused (it would go on the wire). */
export function localConnection(address: string): SdpConnection {
  const v = typeof address === 'string' ? isIP(address) : 0;
  if (v === 6) return { netType: 'IN', addrType: 'IP6', address };
  if (v === 4 || (typeof address === 'string' && /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(address))) {
    return { netType: 'IN', addrType: 'IP4', address };
  }
  throw new SdpSerializeError('address must be an IPv4/IPv6 literal or a host name');
}

export function checkPort(port: unknown, what: string, allowZero: boolean): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new SdpSerializeError(`${what} must be an integer in ${allowZero ? 0 : 1}-65535`);
  }
  return port;
}

export function checkPtime(ptime: unknown, what: string): number {
  if (typeof ptime !== 'number' || !Number.isInteger(ptime) || ptime < 1 || ptime > 1000) {
    throw new SdpSerializeError(`${what} must be an integer number of milliseconds in 1-1000`);
  }
  return ptime;
}

export function checkToken(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(v)) throw new SdpSerializeError(`${what} must be 1-64 visible ASCII characters`);
  return v;
}

export function checkDirection(d: unknown): SdpDirection {
  if (d !== 'sendrecv' && d !== 'sendonly' && d !== 'recvonly' && d !== 'inactive') {
    throw new SdpSerializeError('direction must be sendrecv, sendonly, recvonly or inactive');
  }
  return d;
}

/** `a=rtpmap` value; the channel count is written only when it is not 1 (RFC 4566 §6). */
export function rtpmapValue(payloadType: number, name: string, clockRate: number, channels: number): string {
  return `${payloadType} ${name}/${clockRate}${channels !== 1 ? '/' + channels : ''}`;
}

export function toSdp(x: Sdp | string | Uint8Array): Sdp {
  return typeof x === 'string' || x instanceof Uint8Array ? parseSdp(x) : x;
}

/** A fresh session id: 62 random bits from `crypto`, as decimal (fits the signed 64-bit field of any peer). */
function newSessionId(): string {
  const id = BigInt.asUintN(62, BigInt('0x' + randomHex(8)));
  return (id === 0n ? 1n : id).toString();
}

function increment(version: string): string {
  try {
    return (BigInt(version) + 1n).toString();
  } catch {
    return '1';
  }
}

/**
 * Fills in `sdp.origin` for a new local description. Without `previous`: new random session id,
 * version 1. With `previous` (the last SDP we sent in this session, offer or answer): same username
 * and session id; the version goes up by one unless nothing else changed (RFC 3264 §8).
 */
function stampOrigin(sdp: Sdp, username: string, previous: Sdp | undefined): Sdp {
  const conn = sdp.connection!;
  if (!previous) {
    sdp.origin = { username, sessionId: newSessionId(), sessionVersion: '1', netType: 'IN', addrType: conn.addrType, address: conn.address };
    serializeSdp(sdp); // validates every user-supplied value before the description leaves here
    return sdp;
  }
  const p = previous.origin;
  sdp.origin = { ...p, netType: 'IN', addrType: conn.addrType, address: conn.address };
  if (serializeSdp(sdp) !== serializeSdp(previous)) sdp.origin.sessionVersion = increment(p.sessionVersion);
  return sdp;
}

/**
 * A new local description (offer or answer): session-level `c=`, one `t=0 0`, the given m= lines,
 * and the `o=` line from `stampOrigin` (which keeps `previous`'s username).
 */
export function localDescription(
  connection: SdpConnection,
  media: SdpMedia[],
  sessionName: string,
  username: string,
  previous: Sdp | undefined,
): Sdp {
  const sdp: Sdp = {
    version: 0,
    origin: undefined as never,
    name: sessionName,
    emails: [],
    phones: [],
    connection,
    bandwidths: [],
    timings: [{ start: 0, stop: 0, repeats: [] }],
    attributes: [],
    media,
    extraLines: [],
  };
  return stampOrigin(sdp, previous ? previous.origin.username : username, previous);
}
