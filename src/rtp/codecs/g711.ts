/**
 * G.711 µ-law (PCMU) and A-law (PCMA), table driven.
 *
 * Rounding rule: this is the ITU-T G.191 reference rule, which TRUNCATES. A 16-bit sample is
 * reduced to 14 bits (µ-law) or 13 bits (A-law) by an arithmetic right shift of the sample, or of
 * its one's complement (`~x`) when negative — so magnitudes are truncated toward zero — and then
 * segment and mantissa are taken from that. The result is bit-exact with the G.191 `sweep-r.u` /
 * `sweep-r.a` vectors for all 65536 inputs. SoX (and others built on the classic CCITT code) round
 * to the nearest 14/13-bit value first and therefore pick the next code up on 510 µ-law / 1020
 * A-law inputs; we deliberately do not. Small negatives stay small: A-law −1…−7 encode to 0x55
 * (decoding to −8), not to the −248 of the npm `g711` package.
 *
 * Decoding uses the 256-entry G.191 expansion tables (µ-law codes 0x7F and 0xFF both decode to 0).
 * Encoding uses one 64 K-entry table per law, indexed by the sample as an unsigned 16-bit value,
 * built on first use.
 */
import type { Codec } from './codec';
import { CodecError } from '../errors';

function mulawCompress(x: number): number {
  // 14-bit magnitude plus the µ-law bias of 33, clipped to the 13-bit segment range.
  let abs = (x < 0 ? ~x >> 2 : x >> 2) + 33;
  if (abs > 0x1fff) abs = 0x1fff;
  let segment = 1;
  for (let i = abs >> 6; i !== 0; i >>= 1) segment++;
  const code = ((8 - segment) << 4) | (0x0f - ((abs >> segment) & 0x0f));
  return x >= 0 ? code | 0x80 : code;
}

function alawCompress(x: number): number {
  let v = x < 0 ? ~x >> 4 : x >> 4; // 12-bit magnitude, truncated
  if (v > 15) {
    let exponent = 1;
    while (v > 31) {
      v >>= 1;
      exponent++;
    }
    v = v - 16 + (exponent << 4);
  }
  if (x >= 0) v |= 0x80;
  return v ^ 0x55; // even bits inverted on the wire
}

function mulawExpand(code: number): number {
  const inv = ~code & 0xff;
  const exponent = (inv >> 4) & 0x07;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * (inv & 0x0f) + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

function alawExpand(code: number): number {
  const v = (code ^ 0x55) & 0x7f;
  const exponent = v >> 4;
  let mantissa = v & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 0x7f ? mantissa : -mantissa;
}

function decodeTable(expand: (code: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = expand(c);
  return t;
}

const MULAW_DECODE = decodeTable(mulawExpand);
const ALAW_DECODE = decodeTable(alawExpand);
let mulawEncodeTable: Uint8Array | undefined;
let alawEncodeTable: Uint8Array | undefined;

function encodeTable(compress: (x: number) => number): Uint8Array {
  const t = new Uint8Array(65536);
  for (let u = 0; u < 65536; u++) t[u] = compress((u << 16) >> 16);
  return t;
}

function mulawTable(): Uint8Array {
  return (mulawEncodeTable ??= encodeTable(mulawCompress));
}

function alawTable(): Uint8Array {
  return (alawEncodeTable ??= encodeTable(alawCompress));
}

function tooSmall(need: number, have: number): CodecError {
  return new CodecError('CODEC_BUFFER_TOO_SMALL', `output holds ${have} samples, ${need} needed`);
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Uint8Array): number {
  const n = pcm.length;
  if (out.length < n) throw tooSmall(n, out.length);
  for (let i = 0; i < n; i++) out[i] = table[pcm[i] & 0xffff];
  return n;
}

function decodeWith(table: Int16Array, codes: Uint8Array, out: Int16Array): number {
  const n = codes.length;
  if (out.length < n) throw tooSmall(n, out.length);
  for (let i = 0; i < n; i++) out[i] = table[codes[i]];
  return n;
}

/** µ-law code of one 16-bit sample (ITU-T G.191 rule; see the module comment). */
export function linearToMulaw(sample: number): number {
  return mulawTable()[sample & 0xffff];
}

/** 16-bit sample of one µ-law code (0–255). */
export function mulawToLinear(code: number): number {
  return MULAW_DECODE[code & 0xff];
}

/** A-law code of one 16-bit sample (ITU-T G.191 rule; see the module comment). */
export function linearToAlaw(sample: number): number {
  return alawTable()[sample & 0xffff];
}

/** 16-bit sample of one A-law code (0–255). */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/** Encodes PCM to µ-law into `out`; returns bytes written. @throws {@link CodecError} if `out` is too small. */
export function encodeMulawInto(pcm: Int16Array, out: Uint8Array): number {
  return encodeWith(mulawTable(), pcm, out);
}

/** Encodes PCM to µ-law in a new array. */
export function encodeMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  encodeWith(mulawTable(), pcm, out);
  return out;
}

/** Decodes µ-law into `out`; returns samples written. @throws {@link CodecError} if `out` is too small. */
export function decodeMulawInto(codes: Uint8Array, out: Int16Array): number {
  return decodeWith(MULAW_DECODE, codes, out);
}

/** Decodes µ-law to PCM in a new array. */
export function decodeMulaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  decodeWith(MULAW_DECODE, codes, out);
  return out;
}

/** Encodes PCM to A-law into `out`; returns bytes written. @throws {@link CodecError} if `out` is too small. */
export function encodeAlawInto(pcm: Int16Array, out: Uint8Array): number {
  return encodeWith(alawTable(), pcm, out);
}

/** Encodes PCM to A-law in a new array. */
export function encodeAlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  encodeWith(alawTable(), pcm, out);
  return out;
}

/** Decodes A-law into `out`; returns samples written. @throws {@link CodecError} if `out` is too small. */
export function decodeAlawInto(codes: Uint8Array, out: Int16Array): number {
  return decodeWith(ALAW_DECODE, codes, out);
}

/** Decodes A-law to PCM in a new array. */
export function decodeAlaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  decodeWith(ALAW_DECODE, codes, out);
  return out;
}

/** Options shared by the G.711 codec classes. */
export interface G711CodecOptions {
  /** Payload type; default the static one (PCMU 0, PCMA 8). */
  readonly payloadType?: number;
  /** Frame duration in ms; default 20. Must give a whole number of 8 kHz samples, at most 200 ms. */
  readonly ptimeMs?: number;
}

abstract class G711Codec implements Codec {
  abstract readonly name: string;
  readonly payloadType: number;
  readonly clockRate = 8000;
  readonly sampleRate = 8000;
  readonly channels = 1;
  readonly samplesPerFrame: number;
  readonly ptimeMs: number;
  readonly timestampStep: number;
  private readonly encodeTable: Uint8Array;
  private readonly decodeTable: Int16Array;

  protected constructor(defaultPt: number, encode: Uint8Array, decode: Int16Array, options: G711CodecOptions) {
    const pt = options.payloadType ?? defaultPt;
    const ptime = options.ptimeMs ?? 20;
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new CodecError('CODEC_INVALID_OPTION', `payload type ${pt} is not 0-127`);
    if (!(ptime > 0 && ptime <= 200 && Number.isInteger(ptime * 8))) {
      throw new CodecError('CODEC_INVALID_OPTION', `ptime ${ptime} ms is not a whole number of 8 kHz samples in (0, 200]`);
    }
    this.payloadType = pt;
    this.ptimeMs = ptime;
    this.samplesPerFrame = ptime * 8;
    this.timestampStep = this.samplesPerFrame;
    this.encodeTable = encode;
    this.decodeTable = decode;
  }

  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array(pcm.length);
    encodeWith(this.encodeTable, pcm, out);
    return out;
  }

  encodeInto(pcm: Int16Array, out: Uint8Array): number {
    return encodeWith(this.encodeTable, pcm, out);
  }

  decode(payload: Uint8Array): Int16Array {
    const out = new Int16Array(payload.length);
    decodeWith(this.decodeTable, payload, out);
    return out;
  }

  decodeInto(payload: Uint8Array, out: Int16Array): number {
    return decodeWith(this.decodeTable, payload, out);
  }
}

/** G.711 µ-law (`PCMU/8000`, static payload type 0). Stateless; still one instance per stream. */
export class PcmuCodec extends G711Codec {
  readonly name = 'PCMU';

  constructor(options: G711CodecOptions = {}) {
    super(0, mulawTable(), MULAW_DECODE, options);
  }
}

/** G.711 A-law (`PCMA/8000`, static payload type 8). Stateless; still one instance per stream. */
export class PcmaCodec extends G711Codec {
  readonly name = 'PCMA';

  constructor(options: G711CodecOptions = {}) {
    super(8, alawTable(), ALAW_DECODE, options);
  }
}
