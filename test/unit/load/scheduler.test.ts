import fc from 'fast-check';
import type { CallResult } from '../../../src/caller/result';
import { FakeClock } from '../../../src/clock';
import { LoadError } from '../../../src/load/errors';
import { dueTimeMs, rampedConcurrency } from '../../../src/load/plan';
import { LoadScheduler, type StartCall } from '../../../src/load/scheduler';
import { fakeResult } from './fake-result';

/** Flushes promise callbacks (call results resolve through microtasks). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

interface Harness {
  clock: FakeClock;
  starts: Array<{ index: number; t: number }>;
  finished: number[];
  maxActive: number;
  aborted: number[];
  scheduler: LoadScheduler;
  done: Promise<void>;
  isDone: () => boolean;
}

/** Each call lasts `durationOf(index)` ms of fake time, or until aborted (then 5 ms to hang up). */
function harness(plan: ConstructorParameters<typeof LoadScheduler>[0], durationOf: (i: number) => number, run = true): Harness {
  const clock = new FakeClock(1000);
  const h = { clock, starts: [], finished: [], maxActive: 0, aborted: [] } as unknown as Harness;
  let active = 0;
  const start: StartCall = (index, signal) =>
    new Promise<CallResult>((resolve) => {
      active++;
      h.maxActive = Math.max(h.maxActive, active);
      const end = (): void => {
        active--;
        resolve(fakeResult('completed', { index, answerMs: 10 }));
      };
      const timer = clock.setTimeout(end, durationOf(index));
      signal.addEventListener('abort', () => {
        h.aborted.push(index);
        clock.clearTimeout(timer);
        clock.setTimeout(end, 5);
      });
    });
  h.scheduler = new LoadScheduler(plan, start, {
    clock,
    onStart: (index) => h.starts.push({ index, t: clock.now() - 1000 }),
    onFinish: (index) => h.finished.push(index),
    onStartError: () => fakeResult('error'),
  });
  let finished = false;
  if (run) h.done = h.scheduler.run().then(() => void (finished = true));
  h.isDone = () => finished;
  return h;
}

async function advance(h: Harness, ms: number, step = 1): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    h.clock.advance(step);
    await flush();
  }
}

describe('LoadScheduler', () => {
  it('never exceeds the concurrency and runs every call exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 40, maxLength: 40 }), async (calls, conc, durations) => {
        const h = harness({ calls, concurrency: conc }, (i) => durations[i]);
        await flush();
        for (let i = 0; i < 2000 && !h.isDone(); i++) {
          h.clock.advance(1);
          await flush();
        }
        expect(h.isDone()).toBe(true);
        expect(h.maxActive).toBeLessThanOrEqual(conc);
        expect(h.scheduler.peakActive).toBe(h.maxActive);
        expect([...h.finished].sort((a, b) => a - b)).toEqual([...Array(calls).keys()]);
        expect(h.starts.map((s) => s.index)).toEqual([...Array(calls).keys()]);
      }),
      { numRuns: 60 },
    );
  });

  it('starts calls at exactly k / rate with a rate limit (no drift)', async () => {
    const h = harness({ calls: 50, concurrency: 100, ratePerSec: 200 }, () => 1000);
    await flush();
    await advance(h, 300);
    expect(h.starts).toHaveLength(50);
    h.starts.forEach((s, k) => expect(s.t).toBeCloseTo(k * 5, 6));
  });

  it('never exceeds the rate in any window, even when calls are held back by concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 100 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 60 }), async (rate, conc, dur) => {
        const h = harness({ calls: 30, concurrency: conc, ratePerSec: rate }, () => dur);
        await flush();
        for (let i = 0; i < 20_000 && !h.isDone(); i += 2) {
          h.clock.advance(2);
          await flush();
        }
        expect(h.isDone()).toBe(true);
        const gap = 1000 / rate;
        // Any two starts k apart are at least k gaps apart: no burst to make up for lost time.
        for (let a = 0; a < h.starts.length; a++) {
          for (let b = a + 1; b < h.starts.length; b++) {
            expect(h.starts[b].t - h.starts[a].t).toBeGreaterThanOrEqual((b - a) * gap - 1e-6);
          }
        }
        expect(h.maxActive).toBeLessThanOrEqual(conc);
      }),
      { numRuns: 40 },
    );
  });

  it('ramps the start rate linearly: starts follow the integral of the ramp', async () => {
    const rate = 100;
    const ramp = 1000;
    const h = harness({ calls: 120, concurrency: 1000, ratePerSec: rate, rampMs: ramp }, () => 5000);
    await flush();
    await advance(h, 2000);
    expect(h.starts).toHaveLength(120);
    h.starts.forEach((s, k) => expect(s.t).toBeCloseTo(dueTimeMs(k, rate, ramp), 6));
    // During the ramp, calls started by t follow rate·t²/(2·ramp): 12.5 by 500 ms, 50 by the end.
    expect(h.starts.filter((s) => s.t <= 500).length).toBe(13);
    expect(h.starts.filter((s) => s.t <= 1000).length).toBe(51);
    // After the ramp: exactly the full rate.
    expect(h.starts[100].t - h.starts[90].t).toBeCloseTo(100, 6);
  });

  it('ramps the concurrency from 1 to C when there is no rate', async () => {
    expect(rampedConcurrency(0, 10, 1000)).toBe(1);
    expect(rampedConcurrency(450, 10, 1000)).toBe(5);
    expect(rampedConcurrency(2000, 10, 1000)).toBe(10);
    const h = harness({ calls: 1000, concurrency: 10, rampMs: 1000 }, () => 1_000_000);
    await flush();
    expect(h.starts).toHaveLength(1);
    await advance(h, 450, 5);
    expect(h.starts).toHaveLength(5);
    await advance(h, 700, 5);
    expect(h.starts).toHaveLength(10);
    h.scheduler.stop();
    await advance(h, 10);
    await h.done;
  });

  it('stop() starts nothing more, aborts the active calls and still records their results', async () => {
    const h = harness({ calls: 100, concurrency: 4, ratePerSec: 50 }, () => 10_000);
    await flush();
    await advance(h, 100);
    expect(h.starts.length).toBe(4);
    h.scheduler.stop();
    expect(h.aborted.sort()).toEqual([0, 1, 2, 3]);
    await advance(h, 10);
    await h.done;
    expect(h.finished.sort()).toEqual([0, 1, 2, 3]);
    expect(h.scheduler.interrupted).toBe(true);
    await advance(h, 1000);
    expect(h.starts.length).toBe(4);
    expect(h.clock.pending).toBe(0);
  });

  it('turns a start that throws or rejects into a recorded error result', async () => {
    const clock = new FakeClock();
    const results: CallResult[] = [];
    const s = new LoadScheduler(
      { calls: 3, concurrency: 3 },
      (i) => {
        if (i === 0) throw new Error('sync');
        if (i === 1) return Promise.reject(new Error('async'));
        return Promise.resolve(fakeResult('completed'));
      },
      { clock, onFinish: (_i, r) => results.push(r), onStartError: (_i, e) => ({ ...fakeResult('error'), endReason: (e as Error).message }) },
    );
    await s.run();
    expect(results.map((r) => r.endReason).sort()).toEqual(['async', 'completed', 'sync']);
  });

  it('pause() holds new starts and resume() goes on without a burst', async () => {
    const h = harness({ calls: 20, concurrency: 20, ratePerSec: 100 }, () => 1);
    await flush();
    await advance(h, 45);
    const before = h.starts.length;
    h.scheduler.pause();
    await advance(h, 100);
    expect(h.starts.length).toBe(before);
    h.scheduler.resume();
    await advance(h, 25);
    const after = h.starts.slice(before);
    expect(after.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < after.length; i++) expect(after[i].t - after[i - 1].t).toBeGreaterThanOrEqual(10 - 1e-6);
  });

  it('rejects unusable plans with a typed error', () => {
    const mk = (plan: object) => () => new LoadScheduler(plan as never, () => Promise.resolve(fakeResult('completed')), { onFinish: () => {}, onStartError: () => fakeResult('error') });
    for (const bad of [{ calls: 0, concurrency: 1 }, { calls: 1, concurrency: 0 }, { calls: 1.5, concurrency: 1 }, { calls: 1, concurrency: 1, ratePerSec: 0 }, { calls: 1, concurrency: 1, ratePerSec: NaN }, { calls: 1, concurrency: 1, rampMs: -1 }]) {
      expect(mk(bad)).toThrow(LoadError);
    }
  });
});
