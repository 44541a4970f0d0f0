/**
 * Fixed-memory quantile sketch with a relative-accuracy guarantee (logarithmic buckets, the idea
 * of DDSketch): every quantile it reports is within `RELATIVE_ACCURACY` (0.5 %) of a true sample
 * value at that rank, for values in [1 µs, 10⁷ ms]. Values at or below 1 µs (including 0 and
 * negatives) share one "zero" bucket and report as 0; larger ones are clamped to the top bucket.
 * Recording is O(1) without allocation; memory is one ~9 KiB Uint32Array whatever the count, so
 * a run of a million calls costs the same as a run of ten.
 */
export class QuantileSketch {
  /** Relative error bound of every reported quantile. */
  static readonly RELATIVE_ACCURACY = 0.005;
  private static readonly GAMMA = (1 + QuantileSketch.RELATIVE_ACCURACY) / (1 - QuantileSketch.RELATIVE_ACCURACY);
  private static readonly LOG_GAMMA = Math.log(QuantileSketch.GAMMA);
  private static readonly MIN_VALUE = 1e-3;
  private static readonly MAX_VALUE = 1e7;
  private static readonly MIN_KEY = Math.ceil(Math.log(QuantileSketch.MIN_VALUE) / QuantileSketch.LOG_GAMMA);
  private static readonly MAX_KEY = Math.ceil(Math.log(QuantileSketch.MAX_VALUE) / QuantileSketch.LOG_GAMMA);

  private readonly bins = new Uint32Array(QuantileSketch.MAX_KEY - QuantileSketch.MIN_KEY + 1);
  private zeros = 0;
  private n = 0;
  private total = 0;
  private lo = Infinity;
  private hi = -Infinity;

  /** Records one value; NaN and ±Infinity are ignored (they are not measurements). */
  record(value: number): void {
    if (!Number.isFinite(value)) return;
    this.n++;
    this.total += value;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    if (value <= QuantileSketch.MIN_VALUE) {
      this.zeros++;
      return;
    }
    this.bins[QuantileSketch.indexOf(value)]++;
  }

  /** Adds every sample of `other`. */
  merge(other: QuantileSketch): void {
    for (let i = 0; i < this.bins.length; i++) this.bins[i] += other.bins[i];
    this.zeros += other.zeros;
    this.n += other.n;
    this.total += other.total;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
  }

  /** Number of recorded values. */
  get count(): number {
    return this.n;
  }

  /** Exact smallest value (NaN when empty). */
  get min(): number {
    return this.n === 0 ? NaN : this.lo;
  }

  /** Exact largest value (NaN when empty). */
  get max(): number {
    return this.n === 0 ? NaN : this.hi;
  }

  /** Exact mean (NaN when empty). */
  get mean(): number {
    return this.n === 0 ? NaN : this.total / this.n;
  }

  /**
   * The nearest-rank `q`-quantile (0 ≤ q ≤ 1: rank ⌈q·n⌉, at least 1), within the relative
   * accuracy of the sample at that rank, never outside [min, max]. NaN when empty.
   */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)));
    if (rank === this.n) return this.hi;
    if (rank === 1) return this.lo;
    let seen = this.zeros;
    if (seen >= rank) return Math.max(this.lo, Math.min(0, this.hi));
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= rank) return Math.min(this.hi, Math.max(this.lo, QuantileSketch.valueOf(i)));
    }
    return this.hi;
  }

  /** Compact, JSON-safe form (non-empty bins only) for sending between threads. */
  toState(): QuantileSketchState {
    const bins: number[] = [];
    for (let i = 0; i < this.bins.length; i++) if (this.bins[i] !== 0) bins.push(i, this.bins[i]);
    return { n: this.n, total: this.total, lo: this.n ? this.lo : 0, hi: this.n ? this.hi : 0, zeros: this.zeros, bins };
  }

  /** Rebuilds a sketch from {@link toState}. */
  static fromState(s: QuantileSketchState): QuantileSketch {
    const q = new QuantileSketch();
    q.n = s.n;
    q.total = s.total;
    q.lo = s.n ? s.lo : Infinity;
    q.hi = s.n ? s.hi : -Infinity;
    q.zeros = s.zeros;
    for (let i = 0; i + 1 < s.bins.length; i += 2) {
      const idx = s.bins[i];
      if (Number.isInteger(idx) && idx >= 0 && idx < q.bins.length) q.bins[idx] += s.bins[i + 1];
    }
    return q;
  }

  private static indexOf(v: number): number {
    const key = Math.ceil(Math.log(v) / QuantileSketch.LOG_GAMMA);
    const k = key < QuantileSketch.MIN_KEY ? QuantileSketch.MIN_KEY : key > QuantileSketch.MAX_KEY ? QuantileSketch.MAX_KEY : key;
    return k - QuantileSketch.MIN_KEY;
  }

  // Bucket k holds (γ^(k-1), γ^k]; 2γ^k/(γ+1) is within α of every value in it.
  private static valueOf(i: number): number {
    const k = i + QuantileSketch.MIN_KEY;
    return (2 * Math.pow(QuantileSketch.GAMMA, k)) / (QuantileSketch.GAMMA + 1);
  }
}

/** Serialised {@link QuantileSketch}: `bins` is a flat list of (index, count) pairs. */
export interface QuantileSketchState {
  n: number;
  total: number;
  lo: number;
  hi: number;
  zeros: number;
  bins: number[];
}
