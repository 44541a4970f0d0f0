/**
 * Scanning helpers shared by the typed header parsers: list splitting, LWS, tokens, quoted
 * strings and `;name=value` parameters. All are single forward passes (linear time) over the
 * already unfolded header value.
 */
import { SipParseError } from './parse-error';

/** Header or URI parameters: lower-case name → value (`null` for a flag like `;lr`). Insertion order kept. */
export type SipParams = Map<string, string | null>;

const TOKEN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') TOKEN[c.charCodeAt(0)] = 1;

/** RFC 3261 `token` character. */
export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** True when the whole string is a non-empty RFC 3261 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** Index of the first non-space/tab at or after `i`. */
export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Trims spaces and tabs (not other Unicode space, which SIP does not treat as LWS). */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Index just after the closing quote of the quoted-string starting at `i` (which must be `"`).
 * Throws when the string is unterminated.
 */
export function skipQuoted(s: string, i: number): number {
  return skipQuotedTo(s, i, s.length, 0);
}

/** @internal {@link skipQuoted} within `s[.., n)`; error offsets relative to `base`. */
export function skipQuotedTo(s: string, i: number, n: number, base: number): number {
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 92 /* \ */) j++;
    else if (c === 34) return j + 1;
  }
  throw new SipParseError('SIP_PARSE_VALUE', 'unterminated quoted string', i - base);
}

/** @internal {@link skipWs} within `s[.., n)`. */
export function skipWsTo(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Contents of the quoted-string spanning `[i, end)` with `\x` escapes resolved. */
export function unquote(s: string, i: number, end: number): string {
  const inner = s.slice(i + 1, end - 1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let j = 0; j < inner.length; j++) {
    const ch = inner[j];
    if (ch === '\\' && j + 1 < inner.length) {
      out += inner[j + 1];
      j++;
    } else out += ch;
  }
  return out;
}

/** Quotes `s` as an RFC 3261 quoted-string, escaping `"` and `\`; CR/LF are dropped so nothing can end a header line. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) continue;
    if (c === 34 || c === 92) out += '\\';
    out += s[i];
  }
  return out + '"';
}

/**
 * Splits a list header value on commas that are outside quoted strings and `<…>`. Elements are
 * trimmed; an entirely blank value yields no element, while empty elements between commas are
 * kept (as `''`) so the typed parsers can reject them.
 */
export function splitList(value: string, out: string[] = []): string[] {
  let start = 0;
  let angle = false;
  let sawNonWs = false;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 && !angle) {
      let j = i + 1;
      while (j < n) {
        const d = value.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 34) break;
        else j++;
      }
      i = j; // an unterminated quote runs to the end; the element parser reports it
      sawNonWs = true;
    } else if (c === 60) {
      angle = true;
      sawNonWs = true;
    } else if (c === 62) {
      angle = false;
    } else if (c === 44 && !angle) {
      out.push(trimWs(value.slice(start, i)));
      start = i + 1;
      sawNonWs = true;
    } else if (c !== 32 && c !== 9) sawNonWs = true;
  }
  if (sawNonWs) out.push(trimWs(value.slice(start)));
  return out;
}

/** Index of the first comma at or after `i` outside quotes and `<…>`, or `-1`. */
export function firstListComma(value: string, i = 0): number {
  return firstListCommaTo(value, i, value.length);
}

/** @internal {@link firstListComma} within `s[i, n)`. */
export function firstListCommaTo(s: string, i: number, n: number): number {
  let angle = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 && !angle) {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 34) break;
        else j++;
      }
      i = j;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) return i;
  }
  return -1;
}

/**
 * @internal Values of the well-known parameters seen by the last {@link scanParams} call:
 * `undefined` when absent, `null` for a flag, else the (unquoted) value; the last occurrence wins,
 * as in the Map. Module state is safe because scanning never yields.
 */
export const PARAM_HITS: { branch: string | null | undefined; received: string | null | undefined; rport: string | null | undefined; tag: string | null | undefined; expires: string | null | undefined; q: string | null | undefined } = {
  branch: undefined,
  received: undefined,
  rport: undefined,
  tag: undefined,
  expires: undefined,
  q: undefined,
};

/** Four characters at `a`, ASCII letters lower-cased (`| 0x20` turns no other token character into a letter), packed little-endian. */
function word4(s: string, a: number): number {
  return ((s.charCodeAt(a) | 0x20) | ((s.charCodeAt(a + 1) | 0x20) << 8) | ((s.charCodeAt(a + 2) | 0x20) << 16) | ((s.charCodeAt(a + 3) | 0x20) << 24)) >>> 0;
}

const pack = (t: string): number => (t.charCodeAt(0) | (t.charCodeAt(1) << 8) | (t.charCodeAt(2) << 16) | (t.charCodeAt(3) << 24)) >>> 0;
const W_BRAN = pack('bran');
const W_RECE = pack('rece');
const W_IVED = pack('ived');
const W_RPOR = pack('rpor');
const W_EXPI = pack('expi');
const W_TRAN = pack('tran');
const W_SPOR = pack('spor');

/**
 * @internal Which well-known parameter `s[a, z)` (a token) names, ignoring case: 1 branch,
 * 2 received, 3 rport, 4 tag, 5 expires, 6 q, 7 lr, 8 transport, 0 another.
 */
function paramId(s: string, a: number, z: number): number {
  switch (z - a) {
    case 1:
      return (s.charCodeAt(a) | 0x20) === 113 ? 6 : 0;
    case 2:
      return (s.charCodeAt(a) | 0x20) === 108 && (s.charCodeAt(a + 1) | 0x20) === 114 ? 7 : 0;
    case 3:
      return (s.charCodeAt(a) | 0x20) === 116 && (s.charCodeAt(a + 1) | 0x20) === 97 && (s.charCodeAt(a + 2) | 0x20) === 103 ? 4 : 0;
    case 5:
      return word4(s, a) === W_RPOR && (s.charCodeAt(a + 4) | 0x20) === 116 ? 3 : 0;
    case 6:
      return word4(s, a) === W_BRAN && (s.charCodeAt(a + 4) | 0x20) === 99 && (s.charCodeAt(a + 5) | 0x20) === 104 ? 1 : 0;
    case 7:
      return word4(s, a) === W_EXPI && (s.charCodeAt(a + 4) | 0x20) === 114 && (s.charCodeAt(a + 5) | 0x20) === 101 && (s.charCodeAt(a + 6) | 0x20) === 115 ? 5 : 0;
    case 8:
      return word4(s, a) === W_RECE && word4(s, a + 4) === W_IVED ? 2 : 0;
    case 9:
      return word4(s, a) === W_TRAN && word4(s, a + 4) === W_SPOR && (s.charCodeAt(a + 8) | 0x20) === 116 ? 8 : 0;
    default:
      return 0;
  }
}

const PARAM_NAMES = ['', 'branch', 'received', 'rport', 'tag', 'expires', 'q', 'lr', 'transport'];

/**
 * Parses `*( SEMI name [EQUAL value] )` starting at `i` into `params`; values may be tokens,
 * host-like text (IPv6 brackets included) or quoted strings (returned unquoted). Stops at the
 * end of `s`; anything that is not a parameter is an error.
 */
export function parseParams(s: string, i: number, params: SipParams, what: string): void {
  scanParams(s, i, params, what);
}

/**
 * @internal {@link parseParams} that may skip building the Map (`params` null) while still
 * validating everything and recording the well-known parameters in {@link PARAM_HITS}.
 */
export function scanParams(s: string, i: number, params: SipParams | null, what: string, n: number = s.length, base = 0): void {
  const hits = PARAM_HITS;
  hits.branch = hits.received = hits.rport = hits.tag = hits.expires = hits.q = undefined;
  const tok = TOKEN;
  const stop = VALUE_STOP;
  for (;;) {
    let c = 0;
    while (i < n && ((c = s.charCodeAt(i)) === 32 || c === 9)) i++;
    if (i >= n) return;
    if (c !== 59 /* ; */) paramError(`unexpected character in ${what} parameters`, i - base);
    i++;
    while (i < n && ((c = s.charCodeAt(i)) === 32 || c === 9)) i++;
    const ns = i;
    while (i < n && (c = s.charCodeAt(i)) < 128 && tok[c] === 1) i++;
    if (i === ns) paramError(`empty ${what} parameter name`, i - base);
    const id = paramId(s, ns, i);
    let name = '';
    if (params !== null || id === 0) name = id !== 0 ? PARAM_NAMES[id] : lowerToken(s, ns, i);
    while (i < n && ((c = s.charCodeAt(i)) === 32 || c === 9)) i++;
    let value: string | null = null;
    if (i < n && c === 61 /* = */) {
      i++;
      while (i < n && ((c = s.charCodeAt(i)) === 32 || c === 9)) i++;
      if (i < n && c === 34) {
        const end = skipQuotedTo(s, i, n, base);
        value = unquote(s, i, end);
        i = end;
      } else {
        const vs = i;
        while (i < n && ((c = s.charCodeAt(i)) > 255 || stop[c] === 0)) i++;
        if (i === vs) paramError(`empty value of ${what} parameter ${name === '' ? PARAM_NAMES[id] : name}`, i - base);
        value = s.slice(vs, i);
      }
    }
    switch (id) {
      case 1:
        hits.branch = value;
        break;
      case 2:
        hits.received = value;
        break;
      case 3:
        hits.rport = value;
        break;
      case 4:
        hits.tag = value;
        break;
      case 5:
        hits.expires = value;
        break;
      case 6:
        hits.q = value;
        break;
    }
    if (params !== null) params.set(name, value);
  }
}

/** Characters that end an unquoted parameter value: `;` SP HTAB `,` `"`, controls, DEL. */
const VALUE_STOP = new Uint8Array(256);
for (let c = 0; c < 32; c++) VALUE_STOP[c] = 1;
for (const c of [59, 32, 9, 44, 34, 127]) VALUE_STOP[c] = 1;

/** The token `s[a, z)` lower-cased (sliced as is when it has no upper-case letter). */
function lowerToken(s: string, a: number, z: number): string {
  let upper = false;
  for (let k = a; k < z; k++) {
    const c = s.charCodeAt(k);
    if (c >= 65 && c <= 90) upper = true;
  }
  return upper ? s.slice(a, z).toLowerCase() : s.slice(a, z);
}

function paramError(msg: string, at: number): never {
  throw new SipParseError('SIP_PARSE_VALUE', msg, at);
}

/** Formats parameters as `;name=value` text, quoting values that are not plain tokens/hosts. */
export function formatParams(params: Iterable<[string, string | null | undefined]>): string {
  let out = '';
  for (const [k, v] of params) {
    if (v === undefined) continue;
    out += ';' + k;
    if (v !== null) out += '=' + (isParamValue(v) ? v : quote(v));
  }
  return out;
}

function isParamValue(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!(isTokenChar(c) || c === 58 || c === 91 || c === 93)) return false;
  }
  return true;
}

/** Parses a non-negative decimal integer of at most `maxDigits` digits bounded by `max`; `undefined` if not one. */
export function parseDecimal(s: string, max: number): number | undefined {
  if (s.length === 0 || s.length > 10) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v <= max ? v : undefined;
}
