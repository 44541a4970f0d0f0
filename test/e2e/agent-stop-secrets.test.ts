/**
 * TestAgent.stop() timing (prompt once nothing is active, bounded when a BYE goes unanswered)
 * and the digest password kept out of every view of the agent and its calls.
 */
import { inspect } from 'node:util';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { buildMediaOffer } from '../../src/call-media';
import { serializeSdp } from '../../src/sdp/serializer';
import { SipUserAgent } from '../../src/sip/user-agent';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(20_000);

const FAST = { T1: 50, T2: 400, T4: 500, D: 500 };
const agentPool = new RtpPortPool({ min: 38800, max: 38999 });

let agent: TestAgent | undefined;
let caller: Caller | undefined;

afterEach(async () => {
  await caller?.close();
  await agent?.stop();
  caller = undefined;
  agent = undefined;
});

async function timed(p: () => Promise<void>): Promise<number> {
  const t = Date.now();
  await p();
  return Date.now() - t;
}

describe('TestAgent.stop()', () => {
  test('returns at once after the agent’s own BYE, even when the caller is gone before its 200 arrives', async () => {
    agent = new TestAgent({ behaviour: { play: null, hangupAfterMs: 200 }, timers: FAST, media: { portPool: agentPool } });
    const uri = await agent.start();
    caller = new Caller({ rtpPorts: { min: 39000, max: 39199 } });
    const r = await caller.call({ target: uri }).result;
    expect(r.endedBy).toBe('agent');
    await caller.close();
    const ms = await timed(() => agent!.stop());
    expect(ms).toBeLessThan(300);
    const call = agent.calls[0];
    expect(call.end).toEqual({ state: 'ended', reason: 'agent-bye', status: 200 });
    // one BYE: stopping did not hang up a second time
    expect(call.events('bye-sent')).toHaveLength(1);
  });

  test('returns at once when every call has ended', async () => {
    agent = new TestAgent({ behaviour: { play: null, hangupAfterMs: 150 }, timers: FAST, media: { portPool: agentPool } });
    const uri = await agent.start();
    caller = new Caller({ rtpPorts: { min: 39000, max: 39199 } });
    await caller.call({ target: uri }).result;
    await agent.calls[0].ended;
    expect(agent.activeCalls).toHaveLength(0);
    expect(await timed(() => agent!.stop())).toBeLessThan(300);
  });

  test('still hangs up an active call, waiting at most the cap for a vanished peer', async () => {
    agent = new TestAgent({ behaviour: { play: null }, timers: FAST, media: { portPool: agentPool } });
    const uri = await agent.start();
    const ua = new SipUserAgent({ timers: FAST });
    await ua.start();
    const offer = serializeSdp(buildMediaOffer({ address: '127.0.0.1', port: 9, codecs: ['PCMU'] }));
    const r = await ua.invite({ target: uri, from: 'sip:probe@127.0.0.1', body: offer, contentType: 'application/sdp' }).result;
    expect(r.kind).toBe('answered');
    await ua.close(); // ends the call without a BYE: no one will answer the agent's
    expect(agent.activeCalls).toHaveLength(1);
    const ms = await timed(() => agent!.stop());
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(3000);
    expect(agent.calls[0].end?.reason).toBe('agent-stopped');
    expect(agent.calls[0].events('bye-sent')).toHaveLength(1);
  });
});

describe('the digest password stays secret', () => {
  test('not in inspect, JSON, spreads or entries of the agent and its calls (accepted and refused credentials)', async () => {
    const SECRET = 'pa55-w0rd-that-must-not-leak';
    agent = new TestAgent({ behaviour: { play: null, hangupAfterMs: 150, auth: { username: 'alice', password: SECRET } }, timers: FAST, media: { portPool: agentPool } });
    const uri = await agent.start();
    caller = new Caller({ rtpPorts: { min: 39000, max: 39199 } });
    const ok = await caller.call({ target: uri, auth: { username: 'alice', password: SECRET } }).result;
    expect(ok.outcome).toBe('completed');
    const bad = await caller.call({ target: uri, auth: { username: 'alice', password: 'wrong' } }).result;
    expect(bad.outcome).toBe('auth-failed');
    await Promise.all(agent.calls.map((c) => c.ended));
    expect(agent.calls).toHaveLength(2);
    const views: string[] = [
      inspect(agent, { depth: Infinity }),
      inspect(agent, { depth: Infinity, showHidden: true }),
      inspect(agent.calls, { depth: Infinity }),
      inspect(agent.requests, { depth: 4 }),
      JSON.stringify(agent),
      JSON.stringify(agent.calls),
      JSON.stringify(agent.requests),
      String(agent),
    ];
    for (const c of agent.calls) {
      views.push(inspect(c, { depth: Infinity, showHidden: true }), JSON.stringify(c), JSON.stringify(c.authAttempts), JSON.stringify(c.timeline));
      views.push(inspect({ ...c }, { depth: 3 }), JSON.stringify(Object.entries(c).map(([k]) => k)));
    }
    views.push(inspect({ ...agent }, { depth: 3 }));
    for (const v of views) expect(v).not.toContain(SECRET);
  });
});
