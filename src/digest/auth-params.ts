/**
 * RFC 7235 §2.1 / §4.1 list scanner shared by challenge and credentials parsing, plus the quoting
 * and RFC 8187 helpers used when formatting. Linear time; every failure is a DigestParseError.
 */
import { DigestInvalidInputError, DigestParseError } from './errors';

/** One `auth-scheme [ token68 / #auth-param ]` element of a header value. */
export interface RawAuthElement {
  readonly scheme: string;
  /** Names lower-cased, in order of appearance; values unescaped. */
  readonly params: Array<{ name: string; value: string; quoted: boolean }>;
  token68?: string;
}

/** Longest header value accepted; real challenges are a few hundred bytes. */
const MAX_VALUE_LENGTH = 65536;

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Undoes RFC 3261 line folding and rejects any other control character, so that nothing parsed from
 * a header can carry a CR or LF into a header sipprobe writes later.
 */
function normalize(input: string): string {
  if (input.length > MAX_VALUE_LENGTH) throw new DigestParseError(`header value longer than ${MAX_VALUE_LENGTH} characters`);
  const s = input.indexOf('\r') >= 0 || input.indexOf('\n') >= 0 ? input.replace(/\r?\n[ \t]/g, ' ') : input;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw new DigestParseError(`control character 0x${c.toString(16)} in header value`, i);
  }
  return s;
}

/** Splits a header value (or several header lines) into auth elements (challenges or credentials). */
export function scanAuthElements(value: string | readonly string[]): RawAuthElement[] {
  const lines = typeof value === 'string' ? [value] : value;
  const out: RawAuthElement[] = [];
  for (const line of lines) {
    if (typeof line !== 'string') throw new DigestParseError('header value is not a string');
    scanLine(normalize(line), out);
  }
  return out;
}

function scanLine(s: string, out: RawAuthElement[]): void {
  const n = s.length;
  let i = 0;
  let cur: RawAuthElement | undefined;

  const skipWs = (k: number): number => {
    while (k < n && isWs(s.charCodeAt(k))) k++;
    return k;
  };
  const readToken = (k: number): number => {
    while (k < n && isTchar(s.charCodeAt(k))) k++;
    return k;
  };

  for (;;) {
    while (i < n && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) return;
    const tokStart = i;
    const tokEnd = readToken(i);
    if (tokEnd === tokStart) throw new DigestParseError(`unexpected character ${JSON.stringify(s[i])}`, i);
    const tok = s.slice(tokStart, tokEnd);
    const j = skipWs(tokEnd);
    if (s.charCodeAt(j) === 0x3d /* = */) {
      if (!cur) throw new DigestParseError('parameter before an auth-scheme', tokStart);
      i = readParam(s, skipWs(j + 1), tok, cur);
      i = skipWs(i);
      if (i < n && s.charCodeAt(i) !== 0x2c) throw new DigestParseError(`expected "," after parameter ${tok}`, i);
      continue;
    }
    cur = { scheme: tok, params: [] };
    out.push(cur);
    i = j;
    if (i >= n || s.charCodeAt(i) === 0x2c || j === tokEnd) continue;
    // Either the first auth-param (handled by the loop) or a token68 (RFC 7235 §2.1).
    const t2End = readToken68(s, i);
    const k = skipWs(readToken(i));
    const looksLikeParam = k > i && s.charCodeAt(k) === 0x3d && !onlyEqualsUntilEnd(s, k);
    if (looksLikeParam) continue;
    if (t2End === i) throw new DigestParseError(`unexpected character ${JSON.stringify(s[i])}`, i);
    cur.token68 = s.slice(i, t2End);
    i = skipWs(t2End);
    if (i < n && s.charCodeAt(i) !== 0x2c) throw new DigestParseError('expected "," after token68', i);
  }
}

function readToken68(s: string, k: number): number {
  const n = s.length;
  while (k < n) {
    const c = s.charCodeAt(k);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x2b || c === 0x2f) k++;
    else break;
  }
  while (k < s.length && s.charCodeAt(k) === 0x3d) k++;
  return k;
}

function onlyEqualsUntilEnd(s: string, k: number): boolean {
  while (k < s.length && s.charCodeAt(k) === 0x3d) k++;
  while (k < s.length && isWs(s.charCodeAt(k))) k++;
  return k >= s.length || s.charCodeAt(k) === 0x2c;
}

/** Reads `value` (quoted-string or bare run) starting at `k`; returns the index after it. */
function readParam(s: string, k: number, rawName: string, cur: RawAuthElement): number {
  const n = s.length;
  const name = rawName.toLowerCase();
  if (cur.params.some((p) => p.name === name)) throw new DigestParseError(`duplicate parameter ${name}`, k);
  if (s.charCodeAt(k) === 0x22 /* " */) {
    let value = '';
    let from = k + 1;
    let p = from;
    for (;;) {
      if (p >= n) throw new DigestParseError(`unterminated quoted string in ${name}`, k);
      const c = s.charCodeAt(p);
      if (c === 0x5c /* \ */) {
        if (p + 1 >= n) throw new DigestParseError(`unterminated quoted string in ${name}`, k);
        value += s.slice(from, p);
        from = p + 1;
        p += 2;
        continue;
      }
      if (c === 0x22) break;
      p++;
    }
    value += s.slice(from, p);
    cur.params.push({ name, value, quoted: true });
    return p + 1;
  }
  // Lenient: servers send unquoted base64 nonces and the like, so take everything up to a separator.
  let p = k;
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === 0x2c || isWs(c) || c === 0x22) break;
    p++;
  }
  if (p === k) throw new DigestParseError(`missing value for parameter ${name}`, k);
  cur.params.push({ name, value: s.slice(k, p), quoted: false });
  return p;
}

/** Throws DigestInvalidInputError (naming `field`, not the value) if `value` contains a control character. */
export function assertHeaderSafe(field: string, value: string): void {
  if (typeof value !== 'string') throw new DigestInvalidInputError(field, 'not a string');
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      throw new DigestInvalidInputError(field, c === 0x0d || c === 0x0a ? 'contains CR or LF' : 'contains a control character');
    }
  }
}

/** RFC 7230 quoted-string with `"` and `\` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** True for an RFC 7230 token. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!isTchar(value.charCodeAt(i))) return false;
  return true;
}

const ATTR_CHAR = new Uint8Array(128);
for (const c of "!#$&+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ATTR_CHAR[c.charCodeAt(0)] = 1;

/** RFC 8187 ext-value `UTF-8''…` for `value`. */
export function encodeExtValue(value: string): string {
  let out = "UTF-8''";
  for (const b of Buffer.from(value, 'utf8')) {
    out += b < 128 && ATTR_CHAR[b] === 1 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes an RFC 8187 ext-value (UTF-8 or ISO-8859-1); throws DigestParseError on anything else. */
export function decodeExtValue(ext: string): string {
  const m = /^([A-Za-z0-9!#$%&+\-^_`{}~]+)'([A-Za-z0-9-]*)'(.*)$/.exec(ext);
  if (!m) throw new DigestParseError('username* is not an RFC 8187 ext-value');
  const charset = m[1].toLowerCase();
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') throw new DigestParseError('username* charset must be UTF-8 or ISO-8859-1');
  const bytes: number[] = [];
  const v = m[3];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x25) {
      const hex = v.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new DigestParseError('bad percent-encoding in username*');
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 128 && ATTR_CHAR[c] === 1) {
      bytes.push(c);
    } else {
      throw new DigestParseError('invalid character in username*');
    }
  }
  const buf = Buffer.from(bytes);
  if (charset === 'iso-8859-1') return buf.toString('latin1');
  try {
    return utf8Strict.decode(buf);
  } catch {
    throw new DigestParseError('username* is not valid UTF-8');
  }
}
