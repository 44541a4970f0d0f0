import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How late one event loop ran a timer due every few milliseconds during a load run (ms), as
 * plain data a load worker can post to the main thread.
 */
export interface LoadLoopDelayData {
  p50Ms: number;
  p99Ms: number;
  /** Longest delay seen: the longest the loop could not answer anything. */
  maxMs: number;
}

/**
 * The event-loop delay of the loops that ran the calls (`LoadSummary.eventLoop`): a busy loop
 * answers SIP and RTP late, so high values say the tester, not the agent, set the setup times
 * and the loss. Percentiles are those of the loop with the highest p99; `maxMs` is over all.
 */
export interface LoadLoopDelaySummary extends LoadLoopDelayData {
  /** Loops measured: 1, or the worker threads of a sharded run. */
  loops: number;
}

/** The monitor's timer period: each sample is how late a timer due this often fired. */
const RESOLUTION_MS = 5;

const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** Samples this thread's event-loop delay from construction until {@link stop}. */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  private result: LoadLoopDelayData | null | undefined;

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
  }

  /** Stops sampling (idempotent); null when the run was too short for one sample. */
  stop(): LoadLoopDelayData | null {
    if (this.result !== undefined) return this.result;
    const h = this.histogram;
    h.disable();
    this.result = h.count === 0 ? null : { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    return this.result;
  }
}

const isDelay = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The worst of the measured loops (absent parts: loops not measured); null when none was. */
export function worstLoopDelay(parts: ReadonlyArray<LoadLoopDelayData | null | undefined>): LoadLoopDelaySummary | null {
  let worst: LoadLoopDelayData | null = null;
  let loops = 0;
  let maxMs = 0;
  for (const p of parts) {
    if (p === null || p === undefined || !isDelay(p.p50Ms) || !isDelay(p.p99Ms) || !isDelay(p.maxMs)) continue;
    loops++;
    if (worst === null || p.p99Ms > worst.p99Ms) worst = p;
    if (p.maxMs > maxMs) maxMs = p.maxMs;
  }
  return worst === null ? null : { loops, p50Ms: worst.p50Ms, p99Ms: worst.p99Ms, maxMs };
}
