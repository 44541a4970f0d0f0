/**
 * A fixed-depth jitter buffer for one audio stream: packets go in as they arrive, exactly one
 * frame comes out per ptime (the caller pops on its paced tick). Frames are placed by RTP
 * timestamp, not sequence number, so telephone-events interleaved in the sequence space and
 * silence-suppressed gaps need no special casing. Out-of-order packets within the buffer are put
 * back in order, duplicates dropped, packets whose frame has already been played counted as late
 * and discarded, and a missing frame at play time is reported as concealed (the caller plays
 * silence).
 *
 * Memory: payload room is per slot and grows with what arrives (never a packet dropped for want of
 * room): sized from a hint (the negotiated codec's frame) or from the first packet, and enlarged
 * for all slots at once when a longer payload comes (a peer sending 60 ms packets, a large Opus
 * frame), up to `maxPayloadBytes`. With hundreds of calls in one process, 16 slots of an MTU each
 * (24 kB a stream) would be most of a call's memory; 16 G.711 frames are 2.5 kB.
 */
import { SipprobeError } from '../errors';

/** Invalid jitter-buffer options (`JITTER_BAD_OPTION`). */
export class JitterBufferError extends SipprobeError {
  declare readonly code: 'JITTER_BAD_OPTION';

  constructor(message: string) {
    super('JITTER_BAD_OPTION', message);
  }
}

/** Options of a {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /**
   * Frames of delay between the first packet of a talkspurt and its playout: a packet may arrive
   * up to this many ptimes late (or out of order) and still be played. Default 3 (60 ms at 20 ms).
   */
  readonly depth?: number;
  /** RTP timestamp units per frame (the codec's `timestampStep`, e.g. 160 for PCMU/G.722 at 20 ms). */
  readonly timestampStep: number;
  /** Largest payload kept; longer ones are refused. Default 1500. */
  readonly maxPayloadBytes?: number;
  /**
   * Payload room per slot to start with, e.g. one frame of the negotiated codec (160 for G.711 at
   * 20 ms). Longer payloads (up to `maxPayloadBytes`) make the buffer grow; they are never
   * refused for it. Default: sized on the first packet.
   */
  readonly slotBytes?: number;
  /**
   * Consecutive concealed frames with nothing buffered after which the buffer goes idle (the far
   * end stopped sending or suppresses silence); the next packet starts a new talkspurt with the
   * full depth again. Default 25 (500 ms at 20 ms).
   */
  readonly idleAfterFrames?: number;
}

/** What {@link JitterBuffer.push} did with a packet. */
export type JitterPushResult =
  /** Stored for playout. */
  | 'buffered'
  /** A frame with this timestamp is already buffered: dropped. */
  | 'duplicate'
  /** Its frame was already played (or concealed): discarded. */
  | 'late'
  /** Far outside the buffer window (timestamp jump or restart): the buffer restarted on it. */
  | 'resync'
  /** Payload longer than `maxPayloadBytes`: dropped. */
  | 'too-large';

/** One popped frame. The object and its `payload` view are reused: read them before the next push/pop. */
export interface JitterFrame {
  /**
   * `idle`: no stream yet, or waiting out the initial depth of a talkspurt (play nothing or
   * silence; not a loss). `frame`: the payload to decode. `concealed`: the frame is missing.
   */
  kind: 'idle' | 'frame' | 'concealed';
  /** Payload to decode (only for `frame`), a view into the buffer's own storage. */
  payload: Uint8Array;
  /** RTP timestamp of the frame (for `concealed`, the one it would have had). */
  timestamp: number;
  /** Sequence number of the packet (only for `frame`). */
  sequenceNumber: number;
  /** Marker bit of the packet (only for `frame`). */
  marker: boolean;
  /** When the packet arrived, on the caller's clock (only for `frame`). */
  arrivalTime: number;
}

/** Counters of a {@link JitterBuffer}. */
export interface JitterBufferStats {
  /** Configured depth in frames. */
  readonly depth: number;
  /** Frames currently waiting for playout. */
  readonly buffered: number;
  /** Frames played from packets. */
  readonly played: number;
  /** Frames missing at play time (silence played in their place). */
  readonly concealed: number;
  /** Packets that arrived after their frame was played: discarded. */
  readonly late: number;
  /** Packets whose frame was already buffered: dropped. */
  readonly duplicates: number;
  /** Packets stored out of order (an earlier frame arrived after a later one). */
  readonly reordered: number;
  /** Restarts on a packet far outside the window (timestamp jump, source restart). */
  readonly resyncs: number;
  /** Payloads refused for size. */
  readonly tooLarge: number;
  /** Talkspurts started (first packet, and each packet after the buffer went idle). */
  readonly talkspurts: number;
}

// Frame numbers can be negative (a packet overtaken during pre-roll), so empty is -∞, not -1.
const EMPTY = -Infinity;
// Per-slot fields, in one Float64Array (one allocation instead of six typed arrays per stream).
const F_FRAME = 0;
const F_TS = 1;
const F_SEQ = 2;
const F_MARKER = 3;
const F_ARRIVAL = 4;
const F_LENGTH = 5;
const FIELDS = 6;
// The payload of idle and concealed frames (read-only in practice: nothing is ever written to it).
const NO_PAYLOAD = new Uint8Array(0);

function isPositiveInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/**
 * The jitter buffer. Time-free by design: the owner decides when a ptime has passed (the shared
 * pacer's tick) and calls {@link pop}; arrival times are only carried through for reporting.
 */
export class JitterBuffer {
  readonly depth: number;
  private readonly step: number;
  private readonly maxPayload: number;
  private readonly idleAfter: number;
  private readonly mask: number;
  /** `FIELDS` numbers per slot: frame number (EMPTY when free), timestamp, seq, marker, arrival, payload length. */
  private readonly slots: Float64Array;
  /** Payload room per slot now (0 before the first packet without a hint). */
  private slotSize: number;
  private storage: Uint8Array;
  private readonly views: Uint8Array[];
  private readonly out: JitterFrame;

  private active = false;
  // Frames are numbered relative to the talkspurt's first packet; refTs/refFrame map timestamps
  // onto them through signed 32-bit differences, so timestamp wraparound needs no special case.
  private refTs = 0;
  private refFrame = 0;
  private playNext = 0;
  private waitPops = 0;
  private emptyStreak = 0;
  private maxFrame = -Infinity;
  private bufferedCount = 0;

  private played = 0;
  private concealed = 0;
  private late = 0;
  private duplicates = 0;
  private reordered = 0;
  private resyncs = 0;
  private tooLarge = 0;
  private talkspurts = 0;

  constructor(options: JitterBufferOptions) {
    const depth = options.depth ?? 3;
    if (!Number.isInteger(depth) || depth < 0 || depth > 50) throw new JitterBufferError(`depth ${depth} is not 0-50 frames`);
    if (!isPositiveInt(options.timestampStep)) throw new JitterBufferError(`timestamp step ${options.timestampStep} is not a positive integer`);
    const maxPayload = options.maxPayloadBytes ?? 1500;
    if (!isPositiveInt(maxPayload) || maxPayload > 65535) throw new JitterBufferError(`maxPayloadBytes ${maxPayload} is not 1-65535`);
    const slotBytes = options.slotBytes ?? 0;
    if (!Number.isInteger(slotBytes) || slotBytes < 0 || slotBytes > maxPayload) throw new JitterBufferError(`slotBytes ${slotBytes} is not 0-${maxPayload}`);
    const idleAfter = options.idleAfterFrames ?? 25;
    if (!isPositiveInt(idleAfter)) throw new JitterBufferError(`idleAfterFrames ${idleAfter} is not a positive integer`);
    this.depth = depth;
    this.step = options.timestampStep;
    this.maxPayload = maxPayload;
    this.idleAfter = idleAfter;
    // Room for the depth plus as much again ahead of it (a burst after a stall), as a power of two.
    let size = 4;
    while (size < 2 * depth + 4) size *= 2;
    this.mask = size - 1;
    this.slots = new Float64Array(size * FIELDS);
    this.clearSlots();
    this.slotSize = slotBytes;
    this.storage = new Uint8Array(size * slotBytes);
    this.views = new Array<Uint8Array>(size).fill(NO_PAYLOAD);
    this.out = { kind: 'idle', payload: NO_PAYLOAD, timestamp: 0, sequenceNumber: 0, marker: false, arrivalTime: 0 };
  }

  /** Payload room per slot at present (it grows when a longer payload arrives). */
  get slotBytes(): number {
    return this.slotSize;
  }

  /** Number of slots: the furthest ahead of the play position a frame can be stored. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** True while a talkspurt is being played (false before the first packet and after going idle). */
  get playing(): boolean {
    return this.active;
  }

  /**
   * Offers one received audio packet. The payload is `payload[start, end)` (default: all of it)
   * and is copied, so the datagram need not outlive the call. A payload longer than the slots
   * enlarges them (a view from an earlier {@link pop} is then stale: read popped frames before
   * pushing).
   */
  push(timestamp: number, sequenceNumber: number, payload: Uint8Array, arrivalTime: number, marker = false, start = 0, end = payload.length): JitterPushResult {
    if (end - start > this.maxPayload) {
      this.tooLarge++;
      return 'too-large';
    }
    const ts = timestamp >>> 0;
    if (!this.active) {
      this.start(ts);
      this.store(0, ts, sequenceNumber, payload, start, end, arrivalTime, marker);
      return 'buffered';
    }
    const frame = this.refFrame + Math.round(((ts - this.refTs) | 0) / this.step);
    if (frame < this.playNext && this.waitPops >= this.playNext - frame) {
      // Still pre-rolling and the talkspurt's first packet was overtaken: start playout earlier
      // by as many frames, which leaves the playout time of every later frame unchanged.
      this.waitPops -= this.playNext - frame;
      this.playNext = frame;
    }
    if (frame < this.playNext) {
      // A frame far behind is no late packet but a source that restarted its timestamps.
      if (this.playNext - frame > this.capacity) return this.resync(ts, sequenceNumber, payload, start, end, arrivalTime, marker);
      this.late++;
      return 'late';
    }
    if (frame >= this.playNext + this.capacity) return this.resync(ts, sequenceNumber, payload, start, end, arrivalTime, marker);
    const slot = frame & this.mask;
    if (this.slots[slot * FIELDS + F_FRAME] === frame) {
      this.duplicates++;
      return 'duplicate';
    }
    if (frame < this.maxFrame) this.reordered++;
    this.refTs = ts;
    this.refFrame = frame;
    this.store(frame, ts, sequenceNumber, payload, start, end, arrivalTime, marker);
    return 'buffered';
  }

  /**
   * Takes the frame due now; call exactly once per ptime. The returned object is reused.
   */
  pop(): JitterFrame {
    const out = this.out;
    if (!this.active || this.waitPops > 0) {
      if (this.active) this.waitPops--;
      out.kind = 'idle';
      out.payload = NO_PAYLOAD;
      return out;
    }
    const frame = this.playNext++;
    const slot = frame & this.mask;
    const at = slot * FIELDS;
    const slots = this.slots;
    if (slots[at + F_FRAME] === frame) {
      slots[at + F_FRAME] = EMPTY;
      this.bufferedCount--;
      this.played++;
      this.emptyStreak = 0;
      out.kind = 'frame';
      out.payload = this.view(slot, slots[at + F_LENGTH]);
      out.timestamp = slots[at + F_TS];
      out.sequenceNumber = slots[at + F_SEQ];
      out.marker = slots[at + F_MARKER] === 1;
      out.arrivalTime = slots[at + F_ARRIVAL];
      return out;
    }
    out.timestamp = (this.refTs + (frame - this.refFrame) * this.step) >>> 0;
    if (this.bufferedCount === 0 && ++this.emptyStreak >= this.idleAfter) {
      // The far end went quiet: stop counting concealment and let its next packet start afresh.
      this.active = false;
      out.kind = 'idle';
      out.payload = NO_PAYLOAD;
      return out;
    }
    this.concealed++;
    out.kind = 'concealed';
    out.payload = NO_PAYLOAD;
    return out;
  }

  /** Drops everything buffered and waits for a new first packet (e.g. after a re-INVITE). */
  reset(): void {
    this.clearSlots();
    this.bufferedCount = 0;
    this.active = false;
  }

  /** Counter snapshot. */
  stats(): JitterBufferStats {
    return {
      depth: this.depth,
      buffered: this.bufferedCount,
      played: this.played,
      concealed: this.concealed,
      late: this.late,
      duplicates: this.duplicates,
      reordered: this.reordered,
      resyncs: this.resyncs,
      tooLarge: this.tooLarge,
      talkspurts: this.talkspurts,
    };
  }

  private start(ts: number): void {
    this.clearSlots();
    this.bufferedCount = 0;
    this.active = true;
    this.refTs = ts;
    this.refFrame = 0;
    this.playNext = 0;
    this.maxFrame = -Infinity;
    this.waitPops = this.depth;
    this.emptyStreak = 0;
    this.talkspurts++;
  }

  private resync(ts: number, seq: number, payload: Uint8Array, start: number, end: number, arrivalTime: number, marker: boolean): JitterPushResult {
    this.resyncs++;
    this.start(ts);
    this.store(0, ts, seq, payload, start, end, arrivalTime, marker);
    return 'resync';
  }

  private store(frame: number, ts: number, seq: number, payload: Uint8Array, start: number, end: number, arrivalTime: number, marker: boolean): void {
    const length = end - start;
    if (length > this.slotSize) this.grow(length);
    const slot = frame & this.mask;
    const at = slot * FIELDS;
    const slots = this.slots;
    slots[at + F_FRAME] = frame;
    slots[at + F_TS] = ts;
    slots[at + F_SEQ] = seq & 0xffff;
    slots[at + F_MARKER] = marker ? 1 : 0;
    slots[at + F_ARRIVAL] = arrivalTime;
    slots[at + F_LENGTH] = length;
    const to = slot * this.slotSize;
    if (start === 0 && end === payload.length) this.storage.set(payload, to);
    else {
      // a range of the datagram, copied without making a view of it (one per packet otherwise)
      const storage = this.storage;
      for (let i = start, j = to; i < end; i++, j++) storage[j] = payload[i];
    }
    this.bufferedCount++;
    if (frame > this.maxFrame) this.maxFrame = frame;
  }

  /** Marks every slot free. */
  private clearSlots(): void {
    for (let at = F_FRAME; at < this.slots.length; at += FIELDS) this.slots[at] = EMPTY;
  }

  /**
   * Enlarges every slot to hold `need` bytes (at least doubling, so a stream of ever larger
   * packets costs few copies), keeping what is buffered.
   */
  private grow(need: number): void {
    const size = this.slotSize === 0 ? need : Math.min(this.maxPayload, Math.max(need, 2 * this.slotSize));
    const next = new Uint8Array(this.capacity * size);
    if (this.bufferedCount > 0) {
      for (let slot = 0; slot < this.capacity; slot++) {
        if (this.slots[slot * FIELDS + F_FRAME] === EMPTY) continue;
        const from = slot * this.slotSize;
        next.set(this.storage.subarray(from, from + this.slots[slot * FIELDS + F_LENGTH]), slot * size);
      }
    }
    this.storage = next;
    this.slotSize = size;
    this.views.fill(NO_PAYLOAD);
  }

  /** The payload of `slot`: a view made once per slot and length, not at every pop (50 a second per call). */
  private view(slot: number, length: number): Uint8Array {
    let v = this.views[slot];
    if (v.length !== length) {
      const start = slot * this.slotSize;
      v = this.views[slot] = this.storage.subarray(start, start + length);
    }
    return v;
  }
}
