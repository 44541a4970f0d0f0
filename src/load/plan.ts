import { LoadError } from './errors';

/** How many calls to place and how fast. */
export interface LoadPlan {
  /** Total calls to place (≥ 1). */
  calls: number;
  /** Most calls in progress at once (≥ 1). */
  concurrency: number;
  /** Most call starts per second; unlimited when absent. */
  ratePerSec?: number;
  /**
   * Ramp-up time, ms. With a rate, the start rate rises linearly from 0 to `ratePerSec` over the
   * ramp; without one, the concurrency limit rises linearly from 1 to `concurrency`.
   */
  rampMs?: number;
}

/** Checks a plan, throwing {@link LoadError} `LOAD_BAD_OPTION` for anything unusable. */
export function validateLoadPlan(plan: LoadPlan): LoadPlan {
  const int = (v: number, name: string): void => {
    if (!Number.isSafeInteger(v) || v < 1) throw new LoadError('LOAD_BAD_OPTION', `${name} must be an integer ≥ 1, got ${v}`);
  };
  int(plan.calls, 'calls');
  int(plan.concurrency, 'concurrency');
  if (plan.ratePerSec !== undefined && !(Number.isFinite(plan.ratePerSec) && plan.ratePerSec > 0)) {
    throw new LoadError('LOAD_BAD_OPTION', `rate must be a number > 0 calls/s, got ${plan.ratePerSec}`);
  }
  if (plan.rampMs !== undefined && !(Number.isFinite(plan.rampMs) && plan.rampMs >= 0)) {
    throw new LoadError('LOAD_BAD_OPTION', `ramp must be a duration ≥ 0, got ${plan.rampMs}`);
  }
  return plan;
}

/**
 * When call `k` (0-based) is due, in ms from the start, under a rate limit: evenly spaced at
 * `rate`, or — during a ramp of `rampMs` — following a start rate that rises linearly from 0
 * (the count of starts by time t is the integral of that rate, inverted here). Drift-free: every
 * due time comes from the same formula, never from the previous timer.
 */
export function dueTimeMs(k: number, ratePerSec: number, rampMs = 0): number {
  const perMs = ratePerSec / 1000;
  if (rampMs <= 0) return k / perMs;
  const rampCalls = (perMs * rampMs) / 2;
  if (k <= rampCalls) return Math.sqrt((2 * k * rampMs) / perMs);
  return rampMs + (k - rampCalls) / perMs;
}

/** Concurrency allowed at time `t` ms during a concurrency ramp (no rate): 1 → `concurrency`. */
export function rampedConcurrency(t: number, concurrency: number, rampMs = 0): number {
  if (rampMs <= 0 || t >= rampMs) return concurrency;
  return Math.min(concurrency, Math.max(1, Math.ceil((concurrency * Math.max(0, t)) / rampMs)));
}
