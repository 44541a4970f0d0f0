/**
 * RTP statistics. {@link RtpReceiveStats} is the receive side of one source per RFC 3550 A.1
 * (sequence validation), A.3 (expected/lost) and A.8 (jitter); it needs no RTCP from the far end,
 * since many SIP agents send none. {@link RtpSendStats} counts what we send, fills SR sender info
 * and takes in the far end's report blocks about our stream (their loss/jitter view, RTT).
 */
import { ntpMiddle32, wallClockToNtp, type NtpTimestamp, type RtcpPacket, type RtcpReportBlock, type RtcpSenderReport } from './rtcp';
import { RtpEncodeError } from './errors';

const SEQ_MOD = 65536;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
// Power of two ≥ MAX_DROPOUT + MAX_MISORDER: every sequence number that can still be compared
// with the highest one has its own slot.
const WINDOW = 4096;

/** What {@link RtpReceiveStats.receive} made of one packet. */
export type RtpReceiveVerdict =
  /** Not yet validated: the source is on probation (RFC 3550 A.1, MIN_SEQUENTIAL). */
  | 'probation'
  /** In order, possibly after a gap (loss). */
  | 'in-order'
  /** Older than the highest received and not seen before. */
  | 'reordered'
  /** Seen before. */
  | 'duplicate'
  /** A large jump, not counted; a second packet continuing it restarts the accounting. */
  | 'jump'
  /** The jump was confirmed: the source restarted its sequence; accounting starts again here. */
  | 'restarted';

/** Options of {@link RtpReceiveStats}. */
export interface RtpReceiveStatsOptions {
  /** RTP clock rate of the stream's codec (G.722: 8000). */
  readonly clockRate: number;
  /** SSRC of the source, for report blocks; can be set later via `ssrc`. */
  readonly ssrc?: number;
  /** Sequential packets needed before a source is valid; default 2 (RFC 3550 MIN_SEQUENTIAL). */
  readonly minSequential?: number;
}

/** A point-in-time copy of the receive statistics. */
export interface RtpReceiveStatsSnapshot {
  readonly ssrc: number;
  /** True once probation passed. */
  readonly valid: boolean;
  /** Packets counted (RFC 3550: includes duplicates and reordered ones). */
  readonly received: number;
  /** Payload bytes of the counted packets. */
  readonly bytesReceived: number;
  /** Extended highest sequence number (cycles × 65536 + seq). */
  readonly highestSequence: number;
  /** Packets expected: highest − first + 1. */
  readonly expected: number;
  /** Packets never received: expected − (received − duplicates). Duplicates do not hide loss. */
  readonly lost: number;
  /** RFC 3550 cumulative loss as an RR reports it: expected − received (negative with duplicates). */
  readonly cumulativeLost: number;
  /** Packets that arrived more than once. */
  readonly duplicates: number;
  /** Packets that arrived after a higher sequence number. */
  readonly reordered: number;
  /** Packets ignored: runs that failed probation and unconfirmed sequence jumps (not those still on probation). */
  readonly discarded: number;
  /** Times the source restarted its sequence (a confirmed jump). */
  readonly restarts: number;
  /** Interarrival jitter in RTP timestamp units (RFC 3550 A.8). */
  readonly jitter: number;
  /** The same jitter in milliseconds. */
  readonly jitterMs: number;
  /** The largest value the jitter estimate took after any packet, in ms (Wireshark's "Max Jitter"). */
  readonly maxJitterMs: number;
}

/**
 * Receive statistics of one RTP source. Feed every packet with its arrival time in milliseconds
 * (any monotonic clock) and read a snapshot at any time.
 *
 * One deliberate difference from the RFC 3550 A.1 sample code: the packets that pass probation
 * are counted once it ends (the sample code forgets them), so that on a clean stream
 * received = packets sent and lost = 0.
 */
export class RtpReceiveStats {
  /** SSRC of the source (for report blocks). */
  ssrc: number;
  private readonly clockRate: number;
  private readonly minSequential: number;
  private started = false;
  private probation = 0;
  private run = 0;
  private runBytes = 0;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private received = 0;
  private bytes = 0;
  private receivedPrior = 0;
  private expectedPrior = 0;
  private duplicates = 0;
  private reordered = 0;
  private discarded = 0;
  private restarts = 0;
  private jitter = 0;
  private maxJitter = 0;
  private haveTransit = false;
  private lastArrivalRtp = 0;
  private lastTimestamp = 0;
  /** One bit per extended sequence number in the window (512 bytes per stream, not 4 KiB: hundreds of calls hold one each). */
  private readonly seen = new Int32Array(WINDOW >>> 5);
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;
  private haveSr = false;

  constructor(options: RtpReceiveStatsOptions) {
    if (!(options.clockRate > 0 && Number.isFinite(options.clockRate))) throw new RtpEncodeError('RTP_INVALID_FIELD', `clock rate ${options.clockRate} is not positive`);
    this.clockRate = options.clockRate;
    this.ssrc = options.ssrc ?? 0;
    this.minSequential = Math.max(1, Math.floor(options.minSequential ?? 2));
  }

  /**
   * Accounts one received packet.
   * @param sequenceNumber 16-bit RTP sequence number.
   * @param timestamp 32-bit RTP timestamp.
   * @param arrivalMs arrival time in ms on a monotonic clock (fractions welcome).
   * @param payloadBytes payload size, for the byte count.
   * @param measureJitter false for packets whose timestamp does not advance with media time
   *   (RFC 4733 events hold theirs), so they do not inflate the jitter.
   */
  receive(sequenceNumber: number, timestamp: number, arrivalMs: number, payloadBytes = 0, measureJitter = true): RtpReceiveVerdict {
    const seq = sequenceNumber & 0xffff;
    if (!this.started) {
      this.started = true;
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
      this.run = 0;
      this.runBytes = 0;
    }
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.run++;
        this.runBytes += payloadBytes;
        this.maxSeq = seq;
        this.noteTransit(timestamp, arrivalMs, measureJitter);
        if (this.probation === 0) {
          this.initSeq((seq - this.run + 1) & 0xffff);
          this.maxSeq = seq;
          if (seq < this.baseSeq) this.cycles = SEQ_MOD; // the probation run itself wrapped
          for (let i = 0; i < this.run; i++) this.markSeen(this.cycles + seq - i);
          this.received = this.run;
          this.bytes = this.runBytes;
          return 'in-order';
        }
      } else {
        this.discarded += this.run;
        this.probation = this.minSequential - 1;
        this.run = 1;
        this.runBytes = payloadBytes;
        this.maxSeq = seq;
        this.jitter = 0;
        this.haveTransit = false;
        this.noteTransit(timestamp, arrivalMs, false);
        if (this.probation === 0) {
          this.initSeq(seq);
          this.markSeen(seq);
          this.received = 1;
          this.bytes = payloadBytes;
          return 'in-order';
        }
      }
      return 'probation';
    }

    const udelta = (seq - this.maxSeq) & 0xffff;
    let verdict: RtpReceiveVerdict;
    let ext: number;
    if (udelta !== 0 && udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      const prevExt = this.cycles + this.maxSeq - (seq < this.maxSeq ? SEQ_MOD : 0);
      this.maxSeq = seq;
      ext = this.cycles + seq;
      this.clearSeen(prevExt + 1, ext);
      verdict = 'in-order';
    } else if (udelta !== 0 && udelta <= SEQ_MOD - MAX_MISORDER) {
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        this.discarded++;
        return 'jump';
      }
      // Two sequential packets after a jump: the source restarted (RFC 3550 A.1).
      this.initSeq(seq);
      this.restarts++;
      this.haveTransit = false;
      ext = seq;
      verdict = 'restarted';
    } else {
      ext = this.cycles + seq - (seq > this.maxSeq ? SEQ_MOD : 0);
      if (this.isSeen(ext)) {
        this.duplicates++;
        this.received++;
        this.bytes += payloadBytes;
        return 'duplicate';
      }
      this.reordered++;
      verdict = 'reordered';
    }
    this.markSeen(ext);
    this.received++;
    this.bytes += payloadBytes;
    this.noteTransit(timestamp, arrivalMs, measureJitter);
    return verdict;
  }

  /** Records an SR from this source, for LSR/DLSR in the next report block. */
  onSenderReport(sr: RtcpSenderReport, arrivalMs: number): void {
    this.lastSrMiddle = ntpMiddle32(sr.ntpSeconds, sr.ntpFraction);
    this.lastSrArrivalMs = arrivalMs;
    this.haveSr = true;
  }

  /** Current statistics. Reading does not disturb the per-report interval. */
  snapshot(): RtpReceiveStatsSnapshot {
    const valid = this.started && this.probation === 0;
    const highest = valid ? this.cycles + this.maxSeq : 0;
    const expected = valid ? highest - this.baseSeq + 1 : 0;
    return {
      ssrc: this.ssrc,
      valid,
      received: this.received,
      bytesReceived: this.bytes,
      highestSequence: highest,
      expected,
      lost: expected - (this.received - this.duplicates),
      cumulativeLost: expected - this.received,
      duplicates: this.duplicates,
      reordered: this.reordered,
      discarded: this.discarded,
      restarts: this.restarts,
      jitter: this.jitter,
      jitterMs: (this.jitter * 1000) / this.clockRate,
      maxJitterMs: (this.maxJitter * 1000) / this.clockRate,
    };
  }

  /**
   * Builds the report block about this source for our next SR/RR and starts a new interval for
   * the fraction lost (RFC 3550 A.3). Null while the source is still on probation.
   * @param nowMs the same monotonic clock as the arrival times, for DLSR.
   */
  buildReportBlock(nowMs: number): RtcpReportBlock | null {
    if (!this.started || this.probation > 0) return null;
    const expected = this.cycles + this.maxSeq - this.baseSeq + 1;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const dlsr = this.haveSr ? Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000)) : 0;
    return {
      ssrc: this.ssrc >>> 0,
      fractionLost,
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, expected - this.received)),
      highestSequence: (this.cycles + this.maxSeq) >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.jitter)),
      lastSenderReport: this.haveSr ? this.lastSrMiddle : 0,
      delaySinceLastSenderReport: Math.min(0xffffffff, dlsr),
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.bytes = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
    this.seen.fill(0);
  }

  private isSeen(ext: number): boolean {
    const i = ext & (WINDOW - 1);
    return (this.seen[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  private markSeen(ext: number): void {
    const i = ext & (WINDOW - 1);
    this.seen[i >>> 5] |= 1 << (i & 31);
  }

  private clearSeen(from: number, to: number): void {
    if (to - from + 1 >= WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let e = from; e <= to; e++) {
      const i = e & (WINDOW - 1);
      this.seen[i >>> 5] &= ~(1 << (i & 31));
    }
  }

  private noteTransit(timestamp: number, arrivalMs: number, measure: boolean): void {
    if (!Number.isFinite(arrivalMs)) return; // a bad clock reading must not poison the jitter
    const arrivalRtp = (arrivalMs * this.clockRate) / 1000;
    if (measure && this.haveTransit) {
      // D(i-1,i) = (Rj - Ri) - (Sj - Si); the timestamp difference is taken mod 2^32 as signed.
      const d = Math.abs(arrivalRtp - this.lastArrivalRtp - ((timestamp - this.lastTimestamp) | 0));
      this.jitter += (d - this.jitter) / 16;
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
    }
    this.lastArrivalRtp = arrivalRtp;
    this.lastTimestamp = timestamp >>> 0;
    this.haveTransit = true;
  }
}

/** The far end's view of our stream, from the latest report block it sent about it. */
export interface RemoteReceptionReport {
  /** SSRC of the reporter. */
  readonly reporterSsrc: number;
  /** Loss since their previous report, 0–1. */
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly highestSequence: number;
  /** Their jitter estimate in RTP units and in ms. */
  readonly jitter: number;
  readonly jitterMs: number;
  /** Round-trip time from LSR/DLSR (RFC 3550 §6.4.1), when they echoed one of our SRs. */
  readonly rttMs?: number;
  /** Our wall clock (Unix ms) when the report arrived. */
  readonly receivedAtMs: number;
}

/**
 * Counts what we send on one SSRC, provides the SR sender info, and keeps the far end's latest
 * report about our stream.
 */
export class RtpSendStats {
  readonly ssrc: number;
  private readonly clockRate: number;
  private packets = 0;
  private octets = 0;
  private lastTimestamp = 0;
  private lastSendMs = 0;
  private sentSinceReport = false;
  private latest: RemoteReceptionReport | undefined;

  constructor(options: { readonly ssrc: number; readonly clockRate: number }) {
    if (!(options.clockRate > 0 && Number.isFinite(options.clockRate))) throw new RtpEncodeError('RTP_INVALID_FIELD', `clock rate ${options.clockRate} is not positive`);
    this.ssrc = options.ssrc >>> 0;
    this.clockRate = options.clockRate;
  }

  /** Accounts one packet we sent: payload size, its RTP timestamp, and the monotonic send time. */
  onSent(payloadBytes: number, rtpTimestamp: number, nowMs: number): void {
    this.packets++;
    this.octets += payloadBytes;
    this.lastTimestamp = rtpTimestamp >>> 0;
    this.lastSendMs = nowMs;
    this.sentSinceReport = true;
  }

  /** Packets and payload octets sent so far. */
  get packetsSent(): number {
    return this.packets;
  }

  get octetsSent(): number {
    return this.octets;
  }

  /** True when we sent RTP since the last {@link senderInfo} call: the next report is an SR. */
  get isSender(): boolean {
    return this.sentSinceReport;
  }

  /**
   * SR sender info for now: NTP time from the wall clock and the RTP timestamp that corresponds
   * to it (extrapolated from the last packet on the media clock). Starts a new report interval.
   */
  senderInfo(nowMs: number, wallClockMs: number): { ntp: NtpTimestamp; rtpTimestamp: number; packetCount: number; octetCount: number } {
    this.sentSinceReport = false;
    const rtp = (this.lastTimestamp + Math.round(((nowMs - this.lastSendMs) * this.clockRate) / 1000)) >>> 0;
    return { ntp: wallClockToNtp(wallClockMs), rtpTimestamp: rtp, packetCount: this.packets >>> 0, octetCount: this.octets >>> 0 };
  }

  /**
   * Takes in a received compound RTCP datagram: the report block about our SSRC in any SR/RR
   * becomes the {@link remoteReport}. Returns it, or undefined when no block was about us.
   * @param wallClockMs our wall clock (Unix ms) at arrival, for the RTT.
   */
  onRtcp(packets: readonly RtcpPacket[], wallClockMs: number): RemoteReceptionReport | undefined {
    let found: RemoteReceptionReport | undefined;
    for (const p of packets) {
      if (p.type !== 'SR' && p.type !== 'RR') continue;
      for (const block of p.reports) {
        if (block.ssrc === this.ssrc) found = this.onReportBlock(block, p.ssrc, wallClockMs);
      }
    }
    return found;
  }

  /** Takes in one report block about our stream (see {@link onRtcp}). */
  onReportBlock(block: RtcpReportBlock, reporterSsrc: number, wallClockMs: number): RemoteReceptionReport {
    let rttMs: number | undefined;
    if (block.lastSenderReport !== 0) {
      const ntp = wallClockToNtp(wallClockMs);
      const a = ntpMiddle32(ntp.seconds, ntp.fraction);
      const rtt = (a - block.lastSenderReport - block.delaySinceLastSenderReport) >>> 0;
      // A "negative" result (clock trouble or a forged block) wraps to a huge value: ignore it.
      if (rtt < 0x80000000) rttMs = (rtt * 1000) / 65536;
    }
    const report: RemoteReceptionReport = {
      reporterSsrc,
      fractionLost: block.fractionLost / 256,
      cumulativeLost: block.cumulativeLost,
      highestSequence: block.highestSequence,
      jitter: block.jitter,
      jitterMs: (block.jitter * 1000) / this.clockRate,
      ...(rttMs !== undefined ? { rttMs } : {}),
      receivedAtMs: wallClockMs,
    };
    this.latest = report;
    return report;
  }

  /** The far end's latest report about our stream, if it sends RTCP at all. */
  get remoteReport(): RemoteReceptionReport | undefined {
    return this.latest;
  }
}
