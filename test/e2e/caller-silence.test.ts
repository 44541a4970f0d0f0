/**
 * `timeouts.silenceMs` over loopback against the TestAgent: a silent agent is hung up on with
 * BYE ("silence timed out", outcome completed, ended by the caller); an agent that talks is not;
 * our own talking holds the timeout off.
 */
import { join } from 'node:path';
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';
import { Caller, type CallOptions, type CallResult } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const QUESTION = join(__dirname, '../../assets/question-8k.wav');
const agentPool = new RtpPortPool({ min: 37000, max: 37100 });

async function callAgent(behaviour: TestAgentBehaviour, options: Omit<CallOptions, 'target'>): Promise<{ r: CallResult; agentEnd: string | undefined }> {
  const agent = new TestAgent({ behaviour, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ rtpPorts: { min: 37200, max: 37300 } });
  try {
    const r = await caller.call({ target: agent.uri, ...options }).result;
    const end = await agent.calls[0]?.ended;
    return { r, agentEnd: end?.reason };
  } finally {
    await caller.close();
    await agent.stop();
  }
}

function events(r: CallResult): string[] {
  return r.timeline.map((e) => e.event);
}

describe('Caller timeouts.silenceMs', () => {
  test('an agent that sends only silence is hung up on after silenceMs: BYE, completed, "silence timed out", ended by caller', async () => {
    const { r, agentEnd } = await callAgent({ play: null }, { timeouts: { silenceMs: 700 } });
    expect(r.outcome).toBe('completed');
    expect(r.endReason).toBe('silence timed out');
    expect(r.endedBy).toBe('caller');
    expect(r.error).toBeNull();
    expect(agentEnd).toBe('caller-bye');
    expect(r.rtp!.received.packets).toBeGreaterThan(20);
    expect(r.timings.talkDurationMs).toBeGreaterThanOrEqual(700);
    expect(r.timings.talkDurationMs).toBeLessThan(2500);
    const ev = events(r);
    expect(ev).toContain('silence-timeout');
    expect(ev.indexOf('bye-sent')).toBeGreaterThan(ev.indexOf('silence-timeout'));
    expect(r.messages.some((m) => m.direction === 'sent' && m.firstLine.startsWith('BYE '))).toBe(true);
  });

  test('an agent that talks (gaps shorter than the limit) is not hung up on: the call ends by its duration', async () => {
    const { r } = await callAgent({}, { durationMs: 3500, timeouts: { silenceMs: 1000 } });
    expect(r.outcome).toBe('completed');
    expect(r.endReason).toBe('caller hung up');
    expect(events(r)).not.toContain('silence-timeout');
    expect(r.timings.talkDurationMs).toBeGreaterThanOrEqual(3500);
  });

  test('the limit counts from the last sound: greeting (speech to ~4.5 s) then quiet ends about silenceMs later', async () => {
    const { r } = await callAgent({}, { timeouts: { silenceMs: 1000 } });
    expect(r.endReason).toBe('silence timed out');
    expect(r.timings.talkDurationMs).toBeGreaterThan(5000);
    expect(r.timings.talkDurationMs).toBeLessThan(8000);
  });

  test('our own talking does not count as silence: the limit starts when our prompt ends', async () => {
    // the question has speech for ~1.45 s; a silent agent listening to it is not silent "for 800 ms"
    const { r } = await callAgent({ play: null }, { play: QUESTION, durationMs: 8000, timeouts: { silenceMs: 800 } });
    expect(r.endReason).toBe('silence timed out');
    expect(r.timings.talkDurationMs).toBeGreaterThan(2000);
    expect(r.timings.talkDurationMs).toBeLessThan(5000);
  });
});
