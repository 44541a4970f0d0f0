/** Memory measurement for the load benchmark: a forced GC (enabled at runtime) before each read. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/**
 * JS heap plus memory held outside it (Buffers and typed arrays: decoded audio, socket
 * buffers' JS side) after two full collections, bytes.
 */
export function settledHeapBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
