/**
 * The pcap of one call: every SIP message and RTP/RTCP datagram as sent or received, stamped
 * with the wall clock when it was handed to or taken from a socket. SIP over TLS is written as
 * its plaintext over TCP (the capture is for reading the call, not for replaying TLS).
 *
 * Digest credentials are redacted by default: in every `Authorization` / `Proxy-Authorization`
 * header the `response` value is overwritten with `x` characters of the same length. The user
 * name, nonce, realm and response together would let anyone holding the file guess the password
 * offline (MD5 without qop is one hash per guess), so the file never holds the response. Only
 * those bytes change: the message length, Content-Length, TCP sequence numbers and the way
 * Wireshark/tshark parse the header stay as on the wire. `redactDigest: false` keeps the bytes
 * as sent (e.g. to debug a digest interop problem with a throwaway password).
 */
import { performance } from 'node:perf_hooks';
import { SipprobeError } from '../errors';
import { PcapWriteError, PcapWriter, type PcapEndpoint } from '../pcap';
import type { RtpEndpoint, RtpPacketTap } from '../rtp/session';
import { serializeMessage } from '../sip/serializer';
import type { SipTraceEvent } from '../sip/user-agent';

/** Options of {@link CallCapture.open}. */
export interface CallCaptureOptions {
  /** Wall clock in microseconds since the Unix epoch (tests); default the system clock with µs resolution. */
  nowUs?: () => number;
  /** Overwrite digest `response` values with `x` (same length; see the module notes). Default true. */
  redactDigest?: boolean;
}

/** Most packets that may fail framing before the capture stops noting each one. */
const MAX_NOTES = 5;

function systemNowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

function reason(e: unknown): string {
  if (e instanceof SipprobeError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Whether the message may carry digest credentials (cheap check before scanning bytes). */
function carriesCredentials(ev: SipTraceEvent): boolean {
  try {
    return ev.message.headers.has('authorization') || ev.message.headers.has('proxy-authorization');
  } catch {
    return true; // unreadable: let the byte scan decide
  }
}

const AUTH_NAMES = ['authorization', 'proxy-authorization'];
const RESPONSE = 'response';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Whether `buf[from, to)` equals the lower-case ASCII `word`, ignoring case. */
function equalsIgnoreCase(buf: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[from + i] | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The SIP message `data` with the `response` value of every Digest `Authorization` /
 * `Proxy-Authorization` header overwritten with `x` (quotes kept, same length); every other
 * byte as it was. Returns `data` itself when there is nothing to redact, else a copy. Header
 * fields folded over several lines are followed; `response=` inside another parameter's quoted
 * value is not a parameter and stays; the body is not looked at. Never throws.
 */
export function redactDigestResponses(data: Uint8Array): Uint8Array {
  const buf = data;
  const n = buf.length;
  let out: Uint8Array | undefined;
  // the first line is the start line; fields follow until an empty line
  let line = buf.indexOf(0x0a) + 1;
  while (line > 0 && line < n) {
    // the field ends at the first line end not followed by SP/HT (folding, RFC 3261 §7.3.1)
    let end = line;
    for (;;) {
      const lf = buf.indexOf(0x0a, end);
      if (lf < 0) {
        end = n;
        break;
      }
      end = lf + 1;
      if (end >= n || (buf[end] !== 0x20 && buf[end] !== 0x09)) break;
    }
    const first = buf[line];
    if (first === 0x0d || first === 0x0a) break; // the empty line before the body
    // bounded by the field: a search to the end of the message for every line would be quadratic
    let colon = line;
    while (colon < end && buf[colon] !== 0x3a) colon++;
    if (colon > line && colon < end) {
      let nameEnd = colon;
      while (nameEnd > line && (buf[nameEnd - 1] === 0x20 || buf[nameEnd - 1] === 0x09)) nameEnd--;
      if (AUTH_NAMES.some((w) => equalsIgnoreCase(buf, line, nameEnd, w))) out = redactField(buf, colon + 1, end, out);
    }
    line = end;
  }
  return out ?? data;
}

/** Redacts the `response` parameter values in one credentials value `buf[i, end)`; copies `buf` into `out` on the first change. */
function redactField(buf: Uint8Array, i: number, end: number, out: Uint8Array | undefined): Uint8Array | undefined {
  while (i < end) {
    while (i < end && (isSpace(buf[i]) || buf[i] === 0x2c)) i++;
    const nameStart = i;
    while (i < end && !isSpace(buf[i]) && buf[i] !== 0x3d && buf[i] !== 0x2c && buf[i] !== 0x22) i++;
    const nameEnd = i;
    let j = i;
    while (j < end && isSpace(buf[j])) j++;
    if (j >= end || buf[j] !== 0x3d) {
      // a scheme name ("Digest") or a stray token: no value follows
      if (nameEnd === nameStart) i++;
      else i = j;
      continue;
    }
    j++;
    while (j < end && isSpace(buf[j])) j++;
    let from: number;
    let to: number;
    if (buf[j] === 0x22) {
      from = j + 1;
      to = from;
      while (to < end && buf[to] !== 0x22) to += buf[to] === 0x5c ? 2 : 1;
      to = Math.min(to, end);
      i = to + 1;
    } else {
      from = j;
      to = j;
      while (to < end && !isSpace(buf[to]) && buf[to] !== 0x2c) to++;
      i = to;
    }
    if (to > from && equalsIgnoreCase(buf, nameStart, nameEnd, RESPONSE)) {
      out ??= new Uint8Array(buf);
      out.fill(0x78, from, to);
    }
  }
  return out;
}

/**
 * Our end of a traced SIP message: the flow the trace names (an IP, even when the Contact
 * advertises a host name). TCP/TLS report the same address for sends and receipts on one
 * connection (the listener when listening, else the connection's own port), so one connection
 * stays one TCP stream in the capture. `given` only for events without a usable `local`.
 */
function flowLocal(ev: SipTraceEvent, given: PcapEndpoint): PcapEndpoint {
  const l = ev.local;
  if (!l || l.port === 0 || l.address === '0.0.0.0' || l.address === '::') return given;
  return { address: l.address, port: l.port };
}

/**
 * Collects a call's packets into a pcap file via {@link PcapWriter}: the file appears only when
 * {@link finish} completes it, and a write failure discards it (never half a file). Capturing
 * never throws into the call: problems become {@link notes}.
 */
export class CallCapture {
  /** Packets written. */
  packets = 0;
  /** Packets that could not be written (e.g. an address that is not an IP). */
  skipped = 0;
  readonly #writer: PcapWriter;
  readonly #nowUs: () => number;
  readonly #redact: boolean;
  readonly #notes: string[] = [];
  #failed = false;
  #done = false;

  private constructor(writer: PcapWriter, nowUs: () => number, redact: boolean) {
    this.#writer = writer;
    this.#nowUs = nowUs;
    this.#redact = redact;
  }

  /** Creates the temporary capture file beside `path`. @throws PcapWriteError when it cannot be created. */
  static async open(path: string, options: CallCaptureOptions = {}): Promise<CallCapture> {
    return new CallCapture(await PcapWriter.open(path), options.nowUs ?? systemNowUs, options.redactDigest !== false);
  }

  /** Final path of the capture. */
  get path(): string {
    return this.#writer.path;
  }

  /** What went wrong while capturing (empty when every packet was written). */
  get notes(): readonly string[] {
    return this.#notes;
  }

  /**
   * One SIP message from the user agent's trace: the bytes as sent or received when the trace
   * has them (`raw`; the built-in transports always do), else the message serialized again,
   * digest `response` values redacted (a copy: the trace's bytes are left alone); our end is
   * the trace's `local`, else `local` (our SIP address for the transport).
   */
  sip(ev: SipTraceEvent, local: PcapEndpoint): void {
    if (this.#done || this.#failed) return;
    let payload: Uint8Array;
    try {
      payload = ev.raw ?? serializeMessage(ev.message);
      if (this.#redact && carriesCredentials(ev)) payload = redactDigestResponses(payload);
    } catch (e) {
      this.#skip(e);
      return;
    }
    local = flowLocal(ev, local);
    const remote = { address: ev.remote.address, port: ev.remote.port };
    const out = ev.direction === 'out';
    this.#write(ev.protocol === 'udp' ? 'udp' : 'tcp', out ? local : remote, out ? remote : local, payload);
  }

  /** The RTP/RTCP hook for the call's media sessions. */
  readonly rtp: RtpPacketTap = (direction: 'sent' | 'received', data: Uint8Array, local: RtpEndpoint, remote: RtpEndpoint): void => {
    if (this.#done || this.#failed) return;
    const sent = direction === 'sent';
    // the framer copies the payload synchronously, so the session's reused buffer is safe
    this.#write('udp', sent ? local : remote, sent ? remote : local, data);
  };

  #write(protocol: 'udp' | 'tcp', src: PcapEndpoint, dst: PcapEndpoint, payload: Uint8Array): void {
    try {
      this.#writer.write({ timeUs: this.#nowUs(), protocol, src: { address: src.address, port: src.port }, dst: { address: dst.address, port: dst.port }, payload });
      this.packets++;
    } catch (e) {
      // a disk error ends the capture; a packet the framer refuses is only skipped
      if (e instanceof PcapWriteError) {
        this.#failed = true;
        this.#notes.push(`PCAP_FAILED: ${reason(e)}`);
      } else this.#skip(e);
    }
  }

  #skip(e: unknown): void {
    this.skipped++;
    if (this.#notes.length < MAX_NOTES) this.#notes.push(`PCAP_PACKET_SKIPPED: ${reason(e)}`);
  }

  /**
   * Completes the file (synced, renamed into place), or discards it when writing failed.
   * Resolves with true when the capture is at {@link path}; never rejects.
   */
  async finish(): Promise<boolean> {
    if (this.#done) return false;
    this.#done = true;
    if (this.#failed) {
      await this.#writer.abort();
      return false;
    }
    try {
      await this.#writer.close();
      return true;
    } catch (e) {
      this.#notes.push(`PCAP_FAILED: ${reason(e)}`);
      await this.#writer.abort();
      return false;
    }
  }

  /** Discards the capture: nothing appears at {@link path}. */
  async abort(): Promise<void> {
    this.#done = true;
    await this.#writer.abort();
  }
}
