/**
 * TestAgent signalling over loopback, driven by a plain SipUserAgent UAC with a real caller-side
 * MediaLeg: ring, reject, never answer + CANCEL, digest challenges, agent BYE, agent re-INVITE,
 * early media, TCP, codec mismatch, request capture, stop().
 */
import { MediaLeg } from '../../src/call-media';
import { DigestClient, type DigestAlgorithm } from '../../src/digest';
import { SipUserAgent } from '../../src/sip/user-agent';
import type { SipInviteResult } from '../../src/sip/ua/uac-invite';
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';

const FAST = { T1: 50, T2: 400, T4: 500, D: 500 };

let agent: TestAgent | undefined;
let ua: SipUserAgent | undefined;
const legs: MediaLeg[] = [];

afterEach(async () => {
  await agent?.stop();
  await ua?.close();
  await Promise.all(legs.splice(0).map((l) => l.close()));
  agent = undefined;
  ua = undefined;
});

async function setup(behaviour: TestAgentBehaviour, transport: 'udp' | 'tcp' = 'udp'): Promise<string> {
  agent = new TestAgent({ behaviour: { play: null, ...behaviour }, transport, timers: FAST });
  const uri = await agent.start();
  ua = new SipUserAgent({ timers: FAST });
  await ua.start();
  return uri;
}

interface Dialled {
  result: SipInviteResult;
  provisional: number[];
  leg: MediaLeg;
  earlySdp: boolean;
}

async function dial(
  target: string,
  opts: { headers?: Record<string, string>; auth?: { username: string; password: string; fresh?: boolean }; codecs?: string[]; cancelAfterMs?: number } = {},
): Promise<Dialled> {
  const leg = await MediaLeg.create({ codecs: opts.codecs ?? ['PCMU', 'PCMA'] });
  legs.push(leg);
  const offer = leg.createOffer();
  const provisional: number[] = [];
  let earlySdp = false;
  let client = opts.auth ? new DigestClient(opts.auth) : undefined;
  let inv = ua!.invite({ target, from: 'sip:probe@127.0.0.1', body: offer, contentType: 'application/sdp', headers: opts.headers });
  for (let attempt = 0; ; attempt++) {
    inv.on('provisional', (res) => {
      provisional.push(res.status);
      if (res.status === 183 && res.body.length > 0) earlySdp = true;
      if (opts.cancelAfterMs !== undefined && res.status === 180) setTimeout(() => inv.cancel(), opts.cancelAfterMs);
    });
    const result = await inv.result;
    if (result.kind === 'rejected' && (result.response.status === 401 || result.response.status === 407) && client && attempt < 4) {
      const req = inv.request!;
      // a fresh client keeps answering where a real one would give up (to reach the agent's cap)
      if (opts.auth?.fresh) client = new DigestClient(opts.auth);
      let auth;
      try {
        auth = client.respond(
          { www: result.response.wwwAuthenticate, proxy: result.response.proxyAuthenticate },
          opts.auth?.fresh
            ? { method: 'INVITE', uri: req.uri }
            : { method: 'INVITE', uri: req.uri, authorization: req.authorization, proxyAuthorization: req.proxyAuthorization },
        );
      } catch {
        return { result, provisional, leg, earlySdp };
      }
      inv = inv.retry({ headers: auth.map((a) => [a.header, a.value] as [string, string]) });
      continue;
    }
    if (result.kind === 'answered' && result.response.body.length > 0) await leg.applyAnswer(result.response.body);
    return { result, provisional, leg, earlySdp };
  }
}

const status = (r: SipInviteResult): number | undefined => (r.kind === 'answered' || r.kind === 'rejected' ? r.response.status : r.kind === 'cancelled' ? r.response?.status : undefined);

describe('TestAgent signalling', () => {
  it('rings, answers, keeps every request with its headers, and ends on the caller BYE', async () => {
    const uri = await setup({ ringMs: 150 });
    expect(uri).toMatch(/^sip:agent@127\.0\.0\.1:\d+$/);
    const t0 = Date.now();
    const d = await dial(uri, { headers: { 'X-Run-Id': 'run-1', 'x-customer-tier': 'gold' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(d.result.kind).toBe('answered');
    expect(d.provisional).toContain(180);
    const call = agent!.calls[0];
    expect(call.state).toBe('answered');
    expect(call.codec).toBe('PCMU');
    expect(call.invite.headers.get('x-run-id')).toBe('run-1');
    expect(call.invite.headers.get('X-Customer-Tier')).toBe('gold');
    expect(call.invite.headers.xHeaderNames()).toEqual(['X-Run-Id', 'x-customer-tier']);
    expect(call.invite.raw).toMatch(/^INVITE sip:agent@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
    expect(call.invite.raw).toContain('\r\nx-customer-tier: gold\r\n');
    expect(call.invite.body).toContain('m=audio');
    if (d.result.kind !== 'answered') throw new Error('not answered');
    await d.result.call.bye();
    const end = await call.ended;
    expect(end).toEqual({ state: 'ended', reason: 'caller-bye', status: 200 });
    const methods = agent!.requests.filter((r) => !r.retransmission).map((r) => r.method);
    expect(methods).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(call.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE']));
    expect(call.events('ringing')).toHaveLength(1);
    expect(call.events('answered')[0].t - call.events('ringing')[0].t).toBeGreaterThanOrEqual(140);
  });

  it('rejects with the configured status and reason', async () => {
    const uri = await setup({ reject: { status: 486, reason: 'Busy Here Now' } });
    const d = await dial(uri);
    expect(d.result.kind).toBe('rejected');
    expect(status(d.result)).toBe(486);
    if (d.result.kind === 'rejected') expect(d.result.response.reason).toBe('Busy Here Now');
    const end = await agent!.calls[0].ended;
    expect(end).toEqual({ state: 'rejected', reason: 'rejected', status: 486 });
  });

  it('rings then rejects (603) after the ring delay', async () => {
    const uri = await setup({ ringMs: 100, reject: 603 });
    const d = await dial(uri);
    expect(d.provisional).toContain(180);
    expect(status(d.result)).toBe(603);
  });

  it('never answers until the caller cancels: 487', async () => {
    const uri = await setup({ neverAnswer: true });
    const d = await dial(uri, { cancelAfterMs: 100 });
    expect(d.result.kind).toBe('cancelled');
    expect(status(d.result)).toBe(487);
    const end = await agent!.calls[0].ended;
    expect(end.state).toBe('cancelled');
    expect(agent!.requestsOf('CANCEL')).toHaveLength(1);
  });

  it('hangs up after N ms with a BYE the caller receives', async () => {
    const uri = await setup({ hangupAfterMs: 200 });
    const d = await dial(uri);
    if (d.result.kind !== 'answered') throw new Error('not answered');
    const byeAt = await new Promise<number>((r) => d.result.kind === 'answered' && d.result.call.once('bye', () => r(Date.now())));
    expect(byeAt).toBeGreaterThan(0);
    const end = await agent!.calls[0].ended;
    expect(end.reason).toBe('agent-bye');
    const call = agent!.calls[0];
    expect(call.events('bye-sent')[0].t - call.events('answered')[0].t).toBeGreaterThanOrEqual(190);
  });

  it('sends a re-INVITE after N ms and records the caller answer', async () => {
    const uri = await setup({ reinviteAfterMs: 150 });
    const d = await dial(uri);
    if (d.result.kind !== 'answered') throw new Error('not answered');
    const sipCall = d.result.call;
    sipCall.onOffer = async (offer) => ({ body: (await d.leg.answerOffer(offer.body)).sdp, contentType: 'application/sdp' });
    const [req] = await new Promise<[import('../../src/sip').SipRequest]>((r) => sipCall.once('reinvite', (q) => r([q])));
    expect(req.method).toBe('INVITE');
    expect(req.body.toString()).toContain('m=audio');
    const call = agent!.calls[0];
    await waitFor(() => call.reinvites.length === 1);
    expect(call.reinvites[0].status).toBe(200);
    expect(call.state).toBe('answered');
    await sipCall.bye();
  });

  it('sends 183 with SDP (early media) before answering', async () => {
    const uri = await setup({ earlyMedia: true, ringMs: 150 });
    const d = await dial(uri);
    expect(d.provisional).toContain(183);
    expect(d.earlySdp).toBe(true);
    expect(d.result.kind).toBe('answered');
    const call = agent!.calls[0];
    expect(call.events('early-media')).toHaveLength(1);
  });

  it('answers 488 when no codec is common', async () => {
    const uri = await setup({ codecs: ['PCMA'] });
    const d = await dial(uri, { codecs: ['PCMU'] });
    expect(status(d.result)).toBe(488);
    const end = await agent!.calls[0].ended;
    expect(end.reason).toBe('codec-mismatch');
    expect(agent!.calls[0].mediaError).toBeDefined();
  });

  it('answers in the caller codec order by default', async () => {
    const uri = await setup({});
    const d = await dial(uri, { codecs: ['PCMA', 'PCMU'] });
    expect(d.result.kind).toBe('answered');
    expect(agent!.calls[0].codec).toBe('PCMA');
  });

  it('works over TCP', async () => {
    const uri = await setup({ ringMs: 50 }, 'tcp');
    expect(uri).toMatch(/;transport=tcp$/);
    const d = await dial(uri, { headers: { 'X-Run-Id': 'tcp-run' } });
    expect(d.result.kind).toBe('answered');
    expect(agent!.calls[0].invite.protocol).toBe('tcp');
    expect(agent!.calls[0].invite.headers.get('X-Run-Id')).toBe('tcp-run');
  });

  it('stop() hangs up answered calls with a BYE and closes everything', async () => {
    const uri = await setup({});
    const d = await dial(uri);
    if (d.result.kind !== 'answered') throw new Error('not answered');
    const bye = new Promise<void>((r) => d.result.kind === 'answered' && d.result.call.once('bye', () => r()));
    await agent!.stop();
    await bye;
    expect(agent!.calls[0].end?.reason).toBe('agent-stopped');
  });

  it('answers 500 and reports when a behaviour function throws', async () => {
    const uri = await setup({});
    agent!.setBehaviour(() => {
      throw new Error('boom');
    });
    const errors: string[] = [];
    agent!.on('behaviourError', (e) => errors.push(e.message));
    const d = await dial(uri);
    expect(status(d.result)).toBe(500);
    expect(errors).toEqual(['boom']);
  });

  it('chooses the behaviour per call from the INVITE', async () => {
    const uri = await setup({});
    agent!.setBehaviour((invite) => (invite.headers.get('X-Want') === 'busy' ? { reject: 486 } : { play: null }));
    expect(status((await dial(uri, { headers: { 'X-Want': 'busy' } })).result)).toBe(486);
    expect((await dial(uri, { headers: { 'X-Want': 'answer' } })).result.kind).toBe('answered');
    expect(agent!.calls.map((c) => c.index)).toEqual([0, 1]);
  });
});

describe('TestAgent digest challenges', () => {
  const algorithms: DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];
  it.each(algorithms)('401 %s qop=auth: verified, then answered', async (alg) => {
    const uri = await setup({ auth: { username: 'alice', password: 's3cret', algorithms: [alg] } });
    const d = await dial(uri, { auth: { username: 'alice', password: 's3cret' }, headers: { 'X-Run-Id': 'r' } });
    expect(d.result.kind).toBe('answered');
    const call = agent!.calls[0];
    expect(agent!.calls).toHaveLength(1);
    expect(call.invites).toHaveLength(2);
    expect(call.invites[1].headers.get('Authorization')).toContain(`algorithm=${alg}`);
    expect(call.invites[1].headers.get('X-Run-Id')).toBe('r');
    expect(call.authAttempts).toEqual([{ ok: true, username: 'alice', algorithm: alg, qop: 'auth' }]);
    expect(call.events('challenge')[0].detail).toBe('401');
  });

  it('407 without qop (LiveKit style)', async () => {
    const uri = await setup({ auth: { username: 'u', password: 'p', proxy: true, qop: [] } });
    const d = await dial(uri, { auth: { username: 'u', password: 'p' } });
    expect(d.result.kind).toBe('answered');
    const call = agent!.calls[0];
    expect(call.invites[1].headers.has('Proxy-Authorization')).toBe(true);
    expect(call.invites[1].headers.get('Proxy-Authorization')).not.toContain('qop=');
    expect(call.authAttempts[0].ok).toBe(true);
  });

  it('several algorithms: one challenge header per algorithm', async () => {
    const uri = await setup({ auth: { username: 'u', password: 'p', algorithms: ['SHA-256', 'MD5'] } });
    const d = await dial(uri, { auth: { username: 'u', password: 'p' } });
    expect(d.result.kind).toBe('answered');
    expect(agent!.calls[0].authAttempts[0].algorithm).toBe('SHA-256');
  });

  it('wrong password: 403 and auth-failed, the password never stored', async () => {
    const uri = await setup({ auth: { username: 'u', password: 'right-one' } });
    const d = await dial(uri, { auth: { username: 'u', password: 'wrong-one' } });
    expect(status(d.result)).toBe(403);
    const call = agent!.calls[0];
    const end = await call.ended;
    expect(end).toEqual({ state: 'auth-failed', reason: 'auth-failed', status: 403 });
    expect(call.authAttempts).toEqual([{ ok: false, reason: 'wrong-credentials', username: 'u', algorithm: 'MD5' }]);
    expect(JSON.stringify(call)).not.toContain('right-one');
    expect(require('node:util').inspect(agent, { depth: 6 })).not.toContain('right-one');
  });

  it('rechallenge mode: wrong credentials are challenged again up to the cap, then 403', async () => {
    const uri = await setup({ auth: { username: 'u', password: 'p', onFailure: 'rechallenge', maxChallenges: 2 } });
    const d = await dial(uri, { auth: { username: 'u', password: 'nope', fresh: true } });
    const call = agent!.calls[0];
    expect(status(d.result)).toBe(403);
    expect(call.events('challenge').map((e) => e.detail)).toEqual(['401', '401']);
    expect(call.authAttempts.map((a) => a.reason)).toEqual(['wrong-credentials', 'wrong-credentials']);
    expect(call.invites).toHaveLength(3);
  });

  it('forbidden mode answers the first wrong credentials 403 without a second challenge', async () => {
    const uri = await setup({ auth: { username: 'u', password: 'p' } });
    const d = await dial(uri, { auth: { username: 'u', password: 'nope', fresh: true } });
    expect(status(d.result)).toBe(403);
    expect(agent!.calls[0].events('challenge')).toHaveLength(1);
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
