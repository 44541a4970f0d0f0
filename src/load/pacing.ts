import { PacingHistogram, PacingHistogramDataError, type PacingHistogramData } from '../rtp/pacer-histogram';
import type { Pacer } from '../rtp/pacer';
import { LoadError } from './errors';

/**
 * How accurately one starter (one Caller, one pacer) paced the RTP it sent, as plain data a
 * load worker can post to the main thread. The histogram holds one deviation per frame sent.
 */
export interface LoadPacingData {
  /** Frames the pacer skipped after event-loop stalls (never sent). */
  skipped: number;
  /** Frames sent more than the pacer's late threshold (2 ms) after their due time. */
  late: number;
  /** |send time − due time| of every frame sent, ms. */
  histogram: PacingHistogramData;
}

/**
 * The tester's own RTP pacing over a whole load run (every frame every call sent): tells "the
 * tester was overloaded" apart from "the agent or network is bad". Deviations in ms; percentiles
 * are bucket upper edges (50 µs buckets up to 25 ms), never below the true value.
 */
export interface LoadPacingSummary {
  /** RTP frames sent. */
  frames: number;
  /** Frames skipped after event-loop stalls. */
  skipped: number;
  /** Frames sent more than 2 ms late. */
  late: number;
  p50Ms: number;
  p99Ms: number;
  /** Largest deviation (exact). */
  maxMs: number;
}

/** What `pacer` measured so far, as {@link LoadPacingData}. */
export function loadPacingOf(pacer: Pacer): LoadPacingData {
  const s = pacer.stats();
  return { skipped: s.skipped, late: s.late, histogram: pacer.histogramData() };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Merges the pacing of every starter of a run (absent parts are starters without a pacer)
 * exactly, as if one pacer had sent every frame. Null when no frame was sent at all.
 * @throws {@link LoadError} `LOAD_BAD_PACING` when a part is not valid {@link LoadPacingData}
 *   (e.g. from a custom starter module).
 */
export function mergeLoadPacing(parts: ReadonlyArray<LoadPacingData | null | undefined>): LoadPacingSummary | null {
  const all = new PacingHistogram();
  let skipped = 0;
  let late = 0;
  for (const [i, p] of parts.entries()) {
    if (p === null || p === undefined) continue;
    const bad = (why: string, cause?: unknown): never => {
      throw new LoadError('LOAD_BAD_PACING', `pacing of load starter ${i}: ${why}`, cause === undefined ? undefined : { cause });
    };
    if (typeof p !== 'object') return bad('not an object');
    let h: PacingHistogram;
    try {
      h = PacingHistogram.fromData(p.histogram);
    } catch (err) {
      if (err instanceof PacingHistogramDataError) return bad(err.message, err);
      throw err;
    }
    if (!isCount(p.skipped) || !isCount(p.late) || p.late > h.count) return bad('skipped and late must be counts, late at most the frames sent');
    all.merge(h);
    skipped += p.skipped;
    late += p.late;
  }
  if (all.count === 0) return null;
  return { frames: all.count, skipped, late, p50Ms: r3(all.quantile(0.5)), p99Ms: r3(all.quantile(0.99)), maxMs: r3(all.max) };
}
