/**
 * name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Reply-To …):
 * `[display-name] <URI> *(;param)` or `URI *(;param)` (RFC 3261 §20.10, §25.1).
 */
import { SipParseError } from './parse-error';
import * as hv from './header-values';
import type { SipParams } from './header-values';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const { isTokenChar, parseParams, quote, skipQuoted, skipWs, unquote, formatParams } = hv;

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

/** Parses one name-addr / addr-spec element (already split from its list). */
export function parseNameAddr(text: string): SipNameAddr {
  const n = text.length;
  let i = skipWs(text, 0);
  if (i >= n) bad('empty address', 0);
  let displayName: string | undefined;
  let uri: string;
  const c0 = text.charCodeAt(i);
  if (c0 === 34) {
    const end = skipQuoted(text, i);
    displayName = unquote(text, i, end);
    i = skipWs(text, end);
    if (text.charCodeAt(i) !== 60) bad('quoted display name not followed by <URI>', i);
  }
  const lt = c0 === 34 ? i : text.indexOf('<', i);
  if (lt >= 0) {
    if (c0 !== 34 && lt > i) {
      // token display name: tokens separated by LWS
      const dn = text.slice(i, lt);
      let k = 0;
      let last = 0;
      for (; k < dn.length; k++) {
        const c = dn.charCodeAt(k);
        if (c === 32 || c === 9) continue;
        if (!isTokenChar(c)) bad('invalid character in display name', i + k);
        last = k + 1;
      }
      displayName = dn.slice(0, last);
    }
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) bad('unterminated <URI>', lt);
    uri = text.slice(lt + 1, gt);
    if (uri.length === 0) bad('empty URI in <>', lt);
    for (let k = 0; k < uri.length; k++) {
      const c = uri.charCodeAt(k);
      // LWS inside <> (RFC 4475 badaspec) or a nested '<' is not an addr-spec
      if (c <= 32 || c === 60 || c === 34 || c === 127) bad('invalid character in <URI>', lt + 1 + k);
    }
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ';' (parameters then belong to the header) or LWS
    const us = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 59 || c === 32 || c === 9) break;
      // RFC 3261 §20: a URI with a comma, question mark or semicolon must be in <> (RFC 4475 regbadct)
      if (c === 62 || c === 34 || c === 60 || c === 44 || c === 63) bad('unexpected character in address', i);
      i++;
    }
    uri = text.slice(us, i);
    if (uri.length === 0) bad('empty address', us);
  }
  const params: SipParams = new Map();
  parseParams(text, i, params, 'address');
  const tag = params.get('tag');
  const out: { -readonly [K in keyof SipNameAddr]: SipNameAddr[K] } = { uri, params };
  if (displayName !== undefined) out.displayName = displayName;
  if (typeof tag === 'string') out.tag = tag;
  return out;
}

/** Parses one Contact element, including the `*` wildcard and the `expires`/`q` parameters. */
export function parseContact(text: string): SipContact {
  const t = text.trim();
  if (t === '*') return { star: true, uri: '*', params: new Map() };
  const na = parseNameAddr(text);
  const out: { -readonly [K in keyof SipContact]: SipContact[K] } = { ...na, star: false };
  const exp = na.params.get('expires');
  if (typeof exp === 'string' && /^[0-9]{1,10}$/.test(exp)) out.expires = Number(exp);
  const q = na.params.get('q');
  if (typeof q === 'string' && /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(q)) out.q = Number(q);
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
