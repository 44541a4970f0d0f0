import { MetricsArgumentError } from './errors';
import type { LatencyStats } from './types';

/**
 * Quantile of ascending-sorted values by linear interpolation between closest ranks (the
 * "type 7" rule of R and NumPy's default): position (n − 1)·q.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', `quantile ${q} is not in [0, 1]`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Count, min, max, mean and p50/p90/p95/p99 of finite values; null when there are none. */
export function latencyStats(values: readonly number[]): LatencyStats | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    count: v.length,
    minMs: r(v[0]),
    maxMs: r(v[v.length - 1]),
    meanMs: r(v.reduce((s, x) => s + x, 0) / v.length),
    p50Ms: r(quantileSorted(v, 0.5)),
    p90Ms: r(quantileSorted(v, 0.9)),
    p95Ms: r(quantileSorted(v, 0.95)),
    p99Ms: r(quantileSorted(v, 0.99)),
  };
}
