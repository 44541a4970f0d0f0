import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DtmfReceiver,
  dtmfDigitOf,
  dtmfEventCode,
  parseTelephoneEvent,
  planDtmf,
  writeTelephoneEvent,
  type DtmfNotification,
} from '../../../src/rtp/dtmf';
import { parseRtp, serializeRtp } from '../../../src/rtp/packet';
import { DtmfError } from '../../../src/rtp/errors';

interface CapturePacket {
  frame: number;
  rtp_hex: string;
  marker: number;
  sequence_number: number;
  timestamp: number;
  payload_hex: string;
  events: { event: number; end: boolean; reserved: number; volume: number; duration: number }[];
}
const capture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/rtp/dtmf/rfc4733_events_SIP_DTMF2.json'), 'utf8')) as {
  event_packets: CapturePacket[];
  digits: { digit: string; first_seq: number; rtp_timestamp: number; packets: number; final_duration: number }[];
};
const packets = capture.event_packets.map((p) => ({ ...p, rtp: parseRtp(Buffer.from(p.rtp_hex, 'hex')) }));

function run(rx: DtmfReceiver, list: typeof packets, arrival: (i: number) => number): DtmfNotification[] {
  return list.flatMap((p, i) => [...rx.receive(p.rtp, arrival(i))]);
}

describe('telephone-event payload', () => {
  it('decodes all 35 captured packets like the capture notes', () => {
    expect(packets.length).toBe(35);
    for (const p of packets) {
      expect(p.rtp.payloadType).toBe(96);
      expect(p.rtp.marker).toBe(p.marker === 1);
      expect(p.rtp.sequenceNumber).toBe(p.sequence_number);
      const { reserved, ...fields } = p.events[0];
      expect(reserved).toBe(0);
      expect(parseTelephoneEvent(p.rtp.payload)).toEqual(fields);
      const out = new Uint8Array(4);
      writeTelephoneEvent(fields, out);
      expect(Buffer.from(out).toString('hex')).toBe(p.payload_hex);
    }
  });

  it('maps digits and event codes both ways', () => {
    expect([...'0123456789*#ABCDabcd'].map(dtmfEventCode)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15]);
    expect(['E', '', '12', ' '].map(dtmfEventCode)).toEqual([-1, -1, -1, -1]);
    expect([0, 10, 11, 15, 16, 255, -1].map(dtmfDigitOf)).toEqual(['0', '*', '#', 'D', null, null, null]);
  });

  it('rejects short payloads and unencodable fields', () => {
    expect(parseTelephoneEvent(Uint8Array.of(1, 2, 3))).toBeNull();
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }, new Uint8Array(4))).toThrow(DtmfError);
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 }, new Uint8Array(4))).toThrow(DtmfError);
    expect(() => writeTelephoneEvent({ event: 256, end: false, volume: 0, duration: 0 }, new Uint8Array(4))).toThrow(DtmfError);
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 0 }, new Uint8Array(3))).toThrow(DtmfError);
  });
});

describe('DtmfReceiver on the real capture', () => {
  const expectedDigits = capture.digits;

  it('reports 6 7 8 9 1 2 3 once each, with start timestamp, arrival and duration', () => {
    const rx = new DtmfReceiver();
    const notes = run(rx, packets, (i) => 1000 + i * 30);
    const starts = notes.filter((n) => n.type === 'start');
    const ends = notes.filter((n) => n.type === 'end');
    expect(starts.map((n) => n.digit).join('')).toBe('6789123');
    expect(ends.map((n) => n.digit).join('')).toBe('6789123');
    expectedDigits.forEach((d, i) => {
      const firstIndex = packets.findIndex((p) => p.sequence_number === d.first_seq);
      expect(starts[i]).toMatchObject({ digit: d.digit, rtpTimestamp: d.rtp_timestamp, startMs: 1000 + firstIndex * 30, volume: 7 });
      expect(ends[i]).toMatchObject({ digit: d.digit, rtpTimestamp: d.rtp_timestamp, durationRtp: d.final_duration, durationMs: 120, endedBy: 'end-bit' });
    });
    expect(rx.poll(1e9)).toEqual([]);
  });

  it('ignores every duplicate, however many times packets repeat', () => {
    const rx = new DtmfReceiver();
    const tripled = packets.flatMap((p) => [p, p, p]);
    const notes = run(rx, tripled, (i) => i * 10);
    expect(notes.map((n) => `${n.type}:${n.digit}`)).toEqual(expectedDigits.flatMap((d) => [`start:${d.digit}`, `end:${d.digit}`]));
  });

  it('survives a lost first packet and a lost end packet', () => {
    const rx = new DtmfReceiver({ timeoutMs: 500 });
    // Drop the marker packet of "7" and the end packet of "8".
    const lossy = packets.filter((p) => !(p.events[0].event === 7 && p.marker === 1) && !(p.events[0].event === 8 && p.events[0].end));
    const notes = run(rx, lossy, (i) => i * 30);
    const seven = notes.filter((n) => n.digit === '7');
    expect(seven.map((n) => n.type)).toEqual(['start', 'end']);
    expect(seven[1]).toMatchObject({ durationRtp: 960, endedBy: 'end-bit' });
    const eight = notes.filter((n) => n.digit === '8');
    expect(eight[1]).toMatchObject({ type: 'end', durationRtp: 720, endedBy: 'new-event' });
    expect(notes.filter((n) => n.type === 'end').map((n) => n.digit).join('')).toBe('6789123');
  });

  it('ends an event by timeout when its end packets never come', () => {
    const rx = new DtmfReceiver({ timeoutMs: 500 });
    const firstFour = packets.slice(0, 4);
    run(rx, firstFour, (i) => i * 30);
    expect(rx.poll(90 + 499)).toEqual([]);
    expect(rx.poll(90 + 500)).toEqual([expect.objectContaining({ type: 'end', digit: '6', durationRtp: 720, endedBy: 'timeout' })]);
    expect(rx.receive(packets[4].rtp, 700)).toEqual([]); // its late end packet is a duplicate now
  });

  it('never throws on arbitrary payloads', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 6 })), { maxLength: 40 }), (list) => {
        const rx = new DtmfReceiver();
        let starts = 0;
        let ends = 0;
        list.forEach(([ts, payload], i) => {
          for (const n of rx.receive({ timestamp: ts, payload }, i)) n.type === 'start' ? starts++ : ends++;
        });
        ends += rx.poll(1e12).length;
        expect(ends).toBe(starts);
      }),
      { numRuns: 300 },
    );
  });
});

describe('planDtmf', () => {
  it('plans marker, held timestamp, growing duration and three end packets per digit', () => {
    const plan = planDtmf('1#', { startTimestamp: 4000, volume: 10 });
    expect(plan.length).toBe(16);
    const one = plan.slice(0, 8);
    expect(one.map((p) => p.duration)).toEqual([0, 160, 320, 480, 640, 800, 800, 800]);
    expect(one.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false, false]);
    expect(one.map((p) => p.end)).toEqual([false, false, false, false, false, true, true, true]);
    expect(one.map((p) => p.sendOffsetMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
    expect(new Set(one.map((p) => p.timestamp))).toEqual(new Set([4000]));
    expect(Buffer.from(one[0].payload).toString('hex')).toBe('010a0000');
    expect(Buffer.from(one[7].payload).toString('hex')).toBe('018a0320');
    const hash = plan.slice(8);
    expect(hash[0]).toMatchObject({ digit: '#', event: 11, marker: true, sendOffsetMs: 200, timestamp: 4000 + 1600 });
  });

  it('reproduces the captured packet payloads for the same settings (ptime 30, 120 ms, volume 7)', () => {
    const plan = planDtmf('6789123', { ptimeMs: 30, toneMs: 120, volume: 7, endPackets: 1 });
    for (const d of capture.digits) {
      const ours = plan.filter((p) => p.digit === d.digit).map((p) => Buffer.from(p.payload).toString('hex'));
      const theirs = packets.filter((p) => p.events[0].event === dtmfEventCode(d.digit)).map((p) => p.payload_hex);
      expect(ours).toEqual(theirs);
    }
  });

  it('keeps the timestamp modulo 2^32 and gaps at least the end packets', () => {
    const plan = planDtmf('12', { startTimestamp: 0xffffff00, gapMs: 0 });
    expect(plan[0].timestamp).toBe(0xffffff00);
    expect(plan[8].timestamp).toBe((0xffffff00 + 160 * 8) % 2 ** 32);
    expect(plan[8].sendOffsetMs).toBe(160);
  });

  it('round-trips through RTP packets and the receiver', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9*#A-D]{1,8}$/), fc.constantFrom(10, 20, 30), fc.integer({ min: 40, max: 300 }), (digits, ptimeMs, toneMs) => {
        const plan = planDtmf(digits, { ptimeMs, toneMs, startTimestamp: 12345 });
        const rx = new DtmfReceiver();
        const notes = plan.flatMap((p, i) =>
          rx.receive(parseRtp(serializeRtp({ payloadType: 101, sequenceNumber: i, timestamp: p.timestamp, ssrc: 1, marker: p.marker, payload: p.payload })), p.sendOffsetMs),
        );
        const ends = notes.filter((n) => n.type === 'end');
        expect(ends.map((n) => n.digit).join('')).toBe(digits);
        expect(ends.every((n) => n.durationMs === Math.ceil(toneMs / ptimeMs) * ptimeMs && n.endedBy === 'end-bit')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it.each([['12E'], ['1 2'], ['x']])('rejects %j', (d) => {
    expect(() => planDtmf(d)).toThrow(DtmfError);
  });

  it.each([{ ptimeMs: 0 }, { ptimeMs: 0.01 }, { volume: 64 }, { endPackets: 0 }, { toneMs: 10_000 }, { startTimestamp: -1 }, { clockRate: 0 }, { gapMs: -5 }])('rejects options %o', (o) => {
    expect(() => planDtmf('1', o)).toThrow(expect.objectContaining({ code: 'DTMF_INVALID' }));
  });

  it('accepts lower-case a-d and an empty string', () => {
    expect(planDtmf('abcd').filter((p) => p.marker).map((p) => p.digit).join('')).toBe('ABCD');
    expect(planDtmf('')).toEqual([]);
  });
});
