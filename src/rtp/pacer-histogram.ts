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
