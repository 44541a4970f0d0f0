import { readFile, stat } from 'node:fs/promises';
import { decodeAlaw, decodeMulaw } from '../rtp/codecs/g711';
import { WavFormatError } from './errors';

/** How the samples were stored in the file. */
export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

/** A decoded WAV file: 16-bit PCM, interleaved when `channels` > 1. */
export interface WavAudio {
  /** Samples per second per channel. */
  sampleRate: number;
  /** Channel count (1 … 8). */
  channels: number;
  /** Number of sample frames (samples per channel). */
  frames: number;
  /** Interleaved 16-bit samples (`frames × channels`). */
  samples: Int16Array;
  /** Storage format in the file. */
  encoding: WavEncoding;
  /** Bits per sample as stored (container size). */
  bitsPerSample: number;
  /**
   * True when the data chunk declared more bytes than the file holds (a file cut short); the
   * frames that are present are returned. A streamed size of 0xFFFFFFFF is not counted as truncation.
   */
  truncated: boolean;
}

const TAG_PCM = 1;
const TAG_FLOAT = 3;
const TAG_ALAW = 6;
const TAG_MULAW = 7;
const TAG_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two are the format tag). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const MAX_CHANNELS = 8;
const MAX_RATE = 1_000_000;

interface Fmt {
  tag: number;
  channels: number;
  sampleRate: number;
  bits: number;
}

function fail(code: string, message: string): never {
  throw new WavFormatError(code, message);
}

function fourcc(b: Uint8Array, off: number): string {
  return String.fromCharCode(b[off], b[off + 1], b[off + 2], b[off + 3]);
}

function u16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

function parseFmt(b: Uint8Array, off: number, size: number): Fmt {
  if (size < 16) fail('WAV_BAD_FMT', `fmt chunk of ${size} bytes is shorter than 16`);
  let tag = u16(b, off);
  const channels = u16(b, off + 2);
  const sampleRate = u32(b, off + 4);
  const bits = u16(b, off + 14);
  if (tag === TAG_EXTENSIBLE) {
    if (size < 40) fail('WAV_BAD_FMT', `WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes is shorter than 40`);
    tag = u16(b, off + 24);
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (b[off + 26 + i] !== GUID_TAIL[i]) fail('WAV_UNSUPPORTED', 'WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID');
    }
  }
  if (channels === 0) fail('WAV_BAD_FMT', 'fmt declares 0 channels');
  if (channels > MAX_CHANNELS) fail('WAV_UNSUPPORTED', `${channels} channels (at most ${MAX_CHANNELS} supported)`);
  if (sampleRate === 0 || sampleRate > MAX_RATE) fail('WAV_BAD_FMT', `sample rate ${sampleRate} out of range`);
  switch (tag) {
    case TAG_PCM:
      if (bits < 1 || bits > 32) fail('WAV_UNSUPPORTED', `${bits}-bit PCM`);
      break;
    case TAG_FLOAT:
      if (bits !== 32 && bits !== 64) fail('WAV_UNSUPPORTED', `${bits}-bit float`);
      break;
    case TAG_ALAW:
    case TAG_MULAW:
      if (bits !== 8) fail('WAV_UNSUPPORTED', `${bits}-bit G.711`);
      break;
    default:
      fail('WAV_UNSUPPORTED', `format tag 0x${tag.toString(16)}`);
  }
  return { tag, channels, sampleRate, bits };
}

/**
 * Parses a RIFF/WAVE file held in memory. Chunks may come in any order; unknown chunks are
 * skipped; WAVE_FORMAT_EXTENSIBLE is understood. Decodes unsigned 8-bit, 16/24/32-bit PCM,
 * 32/64-bit float, µ-law and A-law to 16-bit PCM (wider PCM and float are rounded half up to 16
 * bits and clipped, as SoX does). Every size in the file is bounds-checked: a data
 * chunk longer than the file (cut short, or streamed with size 0xFFFFFFFF) yields the frames that
 * are there. Anything else malformed throws {@link WavFormatError}.
 */
export function readWav(bytes: Uint8Array): WavAudio {
  const b = bytes;
  if (b.length < 12) fail('WAV_TRUNCATED', `${b.length} bytes is too short for a RIFF header`);
  const magic = fourcc(b, 0);
  if (magic === 'RF64' || magic === 'RIFX') fail('WAV_UNSUPPORTED', `${magic} files are not supported`);
  if (magic !== 'RIFF' || fourcc(b, 8) !== 'WAVE') fail('WAV_NOT_RIFF', 'not a RIFF/WAVE file');
  const riffSize = u32(b, 4);
  // Stop looking for chunks at the declared RIFF end when it is plausible: bytes beyond it are
  // not part of the file (e.g. data appended by a writer that died before updating the header).
  const riffEnd = riffSize >= 4 && riffSize !== 0xffffffff && riffSize + 8 < b.length ? riffSize + 8 : b.length;

  let fmt: Fmt | undefined;
  let dataOff = -1;
  let dataLen = 0;
  let truncated = false;
  let cut = false;
  let off = 12;
  while (off + 8 <= riffEnd) {
    const id = fourcc(b, off);
    const size = u32(b, off + 4);
    const body = off + 8;
    const available = b.length - body;
    if (id === 'fmt ') {
      if (size > available) fail('WAV_TRUNCATED', 'fmt chunk runs past the end of the file');
      if (fmt) fail('WAV_BAD_FMT', 'more than one fmt chunk');
      fmt = parseFmt(b, body, size);
    } else if (id === 'data' && dataOff < 0) {
      dataOff = body;
      if (size > available) {
        dataLen = available;
        truncated = size !== 0xffffffff;
      } else {
        dataLen = size;
      }
    }
    if (size > available) {
      cut = id !== 'data';
      break;
    }
    off = body + size + (size & 1);
  }
  if (off < riffEnd && off + 8 > riffEnd) cut = true;
  if (!fmt) fail(cut ? 'WAV_TRUNCATED' : 'WAV_NO_FMT', cut ? 'file ends before a fmt chunk' : 'no fmt chunk');
  if (dataOff < 0) fail(cut ? 'WAV_TRUNCATED' : 'WAV_NO_DATA', cut ? 'file ends before a data chunk' : 'no data chunk');

  const bytesPerSample = Math.ceil(fmt.bits / 8);
  const blockAlign = bytesPerSample * fmt.channels;
  const frames = Math.floor(dataLen / blockAlign);
  const n = frames * fmt.channels;
  const samples = decodeSamples(b.subarray(dataOff, dataOff + n * bytesPerSample), fmt, n);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    frames,
    samples,
    encoding: fmt.tag === TAG_PCM ? 'pcm' : fmt.tag === TAG_FLOAT ? 'float' : fmt.tag === TAG_MULAW ? 'mulaw' : 'alaw',
    bitsPerSample: fmt.bits,
    truncated,
  };
}

function decodeSamples(d: Uint8Array, fmt: Fmt, n: number): Int16Array {
  if (fmt.tag === TAG_MULAW) return decodeMulaw(d);
  if (fmt.tag === TAG_ALAW) return decodeAlaw(d);
  const out = new Int16Array(n);
  if (fmt.tag === TAG_FLOAT) {
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const wide = fmt.bits === 64;
    for (let i = 0; i < n; i++) {
      const v = wide ? dv.getFloat64(i * 8, true) : dv.getFloat32(i * 4, true);
      const s = Math.round(v * 32768);
      out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s === s ? s : 0;
    }
    return out;
  }
  const w = Math.ceil(fmt.bits / 8);
  switch (w) {
    case 1:
      for (let i = 0; i < n; i++) out[i] = (d[i] - 128) << 8;
      break;
    case 2:
      for (let i = 0, o = 0; i < n; i++, o += 2) out[i] = (d[o] | (d[o + 1] << 8)) << 16 >> 16;
      break;
    case 3:
      // Left-justified in the container; round half up and clip, as SoX does, so that the
      // result is reproducible against `sox -D … -b 16`.
      for (let i = 0, o = 0; i < n; i++, o += 3) {
        const v = ((d[o] << 8) | (d[o + 1] << 16) | (d[o + 2] << 24)) >> 8;
        const r = (v + 0x80) >> 8;
        out[i] = r > 32767 ? 32767 : r;
      }
      break;
    default:
      for (let i = 0, o = 0; i < n; i++, o += 4) {
        const v = d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24);
        const r = Math.floor((v + 0x8000) / 0x10000);
        out[i] = r > 32767 ? 32767 : r;
      }
  }
  return out;
}

/** Options of {@link readWavFile}. */
export interface ReadWavFileOptions {
  /** Refuse files larger than this many bytes (`WAV_TOO_LARGE`). Default 256 MiB. */
  maxBytes?: number;
}

/** Reads and decodes a WAV file from disk (see {@link readWav}). */
export async function readWavFile(path: string, options: ReadWavFileOptions = {}): Promise<WavAudio> {
  const max = options.maxBytes ?? 256 * 1024 * 1024;
  const st = await stat(path);
  if (st.size > max) throw new WavFormatError('WAV_TOO_LARGE', `WAV file of ${st.size} bytes exceeds the ${max}-byte limit`);
  return readWav(await readFile(path));
}
