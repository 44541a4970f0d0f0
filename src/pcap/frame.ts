import { isIPv4, isIPv6 } from 'node:net';
import { randomUint32 } from '../random';
import { PcapError } from './errors';

/** One end of a captured packet's flow. */
export interface PcapEndpoint {
  /** IPv4 dotted quad or IPv6 text (a `%zone` suffix and brackets are ignored). */
  address: string;
  port: number;
}

/**
 * A SIP message or RTP/RTCP datagram exactly as the Caller sent or received it. The pcap writer
 * synthesises the link, network and transport headers around `payload`.
 */
export interface CapturedPacket {
  /** Wall-clock capture time, microseconds since the Unix epoch. */
  timeUs: number;
  /** SIP over TLS is captured as the plaintext stream and written as `tcp`. */
  protocol: 'udp' | 'tcp';
  src: PcapEndpoint;
  dst: PcapEndpoint;
  payload: Uint8Array;
}

/** Options of {@link PacketFramer}. */
export interface PacketFramerOptions {
  /** Largest TCP segment payload; longer payloads become several segments. Default: what fits one IP datagram. */
  tcpMaxSegment?: number;
  /** Initial sequence number of each TCP flow (one call per direction). Default: crypto random. */
  tcpInitialSequence?: (flow: string) => number;
}

const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const MAX_IP_TOTAL = 0xffff;

function bad(code: string, message: string): never {
  throw new PcapError(code, message);
}

/** Parses an IPv4 or IPv6 address into 4 or 16 bytes; a typed error for anything else. */
export function parseIpAddress(text: string): Uint8Array {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return Uint8Array.from(s.split('.'), Number);
  if (!isIPv6(s)) bad('PCAP_BAD_ADDRESS', `not an IP address: ${JSON.stringify(text.slice(0, 64))}`);
  const out = new Uint8Array(16);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    const v4 = s.slice(lastColon + 1).split('.').map(Number);
    const hi = (v4[0] << 8) | v4[1];
    const lo = (v4[2] << 8) | v4[3];
    s = `${s.slice(0, lastColon + 1)}${hi.toString(16)}:${lo.toString(16)}`;
  }
  const gap = s.indexOf('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let head: number[];
  if (gap >= 0) {
    head = groups(s.slice(0, gap));
    tail = groups(s.slice(gap + 2));
  } else {
    head = groups(s);
  }
  head.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  tail.forEach((g, i) => {
    const at = 16 - (tail.length - i) * 2;
    out[at] = g >> 8;
    out[at + 1] = g & 0xff;
  });
  return out;
}

function isV4Mapped(a: Uint8Array): boolean {
  if (a.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** One's-complement sum of 16-bit big-endian words (RFC 1071), not yet folded or inverted. */
function onesComplementSum(data: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < end) sum += data[i] << 8;
  return sum;
}

function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

function checkEndpoint(e: PcapEndpoint, which: string): void {
  if (!Number.isInteger(e.port) || e.port < 0 || e.port > 0xffff) bad('PCAP_BAD_PORT', `${which} port ${String(e.port)} is not 0..65535`);
}

/**
 * Turns captured payloads into Ethernet frames with IPv4/IPv6 and UDP/TCP headers, correct
 * lengths and checksums. Stateful only for what a capture needs to look real: the IPv4
 * identification counter and a per-direction TCP sequence number stream (segments carry PSH|ACK
 * and acknowledge everything the other direction has sent).
 */
export class PacketFramer {
  private readonly maxSegment: number | undefined;
  private readonly initialSequence: (flow: string) => number;
  private readonly nextSeq = new Map<string, number>();
  private ipId = 0;

  constructor(options: PacketFramerOptions = {}) {
    if (options.tcpMaxSegment !== undefined && !(Number.isInteger(options.tcpMaxSegment) && options.tcpMaxSegment >= 1)) {
      bad('PCAP_BAD_OPTION', 'tcpMaxSegment must be a positive integer');
    }
    this.maxSegment = options.tcpMaxSegment;
    this.initialSequence = options.tcpInitialSequence ?? (() => randomUint32());
  }

  /** Frames one packet; a TCP payload longer than one segment gives several frames. */
  frame(packet: CapturedPacket): Buffer[] {
    checkEndpoint(packet.src, 'source');
    checkEndpoint(packet.dst, 'destination');
    if (packet.protocol !== 'udp' && packet.protocol !== 'tcp') bad('PCAP_BAD_PROTOCOL', `protocol must be udp or tcp`);
    let src = parseIpAddress(packet.src.address);
    let dst = parseIpAddress(packet.dst.address);
    if (src.length !== dst.length) {
      // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the wire carried IPv4.
      if (isV4Mapped(src)) src = src.subarray(12);
      if (isV4Mapped(dst)) dst = dst.subarray(12);
      if (src.length !== dst.length) bad('PCAP_MIXED_FAMILY', 'source and destination are of different IP families');
    }
    // IPv4 total length and the IPv6 payload length are both 16-bit fields.
    const room = src.length === 4 ? MAX_IP_TOTAL - IPV4_HEADER : MAX_IP_TOTAL;
    const payload = packet.payload;
    if (packet.protocol === 'udp') {
      if (payload.length > room - UDP_HEADER) {
        bad('PCAP_PAYLOAD_TOO_LARGE', `UDP payload of ${payload.length} bytes does not fit one IP datagram`);
      }
      return [this.build(src, dst, packet, payload, 0, payload.length)];
    }
    const segment = Math.min(this.maxSegment ?? Infinity, room - TCP_HEADER);
    const frames: Buffer[] = [];
    let off = 0;
    do {
      const end = Math.min(payload.length, off + segment);
      frames.push(this.build(src, dst, packet, payload, off, end));
      off = end;
    } while (off < payload.length);
    return frames;
  }

  private sequence(flow: string): number {
    let seq = this.nextSeq.get(flow);
    if (seq === undefined) {
      seq = this.initialSequence(flow) >>> 0;
      this.nextSeq.set(flow, seq);
    }
    return seq;
  }

  private build(src: Uint8Array, dst: Uint8Array, p: CapturedPacket, payload: Uint8Array, from: number, to: number): Buffer {
    const v4 = src.length === 4;
    const tcp = p.protocol === 'tcp';
    const l4Header = tcp ? TCP_HEADER : UDP_HEADER;
    const dataLen = to - from;
    const l4Len = l4Header + dataLen;
    const ipHeader = v4 ? IPV4_HEADER : IPV6_HEADER;
    const frame = Buffer.alloc(ETH_HEADER + ipHeader + l4Len);

    // Locally administered MACs derived from the IP, so each host keeps one MAC in the capture.
    frame[0] = 0x02;
    frame.set(dst.subarray(dst.length - 4), 2);
    frame[6] = 0x02;
    frame.set(src.subarray(src.length - 4), 8);
    frame.writeUInt16BE(v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, 12);

    const ip = ETH_HEADER;
    const proto = tcp ? PROTO_TCP : PROTO_UDP;
    if (v4) {
      frame[ip] = 0x45;
      frame.writeUInt16BE(IPV4_HEADER + l4Len, ip + 2);
      frame.writeUInt16BE(this.ipId, ip + 4);
      this.ipId = (this.ipId + 1) & 0xffff;
      frame.writeUInt16BE(0x4000, ip + 6); // DF: the stack never fragmented what we captured
      frame[ip + 8] = 64;
      frame[ip + 9] = proto;
      frame.set(src, ip + 12);
      frame.set(dst, ip + 16);
      frame.writeUInt16BE(finishChecksum(onesComplementSum(frame, ip, ip + IPV4_HEADER)), ip + 10);
    } else {
      frame[ip] = 0x60;
      frame.writeUInt16BE(l4Len, ip + 4);
      frame[ip + 6] = proto;
      frame[ip + 7] = 64;
      frame.set(src, ip + 8);
      frame.set(dst, ip + 24);
    }

    const l4 = ip + ipHeader;
    frame.writeUInt16BE(p.src.port, l4);
    frame.writeUInt16BE(p.dst.port, l4 + 2);
    let checksumAt: number;
    if (tcp) {
      const flow = `${p.src.address}|${p.src.port}|${p.dst.address}|${p.dst.port}`;
      const reverse = `${p.dst.address}|${p.dst.port}|${p.src.address}|${p.src.port}`;
      const seq = this.sequence(flow);
      const ack = this.sequence(reverse);
      frame.writeUInt32BE(seq, l4 + 4);
      frame.writeUInt32BE(ack, l4 + 8);
      this.nextSeq.set(flow, (seq + dataLen) >>> 0);
      frame[l4 + 12] = (TCP_HEADER / 4) << 4;
      frame[l4 + 13] = dataLen > 0 ? TCP_PSH | TCP_ACK : TCP_ACK;
      frame.writeUInt16BE(0xffff, l4 + 14);
      checksumAt = l4 + 16;
    } else {
      frame.writeUInt16BE(l4Len, l4 + 4);
      checksumAt = l4 + 6;
    }
    frame.set(payload.subarray(from, to), l4 + l4Header);

    // Pseudo-header (RFC 768 / RFC 793 for IPv4, RFC 8200 §8.1 for IPv6) then the segment.
    let sum = onesComplementSum(src, 0, src.length) + onesComplementSum(dst, 0, dst.length) + proto + l4Len;
    sum = onesComplementSum(frame, l4, frame.length, sum);
    let checksum = finishChecksum(sum);
    if (!tcp && checksum === 0) checksum = 0xffff; // 0 means "no checksum" in UDP
    frame.writeUInt16BE(checksum, checksumAt);
    return frame;
  }
}
