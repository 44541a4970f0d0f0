/**
 * Caller on UDP ↔ TestAgent listening on UDP and TCP at one port (as a SIP server on 5060):
 * an INVITE over 1300 bytes (many X- headers) arrives over TCP (RFC 3261 §18.1.1) and the
 * dialog stays on that connection (ACK, BYE both ways); a small one arrives over UDP; with
 * `largeUdpToTcp: false`, or when TCP is refused, the large one goes over UDP with a warning.
 */
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';
import { Caller, type CallerOptions, type CallOptions } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 41000, max: 41199 });

function bigProfile(): CallOptions['profile'] {
  const vars: Record<string, string> = {};
  for (let i = 0; i < 20; i++) vars[`X-Var-${i}`] = 'x'.repeat(60);
  return { name: 'big', information: { main_agent_variables: vars } };
}

async function withAgent(
  agentOpts: { alsoTcp: boolean; behaviour: TestAgentBehaviour },
  callerOpts: CallerOptions,
  fn: (agent: TestAgent, caller: Caller) => Promise<void>,
): Promise<void> {
  const agent = new TestAgent({ alsoTcp: agentOpts.alsoTcp, behaviour: agentOpts.behaviour, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ rtpPorts: { min: 41200, max: 41399 }, ...callerOpts });
  try {
    await fn(agent, caller);
  } finally {
    await caller.close();
    await agent.stop();
  }
}

const protocols = (agent: TestAgent, method: string): string[] => agent.calls[0].requests.filter((r) => r.method === method).map((r) => r.protocol);

describe('Caller on UDP: large INVITE over TCP (RFC 3261 §18.1.1)', () => {
  test('a large INVITE arrives over TCP with every X- header; ACK and the caller BYE follow on TCP', async () => {
    await withAgent({ alsoTcp: true, behaviour: { play: null } }, {}, async (agent, caller) => {
      expect(agent.uri).not.toContain('transport=');
      const r = await caller.call({ target: agent.uri, profile: bigProfile(), run: { runId: 'r', scenarioId: 's', resultId: 'x' }, durationMs: 300 }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('caller');
      const inv = agent.calls[0].invite;
      expect(inv.protocol).toBe('tcp');
      expect(Buffer.byteLength(inv.raw)).toBeGreaterThan(1300);
      expect(Object.keys(inv.headers.xHeaders())).toHaveLength(23);
      expect(inv.headers.get('contact')).toMatch(/;transport=tcp>/);
      expect(protocols(agent, 'ACK')).toEqual(['tcp']);
      expect(protocols(agent, 'BYE')).toEqual(['tcp']);
      // every SIP message of the call in the ladder went over TCP
      expect(new Set(r.messages.map((m) => m.transport))).toEqual(new Set(['tcp']));
      expect(r.warnings.filter((w) => w.startsWith('INVITE_OVER_UDP_LIMIT'))).toEqual([]);
      expect(r.rtp!.received.packets).toBeGreaterThan(0);
    });
  });

  test('the agent hangs up over the same connection', async () => {
    await withAgent({ alsoTcp: true, behaviour: { play: null, hangupAfterMs: 300 } }, {}, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, profile: bigProfile() }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('agent');
      expect(agent.calls[0].invite.protocol).toBe('tcp');
      const bye = r.messages.find((m) => m.direction === 'received' && m.firstLine.startsWith('BYE '))!;
      expect(bye.transport).toBe('tcp');
      const ok = r.messages.find((m) => m.direction === 'sent' && /^SIP\/2\.0 200/.test(m.firstLine) && /CSeq: \d+ BYE/.test(m.raw))!;
      expect(ok.transport).toBe('tcp');
    });
  });

  test('a small INVITE stays on UDP', async () => {
    await withAgent({ alsoTcp: true, behaviour: { play: null } }, {}, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, headers: { 'X-Case': 'small' }, durationMs: 200 }).result;
      expect(r.outcome).toBe('completed');
      expect(agent.calls[0].invite.protocol).toBe('udp');
      expect(protocols(agent, 'BYE')).toEqual(['udp']);
    });
  });

  test('largeUdpToTcp: false keeps it on UDP, with the size warning', async () => {
    await withAgent({ alsoTcp: true, behaviour: { play: null } }, { largeUdpToTcp: false }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, profile: bigProfile(), durationMs: 200 }).result;
      expect(r.outcome).toBe('completed');
      expect(agent.calls[0].invite.protocol).toBe('udp');
      expect(r.warnings.some((w) => w.startsWith('INVITE_OVER_UDP_LIMIT'))).toBe(true);
    });
  });

  test('a peer without TCP: the INVITE falls back to UDP, with the size warning', async () => {
    await withAgent({ alsoTcp: false, behaviour: { play: null } }, {}, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, profile: bigProfile(), durationMs: 200 }).result;
      expect(r.outcome).toBe('completed');
      expect(agent.calls[0].invite.protocol).toBe('udp');
      expect(Buffer.byteLength(agent.calls[0].invite.raw)).toBeGreaterThan(1300);
      expect(r.warnings.some((w) => w.startsWith('INVITE_OVER_UDP_LIMIT'))).toBe(true);
      expect(r.warnings.filter((w) => /^INVITE_TCP_FALLBACK: the \d+-byte INVITE went over UDP: TCP to the same address failed/.test(w))).toHaveLength(1);
    });
  });
});
