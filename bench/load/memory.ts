/** Memory measurement for the load benchmark: a forced GC (enabled at runtime) before each read. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Settled memory, bytes: `total` = JS heap + memory outside it (`external` includes `arrayBuffers`). */
export interface SettledMemory {
  total: number;
  heapUsed: number;
  external: number;
  /** Buffers and typed arrays (already part of `external`). */
  arrayBuffers: number;
}

/** JS heap and memory held outside it (Buffers, typed arrays) after two full collections. */
function settled(): SettledMemory {
  gc();
  gc();
  const m = process.memoryUsage();
  return { total: m.heapUsed + m.external, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * Takes the baseline now; `sample()` returns the growth since then (bytes, settled). Divide by
 * the calls active at the sample for memory per active call.
 */
export function activeCallMemory(): { sample(): SettledMemory } {
  const base = settled();
  return {
    sample: () => {
      const now = settled();
      return { total: now.total - base.total, heapUsed: now.heapUsed - base.heapUsed, external: now.external - base.external, arrayBuffers: now.arrayBuffers - base.arrayBuffers };
    },
  };
}
