/** Via values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './parse-error';
import * as hv from './header-values';
import type { SipParams } from './header-values';
import * as uri from './uri';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const isTokenChar = hv.isTokenChar;
const parseParams = hv.parseParams;
const scanParams = hv.scanParams;
const HITS = hv.PARAM_HITS;
const skipWs = hv.skipWs;
const isValidHost = uri.isValidHost;

/** One Via element. */
export interface SipVia {
  /** Protocol name and version, normally `SIP/2.0`. */
  readonly protocol: string;
  /** Transport as written, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, …). */
  readonly transport: string;
  /** sent-by host (IPv6 with brackets). */
  readonly host: string;
  /** sent-by port, when explicit. */
  readonly port: number | undefined;
  /** `branch` parameter. */
  readonly branch: string | undefined;
  /** `received` parameter. */
  readonly received: string | undefined;
  /** `rport`: `true` when present without a value (a request for it), the number when filled in. */
  readonly rport: number | true | undefined;
  /** All parameters (including branch/received/rport), lower-case names. */
  readonly params: SipParams;
}

function bad(msg: string, at: number): never {
  throw new SipParseError('SIP_PARSE_VALUE', msg, at);
}

function token(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function transportName(t: string): string {
  // common spellings return interned constants
  switch (t) {
    case 'UDP':
    case 'udp':
      return 'UDP';
    case 'TCP':
    case 'tcp':
      return 'TCP';
    case 'TLS':
    case 'tls':
      return 'TLS';
    default:
      return t.toUpperCase();
  }
}

/** Transport token `text[a, z)` as an interned constant for UDP/TCP/TLS in upper case, without slicing. */
function transportAt(text: string, a: number, z: number): string {
  if (z - a === 3) {
    const c0 = text.charCodeAt(a);
    const c1 = text.charCodeAt(a + 1);
    const c2 = text.charCodeAt(a + 2);
    if (c0 === 85 && c1 === 68 && c2 === 80) return 'UDP';
    if (c0 === 84 && c2 === 80 && c1 === 67) return 'TCP';
    if (c0 === 84 && c1 === 76 && c2 === 83) return 'TLS';
  }
  return transportName(text.slice(a, z));
}

/**
 * A parsed Via element. The parameters were fully validated while parsing; their Map is only
 * built when `params` is first read, since most readers want just branch/received/rport.
 */
class SipViaElement implements SipVia {
  readonly protocol: string;
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  readonly rport: number | true | undefined;
  readonly #text: string;
  readonly #paramsAt: number;
  #params: SipParams | undefined;

  constructor(protocol: string, transport: string, host: string, port: number | undefined, branch: string | undefined, received: string | undefined, rport: number | true | undefined, text: string, paramsAt: number) {
    this.protocol = protocol;
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.branch = branch;
    this.received = received;
    this.rport = rport;
    this.#text = text;
    this.#paramsAt = paramsAt;
  }

  /** All parameters (including branch/received/rport), lower-case names. */
  get params(): SipParams {
    let m = this.#params;
    if (m === undefined) {
      m = this.#params = new Map();
      parseParams(this.#text, this.#paramsAt, m, 'Via');
    }
    return m;
  }
}

/** Parses a single Via element (one item of the comma-separated list). */
export function parseVia(text: string): SipVia {
  const n = text.length;
  let i = skipWs(text, 0);
  let protocol: string;
  if (
    text.charCodeAt(i) === 83 &&
    text.charCodeAt(i + 1) === 73 &&
    text.charCodeAt(i + 2) === 80 &&
    text.charCodeAt(i + 3) === 47 &&
    text.charCodeAt(i + 4) === 50 &&
    text.charCodeAt(i + 5) === 46 &&
    text.charCodeAt(i + 6) === 48 &&
    text.charCodeAt(i + 7) === 47
  ) {
    protocol = 'SIP/2.0';
    i += 8;
  } else {
    // LWS is allowed around the slashes (RFC 3261 §25.1 SLASH = SWS "/" SWS)
    const a0 = i;
    i = token(text, i);
    const name = text.slice(a0, i);
    i = skipWs(text, i);
    if (name.length === 0 || text.charCodeAt(i) !== 47) bad('malformed Via protocol', i);
    i = skipWs(text, i + 1);
    const v0 = i;
    i = token(text, i);
    const version = text.slice(v0, i);
    i = skipWs(text, i);
    if (version.length === 0 || text.charCodeAt(i) !== 47) bad('malformed Via protocol version', i);
    i = skipWs(text, i + 1);
    protocol = name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`;
  }
  const t0 = i;
  i = token(text, i);
  if (i === t0) bad('missing Via transport', i);
  const transport = transportAt(text, t0, i);
  const afterTransport = i;
  i = skipWs(text, i);
  if (i === afterTransport || i >= n) bad('missing Via sent-by', i);
  // sent-by = host [ COLON port ]; the host may be an IPv6 reference
  const h0 = i;
  let hostEnd = -1;
  let portStart = -1;
  if (text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close < 0) bad('unterminated IPv6 reference in Via', i);
    i = hostEnd = close + 1;
  }
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 59 || c === 32 || c === 9) break;
    if (c === 58 && portStart < 0) {
      if (hostEnd < 0) hostEnd = i;
      else if (hostEnd !== i) bad('malformed Via sent-by', i);
      portStart = i + 1;
    }
    i++;
  }
  if (hostEnd < 0) hostEnd = i;
  else if (portStart < 0 && hostEnd !== i) bad('malformed Via sent-by', hostEnd);
  const host = text.slice(h0, hostEnd);
  if (!isValidHost(host)) bad('invalid Via sent-by host', h0);
  let port: number | undefined;
  if (portStart >= 0) {
    if (i === portStart || i - portStart > 5) bad('invalid Via port', portStart);
    port = 0;
    for (let k = portStart; k < i; k++) {
      const d = text.charCodeAt(k) - 48;
      if (d < 0 || d > 9) bad('invalid Via port', k);
      port = port * 10 + d;
    }
    if (port > 65535) bad('Via port out of range', portStart);
  }
  scanParams(text, i, null, 'Via');
  const branch = HITS.branch;
  if (branch === null) bad('Via branch without value', h0);
  const received = HITS.received;
  let rport: number | true | undefined;
  const r = HITS.rport;
  if (r === null) rport = true;
  else if (r !== undefined) {
    // digits read directly; anything else keeps the older Number() reading (e.g. `1e3`)
    let v = r.length > 0 && r.length <= 5 ? 0 : NaN;
    for (let k = 0; k < r.length && v >= 0; k++) {
      const d = r.charCodeAt(k) - 48;
      v = d < 0 || d > 9 ? -1 : v * 10 + d;
    }
    if (v < 0) v = Number(r);
    if (!Number.isInteger(v) || v > 65535 || r.charCodeAt(0) < 48 || r.charCodeAt(0) > 57) bad('invalid rport', h0);
    rport = v;
  }
  return new SipViaElement(protocol, transport, host, port, branch, received ?? undefined, rport, text, i);
}

/** Formats a Via element: `SIP/2.0/UDP host:port;branch=…;rport`. */
export function formatVia(v: { transport: string; host: string; port?: number; branch?: string; rport?: boolean | number; params?: Iterable<[string, string | null]> }): string {
  for (const s of [v.transport, v.host, v.branch ?? '']) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 32 || c === 59 || c === 44 || c === 127) throw new SipParseError('SIP_PARSE_VALUE', 'character not allowed in Via', i);
    }
  }
  let out = `SIP/2.0/${v.transport.toUpperCase()} ${v.host}`;
  if (v.port !== undefined) out += ':' + String(v.port);
  if (v.branch !== undefined) out += ';branch=' + v.branch;
  if (v.rport === true) out += ';rport';
  else if (typeof v.rport === 'number') out += ';rport=' + String(v.rport);
  if (v.params) for (const [k, val] of v.params) out += ';' + k + (val === null ? '' : '=' + val);
  return out;
}
