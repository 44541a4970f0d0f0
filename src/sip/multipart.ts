/** multipart/* bodies (RFC 2046 §5.1) as SIP carries them (RFC 5621): split into parts with their headers. */
import { SipParseError } from './parse-error';
import { headerKey } from './header-names';

/** One body part. */
export interface SipBodyPart {
  /** Part headers in order (names as written, values trimmed). */
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Content-Type of the part (`text/plain` when absent, RFC 2046 §5.1). */
  readonly contentType: string;
  /** Part body bytes (shares memory with the message body). */
  readonly body: Buffer;
}

/**
 * Splits a multipart body on `boundary` (from the Content-Type parameter). Throws
 * `SipParseError` when the delimiters or part headers are malformed.
 */
export function splitMultipartBody(body: Buffer, boundary: string): SipBodyPart[] {
  if (boundary.length === 0 || boundary.length > 70) throw new SipParseError('SIP_PARSE_VALUE', 'invalid multipart boundary', 0);
  const delim = Buffer.from('--' + boundary, 'latin1');
  const parts: SipBodyPart[] = [];
  let at = body.indexOf(delim);
  if (at < 0 || (at > 0 && body[at - 1] !== 10)) throw new SipParseError('SIP_PARSE_VALUE', 'multipart delimiter not found', 0);
  for (;;) {
    let p = at + delim.length;
    if (body[p] === 45 && body[p + 1] === 45) return parts; // close delimiter
    // transport padding, then CRLF
    while (p < body.length && (body[p] === 32 || body[p] === 9)) p++;
    if (body[p] === 13) p++;
    if (body[p] !== 10) throw new SipParseError('SIP_PARSE_VALUE', 'malformed multipart delimiter line', p);
    p++;
    let next = p;
    for (;;) {
      next = body.indexOf(delim, next);
      if (next < 0) throw new SipParseError('SIP_PARSE_VALUE', 'multipart body not closed', p);
      if (body[next - 1] === 10) break;
      next += delim.length;
    }
    // the CRLF before a delimiter belongs to the delimiter
    let end = next - 1;
    if (end > p && body[end - 1] === 13) end--;
    parts.push(parsePart(body.subarray(p, Math.max(p, end)), p));
    at = next;
  }
}

function parsePart(part: Buffer, base: number): SipBodyPart {
  const headers: { name: string; value: string }[] = [];
  let p = 0;
  let contentType = 'text/plain';
  while (p < part.length) {
    if (part[p] === 10) {
      p++;
      return { headers, contentType, body: part.subarray(p) };
    }
    if (part[p] === 13 && part[p + 1] === 10) {
      p += 2;
      return { headers, contentType, body: part.subarray(p) };
    }
    let lf = part.indexOf(10, p);
    if (lf < 0) lf = part.length;
    const line = part.toString('utf8', p, lf > p && part[lf - 1] === 13 ? lf - 1 : lf);
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError('SIP_PARSE_VALUE', 'malformed body part header', base + p);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    headers.push({ name, value });
    if (headerKey(name) === 'content-type') contentType = value.split(';')[0].trim().toLowerCase();
    p = lf + 1;
  }
  // a part with headers only (no blank line) or nothing at all
  return { headers, contentType, body: part.subarray(part.length) };
}
