/**
 * After a parse failure: recover just enough of a request to answer it with 400 (RFC 3261
 * §8.2.6 needs Via, From, To, Call-ID and CSeq copied). Pure function over the raw bytes.
 */
import { SipHeaderList } from '../header-list';
import { headerKey } from '../header-names';
import { SipRequest } from '../message';
import { parseVia } from '../via';

const NEEDED = ['via', 'from', 'to', 'call-id', 'cseq'];
const REQUEST_LINE = /^([!%'*+\-.0-9A-Z_`a-z~]+) ([^ \t]+) SIP\/2\.0$/;
const HEADER_LINE = /^([!%'*+\-.0-9A-Z_`a-z~]+)[ \t]*:[ \t]*(.*?)[ \t]*$/;
/** Bound on the bytes looked at, so hostile input cannot make this expensive. */
const MAX_HEAD = 16384;

/**
 * Returns a request holding the start line and the five headers a response copies, or
 * undefined when any of them is missing or unusable, or when the message is a response or an
 * ACK (which is never answered).
 */
export function salvageSipRequestHead(data: Buffer): SipRequest | undefined {
  let start = 0;
  while (start < data.length && (data[start] === 13 || data[start] === 10)) start++;
  const text = data.toString('latin1', start, Math.min(data.length, start + MAX_HEAD));
  const blank = text.search(/\r?\n\r?\n/);
  const head = blank >= 0 ? text.slice(0, blank) : text;
  const lines = head.split(/\r?\n/);
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (!m || m[1] === 'ACK') return undefined;
  const headers = new SipHeaderList();
  const seen = new Set<string>();
  let last: { name: string; value: string } | undefined;
  const flush = (): boolean => {
    if (!last) return true;
    const key = headerKey(last.name);
    if (NEEDED.includes(key)) {
      if (key !== 'via' && seen.has(key)) return false; // ambiguous: do not guess which one
      try {
        headers.add(last.name, last.value);
      } catch {
        return false;
      }
      seen.add(key);
    }
    last = undefined;
    return true;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last.value += ' ' + line.trim();
      continue;
    }
    if (!flush()) return undefined;
    const h = HEADER_LINE.exec(line);
    if (h) last = { name: h[1], value: h[2] };
  }
  if (!flush()) return undefined;
  for (const k of NEEDED) if (!seen.has(k)) return undefined;
  let req: SipRequest;
  try {
    req = new SipRequest(m[1], m[2], headers);
    const v = req.topVia;
    if (!v) return undefined;
    parseVia(headers.firstByKey('via') ?? '');
  } catch {
    return undefined;
  }
  return req;
}
