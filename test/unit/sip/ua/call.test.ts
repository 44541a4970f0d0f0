/** In-call behaviour on a FakeClock: glare, UPDATE offers, challenged BYE, 481 ends the dialog. */
import { FakeClock } from '../../../../src/clock';
import { createResponse, type SipRequest } from '../../../../src/sip';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import type { SipCall } from '../../../../src/sip/ua/call';
import { FakeSipTransports, flushSip, startFakeUa } from '../../../helpers/sip-fake-transports';

let clock: FakeClock;
let net: FakeSipTransports;
let ua: SipUserAgent;

beforeEach(async () => ({ clock, net, ua } = await startFakeUa({ sessionTimer: { enabled: false } })));
afterEach(() => ua.close());

async function answeredCall(): Promise<{ call: SipCall; invite: SipRequest }> {
  const inv = ua.invite({ target: 'sip:agent@127.0.0.1:5070', from: 'sip:probe@127.0.0.1', body: 'v=0\r\n', contentType: 'application/sdp' });
  await flushSip();
  const invite = net.requests('INVITE')[0];
  expect(invite.headers.has('session-expires')).toBe(false); // timers disabled
  net.inject(createResponse(invite, 200, undefined, { toTag: 'far', contact: '<sip:agent@127.0.0.1:5070>', body: 'v=0\r\n', contentType: 'application/sdp' }));
  await flushSip();
  const r = await inv.result;
  if (r.kind !== 'answered') throw new Error(r.kind);
  return { call: r.call, invite };
}

function inDialog(invite: SipRequest, method: string, cseq: number, extra: string[] = [], body = ''): string {
  return [
    `${method} sip:ua@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${method}${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:agent@127.0.0.1:5070>;tag=far',
    `To: ${invite.headers.get('from')}`,
    `Call-ID: ${invite.callId}`,
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:agent@127.0.0.1:5070>',
    ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('SipCall', () => {
  it('answers 491 to a re-INVITE while its own re-INVITE is pending (glare)', async () => {
    const { call, invite } = await answeredCall();
    const mine = call.reinvite({ body: 'v=0\r\no=2\r\n', contentType: 'application/sdp' });
    await flushSip();
    net.inject(inDialog(invite, 'INVITE', 5, [], 'v=0\r\n'));
    await flushSip();
    expect(net.responses(491, 'INVITE')).toHaveLength(1);
    const re = net.requests('INVITE')[1];
    net.inject(createResponse(re, 491));
    const res = await mine;
    expect(res.status).toBe(491);
    expect(call.active).toBe(true);
    // the glare is over: a new re-INVITE may go (RFC 3261 §14.1 leaves the retry timing to the caller)
    const again = call.reinvite(undefined);
    await flushSip();
    const third = net.requests('INVITE')[2];
    expect(third.cseq!.seq).toBe(re.cseq!.seq + 1);
    net.inject(createResponse(third, 200, undefined, { contact: '<sip:agent@127.0.0.1:5070>', body: 'v=0\r\n', contentType: 'application/sdp' }));
    expect((await again).status).toBe(200);
    // ACKs: the first 2xx, the 491 (by its transaction), the new 2xx
    expect(net.requests('ACK').map((a) => a.cseq!.seq)).toEqual([1, re.cseq!.seq, third.cseq!.seq]);
  });

  it('answers an UPDATE offer through onOffer and records both bodies', async () => {
    const { call, invite } = await answeredCall();
    call.onOffer = (offer) => ({ body: `ans:${offer.body.toString()}`, contentType: 'application/sdp' });
    const seen = new Promise((r) => call.once('update', r));
    net.inject(inDialog(invite, 'UPDATE', 3, [], 'upd'));
    await seen;
    const ok = net.responses(200, 'UPDATE');
    expect(ok).toHaveLength(1);
    expect(ok[0].body.toString()).toBe('ans:upd');
    expect(ok[0].headers.get('contact')).toBe('<sip:ua@127.0.0.1:5060>');
    expect(call.remoteBody?.body.toString()).toBe('upd');
    expect(call.localBody?.body).toBe('ans:upd');
  });

  it('a 401 to its BYE without an authenticator ends the call anyway, reported as no-credentials', async () => {
    const { call } = await answeredCall();
    const first = call.bye();
    await flushSip();
    const bye1 = net.requests('BYE')[0];
    net.inject(createResponse(bye1, 401, undefined, { headers: { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' } }));
    expect((await first)?.status).toBe(401);
    expect(call.active).toBe(false);
    const end = await call.ended;
    expect(end.reason).toBe('local-bye');
    expect(end.byeChallenge).toEqual({ status: 401, outcome: 'no-credentials' });
    expect(net.requests('BYE')).toHaveLength(1);
    expect(await call.bye()).toBeUndefined();
  });

  it('a second bye() while the first is under way sends no second BYE and gets the same answer', async () => {
    const { call } = await answeredCall();
    const first = call.bye();
    const again = call.bye();
    await flushSip();
    expect(call.byePending).toBe(true);
    expect(net.requests('BYE')).toHaveLength(1);
    net.inject(createResponse(net.requests('BYE')[0], 200));
    expect((await first)?.status).toBe(200);
    expect((await again)?.status).toBe(200);
    expect(call.byePending).toBe(false);
    expect(net.requests('BYE')).toHaveLength(1);
    expect(await call.bye()).toBeUndefined();
  });

  it('a 481 to an in-dialog request ends the call (the dialog is gone)', async () => {
    const { call } = await answeredCall();
    const info = call.request('INFO', { body: 'Signal=5', contentType: 'application/dtmf-relay' });
    await flushSip();
    net.inject(createResponse(net.requests('INFO')[0], 481));
    expect((await info).status).toBe(481);
    expect((await call.ended).reason).toBe('dialog-gone');
    await expect(call.request('INFO')).rejects.toMatchObject({ code: 'SIP_UA_STATE' });
  });

  it('an in-dialog request that times out rejects with SIP_UA_NO_RESPONSE', async () => {
    const { call } = await answeredCall();
    const info = call.request('INFO');
    await flushSip();
    clock.advance(64 * 500);
    await expect(info).rejects.toMatchObject({ code: 'SIP_UA_NO_RESPONSE' });
  });
});
