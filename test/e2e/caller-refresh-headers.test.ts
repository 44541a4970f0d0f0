/**
 * Caller (on a FakeClock) ↔ TestAgent that negotiates a 90 s session with refresher=uac and
 * does not take UPDATE: the Caller's session-refresh re-INVITE carries the same X- test headers
 * as its INVITE (X-Run-Id, X-Scenario-Id, X-Result-Id, profile keys, extra headers).
 */
import { TestAgent } from '../../src/agent';
import type { TestAgentRequest } from '../../src/agent';
import { Caller } from '../../src/caller';
import { FakeClock } from '../../src/clock';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 41400, max: 41599 });

function nextRequest(agent: TestAgent, match: (r: TestAgentRequest) => boolean): Promise<TestAgentRequest> {
  return new Promise((resolve) => {
    const on = (r: TestAgentRequest): void => {
      if (!match(r)) return;
      agent.off('request', on);
      resolve(r);
    };
    agent.on('request', on);
  });
}

const inDialogInvite = (r: TestAgentRequest): boolean => r.method === 'INVITE' && /;\s*tag=/i.test(r.headers.get('to') ?? '');

test('the refresh re-INVITE repeats every X- test header of the INVITE', async () => {
  const agent = new TestAgent({ behaviour: { play: null }, sessionTimer: { sessionExpires: 90 }, allowUpdate: false, media: { portPool: agentPool } });
  await agent.start();
  const clock = new FakeClock();
  const caller = new Caller({ clock });
  try {
    const call = caller.call({
      target: agent.uri,
      media: false,
      run: { runId: 'run-refresh', scenarioId: 'scn-refresh', resultId: 'res-refresh' },
      profile: { name: 'p', information: { main_agent_variables: { 'X-Plan': 'pro', 'X-Count': 2 } } },
      headers: { 'X-Case': 'refresh' },
      timeouts: { callMs: 3_600_000 },
    });
    await new Promise((r) => call.once('answered', r));
    const first = agent.calls[0].invite;
    const expected = {
      'X-Run-Id': 'run-refresh',
      'X-Scenario-Id': 'scn-refresh',
      'X-Result-Id': 'res-refresh',
      'X-Plan': 'pro',
      'X-Count': '2',
      'X-Case': 'refresh',
    };
    expect(first.headers.xHeaders()).toEqual(expected);
    // the agent's 2xx made the caller the refresher of a 90 s session
    const refresh = nextRequest(agent, inDialogInvite);
    clock.advance(45_000);
    const re = await refresh;
    expect(re.headers.get('session-expires')).toBe('90;refresher=uac');
    expect(re.headers.xHeaders()).toEqual(expected);
    expect(re.headers.xHeaderNames()).toHaveLength(6); // each once
    // the agent answered it and the caller ACKed: the call goes on until we hang up
    const ack = nextRequest(agent, (r) => r.method === 'ACK' && r.cseq === re.cseq);
    await ack;
    call.hangup();
    const result = await call.result;
    expect(result.outcome).toBe('completed');
    expect(result.messages.filter((m) => m.direction === 'sent' && m.firstLine.startsWith('INVITE '))).toHaveLength(2);
  } finally {
    await caller.close();
    await agent.stop();
  }
});
