import fc from 'fast-check';
import { FakeClock } from '../../../src/clock';
import { PACING_HISTOGRAM_LAYOUT, Pacer, PacingHistogram, PacingHistogramDataError, type PacingHistogramData } from '../../../src/rtp/pacer';

const QS = [0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1];

/** Deviations spread over every region of the layout: fine, coarse, overflow, and negatives (→ 0). */
const deviation = fc.oneof(
  fc.double({ min: -5, max: 25, noNaN: true }),
  fc.double({ min: 25, max: 1025, noNaN: true }),
  fc.double({ min: 1025, max: 1e6, noNaN: true }),
  fc.constantFrom(0, 0.05, 24.95, 25, 1025),
);

function histogramOf(values: readonly number[]): PacingHistogram {
  const h = new PacingHistogram();
  for (const v of values) h.record(v);
  return h;
}

/** Everything a histogram answers, to compare two of them. */
function view(h: PacingHistogram): unknown {
  return { data: h.toJSON(), quantiles: QS.map((q) => h.quantile(q)), count: h.count, max: h.max, mean: h.mean };
}

describe('PacingHistogram as plain data', () => {
  it('keeps only the non-empty buckets, as ascending index/count pairs', () => {
    const h = histogramOf([0.01, 0.02, 1.02, -3, 30.5, 5000]);
    expect(h.toJSON()).toEqual({ layout: PACING_HISTOGRAM_LAYOUT, buckets: [0, 3, 20, 1, 505, 1, 1500, 1], count: 6, sum: 0.01 + 0.02 + 1.02 + 30.5 + 5000, max: 5000 });
    expect(new PacingHistogram().toJSON()).toEqual({ layout: PACING_HISTOGRAM_LAYOUT, buckets: [], count: 0, sum: 0, max: 0 });
  });

  it('round trip (also through JSON text and structured clone) gives the same histogram exactly', () => {
    fc.assert(
      fc.property(fc.array(deviation, { maxLength: 300 }), (values) => {
        const h = histogramOf(values);
        const want = view(h);
        expect(view(PacingHistogram.fromData(h.toJSON()))).toEqual(want);
        expect(view(PacingHistogram.fromData(JSON.parse(JSON.stringify(h))))).toEqual(want);
        expect(view(PacingHistogram.fromData(structuredClone(h.toJSON())))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('merging rebuilt halves equals merging the originals exactly, and one histogram of every sample up to float summation', () => {
    fc.assert(
      fc.property(fc.array(deviation, { maxLength: 200 }), fc.array(deviation, { maxLength: 200 }), (a, b) => {
        const direct = histogramOf(a);
        direct.merge(histogramOf(b));
        const viaData = PacingHistogram.fromData(histogramOf(a).toJSON());
        viaData.merge(PacingHistogram.fromData(histogramOf(b).toJSON()));
        expect(view(viaData)).toEqual(view(direct));
        const all = histogramOf([...a, ...b]);
        const { sum: s1, ...rest1 } = viaData.toJSON();
        const { sum: s2, ...rest2 } = all.toJSON();
        expect(rest1).toEqual(rest2);
        expect(s1).toBeCloseTo(s2, 6);
        for (const q of QS) expect(viaData.quantile(q)).toBe(all.quantile(q));
      }),
      { numRuns: 200 },
    );
  });

  it('a pacer exports the histogram of every frame it delivered, a copy', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const a = pacer.add({ ptimeMs: 20, onTick: () => {}, histogram: false });
    const b = pacer.add({ ptimeMs: 20, onTick: () => {} });
    clock.advance(100); // 6 frames each, on time
    a.remove();
    const data = pacer.histogramData();
    expect(data).toMatchObject({ count: 12, max: 0, sum: 0, buckets: [0, 12] });
    clock.advance(20);
    expect(data.count).toBe(12);
    expect(pacer.histogramData().count).toBe(pacer.stats().sent);
    expect(PacingHistogram.fromData(pacer.histogramData()).quantile(0.99)).toBe(pacer.stats().p99Ms);
    b.remove();
  });

  describe('fromData refuses what no histogram could have produced, with PACING_BAD_DATA', () => {
    const good = (): PacingHistogramData => histogramOf([0.01, 0.3, 40]).toJSON();
    const cases: Array<[string, unknown]> = [
      ['null', null],
      ['a string', 'x'],
      ['another layout', { ...good(), layout: 'v0' }],
      ['no layout', { buckets: [], count: 0, sum: 0, max: 0 }],
      ['buckets not an array', { ...good(), buckets: { 0: 1 } }],
      ['an odd-length bucket list', { ...good(), buckets: [0, 1, 6] }],
      ['more pairs than buckets', { ...good(), buckets: Array.from({ length: 3004 }, (_, k) => (k % 2 ? 1 : k / 2)) }],
      ['an index out of range', { ...good(), buckets: [0, 1, 6, 1, 1501, 1] }],
      ['a negative index', { ...good(), buckets: [-1, 1, 6, 1, 515, 1] }],
      ['a fractional index', { ...good(), buckets: [0.5, 1, 6, 1, 515, 1] }],
      ['indexes not ascending', { ...good(), buckets: [6, 1, 0, 1, 515, 1] }],
      ['a repeated index', { ...good(), buckets: [0, 1, 0, 1, 515, 1] }],
      ['a zero count', { ...good(), buckets: [0, 0, 6, 2, 515, 1] }],
      ['a count over 32 bits', { ...good(), buckets: [0, 2 ** 32], count: 2 ** 32, max: 0.01, sum: 0 }],
      ['a string count', { ...good(), buckets: [0, '1', 6, 1, 515, 1] }],
      ['counts not adding up', { ...good(), count: 4 }],
      ['a fractional count total', { ...good(), count: 3.5 }],
      ['a NaN max', { ...good(), max: NaN }],
      ['an infinite sum', { ...good(), sum: Infinity }],
      ['a negative sum', { ...good(), sum: -1 }],
      ['max below the highest bucket', { ...good(), max: 30 }],
      ['max above the highest bucket', { ...good(), max: 41 }],
      ['a sum over count × max', { ...good(), sum: 121 }],
      ['an empty histogram with a max', { layout: PACING_HISTOGRAM_LAYOUT, buckets: [], count: 0, sum: 0, max: 1 }],
      ['an empty histogram with a sum', { layout: PACING_HISTOGRAM_LAYOUT, buckets: [], count: 0, sum: 1, max: 0 }],
    ];
    it.each(cases)('%s', (_name, data) => {
      expect(() => PacingHistogram.fromData(data)).toThrow(PacingHistogramDataError);
      expect(() => PacingHistogram.fromData(data)).toThrow(expect.objectContaining({ code: 'PACING_BAD_DATA' }));
    });

    it('accepts the unchanged data those cases were made from', () => {
      expect(PacingHistogram.fromData(good()).count).toBe(3);
    });

    it('random junk never throws anything but PACING_BAD_DATA', () => {
      fc.assert(
        fc.property(
          fc.record({ layout: fc.oneof(fc.constant(PACING_HISTOGRAM_LAYOUT), fc.string()), buckets: fc.array(fc.oneof(fc.integer({ min: -2, max: 1600 }), fc.double()), { maxLength: 12 }), count: fc.oneof(fc.nat(20), fc.double()), sum: fc.double(), max: fc.double() }, { requiredKeys: [] }),
          (data) => {
            try {
              const h = PacingHistogram.fromData(data);
              expect(h.count).toBe(data.count);
            } catch (err) {
              expect(err).toBeInstanceOf(PacingHistogramDataError);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
