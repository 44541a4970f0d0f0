/**
 * RTCP (RFC 3550 §6): SR, RR, SDES, BYE and APP packets, compound datagrams, NTP timestamps and
 * the randomised report interval. Parsing validates per RFC 3550 A.2 (version, lengths, padding
 * only on the last packet) but accepts a compound that does not start with SR/RR, as reduced-size
 * RTCP (RFC 5506) and many SIP endpoints send.
 */
import { randomIntBetween, randomHex } from '../random';
import { RtcpPacketError, RtpEncodeError, type RtcpPacketErrorCode } from './errors';

/** RTCP packet type numbers (RFC 3550 §12.1). */
export const RtcpPacketType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const;

/** SDES item types (RFC 3550 §6.5). */
export const SdesItemType = { END: 0, CNAME: 1, NAME: 2, EMAIL: 3, PHONE: 4, LOC: 5, TOOL: 6, NOTE: 7, PRIV: 8 } as const;

/** One reception report block (RFC 3550 §6.4.1): what a receiver saw of one source. */
export interface RtcpReportBlock {
  /** SSRC of the source this block is about. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0–255). */
  readonly fractionLost: number;
  /** Cumulative packets lost (signed 24-bit: duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  readonly highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR from that source (0 if none). */
  readonly lastSenderReport: number;
  /** Delay since that SR was received, in 1/65536 s (0 if none). */
  readonly delaySinceLastSenderReport: number;
}

/** Sender report (PT 200). */
export interface RtcpSenderReport {
  readonly type: 'SR';
  readonly ssrc: number;
  /** NTP timestamp, integer seconds since 1900 (mod 2^32). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second in 1/2^32. */
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  /** Sender's packet count (mod 2^32). */
  readonly packetCount: number;
  /** Sender's payload octet count (mod 2^32). */
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension after the report blocks, if any (view when parsed). */
  readonly extension?: Uint8Array;
}

/** Receiver report (PT 201). */
export interface RtcpReceiverReport {
  readonly type: 'RR';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension after the report blocks, if any (view when parsed). */
  readonly extension?: Uint8Array;
}

/** One SDES item; `value` is the UTF-8 text (for PRIV, prefix and value as sent). */
export interface RtcpSdesItem {
  readonly type: number;
  readonly value: string;
}

/** One SDES chunk: the items describing one source. */
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly items: readonly RtcpSdesItem[];
}

/** Source description (PT 202). */
export interface RtcpSourceDescription {
  readonly type: 'SDES';
  readonly chunks: readonly RtcpSdesChunk[];
}

/** Goodbye (PT 203). */
export interface RtcpBye {
  readonly type: 'BYE';
  readonly ssrcs: readonly number[];
  /** Reason for leaving, if given. */
  readonly reason?: string;
}

/** Application-defined packet (PT 204). */
export interface RtcpApp {
  readonly type: 'APP';
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters. */
  readonly name: string;
  /** Application data, a multiple of 4 bytes (view when parsed). */
  readonly data: Uint8Array;
}

/** Any other packet type (feedback, XR, …), kept as its body. */
export interface RtcpOther {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count/format field. */
  readonly count: number;
  /** Everything after the 4-byte header, padding removed (view when parsed). */
  readonly body: Uint8Array;
}

/** One packet of a compound RTCP datagram. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpApp | RtcpOther;

/** An NTP timestamp as two unsigned 32-bit halves. */
export interface NtpTimestamp {
  readonly seconds: number;
  readonly fraction: number;
}

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const TWO_32 = 4_294_967_296;

/** Converts wall-clock milliseconds since 1970 to an NTP timestamp (era wraps mod 2^32 s). */
export function wallClockToNtp(unixMs: number): NtpTimestamp {
  const totalSeconds = Math.floor(unixMs / 1000);
  const fraction = Math.min(TWO_32 - 1, Math.round(((unixMs - totalSeconds * 1000) / 1000) * TWO_32));
  const seconds = (((totalSeconds + NTP_UNIX_OFFSET_SECONDS) % TWO_32) + TWO_32) % TWO_32;
  return { seconds, fraction };
}

/**
 * Converts an NTP timestamp to Unix milliseconds. Seconds below 2^31 are taken as NTP era 1
 * (from February 2036), the usual convention, so times from 1968 to 2104 come back right.
 */
export function ntpToWallClock(seconds: number, fraction: number): number {
  const era = seconds < 0x80000000 ? TWO_32 : 0;
  return (seconds + era - NTP_UNIX_OFFSET_SECONDS) * 1000 + (fraction / TWO_32) * 1000;
}

/** Middle 32 bits of an NTP timestamp: the LSR value of a report block (units of 1/65536 s). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/**
 * The delay until the next RTCP report: `baseMs` (RFC 3550's 5 s minimum by default) scaled by a
 * uniform random factor in [0.5, 1.5] from `crypto`, so that participants do not synchronise.
 */
export function nextRtcpIntervalMs(baseMs = 5000): number {
  if (!(baseMs > 0 && Number.isFinite(baseMs))) throw new RtpEncodeError('RTP_INVALID_FIELD', 'RTCP base interval must be a positive number of ms');
  const lo = Math.ceil(baseMs * 0.5);
  const hi = Math.floor(baseMs * 1.5);
  return hi > lo ? randomIntBetween(lo, hi + 1) : lo;
}

/** A random CNAME per RFC 7022 (96 random bits), for streams that have no better one. */
export function generateCname(): string {
  return randomHex(12);
}

/**
 * True when a datagram on a multiplexed port is RTCP rather than RTP (RFC 5761 §4: second byte
 * 192–223, i.e. RTCP packet types 192–223 / RTP payload types 64–95 with the marker bit).
 */
export function isRtcpDatagram(data: Uint8Array): boolean {
  return data.length >= 2 && data[1] >= 192 && data[1] <= 223;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function text(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

function fail(code: RtcpPacketErrorCode, message: string): never {
  throw new RtcpPacketError(code, message);
}

function parseReportBlocks(b: Uint8Array, o: number, count: number): RtcpReportBlock[] {
  const reports: RtcpReportBlock[] = new Array(count);
  for (let i = 0; i < count; i++, o += 24) {
    const lost = (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
    reports[i] = {
      ssrc: readU32(b, o),
      fractionLost: b[o + 4],
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: readU32(b, o + 8),
      jitter: readU32(b, o + 12),
      lastSenderReport: readU32(b, o + 16),
      delaySinceLastSenderReport: readU32(b, o + 20),
    };
  }
  return reports;
}

function parseSdes(b: Uint8Array, count: number): RtcpSourceDescription {
  const chunks: RtcpSdesChunk[] = [];
  let o = 0;
  for (let c = 0; c < count; c++) {
    if (o + 4 > b.length) fail('RTCP_MALFORMED', `SDES chunk ${c} of ${count} is missing`);
    const ssrc = readU32(b, o);
    o += 4;
    const items: RtcpSdesItem[] = [];
    for (;;) {
      if (o >= b.length) fail('RTCP_MALFORMED', 'SDES chunk has no terminating null item');
      const type = b[o];
      if (type === SdesItemType.END) {
        o = (o + 4) & ~3; // the null octet plus padding up to the next word
        break;
      }
      if (o + 2 > b.length || o + 2 + b[o + 1] > b.length) fail('RTCP_MALFORMED', `SDES item type ${type} runs past the packet`);
      const len = b[o + 1];
      items.push({ type, value: text(b, o + 2, o + 2 + len) });
      o += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return { type: 'SDES', chunks };
}

function parseOne(b: Uint8Array, packetType: number, count: number): RtcpPacket {
  switch (packetType) {
    case RtcpPacketType.SR: {
      const need = 24 + count * 24;
      if (b.length < need) fail('RTCP_MALFORMED', `SR with ${count} report blocks needs ${need} bytes, has ${b.length}`);
      const sr: RtcpSenderReport = {
        type: 'SR',
        ssrc: readU32(b, 0),
        ntpSeconds: readU32(b, 4),
        ntpFraction: readU32(b, 8),
        rtpTimestamp: readU32(b, 12),
        packetCount: readU32(b, 16),
        octetCount: readU32(b, 20),
        reports: parseReportBlocks(b, 24, count),
      };
      return b.length > need ? { ...sr, extension: b.subarray(need) } : sr;
    }
    case RtcpPacketType.RR: {
      const need = 4 + count * 24;
      if (b.length < need) fail('RTCP_MALFORMED', `RR with ${count} report blocks needs ${need} bytes, has ${b.length}`);
      const rr: RtcpReceiverReport = { type: 'RR', ssrc: readU32(b, 0), reports: parseReportBlocks(b, 4, count) };
      return b.length > need ? { ...rr, extension: b.subarray(need) } : rr;
    }
    case RtcpPacketType.SDES:
      return parseSdes(b, count);
    case RtcpPacketType.BYE: {
      if (b.length < count * 4) fail('RTCP_MALFORMED', `BYE with ${count} SSRCs needs ${count * 4} bytes, has ${b.length}`);
      const ssrcs: number[] = new Array(count);
      for (let i = 0; i < count; i++) ssrcs[i] = readU32(b, i * 4);
      let o = count * 4;
      if (o < b.length) {
        const len = b[o];
        if (o + 1 + len > b.length) fail('RTCP_MALFORMED', 'BYE reason runs past the packet');
        return { type: 'BYE', ssrcs, reason: text(b, o + 1, o + 1 + len) };
      }
      return { type: 'BYE', ssrcs };
    }
    case RtcpPacketType.APP: {
      if (b.length < 8) fail('RTCP_MALFORMED', 'APP packet shorter than SSRC and name');
      return { type: 'APP', subtype: count, ssrc: readU32(b, 0), name: Buffer.from(b.buffer, b.byteOffset + 4, 4).toString('latin1'), data: b.subarray(8) };
    }
    default:
      return { type: 'other', packetType, count, body: b };
  }
}

/**
 * Parses a (compound) RTCP datagram into its packets. Views (SR/RR extensions, APP data, other
 * bodies) reference `data` without copying.
 * @throws {@link RtcpPacketError} with the reason as `code`.
 */
export function parseRtcp(data: Uint8Array): RtcpPacket[] {
  if (data.length < 4) fail('RTCP_TRUNCATED', `RTCP datagram of ${data.length} bytes is shorter than one header`);
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < data.length) {
    if (o + 4 > data.length) fail('RTCP_TRUNCATED', `${data.length - o} trailing bytes after packet ${packets.length}`);
    const b0 = data[o];
    if (b0 >> 6 !== 2) fail('RTCP_BAD_VERSION', `RTCP packet ${packets.length} has version ${b0 >> 6}`);
    const packetType = data[o + 1];
    const size = (((data[o + 2] << 8) | data[o + 3]) + 1) * 4;
    if (o + size > data.length) fail('RTCP_BAD_LENGTH', `RTCP packet ${packets.length} claims ${size} bytes, ${data.length - o} left`);
    let end = o + size;
    if (b0 & 0x20) {
      if (end !== data.length) fail('RTCP_BAD_PADDING', 'padding bit set on a packet that is not the last of the compound');
      const pad = data[end - 1];
      if (pad === 0 || pad > size - 4) fail('RTCP_BAD_PADDING', `padding count ${pad} in a ${size}-byte packet`);
      end -= pad;
    }
    packets.push(parseOne(data.subarray(o + 4, end), packetType, b0 & 0x1f));
    o += size;
  }
  return packets;
}

function invalid(message: string): never {
  throw new RtpEncodeError('RTP_INVALID_FIELD', message);
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) invalid(`${what} ${v} is not an unsigned 32-bit integer`);
}

function checkCount(n: number, what: string): void {
  if (n > 31) invalid(`${n} ${what} in one RTCP packet (at most 31)`);
}

function sdesItemBytes(item: RtcpSdesItem): number {
  const n = Buffer.byteLength(item.value, 'utf8');
  if (n > 255) invalid(`SDES item of ${n} bytes (at most 255)`);
  if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255) invalid(`SDES item type ${item.type} is not 1-255`);
  return n;
}

/** Serialized length in bytes of one RTCP packet (always a multiple of 4). */
export function rtcpPacketLength(p: RtcpPacket): number {
  switch (p.type) {
    case 'SR':
      return 28 + p.reports.length * 24 + (p.extension ? (p.extension.length + 3) & ~3 : 0);
    case 'RR':
      return 8 + p.reports.length * 24 + (p.extension ? (p.extension.length + 3) & ~3 : 0);
    case 'SDES': {
      let n = 4;
      for (const c of p.chunks) {
        let chunk = 4;
        for (const item of c.items) chunk += 2 + sdesItemBytes(item);
        n += (chunk + 4) & ~3; // at least one null octet, then to a word boundary
      }
      return n;
    }
    case 'BYE':
      return 4 + p.ssrcs.length * 4 + (p.reason !== undefined ? (1 + Buffer.byteLength(p.reason, 'utf8') + 3) & ~3 : 0);
    case 'APP':
      return 12 + ((p.data.length + 3) & ~3);
    case 'other':
      return 4 + ((p.body.length + 3) & ~3);
  }
}

/** Serialized length of a compound datagram. */
export function rtcpLength(packets: readonly RtcpPacket[]): number {
  let n = 0;
  for (const p of packets) n += rtcpPacketLength(p);
  return n;
}

function writeHeader(out: Uint8Array, o: number, count: number, packetType: number, size: number): void {
  out[o] = 0x80 | count;
  out[o + 1] = packetType;
  const words = size / 4 - 1;
  out[o + 2] = words >>> 8;
  out[o + 3] = words & 0xff;
}

function writeReportBlocks(out: Uint8Array, o: number, reports: readonly RtcpReportBlock[]): number {
  for (const r of reports) {
    checkU32(r.ssrc, 'report block SSRC');
    checkU32(r.highestSequence, 'extended highest sequence');
    checkU32(r.jitter, 'jitter');
    checkU32(r.lastSenderReport, 'LSR');
    checkU32(r.delaySinceLastSenderReport, 'DLSR');
    if (!Number.isInteger(r.fractionLost) || r.fractionLost < 0 || r.fractionLost > 255) invalid(`fraction lost ${r.fractionLost} is not 0-255`);
    if (!Number.isInteger(r.cumulativeLost)) invalid(`cumulative lost ${r.cumulativeLost} is not an integer`);
    // RFC 3550 §6.4.1: clamp to the signed 24-bit range rather than wrap.
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
    writeU32(out, o, r.ssrc);
    out[o + 4] = r.fractionLost;
    out[o + 5] = lost >>> 16;
    out[o + 6] = lost >>> 8;
    out[o + 7] = lost;
    writeU32(out, o + 8, r.highestSequence);
    writeU32(out, o + 12, r.jitter);
    writeU32(out, o + 16, r.lastSenderReport);
    writeU32(out, o + 20, r.delaySinceLastSenderReport);
    o += 24;
  }
  return o;
}

function writePadded(out: Uint8Array, o: number, data: Uint8Array): number {
  out.set(data, o);
  const end = o + ((data.length + 3) & ~3);
  out.fill(0, o + data.length, end);
  return end;
}

function writeOne(p: RtcpPacket, out: Uint8Array, o: number, size: number): void {
  switch (p.type) {
    case 'SR': {
      checkCount(p.reports.length, 'report blocks');
      for (const [v, w] of [[p.ssrc, 'SSRC'], [p.ntpSeconds, 'NTP seconds'], [p.ntpFraction, 'NTP fraction'], [p.rtpTimestamp, 'RTP timestamp'], [p.packetCount, 'packet count'], [p.octetCount, 'octet count']] as const) {
        checkU32(v, w);
      }
      writeHeader(out, o, p.reports.length, RtcpPacketType.SR, size);
      writeU32(out, o + 4, p.ssrc);
      writeU32(out, o + 8, p.ntpSeconds);
      writeU32(out, o + 12, p.ntpFraction);
      writeU32(out, o + 16, p.rtpTimestamp);
      writeU32(out, o + 20, p.packetCount);
      writeU32(out, o + 24, p.octetCount);
      const e = writeReportBlocks(out, o + 28, p.reports);
      if (p.extension) writePadded(out, e, p.extension);
      return;
    }
    case 'RR': {
      checkCount(p.reports.length, 'report blocks');
      checkU32(p.ssrc, 'SSRC');
      writeHeader(out, o, p.reports.length, RtcpPacketType.RR, size);
      writeU32(out, o + 4, p.ssrc);
      const e = writeReportBlocks(out, o + 8, p.reports);
      if (p.extension) writePadded(out, e, p.extension);
      return;
    }
    case 'SDES': {
      checkCount(p.chunks.length, 'SDES chunks');
      writeHeader(out, o, p.chunks.length, RtcpPacketType.SDES, size);
      let w = o + 4;
      for (const c of p.chunks) {
        checkU32(c.ssrc, 'SDES SSRC');
        writeU32(out, w, c.ssrc);
        w += 4;
        for (const item of c.items) {
          const bytes = Buffer.from(item.value, 'utf8');
          out[w] = item.type;
          out[w + 1] = bytes.length;
          out.set(bytes, w + 2);
          w += 2 + bytes.length;
        }
        const end = o + ((w - o + 4) & ~3); // word alignment is relative to the packet start
        out.fill(0, w, end);
        w = end;
      }
      return;
    }
    case 'BYE': {
      checkCount(p.ssrcs.length, 'BYE SSRCs');
      writeHeader(out, o, p.ssrcs.length, RtcpPacketType.BYE, size);
      let w = o + 4;
      for (const s of p.ssrcs) {
        checkU32(s, 'BYE SSRC');
        writeU32(out, w, s);
        w += 4;
      }
      if (p.reason !== undefined) {
        const bytes = Buffer.from(p.reason, 'utf8');
        if (bytes.length > 255) invalid(`BYE reason of ${bytes.length} bytes (at most 255)`);
        out[w] = bytes.length;
        out.set(bytes, w + 1);
        out.fill(0, w + 1 + bytes.length, o + size);
      }
      return;
    }
    case 'APP': {
      if (!Number.isInteger(p.subtype) || p.subtype < 0 || p.subtype > 31) invalid(`APP subtype ${p.subtype} is not 0-31`);
      checkU32(p.ssrc, 'APP SSRC');
      const name = Buffer.from(p.name, 'latin1');
      if (name.length !== 4 || !/^[\x20-\x7e]{4}$/.test(p.name)) invalid('APP name must be 4 printable ASCII characters');
      writeHeader(out, o, p.subtype, RtcpPacketType.APP, size);
      writeU32(out, o + 4, p.ssrc);
      out.set(name, o + 8);
      writePadded(out, o + 12, p.data);
      return;
    }
    case 'other': {
      if (!Number.isInteger(p.packetType) || p.packetType < 192 || p.packetType > 223) invalid(`RTCP packet type ${p.packetType} is not 192-223`);
      if (!Number.isInteger(p.count) || p.count < 0 || p.count > 31) invalid(`RTCP count ${p.count} is not 0-31`);
      writeHeader(out, o, p.count, p.packetType, size);
      writePadded(out, o + 4, p.body);
      return;
    }
  }
}

/**
 * Writes a compound RTCP datagram into `out` at `offset`; returns bytes written. RFC 3550 wants
 * SR or RR first and an SDES with CNAME in every compound: {@link buildRtcpReport} does that.
 * @throws {@link RtpEncodeError} for out-of-range fields or a too-small buffer.
 */
export function writeRtcp(packets: readonly RtcpPacket[], out: Uint8Array, offset = 0): number {
  const sizes = packets.map(rtcpPacketLength);
  const total = sizes.reduce((a, b) => a + b, 0);
  for (const s of sizes) if (s > 0x40000) invalid(`RTCP packet of ${s} bytes exceeds the 16-bit length field`);
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RtpEncodeError('RTP_BUFFER_TOO_SMALL', `RTCP compound needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  let o = offset;
  packets.forEach((p, i) => {
    writeOne(p, out, o, sizes[i]);
    o += sizes[i];
  });
  return total;
}

/** Serializes a compound RTCP datagram into a new Buffer. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  const out = Buffer.alloc(rtcpLength(packets));
  writeRtcp(packets, out, 0);
  return out;
}

/**
 * The compound a participant sends every interval: an SR when `sender` is given (we sent RTP
 * since the last report), else an RR, followed by SDES with our CNAME, and BYE when leaving.
 */
export function buildRtcpReport(options: {
  readonly ssrc: number;
  readonly cname: string;
  readonly reports?: readonly RtcpReportBlock[];
  readonly sender?: { readonly ntp: NtpTimestamp; readonly rtpTimestamp: number; readonly packetCount: number; readonly octetCount: number };
  readonly bye?: { readonly reason?: string };
}): RtcpPacket[] {
  const reports = options.reports ?? [];
  const first: RtcpPacket = options.sender
    ? {
        type: 'SR',
        ssrc: options.ssrc,
        ntpSeconds: options.sender.ntp.seconds,
        ntpFraction: options.sender.ntp.fraction,
        rtpTimestamp: options.sender.rtpTimestamp,
        packetCount: options.sender.packetCount >>> 0,
        octetCount: options.sender.octetCount >>> 0,
        reports,
      }
    : { type: 'RR', ssrc: options.ssrc, reports };
  const out: RtcpPacket[] = [first, { type: 'SDES', chunks: [{ ssrc: options.ssrc, items: [{ type: SdesItemType.CNAME, value: options.cname }] }] }];
  if (options.bye) out.push(options.bye.reason !== undefined ? { type: 'BYE', ssrcs: [options.ssrc], reason: options.bye.reason } : { type: 'BYE', ssrcs: [options.ssrc] });
  return out;
}

/** The CNAME of `ssrc` in a parsed compound, if an SDES carries one. */
export function findCname(packets: readonly RtcpPacket[], ssrc: number): string | undefined {
  for (const p of packets) {
    if (p.type !== 'SDES') continue;
    for (const c of p.chunks) {
      if (c.ssrc !== ssrc) continue;
      for (const item of c.items) if (item.type === SdesItemType.CNAME) return item.value;
    }
  }
  return undefined;
}
