import fc from 'fast-check';
import { RtpReceiveStats, RtpSendStats } from '../../../src/rtp/stats';
import { ntpMiddle32, parseRtcp, serializeRtcp, wallClockToNtp, buildRtcpReport } from '../../../src/rtp/rtcp';

/** Feeds seqs (mod 2^16) with a perfect 20 ms / 160-unit cadence keyed on the extended seq. */
function feed(stats: RtpReceiveStats, exts: number[], start = 0): string[] {
  return exts.map((e) => stats.receive(e & 0xffff, (e * 160) >>> 0, start + e * 20, 160));
}
const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);

describe('RtpReceiveStats sequence accounting (RFC 3550 A.1/A.3)', () => {
  it('counts a clean stream across the sequence wrap', () => {
    const s = new RtpReceiveStats({ clockRate: 8000, ssrc: 42 });
    const verdicts = feed(s, range(65500, 100));
    expect(verdicts[0]).toBe('probation');
    expect(verdicts.slice(1).every((v) => v === 'in-order')).toBe(true);
    expect(s.snapshot()).toEqual({
      ssrc: 42,
      valid: true,
      received: 100,
      bytesReceived: 16000,
      highestSequence: 65599,
      expected: 100,
      lost: 0,
      cumulativeLost: 0,
      duplicates: 0,
      reordered: 0,
      discarded: 0,
      restarts: 0,
      jitter: 0,
      jitterMs: 0,
      maxJitterMs: 0,
    });
  });

  it('keeps a source on probation until MIN_SEQUENTIAL packets are in sequence', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    expect(s.receive(10, 0, 0)).toBe('probation');
    expect(s.snapshot().valid).toBe(false);
    expect(s.buildReportBlock(0)).toBeNull();
    expect(s.receive(50, 0, 20)).toBe('probation'); // not sequential: probation restarts at 50
    expect(s.receive(51, 160, 40)).toBe('in-order');
    expect(s.snapshot()).toMatchObject({ valid: true, received: 2, expected: 2, discarded: 1, highestSequence: 51 });
    const t = new RtpReceiveStats({ clockRate: 8000, minSequential: 3 });
    expect(feed(t, [1, 2, 3, 4])).toEqual(['probation', 'probation', 'in-order', 'in-order']);
    expect(t.snapshot()).toMatchObject({ received: 4, expected: 4 });
    const u = new RtpReceiveStats({ clockRate: 8000, minSequential: 1 });
    expect(u.receive(7, 0, 0)).toBe('in-order');
    expect(u.snapshot()).toMatchObject({ valid: true, received: 1, expected: 1 });
  });

  it('handles a probation run that itself wraps', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    feed(s, [65535, 65536, 65537]);
    expect(s.snapshot()).toMatchObject({ received: 3, expected: 3, highestSequence: 65536 + 1, lost: 0 });
  });

  it('counts losses, fraction lost per report interval, and cumulative loss', () => {
    const s = new RtpReceiveStats({ clockRate: 8000, ssrc: 5 });
    const dropped = new Set([10, 20, 30, 40, 50, 60, 61, 62, 70, 80]);
    feed(s, range(0, 100).filter((e) => !dropped.has(e)));
    expect(s.snapshot()).toMatchObject({ received: 90, expected: 100, lost: 10, cumulativeLost: 10 });
    const b1 = s.buildReportBlock(2000)!;
    expect(b1).toMatchObject({ ssrc: 5, fractionLost: Math.floor((10 * 256) / 100), cumulativeLost: 10, highestSequence: 99, lastSenderReport: 0, delaySinceLastSenderReport: 0 });
    feed(s, range(100, 50));
    expect(s.buildReportBlock(3000)).toMatchObject({ fractionLost: 0, cumulativeLost: 10, highestSequence: 149 });
    feed(s, range(150, 4).filter((e) => e !== 151));
    expect(s.buildReportBlock(4000)).toMatchObject({ fractionLost: 64, cumulativeLost: 11 });
  });

  it('detects duplicates without letting them hide losses', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    feed(s, [0, 1, 2, 2, 3, 5, 5, 5, 6]);
    expect(s.snapshot()).toMatchObject({ received: 9, duplicates: 3, expected: 7, lost: 1, cumulativeLost: -2, reordered: 0 });
    expect(s.buildReportBlock(0)).toMatchObject({ cumulativeLost: -2, fractionLost: 0 });
  });

  it('counts late packets as reordered, and their repeats as duplicates', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    const v = feed(s, [0, 1, 3, 2, 4, 7, 5, 6, 2, 8]);
    expect(v).toEqual(['probation', 'in-order', 'in-order', 'reordered', 'in-order', 'in-order', 'reordered', 'reordered', 'duplicate', 'in-order']);
    expect(s.snapshot()).toMatchObject({ received: 10, expected: 9, lost: 0, duplicates: 1, reordered: 3 });
  });

  it('detects duplicates and reordering across the wrap', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    expect(feed(s, [65533, 65534, 65536, 65535, 65535, 65537])).toEqual(['probation', 'in-order', 'in-order', 'reordered', 'duplicate', 'in-order']);
    expect(s.snapshot()).toMatchObject({ expected: 5, lost: 0, duplicates: 1, reordered: 1, highestSequence: 65537 });
  });

  it('ignores a single large jump and restarts after two sequential ones', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    feed(s, range(100, 10));
    expect(s.receive(20000, 0, 500)).toBe('jump');
    expect(s.snapshot()).toMatchObject({ received: 10, discarded: 1, highestSequence: 109 });
    expect(s.receive(110, 110 * 160, 110 * 20)).toBe('in-order');
    expect(s.receive(30000, 0, 600)).toBe('jump');
    expect(s.receive(30001, 160, 620)).toBe('restarted');
    expect(s.receive(30002, 320, 640)).toBe('in-order');
    expect(s.snapshot()).toMatchObject({ received: 2, expected: 2, restarts: 1, discarded: 2, highestSequence: 30002 });
  });

  it('keeps exact counts under seeded drop/duplicate/reorder (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 10, max: 400 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 6 })), { minLength: 400, maxLength: 400 }),
        (start, n, rnd) => {
          // Sender seqs start..start+n-1 (extended): ~10 % dropped, ~5 % duplicated, ~20 % moved
          // back by up to 6 places. The first two and the last always arrive; runs of drops stay
          // short so every gap is within RFC 3550's MAX_DROPOUT / MAX_MISORDER.
          const arrivals: number[] = [];
          let drops = 0;
          let dups = 0;
          let run = 0;
          for (let i = 0; i < n; i++) {
            const [pDrop, pDup] = rnd[i];
            if (i >= 2 && i < n - 1 && pDrop >= 90 && run < 20) {
              drops++;
              run++;
              continue;
            }
            run = 0;
            arrivals.push(start + i);
            if (i >= 2 && pDup >= 95) {
              arrivals.push(start + i);
              dups++;
            }
          }
          for (let i = arrivals.length - 1; i >= 3; i--) {
            const k = Math.min(rnd[i % 400][2], i - 2);
            if (k > 0 && rnd[(i * 7) % 400][1] >= 80) {
              const [x] = arrivals.splice(i, 1);
              arrivals.splice(i - k, 0, x);
            }
          }
          let max = -1;
          const seen = new Set<number>();
          let reordered = 0;
          for (const a of arrivals) {
            if (!seen.has(a) && a < max) reordered++;
            seen.add(a);
            max = Math.max(max, a);
          }
          const s = new RtpReceiveStats({ clockRate: 8000 });
          arrivals.forEach((e, i) => s.receive(e & 0xffff, (e * 160) >>> 0, i * 20));
          const snap = s.snapshot();
          expect(snap).toMatchObject({ expected: n, lost: drops, duplicates: dups, received: n - drops + dups, reordered, highestSequence: start + n - 1 - start + (start & 0xffff) });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('RtpReceiveStats jitter (RFC 3550 A.8)', () => {
  it('is zero when arrivals track the timestamps exactly, across the timestamp wrap', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    for (let i = 0; i < 50; i++) s.receive(i, (0xfffff000 + i * 160) >>> 0, 1000 + i * 20);
    expect(s.snapshot().jitter).toBeCloseTo(0, 9);
  });

  it.each([8000, 16000, 48000])('converges as J = D(1-(15/16)^n) in RTP units of a %i Hz clock', (rate) => {
    const s = new RtpReceiveStats({ clockRate: rate });
    const N = 40;
    const step = (rate * 20) / 1000;
    // Every other packet arrives 10 ms late: every |D| is 10 ms in clock units.
    for (let i = 0; i < N; i++) s.receive(i, i * step, i * 20 + (i % 2) * 10);
    const d = (10 * rate) / 1000;
    const expected = d * (1 - (15 / 16) ** (N - 1));
    expect(s.snapshot().jitter).toBeCloseTo(expected, 6);
    expect(s.snapshot().jitterMs).toBeCloseTo((expected * 1000) / rate, 6);
    expect(s.buildReportBlock(N * 20)!.jitter).toBe(Math.floor(expected));
  });

  it('uses the RTP clock, not the sample rate: G.722 at 8000', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    for (let i = 0; i < 3; i++) s.receive(i, i * 160, i * 20 + (i === 2 ? 5 : 0));
    expect(s.snapshot().jitter).toBeCloseTo(40 / 16, 9); // 5 ms = 40 units at 8 kHz
  });

  it('keeps the largest estimate after any packet: a burst of delay stays in maxJitterMs once the jitter decays', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      // packets 20..29 arrive 0 / 30 ms late in turn; the rest on time
      s.receive(i, i * 160, i * 20 + (i >= 20 && i < 30 && i % 2 === 1 ? 30 : 0));
      peak = Math.max(peak, s.snapshot().jitterMs);
      expect(s.snapshot().maxJitterMs).toBeCloseTo(peak, 9);
    }
    expect(peak).toBeGreaterThan(5);
    expect(s.snapshot().jitterMs).toBeLessThan(0.1);
  });

  it('does not let duplicates or held-timestamp packets move the jitter when asked', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    s.receive(0, 0, 0);
    s.receive(1, 160, 20);
    s.receive(1, 160, 300); // duplicate, late
    expect(s.snapshot().jitter).toBe(0);
    s.receive(2, 320, 40);
    s.receive(3, 320, 60, 4, false); // telephone-event keeps its timestamp
    s.receive(4, 320, 80, 4, false);
    expect(s.snapshot().jitter).toBe(0);
  });
});

describe('RTCP around the stats', () => {
  it('fills LSR and DLSR from the last SR of the source', () => {
    const s = new RtpReceiveStats({ clockRate: 8000, ssrc: 9 });
    feed(s, range(0, 10));
    const ntp = wallClockToNtp(Date.UTC(2025, 0, 1, 12));
    s.onSenderReport({ type: 'SR', ssrc: 9, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: 0, packetCount: 10, octetCount: 1600, reports: [] }, 1000);
    const block = s.buildReportBlock(1500)!;
    expect(block.lastSenderReport).toBe(ntpMiddle32(ntp.seconds, ntp.fraction));
    expect(block.delaySinceLastSenderReport).toBe(32768);
  });

  it('RtpSendStats counts, extrapolates the SR timestamp and computes RTT from the far end RR', () => {
    const tx = new RtpSendStats({ ssrc: 0x1234, clockRate: 8000 });
    for (let i = 0; i < 50; i++) tx.onSent(160, (1000 + i * 160) >>> 0, i * 20);
    expect([tx.packetsSent, tx.octetsSent, tx.isSender]).toEqual([50, 8000, true]);
    const wallSr = Date.UTC(2025, 5, 1, 10, 0, 0);
    const info = tx.senderInfo(49 * 20 + 10, wallSr);
    expect(info).toMatchObject({ rtpTimestamp: 1000 + 49 * 160 + 80, packetCount: 50, octetCount: 8000 });
    expect(tx.isSender).toBe(false);
    const sr = buildRtcpReport({ ssrc: 0x1234, cname: 'me', sender: info });
    const srBytes = serializeRtcp(sr);
    // The far end receives our SR, holds it 100 ms, and reports 150 ms after we sent it.
    const far = new RtpReceiveStats({ clockRate: 8000, ssrc: 0x1234 });
    feed(far, range(0, 50));
    far.onSenderReport(parseRtcp(srBytes)[0] as never, 5000);
    const block = far.buildReportBlock(5100)!;
    const rr = serializeRtcp(buildRtcpReport({ ssrc: 0x9999, cname: 'far', reports: [block] }));
    const report = tx.onRtcp(parseRtcp(rr), wallSr + 150)!;
    expect(report.reporterSsrc).toBe(0x9999);
    expect(report.rttMs!).toBeGreaterThan(49.9);
    expect(report.rttMs!).toBeLessThan(50.1);
    expect(tx.remoteReport).toBe(report);
    expect(report).toMatchObject({ fractionLost: 0, cumulativeLost: 0, highestSequence: 49 });
  });

  it('ignores blocks about other SSRCs and RTT without LSR or with a negative RTT', () => {
    const tx = new RtpSendStats({ ssrc: 1, clockRate: 8000 });
    const block = { ssrc: 2, fractionLost: 128, cumulativeLost: 3, highestSequence: 9, jitter: 80, lastSenderReport: 0, delaySinceLastSenderReport: 0 };
    expect(tx.onRtcp([{ type: 'RR', ssrc: 5, reports: [block] }], 0)).toBeUndefined();
    const r = tx.onRtcp([{ type: 'RR', ssrc: 5, reports: [{ ...block, ssrc: 1 }] }], Date.now())!;
    expect(r).toMatchObject({ fractionLost: 0.5, jitterMs: 10 });
    expect(r.rttMs).toBeUndefined();
    const now = Date.now();
    const n = wallClockToNtp(now + 10_000); // LSR in our future: forged or broken clock
    expect(tx.onReportBlock({ ...block, ssrc: 1, lastSenderReport: ntpMiddle32(n.seconds, n.fraction) }, 5, now).rttMs).toBeUndefined();
  });

  it('ignores non-finite arrival times for jitter', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 });
    s.receive(0, 0, 0);
    s.receive(1, 160, NaN);
    s.receive(2, 320, Infinity);
    s.receive(3, 480, 60);
    expect(Number.isFinite(s.snapshot().jitter)).toBe(true);
    expect(s.snapshot().received).toBe(4);
  });

  it('rejects a non-positive clock rate', () => {
    expect(() => new RtpReceiveStats({ clockRate: 0 })).toThrow(expect.objectContaining({ code: 'RTP_INVALID_FIELD' }));
    expect(() => new RtpSendStats({ ssrc: 1, clockRate: NaN })).toThrow(expect.objectContaining({ code: 'RTP_INVALID_FIELD' }));
  });
});
