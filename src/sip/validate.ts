/**
 * Semantic checks a UA/registrar applies after a message has parsed (RFC 3261 §8.2, §10.3,
 * §8.1.3.3; RFC 4475 §3.1.2, §3.3): which status to answer with, or that a response is to be
 * discarded. Pure: no state, no I/O.
 */
import type { SipMessage, SipRequest, SipResponse } from './message';
import { SipParseError } from './parse-error';
import { isSipUri, isTelUri, parseUri, type ParsedUri } from './uri';

/** Result of {@link validateMessage}. */
export type SipValidationResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Status to answer a request with, or `'discard'` for a response to drop. */
      readonly status: number | 'discard';
      /** Human-readable reason (never echoes header values). */
      readonly reason: string;
      /** The header (lower-case full name) at fault, when there is one. */
      readonly header?: string;
    };

/** What the receiving element supports. */
export interface SipValidationOptions {
  /** Methods the element implements (others → 501). Default: the RFC 3261 methods plus common extensions. */
  methods?: readonly string[];
  /** Option tags the element supports (a Require outside these → 420). Default none. */
  supported?: readonly string[];
  /** Body types the element understands (others → 415). Default `application/sdp`, `multipart/mixed`, `text/plain`. */
  acceptedBodyTypes?: readonly string[];
  /** Body types the element produces in answers (an Accept excluding all of them → 406 for INVITE/OPTIONS). Default `application/sdp`. */
  producedBodyTypes?: readonly string[];
}

const DEFAULT_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'];
const DEFAULT_ACCEPTED = ['application/sdp', 'multipart/mixed', 'text/plain'];
const DEFAULT_PRODUCED = ['application/sdp'];

/** Headers that may appear at most once (RFC 3261 §7.3.1: not a comma list). */
const SINGLE = ['call-id', 'cseq', 'max-forwards', 'from', 'to', 'content-length', 'content-type', 'expires'];

type Failure = Exclude<SipValidationResult, { ok: true }>;
const OK: SipValidationResult = Object.freeze({ ok: true });

function fail(status: number | 'discard', reason: string, header?: string): Failure {
  return header === undefined ? { ok: false, status, reason } : { ok: false, status, reason, header };
}

/** Runs `fn`; a `SipParseError` becomes a failure for `header`. */
function check(fn: () => unknown, status: number | 'discard', header: string): Failure | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof SipParseError) return fail(status, `malformed ${header}`, header);
    throw e;
  }
}

/**
 * Validates a parsed message as a UA (and, for REGISTER, a registrar) would. Requests map to
 * the status to answer with (400, 416, 420, 415, 406, 501, 505); responses that a UAC must not
 * process map to `'discard'`.
 */
export function validateMessage(msg: SipMessage, options: SipValidationOptions = {}): SipValidationResult {
  return msg.kind === 'request' ? validateRequest(msg, options) : validateResponse(msg);
}

/** Structural checks shared by requests and responses. */
function commonChecks(msg: SipMessage, status: number | 'discard'): Failure | undefined {
  const h = msg.headers;
  for (const key of ['via', 'from', 'to', 'call-id', 'cseq']) if (!h.has(key)) return fail(status, `missing ${key}`, key);
  for (const key of SINGLE) if (h.linesByKey(key).length > 1) return fail(status, `more than one ${key}`, key);
  return (
    check(() => msg.vias, status, 'via') ??
    check(() => msg.from, status, 'from') ??
    check(() => msg.to, status, 'to') ??
    check(() => msg.cseq, status, 'cseq') ??
    check(() => msg.maxForwards, status, 'max-forwards') ??
    check(() => msg.contacts, status, 'contact') ??
    check(() => msg.routes, status, 'route') ??
    check(() => msg.recordRoutes, status, 'record-route') ??
    check(() => msg.contentType, status, 'content-type') ??
    check(() => msg.expires, status, 'expires') ??
    check(() => checkDate(h.getByKey('date')), status, 'date') ??
    check(() => checkAddressUri(msg.from!.uri), status, 'from') ??
    check(() => checkAddressUri(msg.to!.uri), status, 'to') ??
    check(() => msg.contacts.forEach((c) => (c.star ? undefined : checkAddressUri(c.uri))), status, 'contact') ??
    (msg.callId!.length === 0 ? fail(status, 'empty call-id', 'call-id') : undefined)
  );
}

function validateRequest(req: SipRequest, o: SipValidationOptions): SipValidationResult {
  if (req.version !== 'SIP/2.0') return fail(505, 'unsupported SIP version');
  let ruri: ParsedUri;
  try {
    ruri = req.requestUri;
  } catch {
    return fail(400, 'malformed Request-URI');
  }
  const common = commonChecks(req, 400);
  if (common) return common;
  if ((req.maxForwards ?? 0) > 255) return fail(400, 'max-forwards out of range', 'max-forwards');
  const cseq = req.cseq!;
  if (cseq.method !== req.method) {
    // an unknown method is the more specific complaint (RFC 4475 §3.1.2.17)
    if (!(o.methods ?? DEFAULT_METHODS).includes(req.method)) return fail(501, 'method not implemented');
    return fail(400, 'CSeq method does not match the request method', 'cseq');
  }
  const branch = req.topVia!.branch;
  if (branch === 'z9hG4bK') return fail(400, 'Via branch has the magic cookie but no identifier', 'via');
  if (!isSipUri(ruri) && !isTelUri(ruri)) return fail(416, 'unsupported Request-URI scheme');
  if (isSipUri(ruri) && ruri.headers.size > 0) return fail(400, 'headers are not allowed in a Request-URI');
  if (!(o.methods ?? DEFAULT_METHODS).includes(req.method)) return fail(501, 'method not implemented');
  if (req.method === 'REGISTER') {
    // RFC 3261 §10.3 step 4 via §10.2: the To of a REGISTER is the AOR, a SIP or SIPS URI
    const to = parseUri(req.to!.uri);
    if (!isSipUri(to)) return fail(400, 'To of a REGISTER must be a SIP or SIPS URI', 'to');
  }
  const supported = o.supported ?? [];
  for (const tag of req.require) if (!supported.includes(tag)) return fail(420, 'unsupported extension required', 'require');
  if (req.body.length > 0) {
    const ct = req.contentType;
    if (ct === undefined) return fail(400, 'body without Content-Type', 'content-type');
    if (!(o.acceptedBodyTypes ?? DEFAULT_ACCEPTED).includes(ct.mediaType)) return fail(415, 'unsupported body type', 'content-type');
  }
  if (req.method === 'INVITE' || req.method === 'OPTIONS') {
    const accept = req.headers.getAllByKey('accept');
    if (req.headers.has('accept') && !acceptsAny(accept, o.producedBodyTypes ?? DEFAULT_PRODUCED)) {
      return fail(406, 'no acceptable body type', 'accept');
    }
  }
  return OK;
}

function validateResponse(res: SipResponse): SipValidationResult {
  if (res.version !== 'SIP/2.0') return fail('discard', 'unsupported SIP version');
  const common = commonChecks(res, 'discard');
  if (common) return common;
  // RFC 3261 §8.1.3.3: a response for a UAC carries exactly one Via
  if (res.vias.length !== 1) return fail('discard', 'response with more than one Via', 'via');
  return OK;
}

function acceptsAny(accept: string[], produced: readonly string[]): boolean {
  if (accept.length === 0) return true; // `Accept:` with an empty value: no body acceptable, but none needed
  for (const a of accept) {
    const mt = a.split(';')[0].trim().toLowerCase();
    if (mt === '*/*') return true;
    for (const p of produced) if (mt === p || (mt.endsWith('/*') && p.startsWith(mt.slice(0, -1)))) return true;
  }
  return false;
}

/** From/To/Contact URIs must be absolute URIs; sip/sips must parse fully. */
function checkAddressUri(uri: string): void {
  parseUri(uri);
}

const WKDAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3261 §25.1 SIP-date = rfc1123-date: `Wkd, DD Mon YYYY HH:MM:SS GMT`. */
function checkDate(v: string | undefined): void {
  if (v === undefined) return;
  const bad = (): never => {
    throw new SipParseError('SIP_PARSE_VALUE', 'malformed Date', 0);
  };
  const m = /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (!m || !WKDAY.includes(m[1]) || !MONTH.includes(m[3])) bad();
  if (Number(m![2]) > 31 || Number(m![5]) > 23 || Number(m![6]) > 59 || Number(m![7]) > 60) bad();
}
