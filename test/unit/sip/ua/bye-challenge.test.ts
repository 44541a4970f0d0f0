/**
 * A challenged BYE (401/407, drachtio-server#190): sent once more with the call's
 * authenticator's credentials (new CSeq, same dialog), and the call ends in every case — after
 * the retry's final response, a second challenge, a timeout, or without credentials — with
 * `SipCallEnd.byeChallenge` saying what happened and no dialog left in the UA. FakeClock.
 */
import { FakeClock } from '../../../../src/clock';
import { createResponse, type SipRequest } from '../../../../src/sip';
import type { SipCall } from '../../../../src/sip/ua/call';
import type { SipAuthenticator } from '../../../../src/sip/ua/core';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import { FakeSipTransports, flushSip, startFakeUa } from '../../../helpers/sip-fake-transports';

let clock: FakeClock;
let net: FakeSipTransports;
let ua: SipUserAgent;

beforeEach(async () => ({ clock, net, ua } = await startFakeUa({ sessionTimer: { enabled: false } })));
afterEach(() => ua.close());

async function answeredCall(authenticate?: SipAuthenticator): Promise<{ call: SipCall; invite: SipRequest }> {
  const inv = ua.invite({ target: 'sip:agent@127.0.0.1:5070', from: 'sip:probe@127.0.0.1', body: 'v=0\r\n', contentType: 'application/sdp', authenticate });
  await flushSip();
  const invite = net.requests('INVITE')[0];
  net.inject(createResponse(invite, 200, undefined, { toTag: 'far', contact: '<sip:agent@10.0.0.9:5071>', body: 'v=0\r\n', contentType: 'application/sdp' }));
  await flushSip();
  const r = await inv.result;
  if (r.kind !== 'answered') throw new Error(r.kind);
  return { call: r.call, invite };
}

/** The peer sends an in-dialog INFO after the call ended: the UA must answer 481 (no dialog left). */
async function expectNoDialog(invite: SipRequest): Promise<void> {
  const info = [
    'INFO sip:probe@127.0.0.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKinfo99',
    'Max-Forwards: 70',
    'From: <sip:agent@127.0.0.1:5070>;tag=far',
    `To: ${invite.headers.get('from')}`,
    `Call-ID: ${invite.callId}`,
    'CSeq: 99 INFO',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  net.inject(info);
  await flushSip();
  expect(net.responses(481, 'INFO')).toHaveLength(1);
}

const challenge401 = (bye: SipRequest, nonce = 'n1') => createResponse(bye, 401, undefined, { headers: { 'WWW-Authenticate': `Digest realm="r", nonce="${nonce}"` } });

describe('challenged BYE', () => {
  it('is sent once more with the authenticator’s credentials (CSeq + 1, same dialog) and the call ends', async () => {
    const seen: Array<{ status: number; method: string; uri: string }> = [];
    const { call, invite } = await answeredCall((ch, req) => {
      seen.push({ status: ch.status, method: req.method, uri: req.uri });
      return [['Authorization', 'Digest username="u", realm="r", nonce="n1", uri="sip:agent@10.0.0.9:5071", response="0123456789abcdef0123456789abcdef"']];
    });
    const p = call.bye();
    await flushSip();
    const bye1 = net.requests('BYE')[0];
    net.inject(challenge401(bye1));
    await flushSip();
    expect(call.active).toBe(true); // waiting for the retry's answer
    const bye2 = net.requests('BYE')[1];
    expect(seen).toEqual([{ status: 401, method: 'BYE', uri: 'sip:agent@10.0.0.9:5071' }]);
    expect(bye2.uri).toBe(bye1.uri);
    expect(bye2.callId).toBe(bye1.callId);
    expect(bye2.from?.tag).toBe(bye1.from?.tag);
    expect(bye2.to?.tag).toBe('far');
    expect(bye2.cseq).toEqual({ seq: bye1.cseq!.seq + 1, method: 'BYE' });
    expect(bye2.topVia!.branch).not.toBe(bye1.topVia!.branch);
    expect(bye2.authorization).toHaveLength(1);
    expect(bye1.authorization).toHaveLength(0);
    net.inject(createResponse(bye2, 200));
    expect((await p)?.status).toBe(200);
    const end = await call.ended;
    expect(end.reason).toBe('local-bye');
    expect(end.response?.status).toBe(200);
    expect(end.byeChallenge).toEqual({ status: 401, outcome: 'accepted' });
    await expectNoDialog(invite);
  });

  it('407: Proxy-Authorization replaces the one the first BYE carried; other headers stay', async () => {
    const { call } = await answeredCall(() => ({ 'Proxy-Authorization': 'Digest username="u", realm="p", nonce="n2", uri="x", response="new"' }));
    const p = call.bye({ headers: [['X-Reason', 'done'], ['Proxy-Authorization', 'Digest username="u", realm="p", nonce="old", uri="x", response="old"']] });
    await flushSip();
    net.inject(createResponse(net.requests('BYE')[0], 407, undefined, { headers: { 'Proxy-Authenticate': 'Digest realm="p", nonce="n2"' } }));
    await flushSip();
    const bye2 = net.requests('BYE')[1];
    expect(bye2.proxyAuthorization).toEqual(['Digest username="u", realm="p", nonce="n2", uri="x", response="new"']);
    expect(bye2.headers.get('x-reason')).toBe('done');
    net.inject(createResponse(bye2, 200));
    await p;
    expect((await call.ended).byeChallenge).toEqual({ status: 407, outcome: 'accepted' });
  });

  it('challenged twice: no third BYE, the call ends with challenged-again', async () => {
    let asked = 0;
    const { call, invite } = await answeredCall(() => {
      asked++;
      return { Authorization: 'Digest username="u", realm="r", nonce="n1", uri="x", response="bad"' };
    });
    const p = call.bye();
    await flushSip();
    net.inject(challenge401(net.requests('BYE')[0]));
    await flushSip();
    net.inject(challenge401(net.requests('BYE')[1], 'n2'));
    expect((await p)?.status).toBe(401);
    const end = await call.ended;
    expect(end.byeChallenge).toEqual({ status: 401, outcome: 'challenged-again' });
    expect(end.response?.status).toBe(401);
    expect(asked).toBe(1);
    clock.advance(64 * 500);
    await flushSip();
    expect(net.requests('BYE').filter((b) => !net.sent.find((s) => s.message === b)?.retransmission)).toHaveLength(2);
    await expectNoDialog(invite);
  });

  it('a non-challenge refusal of the retry ends the call as refused', async () => {
    const { call } = await answeredCall(() => ({ Authorization: 'Digest x=1' }));
    const p = call.bye();
    await flushSip();
    net.inject(challenge401(net.requests('BYE')[0]));
    await flushSip();
    net.inject(createResponse(net.requests('BYE')[1], 403));
    expect((await p)?.status).toBe(403);
    expect((await call.ended).byeChallenge).toEqual({ status: 401, outcome: 'refused' });
  });

  it('the retry gets no answer: the call ends as no-response after Timer F', async () => {
    const { call, invite } = await answeredCall(() => ({ Authorization: 'Digest x=1' }));
    const p = call.bye();
    await flushSip();
    net.inject(challenge401(net.requests('BYE')[0]));
    await flushSip();
    expect(call.active).toBe(true);
    clock.advance(64 * 500);
    await flushSip();
    expect(await p).toBeUndefined();
    const end = await call.ended;
    expect(end.byeChallenge).toEqual({ status: 401, outcome: 'no-response' });
    expect(end.response).toBeUndefined();
    await expectNoDialog(invite);
  });

  it('no answer from the authenticator, a throwing one, or one returning other headers: one BYE, call ended, reported', async () => {
    const cases: Array<[SipAuthenticator, object]> = [
      [() => undefined, { outcome: 'no-credentials' }],
      [() => [], { outcome: 'no-credentials' }],
      [
        () => {
          throw Object.assign(new Error('realm "r" refused'), { code: 'DIGEST_AUTH_FAILED' });
        },
        { outcome: 'credentials-error', code: 'DIGEST_AUTH_FAILED' },
      ],
      [async () => Promise.reject(new Error('plain')), { outcome: 'credentials-error', code: 'SIP_UA_AUTHENTICATOR' }],
      [() => ({ 'X-Not-Auth': 'v' }), { outcome: 'credentials-error', code: 'SIP_UA_OPTIONS' }],
      [() => ({ Authorization: 'a\r\nBYE sip:evil SIP/2.0' }), { outcome: 'credentials-error' }],
    ];
    for (const [auth, expected] of cases) {
      net.sent.length = 0;
      const { call, invite } = await answeredCall(auth);
      const p = call.bye();
      await flushSip();
      net.inject(challenge401(net.requests('BYE')[0]));
      expect((await p)?.status).toBe(401);
      const end = await call.ended;
      expect(end.byeChallenge).toMatchObject({ status: 401, ...expected });
      expect(net.requests('BYE')).toHaveLength(1);
      await expectNoDialog(invite);
    }
  });

  it('a hang-up of the core’s own (no ACK, expiry) is retried with credentials too', async () => {
    const { call } = await answeredCall(() => ({ Authorization: 'Digest x=1' }));
    const p = call.hangup('session-expired');
    await flushSip();
    net.inject(challenge401(net.requests('BYE')[0]));
    await flushSip();
    net.inject(createResponse(net.requests('BYE')[1], 200));
    await p;
    const end = await call.ended;
    expect(end.reason).toBe('session-expired');
    expect(end.byeChallenge).toEqual({ status: 401, outcome: 'accepted' });
  });
});

describe('SipCall.requestGate (the UAS side of a challenge)', () => {
  it('answers a BYE with the gate’s response and keeps the call; a later BYE it lets through ends it', async () => {
    const { call, invite } = await answeredCall();
    let n = 0;
    call.requestGate = (req) => (req.method === 'BYE' && n++ === 0 ? createResponse(req, 401, undefined, { headers: { 'WWW-Authenticate': 'Digest realm="r", nonce="z"' } }) : undefined);
    const bye = (cseq: number): string =>
      [
        'BYE sip:probe@127.0.0.1:5060 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye${cseq}`,
        'Max-Forwards: 70',
        'From: <sip:agent@127.0.0.1:5070>;tag=far',
        `To: ${invite.headers.get('from')}`,
        `Call-ID: ${invite.callId}`,
        `CSeq: ${cseq} BYE`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    net.inject(bye(5));
    await flushSip();
    expect(net.responses(401, 'BYE')).toHaveLength(1);
    expect(call.active).toBe(true);
    net.inject(bye(6));
    await flushSip();
    expect(net.responses(200, 'BYE')).toHaveLength(1);
    expect((await call.ended).reason).toBe('remote-bye');
  });

  it('a throwing gate answers 500 and the call goes on', async () => {
    const { call, invite } = await answeredCall();
    call.requestGate = () => {
      throw new Error('boom');
    };
    net.inject(
      [
        'INFO sip:probe@127.0.0.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKinfo7',
        'Max-Forwards: 70',
        'From: <sip:agent@127.0.0.1:5070>;tag=far',
        `To: ${invite.headers.get('from')}`,
        `Call-ID: ${invite.callId}`,
        'CSeq: 7 INFO',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await flushSip();
    expect(net.responses(500, 'INFO')).toHaveLength(1);
    expect(call.active).toBe(true);
  });
});
