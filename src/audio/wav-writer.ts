import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomHex } from '../random';
import { WavWriteError } from './errors';

const HEADER_BYTES = 44;
/** Largest data chunk whose RIFF size (data + 36) still fits in 32 bits. */
const MAX_DATA_BYTES = 0xffffffff - 36;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Options of {@link WavWriter.open} and {@link encodeWav}. */
export interface WavWriterOptions {
  /** Sample rate in Hz (1 … 1 000 000). */
  sampleRate: number;
  /** 1 (mono) or 2 (stereo, interleaved). */
  channels: 1 | 2;
  /** fsync the file on close so it survives a power loss too. Default true. */
  fsyncOnClose?: boolean;
}

function checkFormat(o: WavWriterOptions): void {
  if (!Number.isInteger(o.sampleRate) || o.sampleRate < 1 || o.sampleRate > 1_000_000) {
    throw new WavWriteError('WAV_BAD_ARGUMENT', 'sampleRate must be an integer between 1 and 1000000');
  }
  if (o.channels !== 1 && o.channels !== 2) throw new WavWriteError('WAV_BAD_ARGUMENT', 'channels must be 1 or 2');
}

/** Fills a canonical 44-byte PCM 16-bit header for `dataBytes` of sample data. */
function fillHeader(h: Buffer, sampleRate: number, channels: number, dataBytes: number): void {
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
}

/** Little-endian bytes of `samples` (a view when the host is little-endian, as every Node target is). */
function leBytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.byteLength);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], i * 2);
  return out;
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
}

/**
 * Streaming 16-bit PCM WAV writer whose file on disk is a valid WAV at every moment.
 *
 * - `open` writes the header to a temporary name in the same directory and renames it into
 *   place, so the final name never shows a half-written header.
 * - each `write` appends the samples with a positional write and then rewrites the 44-byte header
 *   (one `pwrite`) with the new sizes. Data goes first: if the process dies between the two, the
 *   header still describes the previous, complete state and the extra bytes lie past the RIFF end.
 * - writes are synchronous, so when `write` returns the samples and the header covering them are
 *   in the OS page cache: a crash, uncaught exception, SIGINT or SIGKILL of the process cannot
 *   lose them (only an OS crash can; `close` fsyncs by default for that).
 *
 * Callers should batch (e.g. 100 ms at a time, as {@link StereoRecorder} does): each `write` is
 * two system calls.
 */
export class WavWriter {
  /** Final path of the file. */
  readonly path: string;
  /** Sample rate written in the header (Hz). */
  readonly sampleRate: number;
  /** 1 or 2; stereo samples are interleaved. */
  readonly channels: 1 | 2;
  private fd: number | undefined;
  private dataBytes = 0;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private readonly fsyncOnClose: boolean;

  private constructor(path: string, fd: number, options: WavWriterOptions) {
    this.path = path;
    this.fd = fd;
    this.sampleRate = options.sampleRate;
    this.channels = options.channels;
    this.fsyncOnClose = options.fsyncOnClose ?? true;
  }

  /** Creates (or replaces) `path` with an empty, valid WAV and returns a writer appending to it. */
  static open(path: string, options: WavWriterOptions): WavWriter {
    checkFormat(options);
    const tmp = join(dirname(path), `.${basename(path)}.${randomHex(6)}.tmp`);
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'wx', 0o644);
      const w = new WavWriter(path, fd, options);
      w.writeHeader();
      renameSync(tmp, path);
      return w;
    } catch (err) {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // already failing; the original error is the one to report
        }
      }
      try {
        unlinkSync(tmp);
      } catch {
        // never created, or already renamed
      }
      throw new WavWriteError('WAV_WRITE_FAILED', `cannot create ${path}`, { cause: err });
    }
  }

  /** Sample frames written so far. */
  get framesWritten(): number {
    return this.dataBytes / (2 * this.channels);
  }

  /** True after {@link WavWriter.close}. */
  get closed(): boolean {
    return this.fd === undefined;
  }

  /**
   * Appends interleaved samples; when this returns they are in the file and the header covers
   * them. Throws `WAV_BAD_ARGUMENT` for a length that is not a multiple of the channel count,
   * `WAV_TOO_LARGE` past the 4 GiB WAV limit, `WAV_WRITER_CLOSED` after close.
   */
  write(samples: Int16Array): void {
    const fd = this.fd;
    if (fd === undefined) throw new WavWriteError('WAV_WRITER_CLOSED', 'write after close');
    if (!(samples instanceof Int16Array)) throw new WavWriteError('WAV_BAD_ARGUMENT', 'samples must be an Int16Array');
    if (samples.length % this.channels !== 0) throw new WavWriteError('WAV_BAD_ARGUMENT', 'sample count is not a multiple of the channel count');
    if (samples.length === 0) return;
    const bytes = leBytes(samples);
    if (this.dataBytes + bytes.length > MAX_DATA_BYTES) throw new WavWriteError('WAV_TOO_LARGE', 'WAV data would exceed 4 GiB');
    try {
      writeFully(fd, bytes, HEADER_BYTES + this.dataBytes);
      this.dataBytes += bytes.length;
      this.writeHeader();
    } catch (err) {
      throw new WavWriteError('WAV_WRITE_FAILED', `cannot write ${this.path}`, { cause: err });
    }
  }

  /** Finalises the file (header already current), fsyncs if configured, closes it. Idempotent. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    let error: unknown;
    try {
      if (this.fsyncOnClose) fsyncSync(fd);
    } catch (err) {
      error = err;
    }
    try {
      closeSync(fd);
    } catch (err) {
      error ??= err;
    }
    if (error !== undefined) throw new WavWriteError('WAV_WRITE_FAILED', `cannot finish ${this.path}`, { cause: error });
  }

  private writeHeader(): void {
    fillHeader(this.header, this.sampleRate, this.channels, this.dataBytes);
    writeFully(this.fd as number, this.header, 0);
  }
}

/** Encodes 16-bit PCM as a complete WAV file in memory. */
export function encodeWav(samples: Int16Array, options: WavWriterOptions): Buffer {
  checkFormat(options);
  if (samples.length % options.channels !== 0) throw new WavWriteError('WAV_BAD_ARGUMENT', 'sample count is not a multiple of the channel count');
  if (samples.byteLength > MAX_DATA_BYTES) throw new WavWriteError('WAV_TOO_LARGE', 'WAV data would exceed 4 GiB');
  const out = Buffer.alloc(HEADER_BYTES + samples.byteLength);
  fillHeader(out, options.sampleRate, options.channels, samples.byteLength);
  out.set(leBytes(samples), HEADER_BYTES);
  return out;
}
