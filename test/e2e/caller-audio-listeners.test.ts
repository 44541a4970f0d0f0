/**
 * Call 'audio' events reach listeners added at any time — during the call, and again after every
 * earlier listener has left (the Call follows its listeners on and off the media leg, so that a
 * call nobody listens to builds no frame objects).
 */
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 36800, max: 36900 });

test('audio listeners added during the call get frames, also after the last earlier one left', async () => {
  const agent = new TestAgent({ behaviour: { echo: true }, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ transport: 'udp' });
  try {
    const call = caller.call({ target: agent.uri, durationMs: 1500, evaluate: false });
    await new Promise<void>((resolve) => call.once('answered', () => resolve()));
    const frames: number[] = [];
    const onAudio = (f: { t: number }): void => void frames.push(f.t);
    call.on('audio', onAudio);
    await new Promise((r) => setTimeout(r, 400));
    expect(frames.length).toBeGreaterThan(5);
    call.off('audio', onAudio);
    const seen = frames.length;
    const late: number[] = [];
    await new Promise((r) => setTimeout(r, 300));
    expect(frames.length).toBe(seen);
    call.on('audio', (f) => void late.push(f.t));
    const r = await call.result;
    expect(r.outcome).toBe('completed');
    expect(late.length).toBeGreaterThan(5);
    expect(Math.min(...late)).toBeGreaterThan(Math.max(...frames));
  } finally {
    await caller.close();
    await agent.stop();
  }
});
