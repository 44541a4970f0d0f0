/**
 * name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Reply-To …):
 * `[display-name] <URI> *(;param)` or `URI *(;param)` (RFC 3261 §20.10, §25.1).
 */
import { SipParseError } from './parse-error';
import * as hv from './header-values';
import type { SipParams } from './header-values';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const { isTokenChar, scanParams, quote, skipQuotedTo, skipWsTo, unquote, formatParams } = hv;
const HITS = hv.PARAM_HITS;

/** A parsed name-addr or addr-spec with its header parameters. */
export interface SipNameAddr {
  /** Display name, unquoted and unescaped (`undefined` when absent). */
  readonly displayName?: string;
  /** The URI text exactly as written (parse it with `parseUri`). */
  readonly uri: string;
  /** Header parameters (not URI parameters): lower-case names. */
  readonly params: SipParams;
  /** The `tag` parameter (From/To). */
  readonly tag?: string;
}

/** A Contact value: a name-addr, or the `*` wildcard of REGISTER. */
export interface SipContact extends SipNameAddr {
  /** True for `Contact: *` (then `uri` is `*`). */
  readonly star: boolean;
  /** `expires` parameter in seconds, when present and numeric. */
  readonly expires?: number;
  /** `q` parameter (0..1), when present and valid. */
  readonly q?: number;
}

const bad = (msg: string, at: number): never => {
  throw new SipParseError('SIP_PARSE_VALUE', msg, at);
};

/**
 * A parsed name-addr. Header parameters were validated while parsing; their Map is built when
 * `params` is first read (most readers only want the tag). `displayName` and `tag` exist as own
 * properties only when present, as in a plain object literal.
 */
class SipNameAddrValue implements SipNameAddr {
  declare readonly displayName?: string;
  readonly uri: string;
  declare readonly tag?: string;
  readonly #text: string;
  readonly #paramsAt: number;
  readonly #end: number;
  #params: SipParams | undefined;

  constructor(uri: string, text: string, paramsAt: number, end: number) {
    this.uri = uri;
    this.#text = text;
    this.#paramsAt = paramsAt;
    this.#end = end;
  }

  /** Header parameters (not URI parameters): lower-case names. */
  get params(): SipParams {
    let m = this.#params;
    if (m === undefined) {
      m = this.#params = new Map();
      if (this.#paramsAt >= 0) scanParams(this.#text, this.#paramsAt, m, 'address', this.#end, 0);
    }
    return m;
  }
}

/** A parsed Contact element (name-addr plus `star`, `expires`, `q`). */
class SipContactValue extends SipNameAddrValue implements SipContact {
  readonly star: boolean;
  declare readonly expires?: number;
  declare readonly q?: number;

  constructor(uri: string, text: string, paramsAt: number, star: boolean) {
    super(uri, text, paramsAt, text.length);
    this.star = star;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Result of the last scanAddress call besides its return value (scanning never yields).
let scannedDisplayName: string | undefined;
let scannedUri = '';

/** Parses the address part and validates the parameters; returns where the parameters start. */
function scanAddress(text: string): number {
  return scanAddressAt(text, 0, text.length);
}

/** {@link scanAddress} of `s[a, n)` without cutting it out; error offsets relative to `a`. */
function scanAddressAt(s: string, a: number, n: number): number {
  let i = skipWsTo(s, a, n);
  if (i >= n) bad('empty address', 0);
  let displayName: string | undefined;
  let uri: string;
  const c0 = s.charCodeAt(i);
  if (c0 === 34) {
    const end = skipQuotedTo(s, i, n, a);
    displayName = unquote(s, i, end);
    i = skipWsTo(s, end, n);
    if (i >= n || s.charCodeAt(i) !== 60) bad('quoted display name not followed by <URI>', i - a);
  }
  let lt = c0 === 34 ? i : c0 === 60 ? i : s.indexOf('<', i);
  if (lt >= n) lt = -1;
  if (lt >= 0) {
    if (c0 !== 34 && lt > i) {
      // token display name: tokens separated by LWS
      let last = i;
      for (let k = i; k < lt; k++) {
        const c = s.charCodeAt(k);
        if (c === 32 || c === 9) continue;
        if (!isTokenChar(c)) bad('invalid character in display name', k - a);
        last = k + 1;
      }
      displayName = s.slice(i, last);
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0 || gt >= n) bad('unterminated <URI>', lt - a);
    if (gt === lt + 1) bad('empty URI in <>', lt - a);
    for (let k = lt + 1; k < gt; k++) {
      const c = s.charCodeAt(k);
      // LWS inside <> (RFC 4475 badaspec) or a nested '<' is not an addr-spec
      if (c <= 32 || c === 60 || c === 34 || c === 127) bad('invalid character in <URI>', k - a);
    }
    uri = s.slice(lt + 1, gt);
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ';' (parameters then belong to the header) or LWS
    const us = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 32 || c === 9) break;
      // RFC 3261 §20: a URI with a comma, question mark or semicolon must be in <> (RFC 4475 regbadct)
      if (c === 62 || c === 34 || c === 60 || c === 44 || c === 63) bad('unexpected character in address', i - a);
      i++;
    }
    uri = s.slice(us, i);
    if (uri.length === 0) bad('empty address', us - a);
  }
  scanParams(s, i, null, 'address', n, a);
  scannedDisplayName = displayName;
  scannedUri = uri;
  return i;
}

/** Parses one name-addr / addr-spec element (already split from its list). */
export function parseNameAddr(text: string): SipNameAddr {
  return parseNameAddrAt(text, 0, text.length);
}

/** @internal {@link parseNameAddr} of `s[a, n)` without cutting it out (the text may be a whole message head). */
export function parseNameAddrAt(s: string, a: number, n: number): SipNameAddr {
  const at = scanAddressAt(s, a, n);
  const out: Mutable<SipNameAddrValue> = new SipNameAddrValue(scannedUri, s, at, n);
  if (scannedDisplayName !== undefined) out.displayName = scannedDisplayName;
  const tag = HITS.tag;
  if (typeof tag === 'string') out.tag = tag;
  return out;
}

const EXPIRES_RE = /^[0-9]{1,10}$/;
const Q_RE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/;

/** Parses one Contact element, including the `*` wildcard and the `expires`/`q` parameters. */
export function parseContact(text: string): SipContact {
  const t = text.trim();
  if (t === '*') return new SipContactValue('*', '', -1, true);
  const at = scanAddress(text);
  const tag = HITS.tag;
  const exp = HITS.expires;
  const q = HITS.q;
  const out: Mutable<SipContactValue> = new SipContactValue(scannedUri, text, at, false);
  if (scannedDisplayName !== undefined) out.displayName = scannedDisplayName;
  if (typeof tag === 'string') out.tag = tag;
  if (typeof exp === 'string' && EXPIRES_RE.test(exp)) out.expires = Number(exp);
  if (typeof q === 'string' && Q_RE.test(q)) out.q = Number(q);
  return out;
}

/**
 * Formats a name-addr: `"Display" <uri>;k=v`. The display name is always quoted (escaped) so it
 * cannot inject; the URI must not contain `>` or line breaks.
 */
export function formatNameAddr(a: { displayName?: string; uri: string; params?: Iterable<[string, string | null | undefined]> }): string {
  for (let i = 0; i < a.uri.length; i++) {
    const c = a.uri.charCodeAt(i);
    if (c <= 32 || c === 62 || c === 60 || c === 34 || c === 127) throw new SipParseError('SIP_PARSE_URI', 'character not allowed in URI', i);
  }
  let out = a.displayName !== undefined && a.displayName !== '' ? quote(a.displayName) + ' ' : '';
  out += '<' + a.uri + '>';
  if (a.params) out += formatParams(a.params);
  return out;
}
