/**
 * RFC 4733 telephone-events (DTMF over RTP). The sender side is a pure planner: it lists every
 * packet of a digit string (payload, marker, timestamp, when to send) and the RTP session assigns
 * sequence numbers and sends them. The receiver side de-duplicates the redundant packets and
 * reports each digit once when it starts and once when it ends.
 */
import { DtmfError } from './errors';

/** Event codes 0–15 in order (RFC 4733 §3.2): digits, `*` (10), `#` (11), `A`–`D` (12–15). */
export const DTMF_EVENT_CHARS = '0123456789*#ABCD';

/** The 4-byte telephone-event payload (RFC 4733 §2.3). */
export interface TelephoneEvent {
  /** Event code (0–255; DTMF is 0–15). */
  readonly event: number;
  /** E bit: this is the (final) end packet of the event. */
  readonly end: boolean;
  /** Power level in −dBm0 (0–63); ignored for non-tone events. */
  readonly volume: number;
  /** Duration so far in RTP timestamp units (0–65535). */
  readonly duration: number;
}

/** RFC 4733 event code of a DTMF character (`0`–`9`, `*`, `#`, `A`–`D`, case-insensitive), or −1. */
export function dtmfEventCode(digit: string): number {
  return digit.length === 1 ? DTMF_EVENT_CHARS.indexOf(digit.toUpperCase()) : -1;
}

/** The DTMF character of an event code 0–15, or null for other events (flash, tones, …). */
export function dtmfDigitOf(event: number): string | null {
  return Number.isInteger(event) && event >= 0 && event < 16 ? DTMF_EVENT_CHARS[event] : null;
}

/** Reads a telephone-event payload; null when it is shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0], end: (payload[1] & 0x80) !== 0, volume: payload[1] & 0x3f, duration: (payload[2] << 8) | payload[3] };
}

/** Writes a telephone-event payload into `out` at `offset`; returns 4. */
export function writeTelephoneEvent(ev: TelephoneEvent, out: Uint8Array, offset = 0): number {
  if (!Number.isInteger(ev.event) || ev.event < 0 || ev.event > 255) throw new DtmfError(`event ${ev.event} is not 0-255`);
  if (!Number.isInteger(ev.volume) || ev.volume < 0 || ev.volume > 63) throw new DtmfError(`volume ${ev.volume} is not 0-63`);
  if (!Number.isInteger(ev.duration) || ev.duration < 0 || ev.duration > 0xffff) throw new DtmfError(`duration ${ev.duration} is not 0-65535`);
  if (offset < 0 || offset + 4 > out.length) throw new DtmfError('output buffer too small for a telephone-event payload');
  out[offset] = ev.event;
  out[offset + 1] = (ev.end ? 0x80 : 0) | ev.volume;
  out[offset + 2] = ev.duration >>> 8;
  out[offset + 3] = ev.duration & 0xff;
  return 4;
}

/** Options of {@link planDtmf}. */
export interface DtmfPlanOptions {
  /** RTP timestamp at send offset 0 (the audio stream's timestamp then). Default 0. */
  readonly startTimestamp?: number;
  /** Clock rate of the negotiated telephone-event (normally 8000). */
  readonly clockRate?: number;
  /** Packet interval in ms; default 20. */
  readonly ptimeMs?: number;
  /** Tone length per digit in ms, rounded up to whole packet intervals; default 100. */
  readonly toneMs?: number;
  /** Silence between the end of one tone and the start of the next, in ms; default 100. */
  readonly gapMs?: number;
  /** Power level in −dBm0 (0–63); default 10. */
  readonly volume?: number;
  /** Copies of the final packet (RFC 4733 §2.5.1.4 recommends 3); default 3. */
  readonly endPackets?: number;
}

/** One packet of a DTMF plan: what to send and when. */
export interface DtmfPacket {
  readonly digit: string;
  readonly event: number;
  /** Marker bit: set on the first packet of each event only. */
  readonly marker: boolean;
  /** RTP timestamp: the event's start, held for every packet of the event. */
  readonly timestamp: number;
  /** When to send, in ms after the plan's start. */
  readonly sendOffsetMs: number;
  /** E bit: one of the final packets. */
  readonly end: boolean;
  /** Duration field in RTP units. */
  readonly duration: number;
  /** The 4-byte telephone-event payload. */
  readonly payload: Uint8Array;
}

const MAX_DIGITS = 1000;

/**
 * Plans the RFC 4733 packets for a digit string. Per digit: a first packet with the marker bit
 * and duration 0, then one packet per `ptimeMs` with the duration growing, then `endPackets`
 * copies of the final packet (E bit, full duration), one per interval; the RTP timestamp stays at
 * the event's start throughout. The next digit starts `gapMs` after the tone ends, but never
 * before the last end packet has gone out. Audio should pause while events are sent.
 * @throws {@link DtmfError} for characters outside 0-9 * # A-D or out-of-range options.
 */
export function planDtmf(digits: string, options: DtmfPlanOptions = {}): DtmfPacket[] {
  const clockRate = options.clockRate ?? 8000;
  const ptime = options.ptimeMs ?? 20;
  const volume = options.volume ?? 10;
  const endPackets = options.endPackets ?? 3;
  const gapMs = options.gapMs ?? 100;
  const start = options.startTimestamp ?? 0;
  if (!Number.isInteger(clockRate) || clockRate <= 0) throw new DtmfError(`clock rate ${clockRate} is not a positive integer`);
  if (!(ptime > 0 && ptime <= 1000) || !Number.isInteger((ptime * clockRate) / 1000)) throw new DtmfError(`ptime ${ptime} ms is not a whole number of clock ticks`);
  if (!(gapMs >= 0 && Number.isFinite(gapMs))) throw new DtmfError(`gap ${gapMs} ms is negative`);
  if (!Number.isInteger(endPackets) || endPackets < 1 || endPackets > 10) throw new DtmfError(`endPackets ${endPackets} is not 1-10`);
  if (!Number.isInteger(start) || start < 0 || start > 0xffffffff) throw new DtmfError(`start timestamp ${start} is not unsigned 32-bit`);
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new DtmfError(`volume ${volume} is not 0-63`);
  const steps = Math.max(1, Math.ceil((options.toneMs ?? 100) / ptime));
  if (!Number.isFinite(steps)) throw new DtmfError('tone length is not finite');
  const ticksPerPacket = (ptime * clockRate) / 1000;
  const fullDuration = steps * ticksPerPacket;
  if (fullDuration > 0xffff) throw new DtmfError(`tone of ${steps * ptime} ms exceeds the 16-bit duration field at ${clockRate} Hz`);
  if (digits.length > MAX_DIGITS) throw new DtmfError(`more than ${MAX_DIGITS} digits`);
  const events = [...digits].map((d) => {
    const e = dtmfEventCode(d);
    if (e < 0) throw new DtmfError(`${JSON.stringify(d)} is not a DTMF digit (0-9 * # A-D)`);
    return e;
  });

  const out: DtmfPacket[] = [];
  let t0 = 0;
  for (const event of events) {
    const digit = DTMF_EVENT_CHARS[event];
    const timestamp = (start + Math.round((t0 * clockRate) / 1000)) % 0x100000000;
    const push = (step: number, offsetMs: number, end: boolean): void => {
      const duration = step * ticksPerPacket;
      const payload = new Uint8Array(4);
      writeTelephoneEvent({ event, end, volume, duration }, payload);
      out.push({ digit, event, marker: step === 0 && !end, timestamp, sendOffsetMs: offsetMs, end, duration, payload });
    };
    for (let k = 0; k < steps; k++) push(k, t0 + k * ptime, false);
    for (let r = 0; r < endPackets; r++) push(steps, t0 + (steps + r) * ptime, true);
    t0 = Math.max(t0 + steps * ptime + gapMs, t0 + (steps + endPackets) * ptime);
  }
  return out;
}

/** What {@link DtmfReceiver} reports. */
export interface DtmfNotification {
  /** `start` on the first packet of an event, `end` once per event. */
  readonly type: 'start' | 'end';
  /** The DTMF character, or null for non-DTMF events (see `event`). */
  readonly digit: string | null;
  readonly event: number;
  /** The event's RTP timestamp (its start on the media clock). */
  readonly rtpTimestamp: number;
  /** Arrival time of the first packet seen of the event (caller's clock, ms). */
  readonly startMs: number;
  readonly volume: number;
  /** Only on `end`: the longest duration seen, in RTP units and in ms. */
  readonly durationRtp?: number;
  readonly durationMs?: number;
  /** Only on `end`: how the end was known — the E bit, a newer event, or silence for `timeoutMs`. */
  readonly endedBy?: 'end-bit' | 'new-event' | 'timeout';
}

interface Current {
  event: number;
  ts: number;
  startMs: number;
  lastMs: number;
  duration: number;
  volume: number;
}

const NONE: readonly DtmfNotification[] = Object.freeze([]);
const RECENT = 16;

/**
 * Receives telephone-event packets of one stream. De-duplicates the repeated updates and end
 * packets, and survives lost start or end packets. Pure state: call {@link poll} now and then
 * (e.g. on every audio frame) to end an event whose end packets were all lost.
 */
export class DtmfReceiver {
  private readonly clockRate: number;
  private readonly timeoutMs: number;
  private current: Current | null = null;
  // Keys (timestamp/event) of recently finished events: their late copies are ignored.
  private readonly finished: string[] = [];

  constructor(options: { readonly clockRate?: number; readonly timeoutMs?: number } = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.timeoutMs = options.timeoutMs ?? 1000;
    if (!(this.clockRate > 0)) throw new DtmfError(`clock rate ${this.clockRate} is not positive`);
  }

  /**
   * Takes one telephone-event RTP packet (already matched on payload type).
   * @returns the notifications it causes, oldest first (often none: repeats are silent).
   */
  receive(packet: { readonly timestamp: number; readonly payload: Uint8Array }, arrivalMs: number): readonly DtmfNotification[] {
    const ev = parseTelephoneEvent(packet.payload);
    if (!ev) return NONE;
    const ts = packet.timestamp >>> 0;
    const key = `${ts}/${ev.event}`;
    if (this.finished.includes(key)) return NONE;
    const cur = this.current;
    if (cur && cur.ts === ts && cur.event === ev.event) {
      cur.lastMs = arrivalMs;
      if (ev.duration > cur.duration) cur.duration = ev.duration;
      return ev.end ? [this.finish('end-bit')] : NONE;
    }
    const out: DtmfNotification[] = [];
    if (cur) out.push(this.finish('new-event'));
    this.current = { event: ev.event, ts, startMs: arrivalMs, lastMs: arrivalMs, duration: ev.duration, volume: ev.volume };
    out.push(this.note('start', this.current));
    if (ev.end) out.push(this.finish('end-bit'));
    return out;
  }

  /** Ends the current event if no packet of it arrived for `timeoutMs`. */
  poll(nowMs: number): readonly DtmfNotification[] {
    if (this.current && nowMs - this.current.lastMs >= this.timeoutMs) return [this.finish('timeout')];
    return NONE;
  }

  private finish(endedBy: 'end-bit' | 'new-event' | 'timeout'): DtmfNotification {
    const cur = this.current!;
    this.current = null;
    this.finished.push(`${cur.ts}/${cur.event}`);
    if (this.finished.length > RECENT) this.finished.shift();
    return { ...this.note('end', cur), durationRtp: cur.duration, durationMs: (cur.duration * 1000) / this.clockRate, endedBy };
  }

  private note(type: 'start' | 'end', cur: Current): DtmfNotification {
    return { type, digit: dtmfDigitOf(cur.event), event: cur.event, rtpTimestamp: cur.ts, startMs: cur.startMs, volume: cur.volume };
  }
}
