import fc from 'fast-check';
import { RtcpPacketConverter } from 'werift-rtp';
import {
  buildRtcpReport,
  findCname,
  generateCname,
  isRtcpDatagram,
  nextRtcpIntervalMs,
  ntpMiddle32,
  ntpToWallClock,
  parseRtcp,
  rtcpLength,
  serializeRtcp,
  wallClockToNtp,
  writeRtcp,
  type RtcpPacket,
  type RtcpReceiverReport,
  type RtcpReportBlock,
} from '../../../src/rtp/rtcp';
import { RtcpPacketError, RtpEncodeError } from '../../../src/rtp/errors';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RTCP parsing', () => {
  // SR (1 report block) + SDES (CNAME "ab") assembled by hand from RFC 3550 §6.4.1 / §6.5.
  it('parses an SR with a report block and an SDES CNAME', () => {
    const bytes = h('81c8000c 11223344 e8f0a1b2 80000000 0001e240 00000064 00003e80 55667788 40fffffe 0002fff0 00000020 a1b20000 00010000' + '81ca0003 11223344 01026162 00000000');
    const [sr, sdes] = parseRtcp(bytes);
    expect(sr).toEqual({
      type: 'SR',
      ssrc: 0x11223344,
      ntpSeconds: 0xe8f0a1b2,
      ntpFraction: 0x80000000,
      rtpTimestamp: 123456,
      packetCount: 100,
      octetCount: 16000,
      reports: [
        {
          ssrc: 0x55667788,
          fractionLost: 64,
          cumulativeLost: -2,
          highestSequence: 0x2fff0,
          jitter: 32,
          lastSenderReport: 0xa1b20000,
          delaySinceLastSenderReport: 65536,
        },
      ],
    });
    expect(sdes).toEqual({ type: 'SDES', chunks: [{ ssrc: 0x11223344, items: [{ type: 1, value: 'ab' }] }] });
    expect(findCname(parseRtcp(bytes), 0x11223344)).toBe('ab');
    expect(findCname(parseRtcp(bytes), 1)).toBeUndefined();
    expect(serializeRtcp(parseRtcp(bytes)).equals(bytes)).toBe(true);
  });

  it('parses RR, multi-item SDES, BYE with reason, APP and unknown types', () => {
    const bytes = h(
      '80c90001 0000000a' + // RR, no blocks
        '82ca0006 00000001 01036162 63000000 00000002 0201 78 04 01 79 00 00' + // SDES: 2 chunks, chunk2 has NAME "x" and EMAIL "y"
        '81cb0003 0000000a 04627965 21000000' + // BYE with reason "bye!"
        '85cc0003 0000000a 54455354 01020304' + // APP subtype 5, name TEST
        '81cd0002 0000000a 0000000b', // RTPFB (205) kept as body
    );
    const p = parseRtcp(bytes);
    expect(p.map((x) => x.type)).toEqual(['RR', 'SDES', 'BYE', 'APP', 'other']);
    expect(p[0]).toEqual({ type: 'RR', ssrc: 10, reports: [] });
    expect(p[1]).toEqual({
      type: 'SDES',
      chunks: [
        { ssrc: 1, items: [{ type: 1, value: 'abc' }] },
        { ssrc: 2, items: [{ type: 2, value: 'x' }, { type: 4, value: 'y' }] },
      ],
    });
    expect(p[2]).toEqual({ type: 'BYE', ssrcs: [10], reason: 'bye!' });
    expect(p[3]).toMatchObject({ type: 'APP', subtype: 5, ssrc: 10, name: 'TEST' });
    expect([...(p[3] as { data: Uint8Array }).data]).toEqual([1, 2, 3, 4]);
    expect(p[4]).toMatchObject({ type: 'other', packetType: 205, count: 1 });
    expect(serializeRtcp(p).equals(bytes)).toBe(true);
  });

  it('strips padding from the last packet only', () => {
    const p = parseRtcp(h('80c90001 0000000a' + 'a1cb0002 0000000a 00000004'));
    expect(p[1]).toEqual({ type: 'BYE', ssrcs: [10] });
    expect(() => parseRtcp(h('a0c90002 0000000a 00000004' + '81cb0001 0000000a'))).toThrow(expect.objectContaining({ code: 'RTCP_BAD_PADDING' }));
    expect(() => parseRtcp(h('a1cb0001 0000000a'))).toThrow(expect.objectContaining({ code: 'RTCP_BAD_PADDING' })); // count from SSRC byte 0x0a > 4
    expect(() => parseRtcp(h('a1cb0001 00000000'))).toThrow(expect.objectContaining({ code: 'RTCP_BAD_PADDING' }));
  });

  it.each([
    ['', 'RTCP_TRUNCATED'],
    ['80c9', 'RTCP_TRUNCATED'],
    ['80c90001 0000000a 80', 'RTCP_TRUNCATED'],
    ['40c90001 0000000a', 'RTCP_BAD_VERSION'],
    ['80c90001 0000000a c0c90001 0000000a', 'RTCP_BAD_VERSION'],
    ['80c90002 0000000a', 'RTCP_BAD_LENGTH'],
    ['81c90001 0000000a', 'RTCP_MALFORMED'], // RR claims one block
    ['81c80006 0000000a 00000000 00000000 00000000 00000000 00000000', 'RTCP_MALFORMED'], // SR with a block missing
    ['81ca0002 00000001 01096162 63000000', 'RTCP_MALFORMED'], // SDES item length past the end
    ['81ca0002 00000001 01026162 01010000', 'RTCP_MALFORMED'], // chunk never terminated
    ['82ca0002 00000001 01026162 00000000', 'RTCP_MALFORMED'], // 2 chunks announced, 1 present
    ['82cb0001 0000000a', 'RTCP_MALFORMED'], // BYE announces 2 SSRCs
    ['81cb0002 0000000a 09616263', 'RTCP_MALFORMED'], // BYE reason past the end
    ['80cc0001 0000000a', 'RTCP_MALFORMED'], // APP without name
  ])('rejects %s with %s', (hexStr, code) => {
    let err: unknown;
    try {
      parseRtcp(h(hexStr));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RtcpPacketError);
    expect((err as RtcpPacketError).code).toBe(code);
  });

  it('never throws anything but RtcpPacketError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        for (let o = 0; o + 4 <= bytes.length; o += 4) bytes[o] = (bytes[o] & 0x3f) | 0x80;
        try {
          parseRtcp(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(RtcpPacketError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tells RTCP from RTP on a muxed port (RFC 5761)', () => {
    expect(isRtcpDatagram(h('80c80006'))).toBe(true);
    expect(isRtcpDatagram(h('80df'))).toBe(true);
    expect(isRtcpDatagram(h('8000'))).toBe(false);
    expect(isRtcpDatagram(h('8060'))).toBe(false);
    expect(isRtcpDatagram(h('80e0'))).toBe(false); // PT 96 with marker
    expect(isRtcpDatagram(h('80'))).toBe(false);
  });
});

const arbBlock: fc.Arbitrary<RtcpReportBlock> = fc.record({
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSequence: fc.integer({ min: 0, max: 0xffffffff }),
  jitter: fc.integer({ min: 0, max: 0xffffffff }),
  lastSenderReport: fc.integer({ min: 0, max: 0xffffffff }),
  delaySinceLastSenderReport: fc.integer({ min: 0, max: 0xffffffff }),
});
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const utf8 = fc.string({ maxLength: 40 });
const arbPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({ type: fc.constant('SR' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: fc.array(arbBlock, { maxLength: 31 }) }),
  fc.record({ type: fc.constant('RR' as const), ssrc: u32, reports: fc.array(arbBlock, { maxLength: 31 }) }),
  fc.record({
    type: fc.constant('SDES' as const),
    chunks: fc.array(fc.record({ ssrc: u32, items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), value: utf8 }), { maxLength: 4 }) }), { maxLength: 5 }),
  }),
  fc.record({ type: fc.constant('BYE' as const), ssrcs: fc.array(u32, { maxLength: 31 }) }),
  fc.record({ type: fc.constant('BYE' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: utf8 }),
);

describe('RTCP serialization', () => {
  it('parse(serialize(packets)) = packets', () => {
    fc.assert(
      fc.property(fc.array(arbPacket, { minLength: 1, maxLength: 4 }), (packets) => {
        const bytes = serializeRtcp(packets);
        expect(bytes.length).toBe(rtcpLength(packets));
        expect(bytes.length % 4).toBe(0);
        expect(parseRtcp(bytes)).toEqual(packets);
      }),
      { numRuns: 300 },
    );
  });

  it('writes at an unaligned offset into a caller buffer', () => {
    const packets = buildRtcpReport({ ssrc: 7, cname: 'abcde' });
    const out = Buffer.alloc(100, 0xee);
    const n = writeRtcp(packets, out, 3);
    expect(n).toBe(rtcpLength(packets));
    expect(out[2]).toBe(0xee);
    expect(out[3 + n]).toBe(0xee);
    expect(parseRtcp(out.subarray(3, 3 + n))).toEqual(packets);
    expect(() => writeRtcp(packets, Buffer.alloc(n - 1))).toThrow(expect.objectContaining({ code: 'RTP_BUFFER_TOO_SMALL' }));
  });

  it('clamps cumulative loss to 24 bits signed', () => {
    const block = { ssrc: 1, fractionLost: 0, cumulativeLost: 1e9, highestSequence: 0, jitter: 0, lastSenderReport: 0, delaySinceLastSenderReport: 0 };
    const back = parseRtcp(serializeRtcp([{ type: 'RR', ssrc: 2, reports: [block, { ...block, cumulativeLost: -1e9 }] }]));
    expect((back[0] as RtcpReceiverReport).reports.map((r) => r.cumulativeLost)).toEqual([0x7fffff, -0x800000]);
  });

  it.each([
    [{ type: 'RR', ssrc: -1, reports: [] }],
    [{ type: 'RR', ssrc: 1, reports: new Array(32).fill({ ssrc: 1, fractionLost: 0, cumulativeLost: 0, highestSequence: 0, jitter: 0, lastSenderReport: 0, delaySinceLastSenderReport: 0 }) }],
    [{ type: 'RR', ssrc: 1, reports: [{ ssrc: 1, fractionLost: 256, cumulativeLost: 0, highestSequence: 0, jitter: 0, lastSenderReport: 0, delaySinceLastSenderReport: 0 }] }],
    [{ type: 'SDES', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'x'.repeat(256) }] }] }],
    [{ type: 'SDES', chunks: [{ ssrc: 1, items: [{ type: 0, value: 'x' }] }] }],
    [{ type: 'BYE', ssrcs: [1], reason: 'é'.repeat(128) }],
    [{ type: 'APP', subtype: 1, ssrc: 1, name: 'TOOLONG', data: new Uint8Array(0) }],
    [{ type: 'other', packetType: 100, count: 0, body: new Uint8Array(0) }],
  ] as [RtcpPacket][])('refuses unencodable packet %#', (p) => {
    expect(() => serializeRtcp([p])).toThrow(RtpEncodeError);
  });

  it('produces what werift-rtp parses to the same fields', () => {
    const block = { ssrc: 0xaabbccdd, fractionLost: 12, cumulativeLost: 345, highestSequence: 0x1ffff, jitter: 77, lastSenderReport: 0x12345678, delaySinceLastSenderReport: 9999 };
    const packets = buildRtcpReport({
      ssrc: 0x01020304,
      cname: 'sipprobe@test',
      reports: [block],
      sender: { ntp: { seconds: 0xe9000000, fraction: 0x40000000 }, rtpTimestamp: 4000, packetCount: 50, octetCount: 8000 },
    });
    const theirs = RtcpPacketConverter.deSerialize(serializeRtcp(packets));
    expect(theirs.length).toBe(2);
    const sr = theirs[0] as unknown as { ssrc: number; senderInfo: { ntpTimestamp: bigint; rtpTimestamp: number; packetCount: number; octetCount: number }; reports: Record<string, number>[] };
    expect(sr.ssrc).toBe(0x01020304);
    expect(sr.senderInfo.ntpTimestamp).toBe((0xe9000000n << 32n) | 0x40000000n);
    expect([sr.senderInfo.rtpTimestamp, sr.senderInfo.packetCount, sr.senderInfo.octetCount]).toEqual([4000, 50, 8000]);
    expect(sr.reports[0]).toMatchObject({ ssrc: block.ssrc, fractionLost: 12, packetsLost: 345, highestSequence: 0x1ffff, jitter: 77, lsr: 0x12345678, dlsr: 9999 });
    const sdes = theirs[1] as unknown as { chunks: { source: number; items: { type: number; text: string }[] }[] };
    expect(sdes.chunks[0].source).toBe(0x01020304);
    expect(sdes.chunks[0].items[0]).toMatchObject({ type: 1, text: 'sipprobe@test' });
  });

  it('buildRtcpReport sends RR when not a sender and appends BYE when leaving', () => {
    const p = buildRtcpReport({ ssrc: 9, cname: 'c', bye: { reason: 'done' } });
    expect(p.map((x) => x.type)).toEqual(['RR', 'SDES', 'BYE']);
    expect(parseRtcp(serializeRtcp(p))[2]).toEqual({ type: 'BYE', ssrcs: [9], reason: 'done' });
  });
});

describe('NTP timestamps', () => {
  it('maps the Unix epoch and a known instant', () => {
    expect(wallClockToNtp(0)).toEqual({ seconds: 2208988800, fraction: 0 });
    expect(wallClockToNtp(1500)).toEqual({ seconds: 2208988801, fraction: 0x80000000 });
    expect(ntpToWallClock(2208988801, 0x80000000)).toBe(1500);
  });

  it('wraps into NTP era 1 after 2036-02-07T06:28:16Z and back', () => {
    const wrap = Date.UTC(2036, 1, 7, 6, 28, 16);
    expect(wallClockToNtp(wrap)).toEqual({ seconds: 0, fraction: 0 });
    expect(wallClockToNtp(wrap + 250)).toEqual({ seconds: 0, fraction: 0x40000000 });
    expect(ntpToWallClock(0, 0x40000000)).toBe(wrap + 250);
  });

  it('round-trips wall clock to within a microsecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.integer({ min: 0, max: 999 }), (ms, micro) => {
        const t = ms + micro / 1000;
        const n = wallClockToNtp(t);
        expect(n.fraction).toBeLessThan(2 ** 32);
        expect(Math.abs(ntpToWallClock(n.seconds, n.fraction) - t)).toBeLessThan(0.001);
      }),
      { numRuns: 300 },
    );
  });

  it('takes the middle 32 bits for LSR', () => {
    expect(ntpMiddle32(0xe8f0a1b2, 0x80001234)).toBe(0xa1b28000);
  });
});

describe('RTCP interval and CNAME', () => {
  it('randomises 5 s by ±50 %', () => {
    const xs = Array.from({ length: 400 }, () => nextRtcpIntervalMs());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(2500);
    expect(Math.max(...xs)).toBeLessThanOrEqual(7500);
    expect(Math.min(...xs)).toBeLessThan(3500);
    expect(Math.max(...xs)).toBeGreaterThan(6500);
    expect(new Set(xs).size).toBeGreaterThan(300);
    const y = nextRtcpIntervalMs(1000);
    expect(y >= 500 && y <= 1500).toBe(true);
    expect(() => nextRtcpIntervalMs(0)).toThrow(RtpEncodeError);
  });

  it('generates 96-bit random CNAMEs', () => {
    const a = generateCname();
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(generateCname()).not.toBe(a);
  });
});
