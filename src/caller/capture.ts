/**
 * The pcap of one call: every SIP message and RTP/RTCP datagram as sent or received, stamped
 * with the wall clock when it was handed to or taken from a socket. SIP over TLS is written as
 * its plaintext over TCP (the capture is for reading the call, not for replaying TLS).
 */
import { performance } from 'node:perf_hooks';
import { SipprobeError } from '../errors';
import { PcapWriteError } from '../report/errors';
import { PcapWriter } from '../report/pcap';
import type { PcapEndpoint } from '../report/pcap-frame';
import type { RtpEndpoint, RtpPacketTap } from '../rtp/session';
import { serializeMessage } from '../sip/serializer';
import type { SipTraceEvent } from '../sip/user-agent';

/** Options of {@link CallCapture.open}. */
export interface CallCaptureOptions {
  /** Wall clock in microseconds since the Unix epoch (tests); default the system clock with µs resolution. */
  nowUs?: () => number;
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
  readonly #notes: string[] = [];
  #failed = false;
  #done = false;

  private constructor(writer: PcapWriter, nowUs: () => number) {
    this.#writer = writer;
    this.#nowUs = nowUs;
  }

  /** Creates the temporary capture file beside `path`. @throws PcapWriteError when it cannot be created. */
  static async open(path: string, options: CallCaptureOptions = {}): Promise<CallCapture> {
    return new CallCapture(await PcapWriter.open(path), options.nowUs ?? systemNowUs);
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
   * has them (`raw`; the built-in transports always do), else the message serialized again;
   * our end is the trace's `local`, else `local` (our SIP address for the transport).
   */
  sip(ev: SipTraceEvent, local: PcapEndpoint): void {
    if (this.#done || this.#failed) return;
    let payload: Uint8Array;
    try {
      payload = ev.raw ?? serializeMessage(ev.message);
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
