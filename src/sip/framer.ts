/**
 * Stream framing for TCP/TLS (RFC 3261 §18.3): messages are delimited by Content-Length, which
 * is therefore mandatory; CRLF keep-alives between messages are skipped (RFC 5626 §4.4.1).
 */
import { SipParseError } from './parse-error';
import type { SipMessage } from './message';
import { resolveLimits, scanMessage, type ResolvedLimits, type SipParseLimits } from './parser';

/** Options of {@link SipStreamFramer}. */
export interface SipStreamFramerOptions extends SipParseLimits {
  /** Most bytes held while waiting for the rest of a message. Default: `maxMessageBytes`. */
  maxBufferedBytes?: number;
}

/**
 * Incremental parser for one byte stream. Feed it chunks with {@link push}; it returns the
 * complete messages found so far (zero, one or several) and keeps any partial message. After a
 * `SipParseError` the stream cannot be resynchronised: the connection should be closed.
 */
export class SipStreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly lim: ResolvedLimits;
  private readonly maxBuffered: number;
  // offset in `buf` up to which no end of header section was found (avoids rescanning)
  private scanned = 0;
  private failed: SipParseError | undefined;
  /** Number of CRLF keep-alive sequences skipped so far (a peer's ping to answer with CRLF). */
  keepAlives = 0;

  constructor(options?: SipStreamFramerOptions) {
    this.lim = resolveLimits(options);
    this.maxBuffered = options?.maxBufferedBytes ?? this.lim.maxMessageBytes;
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  /**
   * Adds a chunk; returns every message it completes. Throws `SipParseError` on malformed or
   * oversize input. With `raws`, each returned message's exact bytes are appended to it (same
   * order): views of a buffer the framer never writes again (each chunk is copied in), so they
   * stay valid without a copy.
   */
  push(chunk: Buffer, raws?: Buffer[]): SipMessage[] {
    if (this.failed) throw this.failed;
    try {
      return this.drain(chunk, raws);
    } catch (e) {
      if (e instanceof SipParseError) this.failed = e;
      this.buf = Buffer.alloc(0);
      throw e;
    }
  }

  /** Drops any buffered bytes (e.g. when the connection closes). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.scanned = 0;
    this.failed = undefined;
  }

  private drain(chunk: Buffer, raws: Buffer[] | undefined): SipMessage[] {
    // copy: the caller may reuse its chunk, and bodies we return point into this buffer
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: SipMessage[] = [];
    let buf = this.buf;
    let p = 0;
    for (;;) {
      // keep-alives: "\r\n\r\n" pings and "\r\n" pongs between messages
      let k = p;
      while (k < buf.length && (buf[k] === 13 || buf[k] === 10)) k++;
      if (k > p) {
        this.keepAlives += countCrlf(buf, p, k);
        p = k;
        this.scanned = Math.max(this.scanned, p);
      }
      if (p >= buf.length) break;
      const headEnd = this.findHeadEnd(buf, p);
      if (headEnd < 0) {
        if (buf.length - p > this.maxBuffered) throw new SipParseError('SIP_PARSE_LIMIT', 'header section exceeds the buffer bound', p);
        break;
      }
      if (headEnd - p > this.lim.maxMessageBytes) throw new SipParseError('SIP_PARSE_LIMIT', 'message too large', p);
      const cl = contentLengthOf(buf, p, headEnd);
      if (cl < 0) throw new SipParseError('SIP_PARSE_CONTENT_LENGTH', 'Content-Length required on a stream transport', p);
      const total = headEnd - p + cl;
      if (total > this.lim.maxMessageBytes || total > this.maxBuffered) throw new SipParseError('SIP_PARSE_LIMIT', 'message too large', p);
      if (buf.length - p < total) break;
      const { message } = scanMessage(buf, p, p + total, this.lim, true, true);
      out.push(message);
      raws?.push(buf.subarray(p, p + total));
      p += total;
      this.scanned = p;
    }
    if (p > 0) {
      // messages already returned keep referencing the old buffer; the remainder gets its own
      this.buf = p >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(p));
      this.scanned = Math.max(0, this.scanned - p);
    }
    buf = this.buf;
    return out;
  }

  /** Offset after the empty line ending the header section starting at `p`, or -1. */
  private findHeadEnd(buf: Buffer, p: number): number {
    let i = Math.max(p, this.scanned - 3);
    for (;;) {
      const lf = buf.indexOf(10, i);
      if (lf < 0) {
        this.scanned = buf.length;
        return -1;
      }
      if (lf + 1 < buf.length && buf[lf + 1] === 10) return lf + 2;
      if (lf + 2 < buf.length && buf[lf + 1] === 13 && buf[lf + 2] === 10) return lf + 3;
      if (lf + 2 >= buf.length) {
        this.scanned = lf;
        return -1;
      }
      i = lf + 1;
    }
  }
}

function countCrlf(buf: Buffer, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) if (buf[i] === 10) n++;
  return n;
}

/** The declared Content-Length in the head `[a, z)`, -1 if absent. Malformed values are left to the parser. */
function contentLengthOf(buf: Buffer, a: number, z: number): number {
  let p = a;
  while (p < z) {
    let lf = buf.indexOf(10, p);
    if (lf < 0 || lf >= z) lf = z;
    const b0 = buf[p] | 0x20;
    if (b0 === 0x6c /* l */ || b0 === 0x63 /* c */) {
      let q = p;
      while (q < lf && buf[q] !== 58 && buf[q] !== 32 && buf[q] !== 9) q++;
      const nl = q - p;
      // "l" is the compact form of Content-Length; "c" is Content-Type's (RFC 3261 §7.3.3)
      if ((nl === 1 && b0 === 0x6c) || (nl === 14 && buf.toString('latin1', p, q).toLowerCase() === 'content-length')) {
        while (q < lf && (buf[q] === 32 || buf[q] === 9)) q++;
        if (buf[q] === 58) {
          q++;
          while (q < lf && (buf[q] === 32 || buf[q] === 9)) q++;
          let v = 0;
          let digits = 0;
          while (q < lf && buf[q] >= 48 && buf[q] <= 57 && digits < 10) {
            v = v * 10 + buf[q] - 48;
            q++;
            digits++;
          }
          if (digits > 0) return v;
          return 0; // malformed: let the full parser report it
        }
      }
    }
    p = lf + 1;
  }
  return -1;
}
