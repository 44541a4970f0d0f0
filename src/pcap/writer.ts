import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomHex } from '../random';
import { PcapError, PcapWriteError } from './errors';
import { PacketFramer, type CapturedPacket, type PacketFramerOptions } from './frame';

/** Classic pcap magic (microsecond timestamps), written little-endian. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** LINKTYPE_ETHERNET. */
export const PCAP_LINKTYPE_ETHERNET = 1;
const SNAPLEN = 262144;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** Buffers per writev call, well below IOV_MAX. */
const MAX_BATCH = 512;

/** The 24-byte classic pcap global header: version 2.4, Ethernet, snaplen 262144. */
export function pcapFileHeader(): Buffer {
  const h = Buffer.alloc(FILE_HEADER);
  h.writeUInt32LE(PCAP_MAGIC, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  // thiszone 0, sigfigs 0
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(PCAP_LINKTYPE_ETHERNET, 20);
  return h;
}

function recordHeader(timeUs: number, length: number): Buffer {
  if (!Number.isFinite(timeUs) || timeUs < 0 || timeUs >= 2 ** 32 * 1e6) {
    throw new PcapError('PCAP_BAD_TIME', `capture time ${String(timeUs)} µs is not a time pcap can store`);
  }
  const us = Math.floor(timeUs);
  const sec = Math.floor(us / 1e6);
  const h = Buffer.alloc(RECORD_HEADER);
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(us - sec * 1e6, 4);
  h.writeUInt32LE(length, 8);
  h.writeUInt32LE(length, 12);
  return h;
}

/** pcap records (header + frame) for one packet; several when a TCP payload is segmented. */
function records(framer: PacketFramer, packet: CapturedPacket): Buffer[] {
  const out: Buffer[] = [];
  for (const frame of framer.frame(packet)) out.push(recordHeader(packet.timeUs, frame.length), frame);
  return out;
}

/** Options of {@link encodePcap} and {@link PcapWriter}. */
export type PcapOptions = PacketFramerOptions;

/** A whole pcap file in memory. Throws {@link PcapError} for a packet no wire could carry. */
export function encodePcap(packets: Iterable<CapturedPacket>, options: PcapOptions = {}): Buffer {
  const framer = new PacketFramer(options);
  const parts: Buffer[] = [pcapFileHeader()];
  for (const p of packets) parts.push(...records(framer, p));
  return Buffer.concat(parts);
}

/**
 * Streams a call's packets to a pcap file. Records go to a temporary file beside `path` which is
 * synced and renamed over `path` on {@link close}, so `path` is either absent or a complete
 * capture. `write` never blocks: records queue and are written in batches.
 */
export class PcapWriter {
  private readonly framer: PacketFramer;
  private queue: Buffer[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private count = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly tempPath: string,
    /** Final path of the capture. */
    readonly path: string,
    options: PcapOptions,
  ) {
    this.framer = new PacketFramer(options);
    this.queue.push(pcapFileHeader());
  }

  /** Creates the temporary file; the capture appears at `path` only when closed. */
  static async open(path: string, options: PcapOptions = {}): Promise<PcapWriter> {
    const temp = join(dirname(path), `.${basename(path)}.${randomHex(6)}.tmp`);
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx', 0o644);
    } catch (e) {
      throw new PcapWriteError('PCAP_OPEN', `cannot create a pcap file next to ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
    }
    const writer = new PcapWriter(handle, temp, path, options);
    writer.kick();
    return writer;
  }

  /** Packets accepted so far. */
  get packets(): number {
    return this.count;
  }

  /**
   * Queues one packet. Throws {@link PcapError} for a packet that cannot be framed (the capture
   * stays usable) and {@link PcapWriteError} once closed or after a disk error.
   */
  write(packet: CapturedPacket): void {
    if (this.state !== 'open') throw new PcapWriteError('PCAP_CLOSED', 'pcap writer is closed');
    if (this.failure) throw this.writeError();
    const recs = records(this.framer, packet);
    for (const r of recs) this.queue.push(r);
    this.count++;
    this.kick();
  }

  /** Writes everything queued, syncs, and renames the temporary file to `path`. */
  async close(): Promise<void> {
    if (this.state !== 'open') throw new PcapWriteError('PCAP_CLOSED', 'pcap writer is already closed');
    this.state = 'closing';
    try {
      while (this.flushing) await this.flushing;
      if (this.failure) throw this.writeError();
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tempPath, this.path);
      this.state = 'closed';
    } catch (e) {
      await this.discard();
      throw e instanceof PcapWriteError ? e : new PcapWriteError('PCAP_WRITE', `cannot finish ${this.path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
    }
  }

  /** Drops the capture: nothing appears at `path`. Safe to call at any time, more than once. */
  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    while (this.flushing) await this.flushing;
    await this.discard();
  }

  private async discard(): Promise<void> {
    this.state = 'closed';
    this.queue = [];
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  private writeError(): PcapWriteError {
    const code = (this.failure as NodeJS.ErrnoException)?.code ?? 'error';
    return new PcapWriteError('PCAP_WRITE', `writing ${this.path} failed: ${code}`, { cause: this.failure });
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0 || this.failure) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
  }

  private async writeRest(rest: Buffer): Promise<void> {
    let off = 0;
    while (off < rest.length) {
      const { bytesWritten } = await this.handle.write(rest, off, rest.length - off);
      if (bytesWritten <= 0) throw new PcapWriteError('PCAP_WRITE', 'short write');
      off += bytesWritten;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length > MAX_BATCH ? this.queue.splice(0, MAX_BATCH) : this.queue.splice(0);
        let total = 0;
        for (const b of batch) total += b.length;
        const { bytesWritten } = await this.handle.writev(batch);
        if (bytesWritten < total) await this.writeRest(Buffer.concat(batch).subarray(bytesWritten));
      }
    } catch (e) {
      this.failure = e;
    }
  }
}
