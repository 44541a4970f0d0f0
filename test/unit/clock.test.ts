import { FakeClock } from '../../src/clock';

describe('FakeClock', () => {
  it('fires due timers in deadline order, including ones scheduled while advancing', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@200'), 200);
    clock.setTimeout(() => {
      fired.push('a@100');
      clock.setTimeout(() => fired.push('c@150'), 50);
    }, 100);
    clock.advance(199);
    expect(fired).toEqual(['a@100', 'c@150']);
    expect(clock.now()).toBe(199);
    clock.advance(1);
    expect(fired).toEqual(['a@100', 'c@150', 'b@200']);
    expect(clock.pending).toBe(0);
  });

  it('does not fire cleared timers', () => {
    const clock = new FakeClock();
    let n = 0;
    const h = clock.setTimeout(() => n++, 10);
    clock.clearTimeout(h);
    clock.advance(100);
    expect(n).toBe(0);
  });
});
