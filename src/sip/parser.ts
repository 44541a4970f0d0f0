/**
 * Bytes → message. A hand-written scanner over the Buffer: native `indexOf` finds line ends,
 * per-line work is bounded by the header name, and the header block is decoded to text once.
 * Every failure is a `SipParseError` carrying a code and the byte offset.
 */
import { SipHeaderList } from './header-list';
import * as names from './header-names';
import * as model from './message';
import type { SipMessage } from './message';
import { SipParseError, type SipParseErrorCode } from './parse-error';

/** Node's own UTF-8 decoder on Buffer.prototype: what `toString('utf8', a, b)` calls after checking its arguments. */
type Utf8Sliceable = { utf8Slice(start: number, end: number): string };

/** Parser limits. Defaults are generous for SIP but bound the work hostile input can cause. */
export interface SipParseLimits {
  /** Largest message (start line + headers + body) in bytes. Default 65535. */
  maxMessageBytes?: number;
  /** Most header lines (folded continuations not counted). Default 256. */
  maxHeaders?: number;
  /** Longest single line (start line or header line incl. folded continuation lines) in bytes. Default 16384. */
  maxLineBytes?: number;
}

/** Options of {@link parseMessage}. */
export interface SipParseOptions extends SipParseLimits {
  /**
   * `datagram` (default, UDP): without Content-Length the body is the rest of the data, and
   * octets after Content-Length bytes are ignored. `stream`: Content-Length is required and the
   * data must hold exactly one message.
   */
  mode?: 'datagram' | 'stream';
  /**
   * Also parse the Request-URI and the grammar of the headers the stack relies on (Via, From,
   * To, Call-ID, CSeq, Max-Forwards, Contact, Route, Record-Route, Content-Type, Expires) and
   * throw on the first defect. Off by default: those are parsed lazily on first access.
   */
  strict?: boolean;
}

/** @internal Resolved limits. */
export interface ResolvedLimits {
  maxMessageBytes: number;
  maxHeaders: number;
  maxLineBytes: number;
}

/** Default limits. */
export const SIP_DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({ maxMessageBytes: 65535, maxHeaders: 256, maxLineBytes: 16384 });

/** @internal */
export function resolveLimits(o: SipParseLimits | undefined): ResolvedLimits {
  if (o === undefined) return SIP_DEFAULT_LIMITS;
  return {
    maxMessageBytes: o.maxMessageBytes ?? SIP_DEFAULT_LIMITS.maxMessageBytes,
    maxHeaders: o.maxHeaders ?? SIP_DEFAULT_LIMITS.maxHeaders,
    maxLineBytes: o.maxLineBytes ?? SIP_DEFAULT_LIMITS.maxLineBytes,
  };
}

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const headerKey = names.headerKey;
const SipRequest = model.SipRequest;
const SipResponse = model.SipResponse;

/**
 * Header names seen in practice, spelled as they usually are on the wire. A name whose bytes
 * match one of these reuses the interned strings instead of allocating new ones.
 */
const KNOWN_NAMES = [
  'Via', 'From', 'To', 'Call-ID', 'Call-Id', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type',
  'Route', 'Record-Route', 'Allow', 'Supported', 'Require', 'Proxy-Require', 'Unsupported', 'User-Agent', 'Server',
  'Expires', 'Accept', 'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Subject',
  'Date', 'Timestamp', 'Event', 'Allow-Events', 'Session-Expires', 'Min-SE', 'RSeq', 'RAck', 'Reason', 'Organization',
  'P-Asserted-Identity', 'Privacy', 'Content-Disposition', 'Accept-Language', 'Accept-Encoding', 'Warning', 'Path',
  'v', 'f', 't', 'i', 'm', 'l', 'c', 'k', 's', 'e', 'o', 'u', 'r', 'b', 'x',
];
interface KnownName {
  name: string;
  key: string;
  c0: number;
  cl: number;
  contentLength: boolean;
  /** 1 Via, 2 From, 3 To (whose first value the typed accessors may read in place), else 0. */
  slot: number;
  len: number;
  /** The spelling's character codes. */
  codes: number[];
  /** Next entry with the same hash. */
  next: KnownName | null;
}
/** Open hash of the known names by length and first/last character (a dense array: no holes, no out-of-bounds reads). */
const KNOWN_HASH: (KnownName | null)[] = new Array<KnownName | null>(256).fill(null);
const nameHash = (len: number, c0: number, cl: number): number => (len * 7 + c0 * 3 + cl) & 255;
/** The same string, internalized (property keys are), so lookups compare by identity. */
const intern = (k: string): string => Object.keys({ [k]: 0 })[0];
function slotOf(key: string): number {
  return key === 'via' ? 1 : key === 'from' ? 2 : key === 'to' ? 3 : 0;
}

/** Notes where the first Via/From/To value sits in the head (`a` -1: not readable in place). */
function recordSlot(list: SipHeaderList, slot: number, a: number, z: number): void {
  const v = a >= 0 ? a : -2;
  if (slot === 1) {
    if (list._viaA === -1) {
      list._viaA = v;
      list._viaZ = z;
    }
  } else if (slot === 2) {
    if (list._fromA === -1) {
      list._fromA = v;
      list._fromZ = z;
    }
  } else if (list._toA === -1) {
    list._toA = v;
    list._toZ = z;
  }
}
for (const name of KNOWN_NAMES) {
  const key = intern(headerKey(name));
  const c0 = name.charCodeAt(0);
  const cl = name.charCodeAt(name.length - 1);
  const h = nameHash(name.length, c0, cl);
  KNOWN_HASH[h] = { name, key, c0, cl, contentLength: key === 'content-length', slot: slotOf(key), len: name.length, codes: Array.from(name, (ch) => ch.charCodeAt(0)), next: KNOWN_HASH[h] };
}

/** The interned entry whose spelling is exactly the bytes `buf[a, z)`, if any. */
function knownName(buf: Buffer, a: number, z: number): KnownName | undefined {
  const len = z - a;
  const c0 = buf[a];
  const cl = buf[z - 1];
  let e = KNOWN_HASH[nameHash(len, c0, cl)];
  outer: for (; e !== null; e = e.next) {
    if (e.len !== len || e.c0 !== c0 || e.cl !== cl) continue;
    const codes = e.codes;
    for (let i = 1, j = a + 1; j < z - 1; i++, j++) if (codes[i] !== buf[j]) continue outer;
    return e;
  }
  return undefined;
}

function err(code: SipParseErrorCode, msg: string, at: number): never {
  throw new SipParseError(code, msg, at);
}

const TOKEN = new Uint8Array(256);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') TOKEN[c.charCodeAt(0)] = 1;

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
/** Up to this size an all-ASCII message is decoded whole instead of searching for the head's end first. */
const WHOLE_DECODE_MAX = 8192;

/** @internal Result of scanning one message. */
export interface ScanResult {
  message: SipMessage;
  /** Offset just after the message (after its body). */
  end: number;
}

/**
 * Parses one SIP message from `data`. Leading CRLFs (keep-alives) are skipped. Throws
 * {@link SipParseError} on any defect, including limit violations.
 */
export function parseMessage(data: Buffer | string, options?: SipParseOptions): SipMessage {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (options === undefined) return scan(buf, 0, buf.length, SIP_DEFAULT_LIMITS, false, true);
  const msg = scan(buf, 0, buf.length, resolveLimits(options), options.mode === 'stream', true);
  if (options.strict === true) checkStrict(msg);
  return msg;
}

/** Forces the typed views of the core headers so that their first defect throws now. */
function checkStrict(msg: SipMessage): void {
  if (msg.kind === 'request') void msg.requestUri;
  void msg.vias;
  void msg.from;
  void msg.to;
  void msg.cseq;
  void msg.maxForwards;
  void msg.contacts;
  void msg.routes;
  void msg.recordRoutes;
  void msg.contentType;
  void msg.expires;
  const h = msg.headers;
  for (const key of ['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-type']) {
    if (h.linesByKey(key).length > 1) err('SIP_PARSE_HEADER', `more than one ${key} header`, 0);
  }
}

/**
 * Like {@link parseMessage} but also reports where the message ended, so callers can see
 * trailing octets (which datagram mode ignores).
 */
export function parseMessageWithEnd(data: Buffer | string, options?: SipParseOptions): { message: SipMessage; end: number } {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const r = scanMessage(buf, 0, buf.length, resolveLimits(options), options?.mode === 'stream', false);
  if (options?.strict === true) checkStrict(r.message);
  return r;
}

function lcEq(buf: Buffer, a: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[a + i] | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function lcEqStr(s: string, a: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((s.charCodeAt(a + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/**
 * @internal Scans the message at `[start, end)`. `stream` requires Content-Length; `exact`
 * (stream) requires the data to end with the message.
 *
 * The head is decoded to text once, up to the first CRLFCRLF (or to `end` without one), and
 * scanned as a string: native `indexOf` finds line ends and CRs. The text has one code unit per
 * byte, so its offsets are byte offsets: the UTF-8 decoding when every byte maps to one unit
 * (ASCII, or stray invalid bytes each replaced by U+FFFD), else the latin1 decoding, and then
 * values are decoded from the bytes. Either way every ASCII byte reads as itself, which is all
 * the scanner distinguishes.
 */
export function scanMessage(buf: Buffer, start: number, end: number, lim: ResolvedLimits, stream: boolean, exact: boolean): ScanResult {
  const message = scan(buf, start, end, lim, stream, exact);
  return { message, end: scanEnd };
}

/** Where the message read by the last {@link scan} ended (scanning never yields). */
let scanEnd = 0;

/** {@link scanMessage} that leaves the end offset in `scanEnd` instead of allocating a result. */
function scan(buf: Buffer, start: number, end: number, lim: ResolvedLimits, stream: boolean, exact: boolean): SipMessage {
  let p = start;
  while (p < end && (buf[p] === 13 || buf[p] === 10)) p++;
  const base = p;
  if (p >= end) err('SIP_PARSE_EMPTY', 'no message', p);
  if (end - base > lim.maxMessageBytes && !stream) err('SIP_PARSE_LIMIT', 'message too large', base + lim.maxMessageBytes);

  let s = '';
  let aligned = false;
  if (end - base <= WHOLE_DECODE_MAX && base === 0 && end === buf.length) {
    // the usual datagram, decoded whole: one code unit per byte unless it holds multi-byte UTF-8
    // (V8's decoder has an ASCII fast path; cheaper than checking for ASCII first)
    s = (buf as unknown as Utf8Sliceable).utf8Slice(0, end);
    aligned = s.length === end;
  }
  if (!aligned) {
    let dz = end < buf.length ? buf.subarray(base, end).indexOf(CRLFCRLF) : buf.indexOf(CRLFCRLF, base) - base;
    dz = dz < 0 || base + dz + 4 > end ? end : base + dz + 4;
    s = buf.toString('utf8', base, dz);
    aligned = s.length === dz - base;
    if (!aligned) s = buf.toString('latin1', base, dz);
  }
  const L = s.length;
  const endRel = end - base; // `end` in text coordinates (L when the text runs to the end)

  // ---- start line
  let lf = s.indexOf('\n');
  if (lf < 0) err('SIP_PARSE_TRUNCATED', 'start line not terminated', end);
  let lineEnd = lf > 0 && buf[base + lf - 1] === 13 ? lf - 1 : lf;
  if (lineEnd > lim.maxLineBytes) err('SIP_PARSE_LIMIT', 'start line too long', base + lim.maxLineBytes);
  const slEnd = lineEnd;
  let cr = s.indexOf('\r');
  if (cr >= 0 && cr < lineEnd) err('SIP_PARSE_START_LINE', 'bare CR in start line', base + cr);
  if (cr < 0) cr = L;
  p = lf + 1;

  // ---- header lines
  const list = new SipHeaderList();
  let headers = 0;
  let clValue = -1;
  let clSeen = false;
  let lastHeaderStart = -1;
  let headEnd = -1; // offset after the empty line
  let pendName = '';
  let pendKey = '';
  let pendVal = '';
  let pendSlot = 0;
  let pendA = -1;
  let pendZ = 0;
  let pending = false;
  if (aligned) list._src = s;
  while (p < L) {
    const b0 = buf[base + p];
    if (b0 === 13 && p + 1 < L && buf[base + p + 1] === 10) {
      headEnd = p + 2;
      break;
    }
    if (b0 === 10) {
      headEnd = p + 1;
      break;
    }
    // the line ends at the next LF; a CR must be part of CRLF
    if (cr < p) {
      cr = s.indexOf('\r', p);
      if (cr < 0) cr = L;
    }
    lf = s.indexOf('\n', p);
    if (lf < 0) {
      if (cr < L) err('SIP_PARSE_HEADER', 'bare CR in header line', base + cr);
      if (stream) err('SIP_PARSE_TRUNCATED', 'header line not terminated', end);
      lf = L; // datagram without a final line break: take the rest as the last line
      lineEnd = L;
    } else if (cr < lf) {
      if (cr !== lf - 1) err('SIP_PARSE_HEADER', 'bare CR in header line', base + cr);
      lineEnd = cr;
    } else lineEnd = lf;
    if (b0 === 32 || b0 === 9) {
      // folded continuation (RFC 3261 §7.3.1)
      if (lastHeaderStart < 0) err('SIP_PARSE_HEADER', 'continuation line without a header', base + p);
      if (lineEnd - lastHeaderStart > lim.maxLineBytes) err('SIP_PARSE_LIMIT', 'header line too long', base + p);
      let a = p;
      while (a < lineEnd) {
        const c = buf[base + a];
        if (c !== 32 && c !== 9) break;
        a++;
      }
      let z = lineEnd;
      while (z > a) {
        const c = buf[base + z - 1];
        if (c !== 32 && c !== 9) break;
        z--;
      }
      if (z > a) {
        const val = aligned ? s.slice(a, z) : buf.toString('utf8', base + a, base + z);
        pendVal = pendVal.length > 0 ? pendVal + ' ' + val : val;
        pendA = -1;
      }
      p = lf + 1;
      continue;
    }
    if (lineEnd - p > lim.maxLineBytes) err('SIP_PARSE_LIMIT', 'header line too long', base + p + lim.maxLineBytes);
    if (++headers > lim.maxHeaders) err('SIP_PARSE_LIMIT', 'too many headers', base + p);
    lastHeaderStart = p;
    // fast path: the name before the colon is one of the interned spellings (all tokens, so the
    // token scan below would end exactly there)
    let known: KnownName | undefined;
    let nameEnd = -1;
    let q = s.indexOf(':', p);
    if (q > p && q < lineEnd) {
      let ne = q;
      while (ne > p) {
        const d = buf[base + ne - 1];
        if (d !== 32 && d !== 9) break;
        ne--;
      }
      known = knownName(buf, base + p, base + ne);
      if (known !== undefined) nameEnd = ne;
    }
    if (known === undefined) {
      q = p;
      while (q < lineEnd) {
        const c = buf[base + q];
        if (c > 255 || TOKEN[c] !== 1) break;
        q++;
      }
      nameEnd = q;
      if (nameEnd === p) err('SIP_PARSE_HEADER', 'invalid header name', base + p);
      let c = buf[base + q];
      while (q < lineEnd && (c === 32 || c === 9)) c = buf[base + ++q];
      if (q >= lineEnd || c !== 58) err('SIP_PARSE_HEADER', 'header without colon', base + q);
    }
    let c = buf[base + ++q];
    while (q < lineEnd && (c === 32 || c === 9)) c = buf[base + ++q];
    let z = lineEnd;
    while (z > q) {
      const d = buf[base + z - 1];
      if (d !== 32 && d !== 9) break;
      z--;
    }
    if (known !== undefined ? known.contentLength : (nameEnd - p === 14 && lcEqStr(s, p, 'content-length')) || (nameEnd - p === 1 && (b0 | 0x20) === 108)) {
      if (clSeen) err('SIP_PARSE_CONTENT_LENGTH', 'more than one Content-Length', base + p);
      clSeen = true;
      clValue = decimalAt(s, q, z, base, base + p);
    }
    if (pending) {
      list._push(pendName, pendKey, pendVal);
      if (pendSlot !== 0) recordSlot(list, pendSlot, pendA, pendZ);
    }
    if (known !== undefined) {
      pendName = known.name;
      pendKey = known.key;
      pendSlot = known.slot;
    } else {
      pendName = aligned ? s.slice(p, nameEnd) : buf.toString('utf8', base + p, base + nameEnd);
      pendKey = headerKey(pendName);
      pendSlot = slotOf(pendKey);
    }
    pendA = aligned ? q : -1;
    pendZ = z;
    pendVal = aligned ? s.slice(q, z) : buf.toString('utf8', base + q, base + z);
    pending = true;
    p = lf + 1;
  }
  if (pending) {
    list._push(pendName, pendKey, pendVal);
    if (pendSlot !== 0) recordSlot(list, pendSlot, pendA, pendZ);
  }
  if (headEnd < 0) {
    if (stream) err('SIP_PARSE_TRUNCATED', 'header section not terminated', end);
    headEnd = endRel; // datagram whose headers end without the empty line
  }
  headEnd += base;

  // ---- body
  let bodyEnd: number;
  if (clValue >= 0) {
    bodyEnd = headEnd + clValue;
    if (bodyEnd > end) err(stream ? 'SIP_PARSE_TRUNCATED' : 'SIP_PARSE_CONTENT_LENGTH', 'Content-Length exceeds the data', end);
    if (stream && exact && bodyEnd !== end) err('SIP_PARSE_CONTENT_LENGTH', 'data after the message', bodyEnd);
  } else {
    if (stream) err('SIP_PARSE_CONTENT_LENGTH', 'Content-Length required on a stream transport', headEnd);
    bodyEnd = end;
  }
  if (bodyEnd - base > lim.maxMessageBytes) err('SIP_PARSE_LIMIT', 'message too large', base + lim.maxMessageBytes);
  const body = bodyEnd > headEnd ? buf.subarray(headEnd, bodyEnd) : EMPTY;

  const message = startLine(buf, base, base + slEnd, aligned ? s : undefined, base, list, body);
  scanEnd = bodyEnd;
  return message;
}

const EMPTY = Buffer.alloc(0);

function decimalAt(s: string, a: number, z: number, base: number, at: number): number {
  if (a === z || z - a > 9) err('SIP_PARSE_CONTENT_LENGTH', 'invalid Content-Length', at);
  let v = 0;
  for (let i = a; i < z; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) err('SIP_PARSE_CONTENT_LENGTH', 'invalid Content-Length', base + i);
    v = v * 10 + d;
  }
  return v;
}

/** `SIP/` 1*DIGIT `.` 1*DIGIT */
function versionAt(buf: Buffer, a: number, z: number): boolean {
  if (z - a < 7 || !lcEq(buf, a, 'sip/') || buf[a] !== 83 || buf[a + 1] !== 73 || buf[a + 2] !== 80) return false;
  let i = a + 4;
  const d0 = i;
  while (i < z && buf[i] >= 48 && buf[i] <= 57) i++;
  if (i === d0 || i > d0 + 3 || i >= z || buf[i] !== 46) return false;
  i++;
  const d1 = i;
  while (i < z && buf[i] >= 48 && buf[i] <= 57) i++;
  return i === z && i > d1 && i <= d1 + 3;
}

function versionText(buf: Buffer, head: string | undefined, base: number, a: number, z: number): string {
  if (z - a === 7 && buf[a + 4] === 50 && buf[a + 5] === 46 && buf[a + 6] === 48) return 'SIP/2.0';
  return textOf(buf, head, base, a, z);
}

function textOf(buf: Buffer, head: string | undefined, base: number, a: number, z: number): string {
  return head !== undefined ? head.slice(a - base, z - base) : buf.toString('utf8', a, z);
}

function startLine(buf: Buffer, a: number, z: number, head: string | undefined, base: number, list: SipHeaderList, body: Buffer): SipMessage {
  const sp1 = buf.indexOf(32, a);
  if (sp1 < 0 || sp1 >= z || sp1 === a) err('SIP_PARSE_START_LINE', 'malformed start line', a);
  if (buf[a] === 83 && versionAt(buf, a, sp1)) {
    // Status-Line: SIP-Version SP Status-Code SP Reason-Phrase
    const c = sp1 + 1;
    if (z - c < 3) err('SIP_PARSE_STATUS', 'malformed status code', c);
    let status = 0;
    for (let i = c; i < c + 3; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) err('SIP_PARSE_STATUS', 'malformed status code', i);
      status = status * 10 + d;
    }
    if (status < 100 || status > 699) err('SIP_PARSE_STATUS', 'status code out of range', c);
    let reason = '';
    if (c + 3 < z) {
      if (buf[c + 3] !== 32) err('SIP_PARSE_STATUS', 'malformed status code', c + 3);
      reason = textOf(buf, head, base, c + 4, z);
    }
    for (let i = c + 4; i < z; i++) if (buf[i] < 32 && buf[i] !== 9) err('SIP_PARSE_STATUS', 'control character in reason phrase', i);
    const res = new SipResponse(status, reason, list, body);
    res.version = versionText(buf, head, base, a, sp1);
    return res;
  }
  // Request-Line: Method SP Request-URI SP SIP-Version (single spaces, RFC 3261 §7.1)
  for (let i = a; i < sp1; i++) if (TOKEN[buf[i]] !== 1) err('SIP_PARSE_START_LINE', 'invalid method', i);
  const sp2 = buf.indexOf(32, sp1 + 1);
  if (sp2 < 0 || sp2 >= z || sp2 === sp1 + 1) err('SIP_PARSE_START_LINE', 'malformed request line', sp1 + 1);
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = buf[i];
    if (c < 33 || c === 127 || c === 60 || c === 62 || c === 34) err('SIP_PARSE_START_LINE', 'invalid character in Request-URI', i);
  }
  if (!versionAt(buf, sp2 + 1, z)) err('SIP_PARSE_VERSION', 'malformed SIP version', sp2 + 1);
  const req = new SipRequest(textOf(buf, head, base, a, sp1), textOf(buf, head, base, sp1 + 1, sp2), list, body);
  req.version = versionText(buf, head, base, sp2 + 1, z);
  return req;
}
