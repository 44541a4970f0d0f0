/**
 * Memory per active media call: `calls` calls streaming G.711 both ways at once, settled heap +
 * external memory (Buffers, typed arrays) after forced full GCs while every call streams, minus
 * the same before the first call, divided by the calls active at that moment. A warm-up batch of
 * short calls runs first on its own Caller, so code compiled for the first calls and other
 * one-time costs do not count as per-call memory.
 */
import { writeHeapSnapshot } from 'node:v8';
import { runLoad, type StartCall } from '../../src/load';
import { activeCallMemory, type SettledMemory } from './memory';
import { openSipprobe } from './sipprobe';

/** What {@link memoryPerActiveCall} found; byte counts are per active call. */
export interface CallMemory extends SettledMemory {
  /** Calls active at the measuring point. */
  active: number;
  ok: number;
  failed: number;
  lossPercent: number;
}

/** Options of {@link memoryPerActiveCall}. */
export interface CallMemoryOptions {
  uri: string;
  wav: string;
  calls: number;
  evaluate: boolean;
  /** Run the warm-up batch first (default true). */
  warmUp?: boolean;
  /** Write `<prefix>.base.heapsnapshot` and `<prefix>.peak.heapsnapshot` (attribution in DevTools). */
  snapshotPrefix?: string;
}

async function warmUp(uri: string, wav: string, evaluate: boolean): Promise<void> {
  const client = await openSipprobe({ target: uri, holdMs: 1000, media: 'tone', wav, evaluate });
  try {
    await runLoad({ target: uri, plan: { calls: 40, concurrency: 40, ratePerSec: 40 }, startCall: client.startCall });
  } finally {
    await client.close();
  }
}

/** Runs the measurement (a forced GC stalls the loop: never inside a run whose pacing counts). */
export async function memoryPerActiveCall(o: CallMemoryOptions): Promise<CallMemory> {
  if (o.warmUp !== false) await warmUp(o.uri, o.wav, o.evaluate);
  const holdS = 4;
  const client = await openSipprobe({ target: o.uri, holdMs: holdS * 1000, media: 'tone', wav: o.wav, evaluate: o.evaluate });
  try {
    if (o.snapshotPrefix) writeHeapSnapshot(`${o.snapshotPrefix}.base.heapsnapshot`);
    const probe = activeCallMemory();
    const rate = Math.max(1, Math.floor(o.calls / 2));
    let active = 0;
    let activeAtPeak = 0;
    let peak: SettledMemory | null = null;
    // every call started, half-way through the hold
    const timer = setTimeout(() => {
      activeAtPeak = active;
      peak = probe.sample();
      if (o.snapshotPrefix) writeHeapSnapshot(`${o.snapshotPrefix}.peak.heapsnapshot`);
    }, (o.calls / rate + holdS / 2) * 1000);
    const startCall: StartCall = (i, signal) => {
      active++;
      return client.startCall(i, signal).finally(() => active--);
    };
    const s = await runLoad({ target: o.uri, plan: { calls: o.calls, concurrency: o.calls, ratePerSec: rate }, startCall });
    clearTimeout(timer);
    const m = peak as SettledMemory | null;
    const per = (b: number): number => (activeAtPeak > 0 ? b / activeAtPeak : NaN);
    return {
      active: activeAtPeak,
      total: m ? per(m.total) : NaN,
      heapUsed: m ? per(m.heapUsed) : NaN,
      external: m ? per(m.external) : NaN,
      arrayBuffers: m ? per(m.arrayBuffers) : NaN,
      ok: s.calls.ok,
      failed: s.calls.failed,
      lossPercent: s.rtp.lossPercent?.mean ?? NaN,
    };
  } finally {
    await client.close();
  }
}
