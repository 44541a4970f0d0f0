import fc from 'fast-check';
import { Clock, FakeClock, TimerHandle } from '../../../src/clock';
import { Pacer, PacerOptionError, PacingHistogram, sharedPacer } from '../../../src/rtp/pacer';

/** A FakeClock whose reading can jump ahead of its timers, as after an event-loop stall. */
class StallClock extends FakeClock {
  lag = 0;
  override now(): number {
    return super.now() + this.lag;
  }
}

interface Tick {
  stream: string;
  index: number;
  scheduled: number;
  at: number;
}

function recorder(clock: FakeClock, ticks: Tick[], stream: string) {
  return (index: number, scheduled: number) => ticks.push({ stream, index, scheduled, at: clock.now() });
}

describe('Pacer schedule (FakeClock)', () => {
  test('frame n is delivered exactly at start + n × ptime', () => {
    const clock = new FakeClock(1000);
    const pacer = new Pacer({ clock });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    clock.advance(100);
    expect(ticks.map((t) => [t.index, t.scheduled, t.at])).toEqual([
      [0, 1000, 1000],
      [1, 1020, 1020],
      [2, 1040, 1040],
      [3, 1060, 1060],
      [4, 1080, 1080],
      [5, 1100, 1100],
    ]);
    pacer.close();
  });

  test('no drift over 100 000 frames with a fractional start and ptime', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const start = 0.3;
    let n = 0;
    let bad = 0;
    pacer.add({
      ptimeMs: 20,
      startAt: start,
      onTick: (i, scheduled) => {
        if (i !== n || scheduled !== start + i * 20 || clock.now() !== scheduled) bad++;
        n++;
      },
    });
    clock.advance(20 * 99_999 + 1);
    expect(bad).toBe(0);
    expect(n).toBe(100_000);
    const st = pacer.stats();
    expect(st.sent).toBe(100_000);
    expect(st.maxMs).toBe(0);
    pacer.close();
  });

  test('times that are not binary fractions: exact frame counts, nothing counted early or late', () => {
    const clock = new FakeClock(0.1);
    const pacer = new Pacer({ clock });
    const got: number[][] = [[], []];
    pacer.add({ ptimeMs: 20, startAt: 0.3, onTick: (i) => got[0].push(i) });
    pacer.add({ ptimeMs: 30, startAt: 0.7, onTick: (i) => got[1].push(i) });
    for (let i = 0; i < 1000; i++) clock.advance(0.7);
    // clock ends at 0.1 + 700 = 700.1
    expect(got[0]).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(got[1]).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const st = pacer.stats();
    expect(st.wakeups).toBe(59);
    expect(st.early).toBe(0);
    expect(st.maxMs).toBeLessThan(1e-6);
    pacer.close();
  });

  test('one timer serves every stream, in deadline order', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const ticks: Tick[] = [];
    let maxPending = 0;
    const track = (name: string) => {
      const rec = recorder(clock, ticks, name);
      return (i: number, s: number) => {
        rec(i, s);
        maxPending = Math.max(maxPending, clock.pending);
      };
    };
    pacer.add({ ptimeMs: 20, startAt: 5, onTick: track('a') });
    pacer.add({ ptimeMs: 30, startAt: 0, onTick: track('b') });
    pacer.add({ ptimeMs: 10, startAt: 12, onTick: track('c') });
    expect(clock.pending).toBe(1);
    for (let i = 0; i < 100; i++) {
      clock.advance(1);
      maxPending = Math.max(maxPending, clock.pending);
    }
    expect(maxPending).toBe(1);
    const times = ticks.map((t) => t.at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(ticks.every((t) => t.at === t.scheduled)).toBe(true);
    expect(ticks.filter((t) => t.stream === 'a').map((t) => t.scheduled)).toEqual([5, 25, 45, 65, 85]);
    expect(ticks.filter((t) => t.stream === 'b').map((t) => t.scheduled)).toEqual([0, 30, 60, 90]);
    expect(ticks.filter((t) => t.stream === 'c').map((t) => t.scheduled)).toEqual([12, 22, 32, 42, 52, 62, 72, 82, 92]);
    pacer.close();
    expect(clock.pending).toBe(0);
  });

  test('earlyMs hands a frame over up to that much before its deadline, counted as early', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock, earlyMs: 1.5 });
    const ticks: Tick[] = [];
    const s = pacer.add({ ptimeMs: 20, startAt: 10, onTick: recorder(clock, ticks, 'a') });
    clock.advance(60);
    expect(ticks.map((t) => [t.index, t.scheduled, t.at])).toEqual([
      [0, 10, 8.5],
      [1, 30, 28.5],
      [2, 50, 48.5],
    ]);
    expect(s.stats()).toMatchObject({ sent: 3, early: 3, late: 0, maxMs: 1.5 });
    expect(pacer.stats().wakeups).toBe(3);
    pacer.close();
  });

  test('spinMs waits out a gap within its budget on the clock itself', () => {
    let t = 0;
    const timers: { at: number; fn: () => void }[] = [];
    // A clock that advances 0.01 ms per reading, like a real one being polled.
    const clock: Clock = {
      now: () => (t += 0.01),
      setTimeout: (fn: () => void, ms: number) => {
        const h = { at: t + ms, fn };
        timers.push(h);
        return h as TimerHandle;
      },
      clearTimeout: (h: unknown) => void timers.splice(timers.indexOf(h as never), 1),
    };
    const pacer = new Pacer({ clock, spinMs: 0.5 });
    const at: number[] = [];
    pacer.add({ ptimeMs: 20, startAt: 0.3, onTick: () => at.push(t) });
    const h = timers.shift()!;
    h.fn();
    expect(at).toHaveLength(1);
    expect(at[0]).toBeGreaterThanOrEqual(0.3);
    expect(at[0]).toBeLessThan(0.35);
    pacer.close();
    expect(timers).toHaveLength(0);
  });

  test('a stream added with an earlier deadline re-arms the timer', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, startAt: 100, onTick: recorder(clock, ticks, 'late') });
    pacer.add({ ptimeMs: 20, startAt: 10, onTick: recorder(clock, ticks, 'early') });
    expect(clock.pending).toBe(1);
    clock.advance(30);
    expect(ticks.map((t) => [t.stream, t.at])).toEqual([
      ['early', 10],
      ['early', 30],
    ]);
    pacer.close();
  });
});

describe('Pacer after a stall', () => {
  test('delivers at most maxCatchUpFrames overdue frames and counts the skipped ones', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, maxCatchUpFrames: 2 });
    const ticks: Tick[] = [];
    const s = pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    clock.advance(20); // frames 0, 1
    clock.lag = 100; // the loop was blocked: the next wake-up reads a clock 100 ms ahead
    clock.advance(20);
    // Woken for frame 2 (due 40) at 140: frames 2..7 are due; 2, 3, 4 skipped; 5, 6, 7 back to back.
    expect(ticks.map((t) => [t.index, t.scheduled, t.at])).toEqual([
      [0, 0, 0],
      [1, 20, 20],
      [5, 100, 140],
      [6, 120, 140],
      [7, 140, 140],
    ]);
    const st = s.stats();
    expect(st.sent).toBe(5);
    expect(st.skipped).toBe(3);
    expect(st.late).toBe(2);
    expect(st.maxMs).toBe(40);
    clock.advance(20);
    expect(ticks[ticks.length - 1]).toEqual({ stream: 'a', index: 8, scheduled: 160, at: 160 });
    pacer.close();
  });

  test('maxCatchUpFrames 0 jumps straight to the current frame', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, maxCatchUpFrames: 0 });
    const idx: number[] = [];
    const s = pacer.add({ ptimeMs: 20, onTick: (i) => idx.push(i) });
    clock.lag = 1000;
    clock.advance(0);
    expect(idx).toEqual([50]);
    expect(s.stats().skipped).toBe(50);
    pacer.close();
  });

  test('a short stall within the catch-up budget skips nothing', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, maxCatchUpFrames: 2, lateThresholdMs: 5 });
    const ticks: Tick[] = [];
    const s = pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    clock.lag = 45;
    clock.advance(0);
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(s.stats()).toMatchObject({ sent: 3, skipped: 0, late: 2 });
    pacer.close();
  });
});

describe('Pacer.poll (frames due while I/O runs)', () => {
  test('delivers exactly the frames already due, in deadline order, then leaves the rest to the timer', () => {
    const clock = new StallClock(1000);
    const pacer = new Pacer({ clock });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    pacer.add({ ptimeMs: 20, startAt: 1010, onTick: recorder(clock, ticks, 'b') });
    clock.advance(0); // a0 at 1000
    clock.lag = 15; // the clock reads 1015 while the timer (aimed at b0, 1010) has not fired
    pacer.poll();
    expect(ticks.map((t) => [t.stream, t.index, t.scheduled, t.at])).toEqual([
      ['a', 0, 1000, 1000],
      ['b', 0, 1010, 1015],
    ]);
    pacer.poll(); // nothing more is due: a1 at 1020
    expect(ticks).toHaveLength(2);
    expect(pacer.stats()).toMatchObject({ sent: 2, late: 1, early: 0 });
    clock.lag = 0;
    clock.advance(30); // the timer takes over at a1 (1020) and b1 (1030), with nothing delivered twice
    expect(ticks.slice(2).map((t) => [t.stream, t.index, t.at])).toEqual([
      ['a', 1, 1020],
      ['b', 1, 1030],
    ]);
    pacer.close();
  });

  test('never sends before the deadline, even inside the early window the timer uses', () => {
    const clock = new StallClock(1000);
    const pacer = new Pacer({ clock, earlyMs: 1 });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, startAt: 1001, onTick: recorder(clock, ticks, 'a') });
    clock.lag = 0.5; // 0.5 ms before the deadline: within earlyMs, but not due
    pacer.poll();
    expect(ticks).toHaveLength(0);
    clock.lag = 1;
    pacer.poll();
    expect(ticks.map((t) => [t.index, t.at])).toEqual([[0, 1001]]);
    expect(pacer.stats().early).toBe(0);
    pacer.close();
  });

  test('applies the catch-up limit after a stall like the timer does', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, maxCatchUpFrames: 2 });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    clock.lag = 200; // frames 0..10 due
    pacer.poll();
    expect(ticks.map((t) => t.index)).toEqual([8, 9, 10]);
    expect(pacer.stats().skipped).toBe(8);
    pacer.close();
  });

  test('is a no-op inside onTick, without streams, and after close', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock });
    pacer.poll();
    expect(pacer.hasPendingTimer).toBe(false);
    const ticks: Tick[] = [];
    pacer.add({
      ptimeMs: 20,
      onTick: (index, scheduled) => {
        ticks.push({ stream: 'a', index, scheduled, at: clock.now() });
        if (index === 0) clock.lag = 40; // two more frames fall due while the first is being sent
        pacer.poll(); // re-entrant: must not deliver them from inside this tick
        inner.push(ticks.length);
      },
    });
    const inner: number[] = [];
    clock.advance(0);
    expect(inner).toEqual([1, 2, 3]); // each tick saw only itself delivered so far
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2]); // the outer wake-up delivers them in order
    pacer.close();
    clock.lag += 100;
    pacer.poll();
    expect(ticks).toHaveLength(3);
    expect(pacer.hasPendingTimer).toBe(false);
  });
});

describe('Pacer lifecycle', () => {
  test('the timer is cleared when the last stream goes, and comes back with the next', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const a = pacer.add({ ptimeMs: 20, onTick: () => undefined });
    const b = pacer.add({ ptimeMs: 20, startAt: 7, onTick: () => undefined });
    clock.advance(50);
    a.remove();
    expect(clock.pending).toBe(1);
    b.remove();
    b.remove();
    expect(clock.pending).toBe(0);
    expect(pacer.hasPendingTimer).toBe(false);
    expect(pacer.size).toBe(0);
    expect(a.active).toBe(false);
    const c = pacer.add({ ptimeMs: 20, onTick: () => undefined });
    expect(clock.pending).toBe(1);
    clock.advance(40);
    expect(c.stats().sent).toBe(3);
    pacer.close();
    expect(clock.pending).toBe(0);
  });

  test('a stream may remove itself or add another from inside onTick', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const seen: string[] = [];
    const self = pacer.add({
      ptimeMs: 10,
      onTick: (i) => {
        seen.push(`self${i}`);
        if (i === 2) {
          self.remove();
          pacer.add({ ptimeMs: 10, onTick: (j) => seen.push(`child${j}`) });
        }
      },
    });
    clock.advance(45);
    expect(seen).toEqual(['self0', 'self1', 'self2', 'child0', 'child1', 'child2']);
    expect(self.nextFrameIndex).toBe(3);
    pacer.close();
    expect(clock.pending).toBe(0);
  });

  test('a throwing onTick is counted and reported; other streams keep their schedule', () => {
    const clock = new FakeClock(0);
    const errors: unknown[] = [];
    const pacer = new Pacer({
      clock,
      onError: (e) => {
        errors.push(e);
        throw new Error('reporter also fails');
      },
    });
    const bad = pacer.add({
      ptimeMs: 20,
      onTick: () => {
        throw new Error('boom');
      },
    });
    const good: number[] = [];
    pacer.add({ ptimeMs: 20, onTick: (_i, s) => good.push(s) });
    clock.advance(40);
    expect(good).toEqual([0, 20, 40]);
    expect(bad.stats()).toMatchObject({ sent: 3, errors: 3 });
    expect(errors).toHaveLength(3);
    expect(pacer.stats().errors).toBe(3);
    pacer.close();
  });

  test('bad options are typed errors', () => {
    const clock = new FakeClock(0);
    expect(() => new Pacer({ clock, maxCatchUpFrames: -1 })).toThrow(PacerOptionError);
    expect(() => new Pacer({ clock, maxCatchUpFrames: 1.5 })).toThrow(PacerOptionError);
    expect(() => new Pacer({ clock, spinMs: 50 })).toThrow(PacerOptionError);
    expect(() => new Pacer({ clock, earlyMs: NaN })).toThrow(PacerOptionError);
    expect(() => new Pacer({ clock, earlyMs: 6 })).toThrow(PacerOptionError);
    const pacer = new Pacer({ clock });
    const onTick = () => undefined;
    for (const ptimeMs of [0, -20, NaN, Infinity, 0.5, 5000]) {
      expect(() => pacer.add({ ptimeMs, onTick })).toThrow(expect.objectContaining({ code: 'PACER_BAD_OPTION' }));
    }
    expect(() => pacer.add({ ptimeMs: 20, onTick, startAt: NaN })).toThrow(PacerOptionError);
    expect(() => pacer.add({ ptimeMs: 20, onTick: 5 as never })).toThrow(PacerOptionError);
    expect(pacer.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test('unref option: every timer the pacer creates is unref\'d; by default none is', () => {
    for (const unref of [true, false]) {
      const fake = new FakeClock(0);
      let made = 0;
      let unrefd = 0;
      const clock: Clock = {
        now: () => fake.now(),
        setTimeout: (fn, ms) => {
          made++;
          const h = fake.setTimeout(fn, ms) as TimerHandle & { unref?: () => void };
          h.unref = () => void unrefd++;
          return h;
        },
        clearTimeout: (h) => fake.clearTimeout(h),
      };
      const pacer = new Pacer({ clock, unref });
      pacer.add({ ptimeMs: 20, onTick: () => undefined });
      fake.advance(100);
      expect(made).toBe(7); // frames at 0 … 100, and the pending one for 120
      expect(unrefd).toBe(unref ? 7 : 0);
      pacer.close();
      expect(fake.pending).toBe(0);
    }
  });

  test('sharedPacer is one instance per process and idle until used', () => {
    expect(sharedPacer()).toBe(sharedPacer());
    expect(sharedPacer().hasPendingTimer).toBe(false);
  });
});

describe('Pacer afterTick (packets first, the rest of the work after)', () => {
  test('every frame due in a pass is handed to onTick before any afterTick runs', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const log: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      pacer.add({ ptimeMs: 20, onTick: (i) => log.push(`tick ${name}${i}`), afterTick: (i) => log.push(`after ${name}${i}`) });
    }
    clock.advance(20);
    expect(log).toEqual(['tick a0', 'tick b0', 'tick c0', 'after a0', 'after b0', 'after c0', 'tick a1', 'tick b1', 'tick c1', 'after a1', 'after b1', 'after c1']);
    pacer.close();
  });

  test('a frame falling due while afterTicks run goes out before the remaining afterTicks, and its deviation is measured at its onTick', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, earlyMs: 0 });
    const log: string[] = [];
    // each afterTick of a and b takes 1 ms
    pacer.add({ ptimeMs: 20, onTick: (i) => log.push(`tick a${i}@${clock.now()}`), afterTick: (i) => (log.push(`after a${i}`), (clock.lag += 1)) });
    pacer.add({ ptimeMs: 20, onTick: (i) => log.push(`tick b${i}@${clock.now()}`), afterTick: (i) => (log.push(`after b${i}`), (clock.lag += 1)) });
    const c = pacer.add({ ptimeMs: 20, startAt: 0.5, onTick: (i) => log.push(`tick c${i}@${clock.now()}`), afterTick: (i) => log.push(`after c${i}`) });
    clock.advance(0);
    // a's afterTick ends at 1 ms: c (due at 0.5) goes out then, before b's afterTick
    expect(log).toEqual(['tick a0@0', 'tick b0@0', 'after a0', 'tick c0@1', 'after b0', 'after c0']);
    expect(c.stats().maxMs).toBe(0.5);
    pacer.close();
  });

  test('without afterTick a stream behaves as before: onTick only', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const ticks: Tick[] = [];
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'a') });
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'b'), afterTick: () => undefined });
    clock.advance(40);
    expect(ticks.map((t) => `${t.stream}${t.index}`)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    pacer.close();
  });

  test('a stream removed in its onTick still gets that frame\'s afterTick, and no more ticks', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const log: string[] = [];
    const s = pacer.add({
      ptimeMs: 20,
      onTick: (i) => {
        log.push(`tick ${i}`);
        if (i === 1) s.remove();
      },
      afterTick: (i) => log.push(`after ${i}`),
    });
    clock.advance(100);
    expect(log).toEqual(['tick 0', 'after 0', 'tick 1', 'after 1']);
    expect(pacer.hasPendingTimer).toBe(false);
  });

  test('a throwing afterTick is counted and reported; the other streams go on', () => {
    const clock = new FakeClock(0);
    const errors: unknown[] = [];
    const pacer = new Pacer({ clock, onError: (e) => errors.push(e) });
    const ticks: Tick[] = [];
    const bad = pacer.add({
      ptimeMs: 20,
      onTick: () => undefined,
      afterTick: () => {
        throw new Error('boom');
      },
    });
    pacer.add({ ptimeMs: 20, onTick: recorder(clock, ticks, 'good'), afterTick: () => undefined });
    clock.advance(20);
    expect(ticks.map((t) => t.index)).toEqual([0, 1]);
    expect(bad.stats().errors).toBe(2);
    expect(pacer.stats().errors).toBe(2);
    expect(errors).toHaveLength(2);
    pacer.close();
  });

  test('an overloaded pass yields to the event loop after 10 ms and goes on at the next wake-up', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock, maxCatchUpFrames: 1000 });
    const log: string[] = [];
    let heavy = 12; // twelve frames that each take 4 ms, for five 1 ms streams
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      pacer.add({
        ptimeMs: 1,
        onTick: (i) => {
          log.push(`${name}${i} wake ${pacer.stats().wakeups}`);
          if (heavy > 0 && heavy--) clock.lag += 4;
        },
        afterTick: (i) => log.push(`after ${name}${i}`),
      });
    }
    clock.advance(0); // the FakeClock also fires the timer the pacer re-arms at once
    // each wake-up: three frames (12 ms of work), their afterTicks, then a timer for the rest
    expect(log.slice(0, 10)).toEqual(['a0 wake 1', 'b0 wake 1', 'c0 wake 1', 'after a0', 'after b0', 'after c0', 'd0 wake 2', 'e0 wake 2', 'a1 wake 2', 'after d0']);
    expect(pacer.stats().wakeups).toBeGreaterThan(4);
    expect(pacer.hasPendingTimer).toBe(true);
    pacer.close();
  });

  test('rejects an afterTick that is not a function', () => {
    const pacer = new Pacer({ clock: new FakeClock(0) });
    expect(() => pacer.add({ ptimeMs: 20, onTick: () => undefined, afterTick: 5 as unknown as () => void })).toThrow(PacerOptionError);
  });

  test('property: per stream, afterTick n always comes between onTick n and onTick n+1, whatever the work and stalls', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            start: fc.integer({ min: 0, max: 40 }),
            tickMs: fc.constantFrom(0, 0.1, 0.7),
            afterMs: fc.constantFrom(0, 0.3, 2),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        // clock steps, each with an event-loop stall (a jump of the clock's reading) before it
        fc.array(fc.tuple(fc.integer({ min: 0, max: 45 }), fc.constantFrom(0, 0, 7, 50)), { minLength: 1, maxLength: 20 }),
        (streams, steps) => {
          const clock = new StallClock(0);
          const pacer = new Pacer({ clock, maxCatchUpFrames: 2 });
          const logs = streams.map(() => [] as string[]);
          streams.forEach((s, k) => {
            pacer.add({
              ptimeMs: 20,
              startAt: s.start,
              onTick: (i) => {
                logs[k].push(`t${i}`);
                clock.lag += s.tickMs;
              },
              afterTick: (i) => {
                logs[k].push(`a${i}`);
                clock.lag += s.afterMs;
              },
            });
          });
          for (const [step, stall] of steps) {
            clock.lag += stall;
            clock.advance(step);
          }
          pacer.close();
          return logs.every((log) => {
            if (log.length % 2 !== 0) return false;
            let last = -1;
            for (let j = 0; j < log.length; j += 2) {
              const i = Number(log[j].slice(1));
              if (log[j][0] !== 't' || log[j + 1] !== `a${i}` || i <= last) return false;
              last = i;
            }
            return true;
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Pacer property: exact schedule for any mix of streams', () => {
  test('every stream gets consecutive frames at exactly start + n × ptime, one timer at most', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ptime: fc.constantFrom(10, 20, 30, 40, 60),
            start: fc.integer({ min: 0, max: 200 }),
            frac: fc.constantFrom(0, 0.25, 0.5),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.array(fc.integer({ min: 0, max: 37 }), { minLength: 1, maxLength: 40 }),
        (streams, steps) => {
          const clock = new FakeClock(0);
          const pacer = new Pacer({ clock });
          const got = streams.map(() => [] as number[]);
          let ok = true;
          streams.forEach((s, k) => {
            const start = s.start + s.frac;
            pacer.add({
              ptimeMs: s.ptime,
              startAt: start,
              onTick: (i, sched) => {
                if (sched !== start + i * s.ptime || clock.now() !== sched || clock.pending !== 0) ok = false;
                got[k].push(i);
              },
            });
          });
          for (const step of steps) {
            clock.advance(step);
            if (clock.pending !== 1) ok = false;
          }
          const end = clock.now();
          streams.forEach((s, k) => {
            const start = s.start + s.frac;
            const expected = start <= end ? Math.floor((end - start) / s.ptime) + 1 : 0;
            if (got[k].length !== expected || got[k].some((v, i) => v !== i)) ok = false;
          });
          pacer.close();
          return ok && clock.pending === 0 && pacer.stats().skipped === 0 && pacer.stats().maxMs === 0;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PacingHistogram', () => {
  test('quantiles are bucket upper edges capped at the exact max', () => {
    const h = new PacingHistogram();
    expect(h.quantile(0.99)).toBe(0);
    for (let i = 0; i < 98; i++) h.record(0.01);
    h.record(1.02);
    h.record(-3);
    expect(h.count).toBe(100);
    expect(h.quantile(0.5)).toBeCloseTo(0.05, 10);
    expect(h.quantile(0.99)).toBeCloseTo(0.05, 10);
    expect(h.quantile(1)).toBe(1.02);
    h.record(300.5);
    h.record(5000);
    expect(h.max).toBe(5000);
    expect(h.quantile(1)).toBe(5000);
    const g = new PacingHistogram();
    g.record(7);
    g.merge(h);
    expect(g.count).toBe(103);
    expect(g.max).toBe(5000);
  });
});

describe('Pacer streams without their own histogram', () => {
  it('keep counters, max and mean; percentiles are NaN; the pacer totals still see every frame', () => {
    const clock = new StallClock(0);
    const pacer = new Pacer({ clock });
    const s = pacer.add({ ptimeMs: 20, onTick: () => {}, histogram: false });
    clock.advance(20); // frames 0 and 1 on time
    clock.lag = 5;
    clock.advance(20); // frame 2 (due 40) read at 45: 5 ms late
    expect(s.histogram).toBeNull();
    const st = s.stats();
    expect(st.sent).toBe(3);
    expect(st.maxMs).toBe(5);
    expect(st.meanMs).toBeCloseTo(5 / 3, 9);
    expect(Number.isNaN(st.p99Ms)).toBe(true);
    expect(pacer.stats()).toMatchObject({ sent: 3, maxMs: 5 });
    s.remove();
  });
});
