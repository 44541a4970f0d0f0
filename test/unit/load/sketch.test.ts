import fc from 'fast-check';
import { QuantileSketch } from '../../../src/load/sketch';

function exactQuantile(sorted: number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

describe('QuantileSketch', () => {
  const A = QuantileSketch.RELATIVE_ACCURACY;

  it('is empty at first', () => {
    const s = new QuantileSketch();
    expect(s.count).toBe(0);
    expect(s.quantile(0.5)).toBeNaN();
    expect(s.min).toBeNaN();
    expect(s.mean).toBeNaN();
  });

  it('reports every quantile within the relative accuracy of the exact nearest-rank value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.002, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const s = new QuantileSketch();
          for (const v of values) s.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          const exact = exactQuantile(sorted, q);
          const est = s.quantile(q);
          expect(Math.abs(est - exact)).toBeLessThanOrEqual(exact * A * 1.0000001);
          expect(est).toBeGreaterThanOrEqual(sorted[0]);
          expect(est).toBeLessThanOrEqual(sorted[sorted.length - 1]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps exact min, max, mean and count', () => {
    const s = new QuantileSketch();
    [5, 1, 9, 3].forEach((v) => s.record(v));
    expect([s.count, s.min, s.max, s.mean]).toEqual([4, 1, 9, 4.5]);
    expect(s.quantile(0)).toBe(1);
    expect(s.quantile(1)).toBe(9);
  });

  it('puts zeros and tiny values in the zero bucket and ignores non-finite values', () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 6; i++) s.record(0);
    s.record(NaN);
    s.record(Infinity);
    for (let i = 0; i < 4; i++) s.record(100);
    expect(s.count).toBe(10);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(0.7)).toBeCloseTo(100, 0);
  });

  it('merges and round-trips through its state exactly like one sketch of all values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { maxLength: 200 }), fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { maxLength: 200 }), (a, b) => {
        const all = new QuantileSketch();
        const sa = new QuantileSketch();
        const sb = new QuantileSketch();
        a.forEach((v) => (sa.record(v), all.record(v)));
        b.forEach((v) => (sb.record(v), all.record(v)));
        const merged = QuantileSketch.fromState(JSON.parse(JSON.stringify(sa.toState())));
        merged.merge(QuantileSketch.fromState(sb.toState()));
        expect(merged.count).toBe(all.count);
        for (const q of [0.01, 0.5, 0.9, 0.99]) {
          if (all.count) expect(merged.quantile(q)).toBe(all.quantile(q));
        }
        if (all.count) expect([merged.min, merged.max]).toEqual([all.min, all.max]);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores out-of-range bins in a hostile state', () => {
    const s = QuantileSketch.fromState({ n: 1, total: 5, lo: 5, hi: 5, zeros: 0, bins: [-1, 3, 1e9, 2, 0.5, 1] });
    expect(s.quantile(0.5)).toBe(5);
  });
});
