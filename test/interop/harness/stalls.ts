/**
 * Event-loop stall watch for timing assertions: a Node process cannot timestamp a datagram
 * before its event loop gets to it, so media timing checks allow for the stalls that happened.
 */

/** A running watch; `stop()` returns the stalls seen (ms beyond the tick interval). */
export interface StallWatch {
  stop(): { maxMs: number; totalMs: number; stalls: Array<{ atMs: number; ms: number }> };
}

/** Ticks every `everyMs` and records each tick that came more than `minMs` late. */
export function watchEventLoopStalls(everyMs = 5, minMs = 20): StallWatch {
  const t0 = performance.now();
  let last = t0;
  const stalls: Array<{ atMs: number; ms: number }> = [];
  const iv = setInterval(() => {
    const now = performance.now();
    const late = now - last - everyMs;
    if (late > minMs) stalls.push({ atMs: Math.round(last - t0), ms: Math.round(late) });
    last = now;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(iv);
      const maxMs = stalls.reduce((m, s) => Math.max(m, s.ms), 0);
      return { maxMs, totalMs: stalls.reduce((a, s) => a + s.ms, 0), stalls };
    },
  };
}
