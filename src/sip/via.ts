/** Via values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './parse-error';
import * as hv from './header-values';
import type { SipParams } from './header-values';
import * as uri from './uri';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const isTokenChar = hv.isTokenChar;
const parseParams = hv.parseParams;
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

/** Parses a single Via element (one item of the comma-separated list). */
export function parseVia(text: string): SipVia {
  const n = text.length;
  let i = skipWs(text, 0);
  let protocol: string;
  if (text.startsWith('SIP/2.0/', i)) {
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
  const transport = transportName(text.slice(t0, i));
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
  const params: SipParams = new Map();
  parseParams(text, i, params, 'Via');
  const branch = params.get('branch');
  if (branch === null) bad('Via branch without value', h0);
  const received = params.get('received');
  let rport: number | true | undefined;
  const r = params.get('rport');
  if (r === null) rport = true;
  else if (r !== undefined) {
    rport = r.length > 0 && r.length <= 5 ? Number(r) : NaN;
    if (!Number.isInteger(rport) || rport > 65535 || r.charCodeAt(0) < 48 || r.charCodeAt(0) > 57) bad('invalid rport', h0);
  }
  return { protocol, transport, host, port, branch, received: received ?? undefined, rport, params };
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
