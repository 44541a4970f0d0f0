import { FakeClock } from '../../../src/clock';
import { formatProgressLine, ProgressDisplay, RateWindow, type LoadProgress } from '../../../src/load/progress';

const snapshot = (over: Partial<LoadProgress> = {}): LoadProgress => ({
  planned: 100, started: 40, active: 5, ok: 33, failed: 2, callsPerSec: 12.345, setupP50Ms: 8.25, elapsedMs: 65_400, stopping: false, ...over,
});

class Sink {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
}

describe('RateWindow', () => {
  it('reports the current rate and forgets old events', () => {
    const clock = new FakeClock();
    const w = new RateWindow(clock, 250, 8);
    expect(w.perSecond()).toBe(0);
    for (let t = 0; t < 2000; t += 10) {
      w.add();
      clock.advance(10);
    }
    expect(w.perSecond()).toBeGreaterThan(95);
    expect(w.perSecond()).toBeLessThan(105);
    clock.advance(3000);
    expect(w.perSecond()).toBe(0);
  });

  it('does not report an absurd rate right after the first event', () => {
    const clock = new FakeClock();
    const w = new RateWindow(clock, 250, 8);
    w.add(5);
    expect(w.perSecond()).toBe(20);
  });
});

describe('progress display', () => {
  it('formats started/active/completed/failed, calls/s and p50 setup', () => {
    expect(formatProgressLine(snapshot())).toBe('01:05 started 40/100  active 5  ok 33  failed 2  12.3 calls/s  p50 setup 8.3 ms');
    expect(formatProgressLine(snapshot({ setupP50Ms: NaN, stopping: true }))).toMatch(/p50 setup -  \(stopping: hanging up active calls\)$/);
  });

  it('rewrites one line on a TTY and ends it with a newline', () => {
    const clock = new FakeClock();
    const sink = new Sink(true);
    const d = new ProgressDisplay({ stream: sink as never, read: () => snapshot(), clock, ttyIntervalMs: 250 });
    d.start();
    clock.advance(1000);
    expect(sink.chunks).toHaveLength(4);
    expect(sink.chunks.every((c) => c.startsWith('\r\x1b[2K') && !c.includes('\n'))).toBe(true);
    d.stop();
    expect(sink.chunks[sink.chunks.length - 1]).toBe('\n');
    expect(clock.pending).toBe(0);
  });

  it('prints plain periodic lines when not a TTY', () => {
    const clock = new FakeClock();
    const sink = new Sink(false);
    const d = new ProgressDisplay({ stream: sink as never, read: () => snapshot(), clock, plainIntervalMs: 5000 });
    d.start();
    clock.advance(12_000);
    d.stop();
    expect(sink.chunks).toHaveLength(2);
    expect(sink.chunks.every((c) => c.endsWith('\n') && !c.includes('\x1b'))).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
