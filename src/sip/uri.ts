/**
 * URIs as SIP carries them (RFC 3261 §19.1, §25; RFC 3966 for tel): parsing with validation of
 * the host, percent-unescaping, formatting, and the §19.1.4 equality rules.
 */
import { SipParseError } from './parse-error';
import { isTokenChar, type SipParams } from './header-values';

/** A parsed `sip:` or `sips:` URI. Text fields are percent-unescaped. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** User part, unescaped (`undefined` when the URI has no userinfo). */
  readonly user?: string;
  /** Password, unescaped. Never logged by sipprobe. */
  readonly password?: string;
  /** Host as written: hostname, IPv4, or IPv6 reference *with* brackets. */
  readonly host: string;
  /** Explicit port, if any. */
  readonly port?: number;
  /** URI parameters, lower-case names, unescaped values (`null` for flags such as `lr`). */
  readonly params: SipParams;
  /** URI headers (`?name=value&…`), names as written, values unescaped. */
  readonly headers: Map<string, string>;
  /** The original text. */
  readonly raw: string;
}

/** A parsed `tel:` URI (RFC 3966). */
export interface TelUri {
  readonly scheme: 'tel';
  /** The telephone-subscriber number as written (visual separators kept), unescaped. */
  readonly number: string;
  readonly params: SipParams;
  readonly raw: string;
}

/** Any other absolute URI (`http:`, `urn:`, unknown schemes): only the scheme is understood. */
export interface OtherUri {
  /** Scheme as written (schemes compare case-insensitively). */
  readonly scheme: string;
  /** Everything after the first colon. */
  readonly opaque: string;
  readonly raw: string;
}

/** Result of {@link parseUri}. */
export type ParsedUri = SipUri | TelUri | OtherUri;

/** Narrowing helper: is this a sip:/sips: URI? */
export function isSipUri(u: ParsedUri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

/** Narrowing helper: is this a tel: URI? */
export function isTelUri(u: ParsedUri): u is TelUri {
  return u.scheme === 'tel';
}

const fail = (msg: string, at: number): never => {
  throw new SipParseError('SIP_PARSE_URI', msg, at);
};

// RFC 3261 character classes, as bit flags per ASCII code.
const UNRESERVED = 1; // alphanum / mark
const USER = 2; // user-unreserved & = + $ , ; ? /
const PASS = 4; // & = + $ ,
const PARAM = 8; // param-unreserved [ ] / : & + $
const HNV = 16; // hnv-unreserved [ ] / ? : + $
const CLS = new Uint8Array(128);
const mark = (chars: string, bit: number): void => {
  for (const c of chars) CLS[c.charCodeAt(0)] |= bit;
};
mark('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*\'()', UNRESERVED);
mark('&=+$,;?/', USER);
mark('&=+$,', PASS);
mark('[]/:&+$', PARAM);
mark('[]/?:+$', HNV);

/** Checks `s[a..b)` consists of unreserved / escaped / the given extra class; returns the unescaped text. */
function unescapeClass(s: string, a: number, b: number, extra: number, what: string): string {
  let plain = true;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      if (i + 2 >= b) fail(`truncated escape in ${what}`, i);
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) fail(`bad escape in ${what}`, i);
      plain = false;
      i += 2;
    } else if (c >= 128 || (CLS[c] & (UNRESERVED | extra)) === 0) fail(`character not allowed in ${what}`, i);
  }
  return plain ? s.slice(a, b) : percentDecode(s.slice(a, b));
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** Percent-decodes `s` (octets → UTF-8 text; invalid `%` sequences are kept literally). */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(s[i], 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Percent-encodes every octet of `s` outside unreserved and the given extra characters. */
export function percentEncode(s: string, extra = ''): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (b < 128 && ((CLS[b] & UNRESERVED) !== 0 || extra.includes(ch))) out += ch;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Validates an IPv4 dotted quad. */
export function isIPv4(s: string): boolean {
  let dots = 0;
  let digits = 0;
  let val = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      val = 0;
    } else if (c >= 48 && c <= 57) {
      val = val * 10 + c - 48;
      if (++digits > 3 || val > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
}

/**
 * Validates an IPv6 address (no brackets). Tolerates the `:::` before an embedded IPv4 that
 * RFC 5118 §4.10 says receivers must accept because of an ABNF bug in RFC 3261.
 */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let groups = s.split(':');
  if (groups.length < 3) return false;
  let v4 = 0;
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    v4 = 1;
    groups = groups.slice(0, -1);
    groups.push('0');
  }
  let empties = 0;
  let nonEmpty = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g.length === 0) {
      empties++;
      continue;
    }
    if (g.length > 4) return false;
    for (let k = 0; k < g.length; k++) if (!isHex(g.charCodeAt(k))) return false;
    nonEmpty++;
  }
  const total = nonEmpty + v4; // the IPv4 tail counts as two groups
  if (empties === 0) return total === 8;
  // '::' yields one or two (at an edge) or three (the lone '::') empty pieces; ':::' one more.
  if (s.indexOf('::') < 0) return false;
  if (s.indexOf('::') !== s.lastIndexOf('::') && s.indexOf(':::') < 0) return false;
  return total <= 7 && empties <= 3;
}

/** Validates a DNS hostname as RFC 3261 `hostname` (labels of alphanum and `-`, optional final dot). */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  let labelStart = 0;
  const end = s.charCodeAt(s.length - 1) === 46 ? s.length - 1 : s.length;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === labelStart) return false;
      if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(i - 1) === 45) return false;
      labelStart = i + 1;
    } else if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 45)) return false;
  }
  return true;
}

/** Validates a host as it appears in a URI or Via: hostname, IPv4, or bracketed IPv6 reference. */
export function isValidHost(host: string): boolean {
  if (host.charCodeAt(0) === 91) return host.charCodeAt(host.length - 1) === 93 && isIPv6(host.slice(1, -1));
  return isIPv4(host) || isHostname(host);
}

/**
 * Splits `host[:port]` at `[a, b)` of `s`. Returns host text and port (or undefined); throws on
 * a bad host or port.
 */
export function parseHostPort(s: string, a: number, b: number, what: string): { host: string; port?: number } {
  let hostEnd: number;
  let portStart = -1;
  if (s.charCodeAt(a) === 91) {
    const close = s.indexOf(']', a);
    if (close < 0 || close >= b) return fail(`unterminated IPv6 reference in ${what}`, a);
    hostEnd = close + 1;
    if (hostEnd < b) {
      if (s.charCodeAt(hostEnd) !== 58) fail(`unexpected text after IPv6 reference in ${what}`, hostEnd);
      portStart = hostEnd + 1;
    }
  } else {
    const colon = s.indexOf(':', a);
    if (colon >= 0 && colon < b) {
      hostEnd = colon;
      portStart = colon + 1;
    } else hostEnd = b;
  }
  const host = s.slice(a, hostEnd);
  if (!isValidHost(host)) fail(`invalid host in ${what}`, a);
  if (portStart < 0) return { host };
  if (portStart >= b || b - portStart > 5) fail(`invalid port in ${what}`, portStart);
  let port = 0;
  for (let i = portStart; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) fail(`invalid port in ${what}`, i);
    port = port * 10 + d;
  }
  if (port > 65535) fail(`port out of range in ${what}`, portStart);
  return { host, port };
}

/**
 * Parses a URI. `sip:`/`sips:` are parsed fully and validated (RFC 3261 §25.1), `tel:` per
 * RFC 3966 (number and params), anything else only as scheme + opaque part. Throws
 * {@link SipParseError} with code `SIP_PARSE_URI` on malformed input.
 */
export function parseUri(text: string): ParsedUri {
  const colon = text.indexOf(':');
  if (colon <= 0) return fail('URI has no scheme', 0);
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c | 32) >= 97 && (c | 32) <= 122;
    if (!(alpha || (i > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)))) fail('invalid URI scheme', i);
  }
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) fail('character not allowed in URI', i);
  }
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSip(text, scheme, colon + 1);
  if (scheme === 'tel') return parseTel(text, colon + 1);
  if (colon + 1 >= text.length) fail('empty URI', colon);
  return { scheme: text.slice(0, colon), opaque: text.slice(colon + 1), raw: text };
}

function parseSip(s: string, scheme: 'sip' | 'sips', i: number): SipUri {
  const n = s.length;
  let user: string | undefined;
  let password: string | undefined;
  const at = s.indexOf('@', i);
  if (at >= 0) {
    const pc = s.indexOf(':', i);
    const userEnd = pc >= 0 && pc < at ? pc : at;
    if (userEnd === i) fail('empty user in SIP URI', i);
    user = unescapeClass(s, i, userEnd, USER, 'URI user');
    if (userEnd < at) password = unescapeClass(s, userEnd + 1, at, PASS, 'URI password');
    i = at + 1;
  }
  let hpEnd = i;
  while (hpEnd < n) {
    const c = s.charCodeAt(hpEnd);
    if (c === 59 || c === 63) break;
    hpEnd++;
  }
  if (hpEnd === i) fail('missing host in SIP URI', i);
  const { host, port } = parseHostPort(s, i, hpEnd, 'SIP URI');
  i = hpEnd;
  const params: SipParams = new Map();
  while (i < n && s.charCodeAt(i) === 59) {
    let j = i + 1;
    while (j < n && s.charCodeAt(j) !== 59 && s.charCodeAt(j) !== 63) j++;
    const eq = s.indexOf('=', i + 1);
    const nameEnd = eq >= 0 && eq < j ? eq : j;
    if (nameEnd === i + 1) fail('empty URI parameter name', i + 1);
    const name = unescapeClass(s, i + 1, nameEnd, PARAM, 'URI parameter').toLowerCase();
    const value = nameEnd < j ? unescapeClass(s, nameEnd + 1, j, PARAM, 'URI parameter') : null;
    if (value === '') fail('empty URI parameter value', nameEnd + 1);
    params.set(name, value);
    i = j;
  }
  const headers = new Map<string, string>();
  if (i < n) {
    // s[i] is '?'
    i++;
    if (i >= n) fail('empty URI headers', i);
    while (i < n) {
      let j = s.indexOf('&', i);
      if (j < 0) j = n;
      const eq = s.indexOf('=', i);
      if (eq < 0 || eq >= j || eq === i) fail('malformed URI header', i);
      headers.set(unescapeClass(s, i, eq, HNV, 'URI header'), unescapeClass(s, eq + 1, j, HNV, 'URI header'));
      i = j + 1;
      if (j < n && i >= n) fail('empty URI header', j);
    }
  }
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { scheme, host, params, headers, raw: s };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

function parseTel(s: string, i: number): TelUri {
  const n = s.length;
  let j = i;
  while (j < n && s.charCodeAt(j) !== 59) j++;
  if (j === i) fail('empty tel number', i);
  const num = s.slice(i, j);
  for (let k = 0; k < num.length; k++) {
    const c = num.charCodeAt(k);
    const ok = (c >= 48 && c <= 57) || isHex(c) || c === 43 || c === 45 || c === 46 || c === 40 || c === 41 || c === 42 || c === 35 || c === 37;
    if (!ok) fail('invalid tel number', i + k);
  }
  const params: SipParams = new Map();
  while (j < n) {
    let e = j + 1;
    while (e < n && s.charCodeAt(e) !== 59) e++;
    const eq = s.indexOf('=', j + 1);
    const nameEnd = eq >= 0 && eq < e ? eq : e;
    if (nameEnd === j + 1) fail('empty tel parameter', j + 1);
    for (let k = j + 1; k < nameEnd; k++) if (!isTokenChar(s.charCodeAt(k))) fail('invalid tel parameter', k);
    params.set(s.slice(j + 1, nameEnd).toLowerCase(), nameEnd < e ? percentDecode(s.slice(nameEnd + 1, e)) : null);
    j = e;
  }
  return { scheme: 'tel', number: percentDecode(num), params, raw: s };
}

/** Builds the text of a SIP URI from parts, escaping user/password/params/headers as needed. */
export function formatSipUri(u: {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Iterable<[string, string | null]>;
  headers?: Iterable<[string, string]>;
}): string {
  if (!isValidHost(u.host)) throw new SipParseError('SIP_PARSE_URI', 'invalid host', 0);
  let out = (u.scheme ?? 'sip') + ':';
  if (u.user !== undefined) {
    out += percentEncode(u.user, '&=+$,;?/');
    if (u.password !== undefined) out += ':' + percentEncode(u.password, '&=+$,');
    out += '@';
  }
  out += u.host;
  if (u.port !== undefined) out += ':' + String(u.port);
  if (u.params) for (const [k, v] of u.params) out += ';' + percentEncode(k, '[]/:&+$') + (v === null ? '' : '=' + percentEncode(v, '[]/:&+$'));
  if (u.headers) {
    let sep = '?';
    for (const [k, v] of u.headers) {
      out += sep + percentEncode(k, '[]/?:+$') + '=' + percentEncode(v, '[]/?:+$');
      sep = '&';
    }
  }
  return out;
}

const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/**
 * URI equality per RFC 3261 §19.1.4: scheme, unescaped user/password (case-sensitive), host
 * (case-insensitive), port (an absent port never equals an explicit one), the user/ttl/method/
 * maddr/transport parameters when either side has them, other parameters only when both have
 * them, and all headers. Strings are parsed first; unparsable input compares unequal.
 */
export function uriEquals(a: ParsedUri | string, b: ParsedUri | string): boolean {
  let x: ParsedUri;
  let y: ParsedUri;
  try {
    x = typeof a === 'string' ? parseUri(a) : a;
    y = typeof b === 'string' ? parseUri(b) : b;
  } catch {
    return false;
  }
  if (x.scheme.toLowerCase() !== y.scheme.toLowerCase()) return false;
  if (isTelUri(x) && isTelUri(y)) {
    return stripVisual(x.number) === stripVisual(y.number) && paramsEqual(x.params, y.params, [...x.params.keys(), ...y.params.keys()]);
  }
  if (!isSipUri(x) || !isSipUri(y)) return x.raw === y.raw;
  if (x.user !== y.user || x.password !== y.password) return false;
  if (x.host.toLowerCase() !== y.host.toLowerCase() || x.port !== y.port) return false;
  if (!paramsEqual(x.params, y.params, MUST_MATCH)) return false;
  for (const [k, v] of x.params) {
    if (!y.params.has(k)) continue;
    const w = y.params.get(k);
    if ((v ?? '').toLowerCase() !== (w ?? '').toLowerCase()) return false;
  }
  if (x.headers.size !== y.headers.size) return false;
  const yh = new Map<string, string>();
  for (const [k, v] of y.headers) yh.set(k.toLowerCase(), v);
  for (const [k, v] of x.headers) if (yh.get(k.toLowerCase()) !== v) return false;
  return true;
}

function paramsEqual(p: SipParams, q: SipParams, names: string[]): boolean {
  for (const k of names) {
    if (p.has(k) !== q.has(k)) return false;
    const v = p.get(k);
    const w = q.get(k);
    if ((v ?? '').toLowerCase() !== (w ?? '').toLowerCase()) return false;
  }
  return true;
}

function stripVisual(n: string): string {
  return n.replace(/[-.()]/g, '').toLowerCase();
}
