/** A LoadStarterModule for sharding tests: calls "last" `holdMs` and complete (no network). */
import type { LoadStarter } from '../../../src/load/starter';
import { fakeResult } from './fake-result';

export async function openLoadStarter(template: { holdMs: number; target: string }): Promise<LoadStarter> {
  return {
    startCall: (index, signal) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(fakeResult('completed', { index, answerMs: 1 + (index % 50) })), template.holdMs);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve(fakeResult('completed', { index, answerMs: 1 + (index % 50) }));
        });
      }),
    close: async () => {},
  };
}
