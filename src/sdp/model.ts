/**
 * The SDP data model (RFC 8866). Plain objects so a session description can be built, copied and
 * compared freely. Attribute values stay as the raw text after `a=name:` so that unknown attributes
 * and odd spacing survive a round trip; typed views live in `attributes.ts`.
 */

/** RFC 3264 media direction. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** `o=` line. Session id and version are decimal strings: they may exceed 2^53. */
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=` line. `ttl` and `count` are the optional multicast suffixes (`/ttl/count`). */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
  ttl?: number;
  count?: number;
}

/** `b=<type>:<value>` (kbit/s for AS and CT). */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** `t=` line with the `r=` lines that follow it (raw text, they are rarely used in SIP). */
export interface SdpTiming {
  start: number;
  stop: number;
  repeats: string[];
}

/** `a=` line. `value` is undefined for property attributes (`a=sendrecv`), the raw text otherwise. */
export interface SdpAttribute {
  name: string;
  value?: string;
}

/** A line with a type letter this parser does not model; kept so nothing is lost. */
export interface SdpExtraLine {
  type: string;
  value: string;
}

/** One `m=` section. `formats` are the raw format tokens (RTP payload type numbers for RTP profiles). */
export interface SdpMedia {
  type: string;
  port: number;
  /** Number of ports from `m=audio 49170/2 …`; absent when not written. */
  portCount?: number;
  proto: string;
  formats: string[];
  info?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  key?: string;
  attributes: SdpAttribute[];
  extraLines: SdpExtraLine[];
}

/** A whole session description. */
export interface Sdp {
  version: number;
  origin: SdpOrigin;
  /** `s=` text exactly as written (may be a single space). Absent when the line was missing. */
  name?: string;
  info?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  /** `z=` text. */
  zones?: string;
  key?: string;
  attributes: SdpAttribute[];
  media: SdpMedia[];
  extraLines: SdpExtraLine[];
}
