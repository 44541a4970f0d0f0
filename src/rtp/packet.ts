/**
 * RTP packets (RFC 3550 §5.1) with CSRC lists, header extensions (RFC 8285 one- and two-byte
 * elements) and padding. Parsing returns views into the datagram; serializing writes into a
 * buffer the caller owns, so the send path allocates nothing per packet.
 */
import { RtpEncodeError, RtpPacketError, type RtpPacketErrorCode } from './errors';

/** Fixed RTP header length in bytes (no CSRCs, no extension). */
export const RTP_HEADER_LENGTH = 12;
/** `defined by profile` value of RFC 8285 one-byte header extensions. */
export const RTP_ONE_BYTE_EXTENSION_PROFILE = 0xbede;
/** RFC 8285 two-byte header extensions use 0x1000–0x100F (the low 4 bits are `appbits`). */
export const RTP_TWO_BYTE_EXTENSION_PROFILE = 0x1000;

/** Raw header extension: the 16-bit profile word and the extension body (a multiple of 4 bytes on the wire). */
export interface RtpHeaderExtension {
  /** The 16-bit `defined by profile` field, e.g. 0xBEDE for RFC 8285 one-byte elements. */
  readonly profile: number;
  /** Extension body without the 4-byte extension header; a view into the datagram when parsed. */
  readonly data: Uint8Array;
}

/** One RFC 8285 extension element. */
export interface RtpExtensionElement {
  /** Local identifier negotiated with `a=extmap` (1–14 one-byte, 1–255 two-byte). */
  readonly id: number;
  /** Element value; a view into the datagram when parsed. */
  readonly data: Uint8Array;
}

/** Header fields a sender chooses; everything else (version, counts, flags) follows from them. */
export interface RtpHeaderInit {
  /** Marker bit (talkspurt start for audio, RFC 3551 §4.1). Default false. */
  readonly marker?: boolean;
  /** Payload type, 0–127. */
  readonly payloadType: number;
  /** Sequence number, 0–65535. */
  readonly sequenceNumber: number;
  /** RTP timestamp, unsigned 32-bit. */
  readonly timestamp: number;
  /** Synchronisation source, unsigned 32-bit. */
  readonly ssrc: number;
  /** Contributing sources (at most 15), each unsigned 32-bit. */
  readonly csrcs?: readonly number[];
  /** Header extension, or null/undefined for none. */
  readonly extension?: RtpHeaderExtension | null;
}

/** A whole packet to serialize: header fields, payload and optional padding. */
export interface RtpPacketInit extends RtpHeaderInit {
  readonly payload: Uint8Array;
  /** Padding bytes to append (0–255; the last one holds the count). Default 0. */
  readonly paddingLength?: number;
}

/** A parsed RTP packet. `payload` and `extension.data` are views into the received datagram. */
export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension: RtpHeaderExtension | null;
  readonly payload: Uint8Array;
  /** Number of padding bytes that followed the payload (0 when the P bit is clear). */
  readonly paddingLength: number;
}

const NO_CSRCS: readonly number[] = Object.freeze([]);

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/**
 * @internal Where {@link parseRtpInto} leaves a packet: the header fields, and the payload as the
 * range `[payloadStart, payloadEnd)` of the parsed data (no view is made of it).
 */
export interface RtpParseTarget {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: readonly number[];
  extension: RtpHeaderExtension | null;
  payloadStart: number;
  payloadEnd: number;
  paddingLength: number;
}

/** @internal A fresh {@link RtpParseTarget} to reuse for every packet of a receive loop. */
export function rtpParseTarget(): RtpParseTarget {
  return { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: NO_CSRCS, extension: null, payloadStart: 0, payloadEnd: 0, paddingLength: 0 };
}

/**
 * @internal Parses `data` into `out` and returns null, or returns the error code (then `out` is
 * unspecified). Allocates nothing for a packet without CSRCs or header extension: a receive loop
 * runs it for every packet of every call. The payload range refers to `data` as given. It
 * returns an error code rather than throwing, so that hostile traffic costs no exceptions.
 */
export function parseRtpInto(data: Uint8Array, out: RtpParseTarget): RtpPacketErrorCode | null {
  const len = data.length;
  if (len < RTP_HEADER_LENGTH) return 'RTP_TRUNCATED';
  const b0 = data[0];
  if (b0 >> 6 !== 2) return 'RTP_BAD_VERSION';
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_LENGTH + cc * 4;
  if (offset > len) return 'RTP_CSRC_OVERRUN';
  let csrcs = NO_CSRCS;
  if (cc > 0) {
    const list = new Array<number>(cc);
    for (let i = 0; i < cc; i++) list[i] = readU32(data, RTP_HEADER_LENGTH + i * 4);
    csrcs = list;
  }
  let extension: RtpHeaderExtension | null = null;
  if (b0 & 0x10) {
    if (offset + 4 > len) return 'RTP_EXTENSION_OVERRUN';
    const profile = (data[offset] << 8) | data[offset + 1];
    const bodyLen = ((data[offset + 2] << 8) | data[offset + 3]) * 4;
    const start = offset + 4;
    if (start + bodyLen > len) return 'RTP_EXTENSION_OVERRUN';
    extension = { profile, data: data.subarray(start, start + bodyLen) };
    offset = start + bodyLen;
  }
  let end = len;
  let paddingLength = 0;
  if (b0 & 0x20) {
    // The count includes itself, so 0 is as malformed as a count that reaches into the header.
    paddingLength = data[len - 1];
    if (paddingLength === 0 || paddingLength > len - offset) return 'RTP_BAD_PADDING';
    end = len - paddingLength;
  }
  const b1 = data[1];
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (data[2] << 8) | data[3];
  out.timestamp = readU32(data, 4);
  out.ssrc = readU32(data, 8);
  out.csrcs = csrcs;
  out.extension = extension;
  out.payloadStart = offset;
  out.payloadEnd = end;
  out.paddingLength = paddingLength;
  return null;
}

const SCRATCH = rtpParseTarget();

function parse(data: Uint8Array): RtpPacket | RtpPacketErrorCode {
  const v = SCRATCH;
  const err = parseRtpInto(data, v);
  if (err !== null) return err;
  const packet: RtpPacket = {
    marker: v.marker,
    payloadType: v.payloadType,
    sequenceNumber: v.sequenceNumber,
    timestamp: v.timestamp,
    ssrc: v.ssrc,
    csrcs: v.csrcs,
    extension: v.extension,
    payload: data.subarray(v.payloadStart, v.payloadEnd),
    paddingLength: v.paddingLength,
  };
  v.csrcs = NO_CSRCS; // the scratch holds no reference into the caller's packet
  v.extension = null;
  return packet;
}

const PARSE_MESSAGES: Record<RtpPacketErrorCode, string> = {
  RTP_TRUNCATED: 'RTP packet shorter than the 12-byte fixed header',
  RTP_BAD_VERSION: 'RTP version is not 2',
  RTP_BAD_PADDING: 'RTP padding count is zero or longer than the payload',
  RTP_CSRC_OVERRUN: 'RTP CSRC count runs past the end of the packet',
  RTP_EXTENSION_OVERRUN: 'RTP header extension runs past the end of the packet',
  RTP_EXTENSION_MALFORMED: 'RTP header extension elements are malformed',
};

/**
 * Parses one RTP datagram. The payload, extension body and nothing else reference `data`
 * without copying, so keep the datagram alive (and unmodified) while the packet is used.
 * @throws {@link RtpPacketError} with the reason as `code`.
 */
export function parseRtp(data: Uint8Array): RtpPacket {
  const r = parse(data);
  if (typeof r === 'string') throw new RtpPacketError(r, `${PARSE_MESSAGES[r]} (${data.length} bytes)`);
  return r;
}

/**
 * Like {@link parseRtp} but returns the error code instead of throwing: for receive loops that
 * count and drop bad datagrams (hostile traffic then costs no exceptions).
 */
export function tryParseRtp(data: Uint8Array): RtpPacket | RtpPacketErrorCode {
  return parse(data);
}

function invalid(message: string): RtpEncodeError {
  return new RtpEncodeError('RTP_INVALID_FIELD', message);
}

function isUint(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/** Header length in bytes for these fields: 12 + 4 × CSRCs + extension (4 + body padded to 4). */
export function rtpHeaderLength(header: RtpHeaderInit): number {
  let n = RTP_HEADER_LENGTH + (header.csrcs ? header.csrcs.length * 4 : 0);
  if (header.extension) n += 4 + ((header.extension.data.length + 3) & ~3);
  return n;
}

/** Total serialized length of a packet: header, payload and padding. */
export function rtpPacketLength(packet: RtpPacketInit): number {
  return rtpHeaderLength(packet) + packet.payload.length + (packet.paddingLength ?? 0);
}

/**
 * Writes the RTP header (fixed part, CSRCs, extension) at `out[offset]` and returns its length,
 * so a codec can then encode straight into `out` after it. The P bit is set when
 * `paddingLength` > 0; the padding bytes themselves are written by {@link writeRtp}.
 * @throws {@link RtpEncodeError} for out-of-range fields or a too-small buffer.
 */
export function writeRtpHeader(header: RtpHeaderInit, out: Uint8Array, offset = 0, paddingLength = 0): number {
  const { payloadType, sequenceNumber, timestamp, ssrc } = header;
  if (!isUint(payloadType, 127)) throw invalid(`payload type ${payloadType} is not 0-127`);
  if (!isUint(sequenceNumber, 0xffff)) throw invalid(`sequence number ${sequenceNumber} is not 0-65535`);
  if (!isUint(timestamp, 0xffffffff)) throw invalid(`timestamp ${timestamp} is not an unsigned 32-bit integer`);
  if (!isUint(ssrc, 0xffffffff)) throw invalid(`SSRC ${ssrc} is not an unsigned 32-bit integer`);
  const csrcs = header.csrcs ?? NO_CSRCS;
  if (csrcs.length > 15) throw invalid(`${csrcs.length} CSRCs (at most 15)`);
  for (let i = 0; i < csrcs.length; i++) {
    if (!isUint(csrcs[i], 0xffffffff)) throw invalid(`CSRC ${csrcs[i]} is not an unsigned 32-bit integer`);
  }
  const ext = header.extension;
  let extWords = 0;
  if (ext) {
    if (!isUint(ext.profile, 0xffff)) throw invalid(`extension profile ${ext.profile} is not 16-bit`);
    extWords = (ext.data.length + 3) >>> 2;
    if (extWords > 0xffff) throw invalid('header extension longer than 65535 words');
  }
  const length = RTP_HEADER_LENGTH + csrcs.length * 4 + (ext ? 4 + extWords * 4 : 0);
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new RtpEncodeError('RTP_BUFFER_TOO_SMALL', `RTP header needs ${length} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  out[offset] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[offset + 1] = (header.marker ? 0x80 : 0) | payloadType;
  out[offset + 2] = sequenceNumber >>> 8;
  out[offset + 3] = sequenceNumber & 0xff;
  writeU32(out, offset + 4, timestamp);
  writeU32(out, offset + 8, ssrc);
  let o = offset + RTP_HEADER_LENGTH;
  for (let i = 0; i < csrcs.length; i++) {
    writeU32(out, o, csrcs[i]);
    o += 4;
  }
  if (ext) {
    out[o] = ext.profile >>> 8;
    out[o + 1] = ext.profile & 0xff;
    out[o + 2] = extWords >>> 8;
    out[o + 3] = extWords & 0xff;
    o += 4;
    out.set(ext.data, o);
    // Zero the word-alignment tail: it is part of the datagram and must not leak old buffer bytes.
    for (let i = o + ext.data.length; i < o + extWords * 4; i++) out[i] = 0;
    o += extWords * 4;
  }
  return o - offset;
}

/**
 * Serializes a whole packet into `out` at `offset` and returns the bytes written.
 * @throws {@link RtpEncodeError} for out-of-range fields or a too-small buffer.
 */
export function writeRtp(packet: RtpPacketInit, out: Uint8Array, offset = 0): number {
  const padding = packet.paddingLength ?? 0;
  if (!isUint(padding, 255)) throw invalid(`padding length ${padding} is not 0-255`);
  const headerLen = writeRtpHeader(packet, out, offset, padding);
  const payload = packet.payload;
  const total = headerLen + payload.length + padding;
  if (offset + total > out.length) {
    throw new RtpEncodeError('RTP_BUFFER_TOO_SMALL', `RTP packet needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  let o = offset + headerLen;
  out.set(payload, o);
  o += payload.length;
  if (padding > 0) {
    for (let i = 0; i < padding - 1; i++) out[o + i] = 0;
    out[o + padding - 1] = padding;
  }
  return total;
}

/** Serializes a packet into a new Buffer (convenience; the send path should use {@link writeRtp}). */
export function serializeRtp(packet: RtpPacketInit): Buffer {
  const out = Buffer.allocUnsafe(rtpPacketLength(packet));
  writeRtp(packet, out, 0);
  return out;
}

/**
 * Splits an RFC 8285 extension body into its elements (views into the body). Returns null when
 * the profile is neither one-byte (0xBEDE) nor two-byte (0x100x), whose bodies are opaque.
 * Padding bytes (id 0) are skipped; a one-byte id 15 ends parsing as RFC 8285 §4.2 requires.
 * @throws {@link RtpPacketError} `RTP_EXTENSION_MALFORMED` when an element runs past the body.
 */
export function parseRtpExtensionElements(extension: RtpHeaderExtension): RtpExtensionElement[] | null {
  const { profile, data } = extension;
  const out: RtpExtensionElement[] = [];
  let i = 0;
  if (profile === RTP_ONE_BYTE_EXTENSION_PROFILE) {
    while (i < data.length) {
      const b = data[i];
      if (b === 0) {
        i++;
        continue;
      }
      const id = b >> 4;
      if (id === 15) break;
      const n = (b & 0x0f) + 1;
      if (i + 1 + n > data.length) throw malformed(`one-byte element id ${id} needs ${n} bytes past the end`);
      out.push({ id, data: data.subarray(i + 1, i + 1 + n) });
      i += 1 + n;
    }
    return out;
  }
  if ((profile & 0xfff0) === RTP_TWO_BYTE_EXTENSION_PROFILE) {
    while (i < data.length) {
      const id = data[i];
      if (id === 0) {
        i++;
        continue;
      }
      if (i + 2 > data.length) throw malformed(`two-byte element id ${id} has no length byte`);
      const n = data[i + 1];
      if (i + 2 + n > data.length) throw malformed(`two-byte element id ${id} needs ${n} bytes past the end`);
      out.push({ id, data: data.subarray(i + 2, i + 2 + n) });
      i += 2 + n;
    }
    return out;
  }
  return null;
}

function malformed(detail: string): RtpPacketError {
  return new RtpPacketError('RTP_EXTENSION_MALFORMED', `RTP header extension malformed: ${detail}`);
}

/**
 * Builds an RFC 8285 header extension from elements: the one-byte form when every id is 1–14
 * and every value 1–16 bytes (or when `form` says so), otherwise the two-byte form. The body is
 * zero-padded to a multiple of 4 bytes. Build once and reuse it across packets.
 * @throws {@link RtpEncodeError} when an element does not fit the chosen form.
 */
export function buildRtpExtension(
  elements: readonly RtpExtensionElement[],
  form?: 'one-byte' | 'two-byte',
): RtpHeaderExtension {
  const fitsOneByte = elements.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16);
  const chosen = form ?? (fitsOneByte ? 'one-byte' : 'two-byte');
  if (chosen === 'one-byte' && !fitsOneByte) throw invalid('one-byte extension elements need id 1-14 and 1-16 bytes');
  let size = 0;
  for (const e of elements) {
    if (chosen === 'two-byte' && (!isUint(e.id, 255) || e.id === 0 || e.data.length > 255)) {
      throw invalid(`two-byte extension element id ${e.id} with ${e.data.length} bytes (id 1-255, 0-255 bytes)`);
    }
    size += (chosen === 'one-byte' ? 1 : 2) + e.data.length;
  }
  const data = new Uint8Array((size + 3) & ~3);
  let o = 0;
  for (const e of elements) {
    if (chosen === 'one-byte') {
      data[o++] = (e.id << 4) | (e.data.length - 1);
    } else {
      data[o++] = e.id;
      data[o++] = e.data.length;
    }
    data.set(e.data, o);
    o += e.data.length;
  }
  return { profile: chosen === 'one-byte' ? RTP_ONE_BYTE_EXTENSION_PROFILE : RTP_TWO_BYTE_EXTENSION_PROFILE, data };
}
