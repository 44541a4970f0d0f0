/**
 * A challenged BYE (drachtio-server#190) against the TestAgent (`auth.challengeBye`): the user
 * agent the Caller runs (its options, its INVITE builder with the call's digest client) sends
 * the BYE once more with digest credentials the agent verifies; an agent that challenges every
 * BYE gets one retry, then the dialog ends with the failure reported (`BYE_AUTH_FAILED`). In
 * every case no dialog is left: a request in the old dialog is answered 481.
 */
import * as dgram from 'node:dgram';
import { TestAgent, type TestAgentAuthBehaviour } from '../../src/agent';
import { buildMediaOffer } from '../../src/call-media/media-leg';
import { Caller } from '../../src/caller';
import { byeChallengeWarning, prepareInvite } from '../../src/caller/invite';
import { callerUaOptions } from '../../src/caller/ua-options';
import { DigestClient } from '../../src/digest/client';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { serializeSdp } from '../../src/sdp/serializer';
import type { SipCall } from '../../src/sip/ua/call';
import type { SipOutgoingInvite } from '../../src/sip/ua/uac-invite';
import { SipUserAgent, type SipTraceEvent } from '../../src/sip/user-agent';

jest.setTimeout(30_000);

const PASSWORD = 'bye-Auth-e2e-7c2a';
const agentPool = new RtpPortPool({ min: 41600, max: 41799 });

function auth(challengeBye: TestAgentAuthBehaviour['challengeBye'], proxy = false): TestAgentAuthBehaviour {
  return { username: 'alice', password: PASSWORD, qop: [], proxy, challengeBye };
}

/** Places a call the way the Caller does: INVITE (test headers, offer, digest client), retried once after the INVITE's own challenge. */
async function placeCall(ua: SipUserAgent, target: string, digest: DigestClient): Promise<SipCall> {
  const sdp = serializeSdp(buildMediaOffer({ address: '127.0.0.1', port: 41900, codecs: ['PCMU'] }));
  const { inviteOptions } = prepareInvite({}, { target, run: { runId: 'r', scenarioId: 's', resultId: 'x' } }, sdp, digest);
  let inv: SipOutgoingInvite = ua.invite(inviteOptions);
  let r = await inv.result;
  if (r.kind === 'rejected' && (r.response.status === 401 || r.response.status === 407)) {
    const extra = digest.respond({ www: r.response.wwwAuthenticate, proxy: r.response.proxyAuthenticate }, { method: 'INVITE', uri: target, body: sdp });
    inv = inv.retry({ headers: extra.map((h) => [h.header, h.value] as [string, string]) });
    r = await inv.result;
  }
  if (r.kind !== 'answered') throw new Error(`not answered: ${r.kind}`);
  return r.call;
}

describe.each([false, true])('challenged BYE (407 instead of 401: %s)', (proxy) => {
  let agent: TestAgent;
  let ua: SipUserAgent;
  const trace: SipTraceEvent[] = [];
  beforeEach(async () => {
    trace.length = 0;
    ua = new SipUserAgent(callerUaOptions({}));
    ua.on('trace', (e) => trace.push(e));
    await ua.start();
  });
  afterEach(async () => {
    await ua.close();
    await agent.stop();
  });

  test('the agent gets an authenticated BYE and the call ends on both sides', async () => {
    agent = new TestAgent({ behaviour: { play: null, auth: auth(true, proxy) }, media: { portPool: agentPool } });
    await agent.start();
    const call = await placeCall(ua, agent.uri, new DigestClient({ username: 'alice', password: PASSWORD }));
    const res = await call.bye();
    expect(res?.status).toBe(200);
    const end = await call.ended;
    expect(end.byeChallenge).toEqual({ status: proxy ? 407 : 401, outcome: 'accepted' });
    expect(byeChallengeWarning(end)).toBeUndefined();
    const a = agent.calls[0];
    expect((await a.ended).reason).toBe('caller-bye');
    const byes = a.requests.filter((r) => r.method === 'BYE');
    expect(byes).toHaveLength(2);
    const credHeader = proxy ? 'proxy-authorization' : 'authorization';
    expect(byes[0].headers.has(credHeader)).toBe(false);
    expect(byes[1].headers.get(credHeader)).toMatch(/^Digest .*username="alice"/);
    expect(byes[1].cseq).toBe(byes[0].cseq + 1);
    expect(a.events('bye-challenge')).toHaveLength(1);
    expect(a.events('bye-auth-ok')).toHaveLength(1);
    expect(a.authAttempts.every((t) => t.ok)).toBe(true);
  });

  test('an agent that challenges every BYE: one retry, then the dialog ends with BYE_AUTH_FAILED; no dialog left', async () => {
    agent = new TestAgent({ behaviour: { play: null, auth: auth('always', proxy) }, media: { portPool: agentPool } });
    await agent.start();
    const call = await placeCall(ua, agent.uri, new DigestClient({ username: 'alice', password: PASSWORD }));
    const res = await call.bye();
    expect(res?.status).toBe(proxy ? 407 : 401);
    const end = await call.ended;
    expect(end.byeChallenge).toEqual({ status: proxy ? 407 : 401, outcome: 'challenged-again' });
    expect(byeChallengeWarning(end)).toMatch(/^BYE_AUTH_FAILED: /);
    const a = agent.calls[0];
    expect(a.requests.filter((r) => r.method === 'BYE')).toHaveLength(2);
    expect(a.events('bye-challenge')).toHaveLength(2);
    // the agent still thinks the call is up: its BYE finds no dialog on our side (481)
    expect(a.active).toBe(true);
    await a.hangup();
    const answered = trace.filter((e) => e.direction === 'out' && e.message.kind === 'response' && e.message.cseq?.method === 'BYE');
    expect(answered.map((e) => (e.message.kind === 'response' ? e.message.status : 0))).toEqual([481]);
  });
});

test('Caller: a BYE the agent keeps challenging ends the call promptly and leaves no dialog', async () => {
  const agent = new TestAgent({ behaviour: { play: null, auth: auth('always') }, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ rtpPorts: { min: 41800, max: 41899 } });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const t0 = Date.now();
    const r = await caller.call({ target: agent.uri, auth: { username: 'alice', password: PASSWORD }, durationMs: 200 }).result;
    expect(r.outcome).toBe('completed');
    expect(r.endedBy).toBe('caller');
    expect(Date.now() - t0).toBeLessThan(5000); // not Timer F, not until caller.close()
    const a = agent.calls[0];
    const byes = a.requests.filter((q) => q.method === 'BYE');
    expect(byes).toHaveLength(2); // the second with credentials, challenged again
    expect(byes[1].headers.get('authorization')).toMatch(/^Digest .*username="alice"/);
    expect(a.events('bye-challenge')).toHaveLength(2);
    expect(r.warnings.filter((w) => w.startsWith('BYE_AUTH_FAILED: '))).toHaveLength(1);
    expect(r.warnings.some((w) => w.startsWith('BYE_NO_RESPONSE'))).toBe(false);
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
    expect(a.active).toBe(true);
    // a request in the old dialog, from the agent's side of it, reaches the Caller's user agent: 481
    const invite = a.invites[a.invites.length - 1];
    const agentTo = byes[0].headers.get('to')!; // our BYE's To: the agent, with its tag
    const info =
      `INFO sip:sipprobe@${caller.sipAddress.address}:${caller.sipAddress.port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bKbyeauth1;rport\r\n` +
      `Max-Forwards: 70\r\nFrom: ${agentTo}\r\nTo: ${invite.headers.get('from')}\r\nCall-ID: ${invite.callId}\r\n` +
      `CSeq: 900 INFO\r\nContent-Length: 0\r\n\r\n`;
    const answer = new Promise<string>((res) => sock.once('message', (m) => res(m.toString('latin1'))));
    sock.send(info, caller.sipAddress.port, caller.sipAddress.address);
    expect(await answer).toMatch(/^SIP\/2\.0 481 /);
  } finally {
    sock.close();
    await caller.close();
    await agent.stop();
  }
});
