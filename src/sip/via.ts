/** Via values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './parse-error';
import * as hv from './header-values';
import type { SipParams } from './header-values';
import * as uri from './uri';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const isTokenChar = hv.isTokenChar;
const scanParams = hv.scanParams;
const HITS = hv.PARAM_HITS;
const skipWsTo = hv.skipWsTo;
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

function tokenTo(s: string, i: number, n: number): number {
  while (i < n && isTokenChar(s.charCodeAt(i))) i++;
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
  readonly #end: number;
  #params: SipParams | undefined;

  constructor(protocol: string, transport: string, host: string, port: number | undefined, branch: string | undefined, received: string | undefined, rport: number | true | undefined, text: string, paramsAt: number, end: number) {
    this.protocol = protocol;
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.branch = branch;
    this.received = received;
    this.rport = rport;
    this.#text = text;
    this.#paramsAt = paramsAt;
    this.#end = end;
  }

  /** All parameters (including branch/received/rport), lower-case names. */
  get params(): SipParams {
    let m = this.#params;
    if (m === undefined) {
      m = this.#params = new Map();
      scanParams(this.#text, this.#paramsAt, m, 'Via', this.#end, 0);
    }
    return m;
  }
}

/** Parses a single Via element (one item of the comma-separated list). */
export function parseVia(text: string): SipVia {
  return parseViaAt(text, 0, text.length);
}

/**
 * @internal {@link parseVia} of the element `s[a, n)` without cutting it out (the text may be a
 * whole message head); error offsets are relative to `a`, as if the element had been cut out.
 */
export function parseViaAt(s: string, a: number, n: number): SipVia {
  let i = skipWsTo(s, a, n);
  let protocol: string;
  if (
    i + 8 <= n &&
    s.charCodeAt(i) === 83 &&
    s.charCodeAt(i + 1) === 73 &&
    s.charCodeAt(i + 2) === 80 &&
    s.charCodeAt(i + 3) === 47 &&
    s.charCodeAt(i + 4) === 50 &&
    s.charCodeAt(i + 5) === 46 &&
    s.charCodeAt(i + 6) === 48 &&
    s.charCodeAt(i + 7) === 47
  ) {
    protocol = 'SIP/2.0';
    i += 8;
  } else {
    // LWS is allowed around the slashes (RFC 3261 §25.1 SLASH = SWS "/" SWS)
    const a0 = i;
    i = tokenTo(s, i, n);
    const name = s.slice(a0, i);
    i = skipWsTo(s, i, n);
    if (name.length === 0 || i >= n || s.charCodeAt(i) !== 47) bad('malformed Via protocol', i - a);
    i = skipWsTo(s, i + 1, n);
    const v0 = i;
    i = tokenTo(s, i, n);
    const version = s.slice(v0, i);
    i = skipWsTo(s, i, n);
    if (version.length === 0 || i >= n || s.charCodeAt(i) !== 47) bad('malformed Via protocol version', i - a);
    i = skipWsTo(s, i + 1, n);
    protocol = name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`;
  }
  const t0 = i;
  i = tokenTo(s, i, n);
  if (i === t0) bad('missing Via transport', i - a);
  const transport = transportAt(s, t0, i);
  const afterTransport = i;
  i = skipWsTo(s, i, n);
  if (i === afterTransport || i >= n) bad('missing Via sent-by', i - a);
  // sent-by = host [ COLON port ]; the host may be an IPv6 reference
  const h0 = i;
  let hostEnd = -1;
  let portStart = -1;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= n) bad('unterminated IPv6 reference in Via', i - a);
    i = hostEnd = close + 1;
  }
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 59 || c === 32 || c === 9) break;
    if (c === 58 && portStart < 0) {
      if (hostEnd < 0) hostEnd = i;
      else if (hostEnd !== i) bad('malformed Via sent-by', i - a);
      portStart = i + 1;
    }
    i++;
  }
  if (hostEnd < 0) hostEnd = i;
  else if (portStart < 0 && hostEnd !== i) bad('malformed Via sent-by', hostEnd - a);
  const host = s.slice(h0, hostEnd);
  if (!isValidHost(host)) bad('invalid Via sent-by host', h0 - a);
  let port: number | undefined;
  if (portStart >= 0) {
    if (i === portStart || i - portStart > 5) bad('invalid Via port', portStart - a);
    port = 0;
    for (let k = portStart; k < i; k++) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) bad('invalid Via port', k - a);
      port = port * 10 + d;
    }
    if (port > 65535) bad('Via port out of range', portStart - a);
  }
  scanParams(s, i, null, 'Via', n, a);
  const branch = HITS.branch;
  if (branch === null) bad('Via branch without value', h0 - a);
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
    if (!Number.isInteger(v) || v > 65535 || r.charCodeAt(0) < 48 || r.charCodeAt(0) > 57) bad('invalid rport', h0 - a);
    rport = v;
  }
  return new SipViaElement(protocol, transport, host, port, branch, received ?? undefined, rport, s, i, n);
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
