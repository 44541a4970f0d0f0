/**
 * SIP message model (RFC 3261 §7).
 *
 * API in brief (for the transport/transaction/dialog layers):
 * - `parseMessage(buf | string, opts?)` → `SipRequest | SipResponse` (throws `SipParseError`
 *   with `code` and byte `offset`); `serializeMessage(msg)` → `Buffer` (CRLF, Content-Length
 *   recomputed); `SipStreamFramer` turns TCP/TLS chunks into messages.
 * - `msg.kind` is `'request' | 'response'`. Requests: `method`, `uri` (raw Request-URI text),
 *   `requestUri` (parsed, cached). Responses: `status`, `reason`. Both: `version`, `headers`
 *   (a `SipHeaderList`: `get/first/getAll/lines/has/set/add/prepend/remove/removeFirstValue`,
 *   any name spelling or compact form), `body: Buffer`.
 * - Typed accessors, parsed on first use and cached until that header is changed through
 *   `headers`; `undefined` when the header is absent, `SipParseError` when it is malformed:
 *   `vias`, `topVia`, `from`, `to`, `callId`, `cseq`, `contacts`, `routes`, `recordRoutes`,
 *   `maxForwards`, `contentLength` (declared), `contentType`, `expires`, `require`, `supported`,
 *   and raw lines `wwwAuthenticate`, `proxyAuthenticate`, `authorization`, `proxyAuthorization`.
 * - Builders: `createRequest(method, uri, init)` and `createResponse(request, status, reason?,
 *   init?)` (copies Via lines, From, To, Call-ID, CSeq per §8.2.6; `toTag` adds a To tag).
 *   Formatting helpers that escape their input: `formatNameAddr`, `formatVia`, `formatSipUri`.
 * - `validateMessage(msg)` gives the status a UA/proxy should answer with (400/416/420/…)
 *   for messages that parse but are semantically wrong.
 */
import { MEMO_MISS, SipHeaderError, SipHeaderList } from './header-list';
import * as hv from './header-values';
import * as na from './name-addr';
import type { SipContact, SipNameAddr } from './name-addr';
import { SipParseError } from './parse-error';
import * as uri from './uri';
import type { ParsedUri } from './uri';
import * as via from './via';
import type { SipVia } from './via';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const { firstListCommaTo, parseDecimal, trimWs } = hv;
const { parseContact, parseNameAddr, parseNameAddrAt } = na;
const { parseUri } = uri;
const { parseVia, parseViaAt } = via;

/** CSeq header value. */
export interface SipCSeq {
  /** Sequence number, 0 … 2^31-1. */
  readonly seq: number;
  /** Method, case-sensitive as written. */
  readonly method: string;
}

/** Content-Type split into its parts. */
export interface SipContentType {
  /** `type/subtype`, lower-cased. */
  readonly mediaType: string;
  /** Parameters, lower-case names. */
  readonly params: Map<string, string | null>;
  /** The raw header value. */
  readonly raw: string;
}

const MAX_CSEQ = 0x7fffffff;

function badValue(what: string): never {
  throw new SipParseError('SIP_PARSE_VALUE', `malformed ${what} header`, 0);
}

/** What requests and responses share: headers, body and typed header accessors. */
abstract class SipMessageBase {
  /** Protocol version from the start line, normally `SIP/2.0`. */
  version = 'SIP/2.0';
  /** Header lines in order. */
  readonly headers: SipHeaderList;
  /** Message body (may share memory with the parsed input). */
  body: Buffer;

  constructor(headers?: SipHeaderList, body?: Buffer) {
    this.headers = headers ?? new SipHeaderList();
    this.body = body ?? EMPTY;
  }

  /** All Via elements, top first, across lines. */
  get vias(): SipVia[] {
    const h = this.headers;
    let v = h.memoGet('via') as SipVia[] | typeof MEMO_MISS;
    if (v === MEMO_MISS) h.memoSet('via', (v = h.getAllByKey('via').map(parseVia)));
    return v;
  }

  /** The topmost Via element (parses only that one). */
  get topVia(): SipVia | undefined {
    const h = this.headers;
    let v = h._topVia as SipVia | undefined | typeof MEMO_MISS;
    if (v === MEMO_MISS) {
      const a = h._viaA;
      if (a >= 0) {
        // the first element, read in place in the head (no cut-out string to parse)
        const src = h._src;
        let z = h._viaZ;
        // most Via lines hold one element: a native search rules a comma out first
        const anyComma = src.indexOf(',', a);
        const comma = anyComma < 0 || anyComma >= z ? -1 : firstListCommaTo(src, a, z);
        if (comma >= 0) {
          z = comma;
          while (z > a && (src.charCodeAt(z - 1) === 32 || src.charCodeAt(z - 1) === 9)) z--;
        }
        h._topVia = v = parseViaAt(src, a, z);
      } else {
        const text = h.firstByKey('via');
        h._topVia = v = text === undefined ? undefined : parseVia(text);
      }
    }
    return v;
  }

  /** From header. */
  get from(): SipNameAddr | undefined {
    const h = this.headers;
    let v = h._from as SipNameAddr | undefined | typeof MEMO_MISS;
    if (v === MEMO_MISS) {
      if (h._fromA >= 0) h._from = v = parseNameAddrAt(h._src, h._fromA, h._fromZ);
      else {
        const text = h.getByKey('from');
        h._from = v = text === undefined ? undefined : parseNameAddr(text);
      }
    }
    return v;
  }

  /** To header. */
  get to(): SipNameAddr | undefined {
    const h = this.headers;
    let v = h._to as SipNameAddr | undefined | typeof MEMO_MISS;
    if (v === MEMO_MISS) {
      if (h._toA >= 0) h._to = v = parseNameAddrAt(h._src, h._toA, h._toZ);
      else {
        const text = h.getByKey('to');
        h._to = v = text === undefined ? undefined : parseNameAddr(text);
      }
    }
    return v;
  }

  /** Call-ID (first line). */
  get callId(): string | undefined {
    return this.headers.getByKey('call-id');
  }

  /** CSeq (first line). */
  get cseq(): SipCSeq | undefined {
    const h = this.headers;
    let v = h._cseq as SipCSeq | undefined | typeof MEMO_MISS;
    if (v === MEMO_MISS) {
      const text = h.getByKey('cseq');
      h._cseq = v = text === undefined ? undefined : parseCSeq(text);
    }
    return v;
  }

  /** Contact elements in order (a `*` wildcard appears as `{ star: true }`). */
  get contacts(): SipContact[] {
    return this.headers.memoize('contact', () => this.headers.getAllByKey('contact').map(parseContact));
  }

  /** Route set in order. */
  get routes(): SipNameAddr[] {
    return this.headers.memoize('route', () => this.headers.getAllByKey('route').map(parseNameAddr));
  }

  /** Record-Route set in order. */
  get recordRoutes(): SipNameAddr[] {
    return this.headers.memoize('record-route', () => this.headers.getAllByKey('record-route').map(parseNameAddr));
  }

  /** Max-Forwards. */
  get maxForwards(): number | undefined {
    return this.headers.memoize('max-forwards', () => intHeader(this.headers.getByKey('max-forwards'), MAX_CSEQ, 'Max-Forwards'));
  }

  /** The Content-Length as declared (the body length is `body.length`). */
  get contentLength(): number | undefined {
    return this.headers.memoize('content-length', () => intHeader(this.headers.getByKey('content-length'), MAX_CSEQ, 'Content-Length'));
  }

  /** Content-Type. */
  get contentType(): SipContentType | undefined {
    return this.headers.memoize('content-type', () => {
      const v = this.headers.getByKey('content-type');
      return v === undefined ? undefined : parseContentType(v);
    });
  }

  /** Expires header (delta-seconds). */
  get expires(): number | undefined {
    return this.headers.memoize('expires', () => intHeader(this.headers.getByKey('expires'), 0xffffffff, 'Expires'));
  }

  /** Require option tags. */
  get require(): string[] {
    return this.headers.getAllByKey('require').filter((s) => s.length > 0);
  }

  /** Supported option tags. */
  get supported(): string[] {
    return this.headers.getAllByKey('supported').filter((s) => s.length > 0);
  }

  /** Raw WWW-Authenticate lines (one challenge each). */
  get wwwAuthenticate(): string[] {
    return this.headers.linesByKey('www-authenticate');
  }

  /** Raw Proxy-Authenticate lines. */
  get proxyAuthenticate(): string[] {
    return this.headers.linesByKey('proxy-authenticate');
  }

  /** Raw Authorization lines. */
  get authorization(): string[] {
    return this.headers.linesByKey('authorization');
  }

  /** Raw Proxy-Authorization lines. */
  get proxyAuthorization(): string[] {
    return this.headers.linesByKey('proxy-authorization');
  }
}

const EMPTY = Buffer.alloc(0);

/** A SIP request. */
export class SipRequest extends SipMessageBase {
  /** Discriminant. */
  readonly kind = 'request' as const;
  /** Method, case-sensitive as written (RFC 3261 §7.1). */
  method: string;
  private rawUri: string;
  private parsedUri: ParsedUri | undefined;

  constructor(method: string, uri: string, headers?: SipHeaderList, body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.rawUri = uri;
  }

  /** Request-URI exactly as written. */
  get uri(): string {
    return this.rawUri;
  }

  set uri(v: string) {
    this.rawUri = v;
    this.parsedUri = undefined;
  }

  /** The Request-URI parsed (cached); throws `SipParseError` when malformed. */
  get requestUri(): ParsedUri {
    return (this.parsedUri ??= parseUri(this.rawUri));
  }
}

/** A SIP response. */
export class SipResponse extends SipMessageBase {
  /** Discriminant. */
  readonly kind = 'response' as const;
  /** Status code 100 … 699. */
  status: number;
  /** Reason phrase (may be empty). */
  reason: string;

  constructor(status: number, reason: string, headers?: SipHeaderList, body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }
}

/** A parsed or built SIP message. */
export type SipMessage = SipRequest | SipResponse;

/** Parses a CSeq value `1*DIGIT LWS Method`. */
export function parseCSeq(v: string): SipCSeq {
  const t = trimWs(v);
  let i = 0;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  if (i === 0 || i > 10) badValue('CSeq');
  const seq = Number(t.slice(0, i));
  if (seq > MAX_CSEQ) badValue('CSeq');
  let j = i;
  while (j < t.length && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9)) j++;
  if (j === i || j >= t.length) badValue('CSeq');
  const method = t.slice(j);
  for (let k = 0; k < method.length; k++) {
    const c = method.charCodeAt(k);
    if (c <= 32 || c >= 127) badValue('CSeq');
  }
  return { seq, method };
}

function intHeader(v: string | undefined, max: number, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseDecimal(trimWs(v), max);
  if (n === undefined) badValue(what);
  return n;
}

/** Parses a Content-Type value (`type/subtype;params`). */
export function parseContentType(v: string): SipContentType {
  const semi = v.indexOf(';');
  const mt = trimWs(semi < 0 ? v : v.slice(0, semi)).toLowerCase();
  const slash = mt.indexOf('/');
  if (slash <= 0 || slash === mt.length - 1 || mt.indexOf(' ') >= 0) badValue('Content-Type');
  const params = new Map<string, string | null>();
  if (semi >= 0) {
    for (const p of v.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const k = trimWs(eq < 0 ? p : p.slice(0, eq)).toLowerCase();
      if (k.length === 0) badValue('Content-Type');
      let val: string | null = eq < 0 ? null : trimWs(p.slice(eq + 1));
      if (val !== null && val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
      params.set(k, val);
    }
  }
  return { mediaType: mt, params, raw: v };
}

/** Default reason phrases (RFC 3261 §21 and common extensions). */
export const SIP_REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required', 422: 'Session Interval Too Small',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large', 580: 'Precondition Failure',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** Extra headers: a record or ordered pairs. */
export type SipHeaderInit = Record<string, string> | Iterable<readonly [string, string]>;

/** Inputs of {@link createRequest}. Header values are used verbatim (build them with `formatNameAddr` etc.). */
export interface SipRequestInit {
  /** From header value, including its tag. */
  from: string;
  /** To header value. */
  to: string;
  callId: string;
  /** CSeq number; the method is the request's. */
  cseq: number;
  /** Via values, top first (one line each). The transaction layer usually adds it. */
  via?: string | readonly string[];
  /** Max-Forwards (default 70; `null` omits the header). */
  maxForwards?: number | null;
  contact?: string;
  /** Route values in order (one line each). */
  route?: readonly string[];
  headers?: SipHeaderInit;
  body?: Buffer | string;
  /** Content-Type for the body. */
  contentType?: string;
}

function addAll(h: SipHeaderList, extra: SipHeaderInit | undefined): void {
  if (!extra) return;
  const pairs = Symbol.iterator in extra ? (extra as Iterable<readonly [string, string]>) : Object.entries(extra as Record<string, string>);
  for (const [k, v] of pairs) h.add(k, v);
}

function checkToken(s: string, what: string): void {
  if (s.length === 0) throw new SipHeaderError(`empty ${what}`);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127) throw new SipHeaderError(`invalid character in ${what} at ${i}`);
  }
}

/** Builds a request with the mandatory headers of RFC 3261 §8.1.1 in the conventional order. */
export function createRequest(method: string, uri: string, init: SipRequestInit): SipRequest {
  checkToken(method, 'method');
  checkToken(uri, 'Request-URI');
  if (uri.includes('<') || uri.includes('>')) throw new SipHeaderError('Request-URI must not be enclosed in <>');
  if (!Number.isInteger(init.cseq) || init.cseq < 0 || init.cseq > MAX_CSEQ) throw new SipHeaderError('CSeq out of range');
  const h = new SipHeaderList();
  if (init.via !== undefined) for (const v of typeof init.via === 'string' ? [init.via] : init.via) h.add('Via', v);
  if (init.maxForwards !== null) h.add('Max-Forwards', String(init.maxForwards ?? 70));
  if (init.route) for (const r of init.route) h.add('Route', r);
  h.add('From', init.from);
  h.add('To', init.to);
  h.add('Call-ID', init.callId);
  h.add('CSeq', `${init.cseq} ${method}`);
  if (init.contact !== undefined) h.add('Contact', init.contact);
  addAll(h, init.headers);
  const body = toBody(init.body);
  if (init.contentType !== undefined) h.set('Content-Type', init.contentType);
  return new SipRequest(method, uri, h, body);
}

/** Inputs of {@link createResponse}. */
export interface SipResponseInit {
  /** Adds `;tag=` to To when the request's To has none (RFC 3261 §8.2.6.2). */
  toTag?: string;
  contact?: string;
  headers?: SipHeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/**
 * Builds a response to `request` (RFC 3261 §8.2.6): copies every Via line in order, From, To,
 * Call-ID and CSeq (and Timestamp for 100). `reason` defaults to the standard phrase.
 */
export function createResponse(request: SipRequest, status: number, reason?: string, init: SipResponseInit = {}): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new SipHeaderError('status out of range');
  const phrase = reason ?? SIP_REASON_PHRASES[status] ?? '';
  for (let i = 0; i < phrase.length; i++) {
    const c = phrase.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) throw new SipHeaderError('line break in reason phrase');
  }
  const src = request.headers;
  const h = new SipHeaderList();
  for (const v of src.linesByKey('via')) h.add('Via', v);
  const from = src.getByKey('from');
  if (from !== undefined) h.add('From', from);
  let to = src.getByKey('to');
  if (to !== undefined) {
    if (init.toTag !== undefined && request.to?.tag === undefined) {
      checkToken(init.toTag, 'To tag');
      to += `;tag=${init.toTag}`;
    }
    h.add('To', to);
  }
  const callId = src.getByKey('call-id');
  if (callId !== undefined) h.add('Call-ID', callId);
  const cseq = src.getByKey('cseq');
  if (cseq !== undefined) h.add('CSeq', cseq);
  if (status === 100) {
    const ts = src.getByKey('timestamp');
    if (ts !== undefined) h.add('Timestamp', ts);
  }
  if (init.contact !== undefined) h.add('Contact', init.contact);
  addAll(h, init.headers);
  const res = new SipResponse(status, phrase, h, toBody(init.body));
  if (init.contentType !== undefined) h.set('Content-Type', init.contentType);
  return res;
}

function toBody(b: Buffer | string | undefined): Buffer {
  if (b === undefined) return EMPTY;
  if (typeof b !== 'string') return b;
  // Not from Node's shared 8 KiB pool: a body lives as long as its call, and a pooled slice would
  // keep the whole slab alive with it (measured ~KiB per call with hundreds of calls up).
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(b, 'utf8'));
  out.write(b, 'utf8');
  return out;
}

