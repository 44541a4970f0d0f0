import { FakeClock } from '../../../src/clock';
import { LoopDelayMonitor, worstLoopDelay, type LoadLoopDelayData } from '../../../src/load/loop-delay';
import { runLoad } from '../../../src/load/run';
import { formatLoadSummary } from '../../../src/load/table';
import { openLoadStarter as openPlainStarter } from './fake-starter';

/** Keeps this thread busy for `ms` (the loop answers nothing meanwhile). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('worstLoopDelay', () => {
  const loop = (p50Ms: number, p99Ms: number, maxMs: number): LoadLoopDelayData => ({ p50Ms, p99Ms, maxMs });

  it('takes the percentiles of the loop with the highest p99 and the longest delay of any', () => {
    expect(worstLoopDelay([loop(0.1, 2, 90), loop(0.3, 7, 12), null])).toEqual({ loops: 2, p50Ms: 0.3, p99Ms: 7, maxMs: 90 });
  });

  it('one loop is itself; no measured loop is null', () => {
    expect(worstLoopDelay([loop(0.1, 1.5, 3)])).toEqual({ loops: 1, p50Ms: 0.1, p99Ms: 1.5, maxMs: 3 });
    expect(worstLoopDelay([])).toBeNull();
    expect(worstLoopDelay([null, undefined])).toBeNull();
  });

  it('skips a part with a value that is not a delay', () => {
    const bad = [{ p50Ms: -1, p99Ms: 1, maxMs: 1 }, { p50Ms: 0, p99Ms: NaN, maxMs: 1 }, { p50Ms: 0, p99Ms: 1, maxMs: '9' }] as unknown as LoadLoopDelayData[];
    expect(worstLoopDelay([...bad, loop(0, 1, 2)])).toEqual({ loops: 1, p50Ms: 0, p99Ms: 1, maxMs: 2 });
  });
});

describe('LoopDelayMonitor', () => {
  it('sees a stretch in which the loop answered nothing', async () => {
    const m = new LoopDelayMonitor();
    await tick(30);
    block(120);
    await tick(30);
    const d = m.stop();
    expect(d).not.toBeNull();
    // the monitor's timer (every 5 ms) fired ~115 ms late once
    expect(d!.maxMs).toBeGreaterThanOrEqual(100);
    expect(d!.p50Ms).toBeLessThanOrEqual(d!.p99Ms);
    expect(d!.p99Ms).toBeLessThanOrEqual(d!.maxMs);
    expect(m.stop()).toBe(d);
  });

  it('a loop that was never blocked shows no such delay', async () => {
    const m = new LoopDelayMonitor();
    await tick(60);
    const d = m.stop();
    expect(d).not.toBeNull();
    expect(d!.maxMs).toBeLessThan(100);
  });
});

describe('LoadSummary.eventLoop', () => {
  it('an in-process run measures its own loop: summary field, JSON and a table line', async () => {
    const starter = await openPlainStarter({ holdMs: 20, target: 't' });
    const s = await runLoad({ target: 't', plan: { calls: 6, concurrency: 3 }, startCall: starter.startCall });
    expect(s.eventLoop).not.toBeNull();
    expect(s.eventLoop!.loops).toBe(1);
    expect(s.eventLoop!.p99Ms).toBeLessThanOrEqual(s.eventLoop!.maxMs);
    expect(JSON.parse(JSON.stringify(s)).eventLoop).toEqual(s.eventLoop);
    expect(formatLoadSummary(s)).toMatch(/\n {2}event loop {2}delay p50 \S+ ms, p99 \S+ ms, max \S+ ms \(the tester's own/);
  });

  it('a call that blocks the loop shows in the summary', async () => {
    const starter = await openPlainStarter({ holdMs: 20, target: 't' });
    const s = await runLoad({
      target: 't',
      plan: { calls: 2, concurrency: 1 },
      startCall: async (i, signal) => {
        await tick(20);
        if (i === 0) block(150);
        return starter.startCall(i, signal);
      },
    });
    expect(s.eventLoop!.maxMs).toBeGreaterThanOrEqual(130);
  });

  it('not measured on a test clock: null, and no table line', async () => {
    const starter = await openPlainStarter({ holdMs: 0, target: 't' });
    const s = await runLoad({ target: 't', plan: { calls: 2, concurrency: 2 }, clock: new FakeClock(), startCall: starter.startCall });
    expect(s.eventLoop).toBeNull();
    expect(formatLoadSummary(s)).not.toContain('event loop');
  });
});
