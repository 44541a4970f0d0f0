/**
 * Frames that fall due while the Caller is busy with signalling go out first: the Caller polls its
 * pacer when a call is placed, before it builds and sends the INVITE, and before each received SIP
 * message is handled. The clock here
 * never fires a timer (the pacer's own wake-up never comes), so every frame the stream sends was
 * handed over by one of those polls — against a real TestAgent answering over loopback UDP.
 */
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import type { Clock, TimerHandle } from '../../src/clock';
import { Pacer } from '../../src/rtp/pacer';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

/** Time moves only when the test says so, and no timer ever fires. */
class StillClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  setTimeout(): TimerHandle {
    return {};
  }
  clearTimeout(): void {}
}

test('a call start, its INVITE and each SIP response hand over the frames already due, with no timer firing', async () => {
  const agent = new TestAgent({ behaviour: { play: null, ringMs: 0 }, media: { portPool: new RtpPortPool({ min: 42800, max: 42899 }) } });
  await agent.start();
  const clock = new StillClock();
  const pacer = new Pacer({ clock, maxCatchUpFrames: 1000 });
  const ticks: number[] = [];
  const stream = pacer.add({ ptimeMs: 20, startAt: 20, onTick: (i) => ticks.push(i) });
  const caller = new Caller({ clock, pacer });
  try {
    await caller.start();
    expect(ticks).toEqual([]);
    clock.t = 45; // frames 0 and 1 due
    let atInvite: number[] = [];
    agent.once('request', () => {
      atInvite = [...ticks];
      clock.t = 85; // frame 3 due; only the agent's responses can bring it out now
    });
    const call = caller.call({ target: agent.uri, media: false });
    expect(ticks).toEqual([0, 1]); // handed over by call() itself, before any SIP work
    clock.t = 65; // frame 2 due while the call is being set up (after call() returned)
    await new Promise((r) => call.once('answered', r));
    expect(atInvite).toEqual([0, 1, 2]); // handed over before the INVITE was built and sent
    expect(ticks).toEqual([0, 1, 2, 3]);
    clock.t = 105;
    call.hangup();
    const result = await call.result; // the 200 to our BYE polls once more
    expect(result.outcome).toBe('completed');
    expect(ticks).toEqual([0, 1, 2, 3, 4]);
    expect(pacer.stats().sent).toBe(5);
  } finally {
    stream.remove();
    await caller.close();
    await agent.stop();
  }
});
