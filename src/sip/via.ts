/** Via values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './parse-error';
import { isTokenChar, parseParams, skipWs, type SipParams } from './header-values';
import { parseHostPort } from './uri';

/** One Via element. */
export interface SipVia {
  /** Protocol name and version, normally `SIP/2.0`. */
  readonly protocol: string;
  /** Transport as written, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, …). */
  readonly transport: string;
  /** sent-by host (IPv6 with brackets). */
  readonly host: string;
  /** sent-by port, when explicit. */
  readonly port?: number;
  /** `branch` parameter. */
  readonly branch?: string;
  /** `received` parameter. */
  readonly received?: string;
  /** `rport`: `true` when present without a value (a request for it), the number when filled in. */
  readonly rport?: number | true;
  /** All parameters (including branch/received/rport), lower-case names. */
  readonly params: SipParams;
}

const bad = (msg: string, at: number): never => {
  throw new SipParseError('SIP_PARSE_VALUE', msg, at);
};

function token(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Parses a single Via element (one item of the comma-separated list). */
export function parseVia(text: string): SipVia {
  const n = text.length;
  let i = skipWs(text, 0);
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
  const t0 = i;
  i = token(text, i);
  if (i === t0) bad('missing Via transport', i);
  const transport = text.slice(t0, i).toUpperCase();
  const afterTransport = i;
  i = skipWs(text, i);
  if (i === afterTransport || i >= n) bad('missing Via sent-by', i);
  const h0 = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 59 || c === 32 || c === 9) break;
    i++;
  }
  const { host, port } = parseHostPort(text, h0, i, 'Via sent-by');
  const params: SipParams = new Map();
  parseParams(text, i, params, 'Via');
  const via: { -readonly [K in keyof SipVia]: SipVia[K] } = { protocol: `${name}/${version}`, transport, host, params };
  if (port !== undefined) via.port = port;
  const branch = params.get('branch');
  if (branch !== undefined) {
    if (branch === null) return bad('Via branch without value', h0);
    via.branch = branch;
  }
  const received = params.get('received');
  if (typeof received === 'string') via.received = received;
  if (params.has('rport')) {
    const r = params.get('rport');
    if (r === null) via.rport = true;
    else if (r !== undefined && /^[0-9]{1,5}$/.test(r) && Number(r) <= 65535) via.rport = Number(r);
    else bad('invalid rport', h0);
  }
  return via;
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
