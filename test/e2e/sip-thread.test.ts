/**
 * A call whose both ends keep their UDP SIP socket on a worker thread (the Caller's `sipThread`,
 * the TestAgent's `sipThread`): set-up, media both ways, BYE and its 200 all pass through the
 * threads, and closing ends them.
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

/** OS threads of this process (Linux), a worker thread being one of them. */
const threads = (): number => readdirSync('/proc/self/task').length;

test('a call over SIP sockets on their own threads: answered, media both ways, hung up cleanly; the threads end on close', async () => {
  await stat(__filename); // libuv's thread pool starts on first use: before the count, not during it
  const before = threads();
  const agent = new TestAgent({ sipThread: true, behaviour: { echo: true, play: null }, media: { portPool: new RtpPortPool({ min: 42900, max: 42949 }) } });
  const uri = await agent.start();
  const caller = new Caller({ sipThread: true, rtpPorts: { min: 42950, max: 42999 } });
  let closed = false;
  try {
    const result = await caller.call({ target: uri, durationMs: 400 }).result;
    expect(result.outcome).toBe('completed');
    expect(result.endedBy).toBe('caller');
    expect(result.sip.finalStatus).toBe(200);
    expect(result.messages.map((m) => `${m.direction} ${m.firstLine.split(' ')[0]}`)).toEqual(
      expect.arrayContaining(['sent INVITE', 'received SIP/2.0', 'sent ACK', 'sent BYE']),
    );
    expect(result.warnings.filter((w) => w.startsWith('BYE_NO_RESPONSE'))).toEqual([]);
    expect(result.rtp?.sent.packets).toBeGreaterThan(10);
    expect(result.rtp?.received.packets).toBeGreaterThan(10); // the agent's echo
    expect(threads()).toBeGreaterThanOrEqual(before + 2);
    await caller.close();
    await agent.stop();
    closed = true;
    expect(threads()).toBe(before);
  } finally {
    if (!closed) {
      await caller.close();
      await agent.stop();
    }
  }
});
