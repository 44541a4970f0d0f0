/**
 * Disjoint RTP port ranges for the worker threads of a sharded load run. Every worker has its own
 * Caller and so its own port pool; on one shared range they would all start at its first port and
 * race for the same ports (each loser finds EADDRINUSE and tries the next pair: wasted binds at
 * every call start, worst at high call rates). Slices of whole even/odd pairs (RTP even, RTCP the
 * odd port after it, RFC 3550 §11) keep them apart.
 */
import { LoadError } from './errors';

/** An inclusive UDP port range for RTP/RTCP pairs. */
export interface LoadRtpPortRange {
  readonly min: number;
  readonly max: number;
}

/** The range a Caller uses when none is configured (src/rtp/port-pool.ts). */
export const DEFAULT_LOAD_RTP_PORTS: LoadRtpPortRange = { min: 10000, max: 20000 };

/** Whole RTP/RTCP pairs in `range` (an even port and the odd one after it, both inside). */
function pairsOf(range: LoadRtpPortRange): { first: number; count: number } {
  const first = range.min + (range.min & 1);
  const lastEven = (range.max & 1) === 1 ? range.max - 1 : range.max - 2;
  return { first, count: lastEven < first ? 0 : (lastEven - first) / 2 + 1 };
}

/**
 * Splits `range` into one slice per worker, near-equal in pairs (the first slices get the
 * remainder), each starting on an even port and ending on the odd RTCP port of its last pair.
 * `concurrency[w]` is the most calls worker `w` has active at once; each active call holds one
 * pair, so a slice must hold at least that many.
 * @throws {@link LoadError} `LOAD_BAD_OPTION` for a range outside 1024–65535, or one too small:
 *   the message says how many pairs the range holds and how many the run needs.
 */
export function splitRtpPortRange(range: LoadRtpPortRange, concurrency: readonly number[]): LoadRtpPortRange[] {
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
    throw new LoadError('LOAD_BAD_OPTION', `RTP port range ${min}-${max} is not within 1024-65535`);
  }
  const workers = concurrency.length;
  if (workers < 1) throw new LoadError('LOAD_BAD_OPTION', 'at least one worker is needed to split an RTP port range');
  const { first, count } = pairsOf(range);
  const slices: LoadRtpPortRange[] = [];
  let at = first;
  for (let w = 0; w < workers; w++) {
    const pairs = Math.floor(count / workers) + (w < count % workers ? 1 : 0);
    if (pairs < concurrency[w]) {
      const total = concurrency.reduce((n, c) => n + c, 0);
      throw new LoadError(
        'LOAD_BAD_OPTION',
        `RTP port range ${min}-${max} holds ${count} port pairs (even RTP + odd RTCP port); split over ${workers} worker${workers === 1 ? '' : 's'}, worker ${w} gets ${pairs} for up to ${concurrency[w]} concurrent calls (one pair each): widen the range to at least ${total} pairs or lower the concurrency`,
      );
    }
    slices.push({ min: at, max: at + 2 * pairs - 1 });
    at += 2 * pairs;
  }
  return slices;
}
