/**
 * Example: a vendor tests its own SIP endpoint in its jest suite. Here a TestAgent stands in
 * for the vendor's endpoint (replace `endpoint` with your real one: start it on loopback and
 * point `target` at it); the Caller places the test calls exactly as it would against
 * production, and the assertions read the CallResult and what the endpoint received.
 *
 * Run: `npx jest examples/vendor-endpoint.test.ts` (picked up by test/e2e/agent-vendor-example.test.ts in `npm test`).
 */
import { TestAgent, Caller } from '../src';

describe('our SIP endpoint', () => {
  let endpoint: TestAgent;
  let target: string;
  let caller: Caller;

  beforeAll(async () => {
    // stand-in for the vendor's endpoint: asks for digest credentials, rings, greets, hangs up after 2 s
    endpoint = new TestAgent({
      behaviour: { auth: { username: 'tester', password: 'test-password', algorithms: ['SHA-256', 'MD5'] }, ringMs: 200, hangupAfterMs: 2000 },
    });
    target = await endpoint.start();
    caller = new Caller({ bind: { address: '127.0.0.1', port: 0 }, transport: 'udp' });
  });

  afterAll(async () => {
    await caller.close();
    await endpoint.stop();
  });

  it('answers an authenticated call, speaks, and receives our test metadata', async () => {
    const call = caller.call({
      target,
      auth: { username: 'tester', password: 'test-password' },
      run: { runId: 'ci-run-42', scenarioId: 'greeting' },
      profile: { name: 'gold customer', information: { main_agent_variables: { 'X-Customer-Tier': 'gold', customer_name: 'Ada' }, testing_agent_variables: { persona: 'curious' } } },
      timeouts: { ringMs: 5000, callMs: 5000 },
    });
    const result = await call.result;

    expect(result.outcome).toBe('completed');
    // the agent itself answered, not an answering machine (a greeting and then a beep)
    expect(result.voicemail).toBeNull();
    expect(result.endedBy).toBe('agent');
    expect(result.ids.runId).toBe('ci-run-42');
    expect(result.rtp?.received.packets).toBeGreaterThan(50);

    // what the endpoint actually received: our ids and the profile's X- key, nothing else
    const invites = endpoint.calls[endpoint.calls.length - 1].invites;
    const authorized = invites[invites.length - 1].headers;
    expect(authorized.get('X-Run-Id')).toBe('ci-run-42');
    expect(authorized.get('X-Scenario-Id')).toBe('greeting');
    expect(authorized.get('X-Customer-Tier')).toBe('gold');
    expect(authorized.has('customer_name')).toBe(false);
    expect(authorized.has('persona')).toBe(false);
  });

  it('is reported busy when the endpoint rejects with 486', async () => {
    endpoint.setBehaviour({ reject: 486 });
    const result = await caller.call({ target, timeouts: { ringMs: 5000 } }).result;
    expect(result.outcome).toBe('busy');
    expect(result.sip.finalStatus).toBe(486);
  });
});
