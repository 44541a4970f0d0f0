/**
 * Typed views over the raw attributes of the model. Parsing happens on access, so a body whose
 * attributes are never asked for costs nothing beyond splitting its lines.
 */
import { inspect } from 'node:util';
import { staticPayloadType } from './codecs';
import type { Sdp, SdpAttribute, SdpDirection, SdpMedia } from './model';
import { parseUint, tokens, trimEnd } from './text';

/** `a=rtpmap:<pt> <name>/<clock>[/<channels>]`. */
export interface SdpRtpMap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  channels?: number;
}

/** A payload format of an `m=` line resolved through `a=rtpmap`, or the RFC 3551 static table. */
export interface SdpCodec {
  payloadType: number;
  /** Encoding name as written (compare case-insensitively). */
  name: string;
  clockRate: number;
  /** Channel count; 1 for audio when not written, absent for video without one. */
  channels?: number;
  /** Raw `a=fmtp` value for this payload type. */
  fmtp?: string;
}

/** `a=rtcp:<port> [IN IP4 <addr>]` (RFC 3605). */
export interface SdpRtcp {
  port: number;
  netType?: string;
  addrType?: string;
  address?: string;
}

/** The first value of attribute `name` (`''` for a property attribute), or undefined when absent. */
export function getSdpAttribute(attributes: readonly SdpAttribute[], name: string): string | undefined {
  for (const a of attributes) if (a.name === name) return a.value ?? '';
  return undefined;
}

/** Whether attribute `name` is present. */
export function hasSdpAttribute(attributes: readonly SdpAttribute[], name: string): boolean {
  for (const a of attributes) if (a.name === name) return true;
  return false;
}

function parseRtpMap(value: string): SdpRtpMap | undefined {
  const t = tokens(value);
  if (t.length !== 2) return undefined;
  const pt = parseUint(t[0], 127);
  const parts = t[1].split('/');
  if (pt < 0 || parts.length < 2 || parts.length > 3 || parts[0].length === 0) return undefined;
  const clockRate = parseUint(parts[1], 0xffffffff);
  if (clockRate <= 0) return undefined;
  const map: SdpRtpMap = { payloadType: pt, encodingName: parts[0], clockRate };
  if (parts.length === 3) {
    const ch = parseUint(parts[2], 255);
    if (ch <= 0) return undefined;
    map.channels = ch;
  }
  return map;
}

/** All well-formed `a=rtpmap` lines of a media section (malformed ones are skipped). */
export function getSdpRtpMaps(media: SdpMedia): SdpRtpMap[] {
  const out: SdpRtpMap[] = [];
  for (const a of media.attributes) {
    if (a.name !== 'rtpmap' || a.value === undefined) continue;
    const m = parseRtpMap(a.value);
    if (m) out.push(m);
  }
  return out;
}

/** The raw `a=fmtp` value for payload type `pt` (the text after `<pt> `), trimmed. */
export function getSdpFmtp(media: SdpMedia, pt: number): string | undefined {
  for (const a of media.attributes) {
    if (a.name !== 'fmtp' || a.value === undefined) continue;
    const v = a.value;
    const sp = v.indexOf(' ');
    if (sp > 0 && parseUint(v.slice(0, sp), 127) === pt) return v.slice(sp + 1).trim();
  }
  return undefined;
}

/**
 * The codecs of an RTP `m=` line in format order: dynamic ones through `a=rtpmap`, static ones through
 * `a=rtpmap` or RFC 3551. Formats that resolve to nothing (dynamic without rtpmap, non-numeric) are passed over.
 */
export function getSdpCodecs(media: SdpMedia): SdpCodec[] {
  const maps: (SdpRtpMap | undefined)[] = new Array(128);
  const fmtps: (string | undefined)[] = new Array(128);
  for (const a of media.attributes) {
    if (a.value === undefined) continue;
    if (a.name === 'rtpmap') {
      const m = parseRtpMap(a.value);
      if (m && maps[m.payloadType] === undefined) maps[m.payloadType] = m;
    } else if (a.name === 'fmtp') {
      const v = a.value;
      const sp = v.indexOf(' ');
      const pt = sp > 0 ? parseUint(v.slice(0, sp), 127) : -1;
      if (pt >= 0 && fmtps[pt] === undefined) fmtps[pt] = v.slice(sp + 1).trim();
    }
  }
  const audio = media.type === 'audio';
  const out: SdpCodec[] = [];
  for (const f of media.formats) {
    const pt = parseUint(f, 127);
    if (pt < 0) continue;
    const m = maps[pt];
    let codec: SdpCodec;
    if (m) {
      codec = { payloadType: pt, name: m.encodingName, clockRate: m.clockRate };
      const ch = m.channels ?? (audio ? 1 : undefined);
      if (ch !== undefined) codec.channels = ch;
    } else {
      const s = staticPayloadType(pt);
      if (!s) continue;
      codec = { payloadType: pt, name: s.name, clockRate: s.clockRate };
      if (s.channels !== undefined) codec.channels = s.channels;
    }
    const fmtp = fmtps[pt];
    if (fmtp !== undefined) codec.fmtp = fmtp;
    out.push(codec);
  }
  return out;
}

function positiveAttr(media: SdpMedia, name: string): number | undefined {
  const v = getSdpAttribute(media.attributes, name);
  if (v === undefined) return undefined;
  const t = trimEnd(v).trim();
  // ptime may carry a fraction (RFC 8866 §6.4); keep it numeric but reject junk.
  const dot = t.indexOf('.');
  const whole = parseUint(dot < 0 ? t : t.slice(0, dot), 100000);
  if (whole < 0 || (dot >= 0 && parseUint(t.slice(dot + 1), 1e9) < 0)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

/** `a=ptime` in milliseconds, or undefined when absent/invalid. */
export function getSdpPtime(media: SdpMedia): number | undefined {
  return positiveAttr(media, 'ptime');
}

/** `a=maxptime` in milliseconds, or undefined when absent/invalid. */
export function getSdpMaxptime(media: SdpMedia): number | undefined {
  return positiveAttr(media, 'maxptime');
}

function directionOf(attributes: readonly SdpAttribute[]): SdpDirection | undefined {
  for (const a of attributes) {
    switch (a.name) {
      case 'sendrecv':
      case 'sendonly':
      case 'recvonly':
      case 'inactive':
        return a.name;
    }
  }
  return undefined;
}

/** Effective direction of a stream: media-level attribute, else session-level, else `sendrecv` (RFC 3264 §5.1). */
export function getSdpDirection(media: SdpMedia, session?: Sdp): SdpDirection {
  return directionOf(media.attributes) ?? (session ? directionOf(session.attributes) : undefined) ?? 'sendrecv';
}

/** Replaces any direction attribute of `attributes` with `direction` (appended at the end). */
export function setSdpDirection(attributes: SdpAttribute[], direction: SdpDirection): void {
  for (let i = attributes.length - 1; i >= 0; i--) {
    const n = attributes[i].name;
    if (n === 'sendrecv' || n === 'sendonly' || n === 'recvonly' || n === 'inactive') attributes.splice(i, 1);
  }
  attributes.push({ name: direction });
}

/** `a=rtcp` (RFC 3605), or undefined when absent/invalid. */
export function getSdpRtcp(media: SdpMedia): SdpRtcp | undefined {
  const v = getSdpAttribute(media.attributes, 'rtcp');
  if (v === undefined) return undefined;
  const t = tokens(v);
  const port = t.length > 0 ? parseUint(t[0], 65535) : -1;
  if (port < 0) return undefined;
  if (t.length === 4) return { port, netType: t[1], addrType: t[2], address: t[3] };
  return t.length === 1 ? { port } : undefined;
}

/** Whether the stream carries `a=rtcp-mux` (RFC 5761). */
export function hasSdpRtcpMux(media: SdpMedia): boolean {
  return hasSdpAttribute(media.attributes, 'rtcp-mux');
}

/**
 * `a=crypto` (RFC 4568, SDES-SRTP). The key parameters are secrets: they are readable through
 * `keyParams` but never appear in `JSON.stringify` or `util.inspect`.
 */
export class SdpCrypto {
  /** Crypto tag. */
  readonly tag: number;
  /** Crypto suite, e.g. `AES_CM_128_HMAC_SHA1_80`. */
  readonly suite: string;
  /** Session parameters (not secret). */
  readonly sessionParams: readonly string[];
  readonly #keyParams: readonly string[];

  constructor(tag: number, suite: string, keyParams: readonly string[], sessionParams: readonly string[]) {
    this.tag = tag;
    this.suite = suite;
    this.#keyParams = Object.freeze([...keyParams]);
    this.sessionParams = Object.freeze([...sessionParams]);
  }

  /** The key parameters (`inline:<key||salt>|…`), split on `;`. Secret. */
  get keyParams(): readonly string[] {
    return this.#keyParams;
  }

  /** JSON form without the key material. */
  toJSON(): object {
    return { tag: this.tag, suite: this.suite, keyParams: '[redacted]', sessionParams: this.sessionParams };
  }

  [inspect.custom](): string {
    return `SdpCrypto { tag: ${this.tag}, suite: ${JSON.stringify(this.suite)}, keyParams: [redacted] }`;
  }
}

/** All well-formed `a=crypto` lines of a media section. */
export function getSdpCryptos(media: SdpMedia): SdpCrypto[] {
  const out: SdpCrypto[] = [];
  for (const a of media.attributes) {
    if (a.name !== 'crypto' || a.value === undefined) continue;
    const t = tokens(a.value);
    const tag = t.length >= 3 ? parseUint(t[0], 999999999) : -1;
    if (tag < 0) continue;
    out.push(new SdpCrypto(tag, t[1], t[2].split(';'), t.slice(3)));
  }
  return out;
}
