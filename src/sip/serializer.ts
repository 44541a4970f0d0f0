/** Message → bytes: start line, headers in their stored order, CRLF line ends, Content-Length recomputed. */
import type { SipMessage } from './message';

/**
 * Serializes `msg`. The Content-Length line (any spelling, incl. `l`) is rewritten in place to
 * the body length; if there is none, `Content-Length` is appended after the other headers.
 * Header text was validated when it was set, so nothing here can break the framing.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let s = msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  const h = msg.headers;
  const len = String(msg.body.length);
  let sawLength = false;
  for (let i = 0; i < h.size; i++) {
    if (h.keyAt(i) === 'content-length') {
      if (sawLength) continue;
      sawLength = true;
      s += h.nameAt(i) + ': ' + len + '\r\n';
    } else s += h.nameAt(i) + ': ' + h.valueAt(i) + '\r\n';
  }
  if (!sawLength) s += 'Content-Length: ' + len + '\r\n';
  s += '\r\n';
  const headBytes = Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + msg.body.length);
  out.write(s, 0, 'utf8');
  msg.body.copy(out, headBytes);
  return out;
}
