import { SipprobeError } from '../errors';

/** Names the bucket layout of {@link PacingHistogram}; data of another layout is refused. */
export const PACING_HISTOGRAM_LAYOUT = 'pacing-ms/0.05x500+1x1000+overflow';

/**
 * A {@link PacingHistogram} as plain data (JSON and structured-clone safe), e.g. for a load
 * worker to post its pacer's histogram to the main thread, which merges them exactly.
 */
export interface PacingHistogramData {
  /** The bucket layout the counts refer to ({@link PACING_HISTOGRAM_LAYOUT}). */
  layout: typeof PACING_HISTOGRAM_LAYOUT;
  /** The non-empty buckets as flat pairs `index, count, index, count, …`, indexes ascending. */
  buckets: number[];
  /** Number of recorded samples (the sum of the counts). */
  count: number;
  /** Sum of the recorded deviations, ms. */
  sum: number;
  /** Largest recorded deviation, ms (exact). */
  max: number;
}

/** {@link PacingHistogram.fromData} refused its input (`code` `PACING_BAD_DATA`). */
export class PacingHistogramDataError extends SipprobeError {
  constructor(message: string) {
    super('PACING_BAD_DATA', message);
  }
}

/**
 * Fixed-memory histogram of pacing deviations (milliseconds, ≥ 0). Fine 50 µs buckets up to
 * 25 ms (where the interesting p99 lives), then 1 ms buckets up to ~1 s, then one overflow bucket;
 * the exact maximum and sum are kept beside it. Recording is O(1) and allocation-free, so every
 * packet of every stream can be recorded.
 */
export class PacingHistogram {
  private static readonly FINE_STEP = 0.05;
  private static readonly FINE_COUNT = 500; // 0 … 25 ms
  private static readonly COARSE_STEP = 1;
  private static readonly COARSE_COUNT = 1000; // 25 … 1025 ms
  private readonly buckets = new Uint32Array(PacingHistogram.FINE_COUNT + PacingHistogram.COARSE_COUNT + 1);
  private n = 0;
  private total = 0;
  private maximum = 0;

  /** Records one deviation; negative values (sent early) are recorded as 0. */
  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    this.buckets[PacingHistogram.bucketOf(v)]++;
    this.n++;
    this.total += v;
    if (v > this.maximum) this.maximum = v;
  }

  /** Adds every sample of `other` to this histogram. */
  merge(other: PacingHistogram): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += other.buckets[i];
    this.n += other.n;
    this.total += other.total;
    if (other.maximum > this.maximum) this.maximum = other.maximum;
  }

  /** The histogram as plain data (non-empty buckets only); {@link PacingHistogram.fromData} reads it back exactly. */
  toJSON(): PacingHistogramData {
    const buckets: number[] = [];
    for (let i = 0; i < this.buckets.length; i++) if (this.buckets[i] !== 0) buckets.push(i, this.buckets[i]);
    return { layout: PACING_HISTOGRAM_LAYOUT, buckets, count: this.n, sum: this.total, max: this.maximum };
  }

  /**
   * Rebuilds a histogram from {@link PacingHistogram.toJSON} data. The data is checked whole
   * (in time linear in its size) before anything is kept: it must be of this layout, with
   * ascending in-range bucket indexes, positive 32-bit counts adding up to `count`, the maximum
   * inside the highest non-empty bucket and a sum between 0 and `count × max`.
   * @throws {@link PacingHistogramDataError} for anything else.
   */
  static fromData(data: unknown): PacingHistogram {
    const bad = (why: string): never => {
      throw new PacingHistogramDataError(`pacing histogram data: ${why}`);
    };
    if (data === null || typeof data !== 'object') return bad('not an object');
    const d = data as Partial<Record<keyof PacingHistogramData, unknown>>;
    if (d.layout !== PACING_HISTOGRAM_LAYOUT) return bad('unknown bucket layout');
    const { buckets, count, sum, max } = d;
    const h = new PacingHistogram();
    const size = h.buckets.length;
    if (!Array.isArray(buckets) || buckets.length % 2 !== 0 || buckets.length > 2 * size) return bad('buckets must be index/count pairs, at most one per bucket');
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return bad('count must be a non-negative integer');
    if (typeof max !== 'number' || !Number.isFinite(max) || max < 0) return bad('max must be a finite number ≥ 0');
    if (typeof sum !== 'number' || !Number.isFinite(sum) || sum < 0) return bad('sum must be a finite number ≥ 0');
    let total = 0;
    let last = -1;
    for (let k = 0; k < buckets.length; k += 2) {
      const i: unknown = buckets[k];
      const c: unknown = buckets[k + 1];
      if (typeof i !== 'number' || !Number.isInteger(i) || i <= last || i >= size) return bad('bucket indexes must be ascending and in range');
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 0xffffffff) return bad('bucket counts must be integers from 1 to 2^32 − 1');
      h.buckets[i] = c;
      total += c;
      last = i;
    }
    if (total !== count) return bad('bucket counts do not add up to count');
    if (count === 0 ? max !== 0 || sum !== 0 : PacingHistogram.bucketOf(max) !== last) return bad('max is not in the highest non-empty bucket');
    // Float addition may round the sum a hair past count × max; anything more is impossible.
    if (sum > count * max * (1 + 1e-9)) return bad('sum exceeds count × max');
    h.n = count;
    h.total = sum;
    h.maximum = max;
    return h;
  }

  /** Number of recorded samples. */
  get count(): number {
    return this.n;
  }

  /** Largest recorded deviation (exact). */
  get max(): number {
    return this.maximum;
  }

  /** Mean deviation, 0 when empty. */
  get mean(): number {
    return this.n === 0 ? 0 : this.total / this.n;
  }

  /**
   * Upper edge of the bucket holding the `q`-quantile (0 < q ≤ 1), capped at the exact maximum,
   * so the answer never under-reports. 0 when empty.
   */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(PacingHistogram.upperEdge(i), this.maximum);
    }
    return this.maximum;
  }

  private static bucketOf(v: number): number {
    const fineEnd = PacingHistogram.FINE_STEP * PacingHistogram.FINE_COUNT;
    if (v < fineEnd) return Math.floor(v / PacingHistogram.FINE_STEP);
    const c = Math.floor((v - fineEnd) / PacingHistogram.COARSE_STEP);
    return c < PacingHistogram.COARSE_COUNT ? PacingHistogram.FINE_COUNT + c : PacingHistogram.FINE_COUNT + PacingHistogram.COARSE_COUNT;
  }

  private static upperEdge(i: number): number {
    if (i < PacingHistogram.FINE_COUNT) return (i + 1) * PacingHistogram.FINE_STEP;
    const fineEnd = PacingHistogram.FINE_STEP * PacingHistogram.FINE_COUNT;
    if (i < PacingHistogram.FINE_COUNT + PacingHistogram.COARSE_COUNT) return fineEnd + (i - PacingHistogram.FINE_COUNT + 1) * PacingHistogram.COARSE_STEP;
    return Infinity;
  }
}
