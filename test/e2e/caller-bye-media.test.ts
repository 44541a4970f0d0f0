/**
 * RFC 3261 §15.1.1: a UAC "MUST consider the session terminated (and therefore stop sending or
 * listening for media) as soon as the BYE request is passed to the client transaction". The
 * Caller runs on a FakeClock, so media moves only when the test advances it: a full second passes
 * on the caller's clock between the BYE leaving and its 200 arriving, and not one frame may go out.
 */
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { FakeClock } from '../../src/clock';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 42600, max: 42699 });

test('no RTP is sent once the BYE is on its way, however long its answer takes', async () => {
  const agent = new TestAgent({ behaviour: { play: null }, media: { portPool: agentPool } });
  await agent.start();
  const clock = new FakeClock();
  const caller = new Caller({ clock, rtpPorts: { min: 42700, max: 42799 } });
  try {
    const call = caller.call({ target: agent.uri, timeouts: { callMs: 3_600_000 } });
    await new Promise((r) => call.once('answered', r));
    for (let i = 0; i < 10; i++) clock.advance(20);
    let byeSeen = false;
    agent.on('request', (r) => {
      if (r.method !== 'BYE') return;
      byeSeen = true;
      clock.advance(1000); // 50 frame times on the caller's clock before our 200 can reach it
    });
    call.hangup();
    const result = await call.result;
    expect(byeSeen).toBe(true);
    expect(result.outcome).toBe('completed');
    expect(result.endedBy).toBe('caller');
    // the 10 frame times before the hang-up (+1: the first frame is due at the answer)
    expect(result.rtp?.sent.packets).toBeGreaterThanOrEqual(10);
    expect(result.rtp?.sent.packets).toBeLessThanOrEqual(11);
  } finally {
    await caller.close();
    await agent.stop();
  }
});
