/**
 * A LoadStarterModule for pacing tests: call i "sends" `framesPerCall` frames whose deviations are
 * {@link callDeviations}(i) and reports them through `pacing()`, as a Caller's own pacer would.
 * No network.
 */
import { PacingHistogram } from '../../../src/rtp/pacer-histogram';
import type { LoadStarter } from '../../../src/load/starter';
import { fakeResult } from './fake-result';

/** The deviations (ms) of call `index`'s frames: spread from on time to far late, per call. */
export function callDeviations(index: number, framesPerCall: number): number[] {
  return Array.from({ length: framesPerCall }, (_, f) => ((index * 7 + f * 13) % 50) * 0.11 + (f === 0 && index % 5 === 0 ? 40 : 0));
}

export async function openLoadStarter(template: { framesPerCall: number; skippedPerCall: number }): Promise<LoadStarter> {
  const h = new PacingHistogram();
  let skipped = 0;
  let late = 0;
  return {
    startCall: async (index) => {
      await new Promise((r) => setImmediate(r));
      for (const d of callDeviations(index, template.framesPerCall)) {
        h.record(d);
        if (d > 2) late++;
      }
      skipped += template.skippedPerCall;
      return fakeResult('completed', { index, answerMs: 1 });
    },
    close: async () => {},
    pacing: () => ({ skipped, late, histogram: h.toJSON() }),
  };
}
