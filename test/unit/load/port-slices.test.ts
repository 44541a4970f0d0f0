import fc from 'fast-check';
import { LoadError } from '../../../src/load/errors';
import { DEFAULT_LOAD_RTP_PORTS, splitRtpPortRange } from '../../../src/load/port-slices';
import { loadCallerOptions, shardLoadTemplate, type LoadCallTemplate } from '../../../src/load/caller-start';

describe('splitRtpPortRange', () => {
  it('splits the default range into disjoint slices of whole even/odd pairs', () => {
    expect(splitRtpPortRange(DEFAULT_LOAD_RTP_PORTS, [400, 400])).toEqual([
      { min: 10000, max: 14999 },
      { min: 15000, max: 19999 },
    ]);
    // odd ends: the first even port is 10001 + 1, and 10011 closes the last pair 10010/10011
    expect(splitRtpPortRange({ min: 10001, max: 10011 }, [2, 2, 1])).toEqual([
      { min: 10002, max: 10005 },
      { min: 10006, max: 10009 },
      { min: 10010, max: 10011 },
    ]);
    expect(splitRtpPortRange({ min: 30000, max: 30001 }, [1])).toEqual([{ min: 30000, max: 30001 }]);
  });

  it('refuses a range too small for the concurrency, saying what it holds and what is needed', () => {
    const run = (): unknown => splitRtpPortRange({ min: 20000, max: 20019 }, [6, 6]);
    expect(run).toThrow(LoadError);
    expect(run).toThrow(expect.objectContaining({ code: 'LOAD_BAD_OPTION' }));
    expect(run).toThrow(/20000-20019 holds 10 port pairs.*worker 0 gets 5 for up to 6 concurrent calls.*at least 12 pairs/);
    expect(() => splitRtpPortRange({ min: 20000, max: 20000 }, [1])).toThrow(/holds 0 port pairs/);
  });

  it('refuses ranges outside 1024-65535 or upside down', () => {
    for (const r of [
      { min: 80, max: 2000 },
      { min: 60000, max: 70000 },
      { min: 20000, max: 10000 },
      { min: 1.5, max: 2000 },
    ]) {
      expect(() => splitRtpPortRange(r, [1])).toThrow(expect.objectContaining({ code: 'LOAD_BAD_OPTION' }));
    }
  });

  it('property: slices are disjoint, inside the range, whole pairs, near-equal, each enough for its worker', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 65535 }), fc.integer({ min: 0, max: 4000 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }), (min, span, conc) => {
        const range = { min, max: Math.min(65535, min + span) };
        let slices;
        try {
          slices = splitRtpPortRange(range, conc);
        } catch (e) {
          expect(e).toBeInstanceOf(LoadError);
          // refused only when some worker's share of the pairs is below its concurrency
          const first = min + (min & 1);
          const last = (range.max & 1) === 1 ? range.max - 1 : range.max - 2;
          const pairs = last < first ? 0 : (last - first) / 2 + 1;
          expect(conc.some((c, w) => Math.floor(pairs / conc.length) + (w < pairs % conc.length ? 1 : 0) < c)).toBe(true);
          return;
        }
        expect(slices).toHaveLength(conc.length);
        const sizes = slices.map((s) => (s.max - s.min + 1) / 2);
        slices.forEach((s, w) => {
          expect(s.min % 2).toBe(0);
          expect(s.max % 2).toBe(1);
          expect(s.min).toBeGreaterThanOrEqual(range.min);
          expect(s.max).toBeLessThanOrEqual(range.max);
          expect(sizes[w]).toBeGreaterThanOrEqual(conc[w]);
          if (w > 0) expect(s.min).toBe(slices[w - 1].max + 1);
        });
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('shardLoadTemplate', () => {
  const base: LoadCallTemplate = { target: 'sip:agent@127.0.0.1:5080', transport: 'udp', runId: 'R', rtpPorts: { min: 10000, max: 20000 } };

  it("puts the worker's slice into the template, hence into its Caller's options", () => {
    const t = shardLoadTemplate(base, { index: 1, count: 2, rtpPorts: { min: 15000, max: 19999 } });
    expect(loadCallerOptions(t).rtpPorts).toEqual({ min: 15000, max: 19999 });
    expect(base.rtpPorts).toEqual({ min: 10000, max: 20000 });
  });

  it('keeps the template as it is without a slice (no shard, or signalling only)', () => {
    expect(shardLoadTemplate(base)).toBe(base);
    expect(shardLoadTemplate(base, { index: 0, count: 2 })).toBe(base);
  });
});
