/**
 * Header name knowledge: compact forms (RFC 3261 §7.3.3 and later RFCs), the canonical spelling
 * used when sipprobe creates a header, and which headers are comma-separated lists.
 */

/** Compact letter → full lower-case name. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

/**
 * Headers whose grammar is a comma-separated list (`#` / `1#` in RFC 3261 §25 and extensions).
 * Only these are split on commas: Date, WWW-Authenticate, Authorization and unknown headers
 * carry commas inside a single value.
 */
const LIST_HEADERS = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'call-info',
  'error-info',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'allow-events',
  'path',
  'service-route',
  'reason',
  'p-asserted-identity',
  'p-preferred-identity',
  'history-info',
  'accept-contact',
  'reject-contact',
  'request-disposition',
  'security-client',
  'security-server',
  'security-verify',
]);

/** Lower-case full name for any spelling of a header name, compact forms expanded. */
export function headerKey(name: string): string {
  if (name.length === 1) {
    const lower = name.toLowerCase();
    return COMPACT[lower] ?? lower;
  }
  return name.toLowerCase();
}

/** The conventional spelling of a header (`call-id` → `Call-ID`, `x-run-id` → `X-Run-Id`). */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const special = CANONICAL[key];
  if (special !== undefined) return special;
  let out = '';
  let upper = true;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

/** True when `key` (from {@link headerKey}) is a comma-separated list header. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
