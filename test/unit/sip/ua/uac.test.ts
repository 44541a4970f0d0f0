/** UAC behaviour on a FakeClock: 2xx retransmissions, forks, CANCEL, Timer B, 422, session timers. */
import { FakeClock } from '../../../../src/clock';
import { createResponse, type SipRequest, type SipResponse } from '../../../../src/sip';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import type { SipOutgoingInvite } from '../../../../src/sip/ua/uac-invite';
import { FakeSipTransports, flushSip, startFakeUa } from '../../../helpers/sip-fake-transports';

const T1 = 500;
let clock: FakeClock;
let net: FakeSipTransports;
let ua: SipUserAgent;

beforeEach(async () => ({ clock, net, ua } = await startFakeUa()));
afterEach(() => ua.close());

async function invite(extra: Partial<Parameters<SipUserAgent['invite']>[0]> = {}): Promise<{ inv: SipOutgoingInvite; req: SipRequest }> {
  const inv = ua.invite({ target: 'sip:agent@127.0.0.1:5070', from: 'sip:probe@127.0.0.1', body: 'v=0\r\n', contentType: 'application/sdp', ...extra });
  await flushSip();
  const req = net.requests('INVITE').at(-1)!;
  return { inv, req };
}

function reply(req: SipRequest, status: number, toTag: string | undefined, headers: Record<string, string> = {}, body?: string): SipResponse {
  return createResponse(req, status, undefined, {
    toTag,
    contact: status > 100 && status < 300 ? `<sip:agent@127.0.0.1:5070>` : undefined,
    headers,
    body,
    contentType: body !== undefined ? 'application/sdp' : undefined,
  });
}

describe('UAC INVITE', () => {
  it('sends a well-formed INVITE with Supported, Allow, Session-Expires and a Contact', async () => {
    const { req } = await invite({ headers: { 'X-Run-Id': 'abc' } });
    expect(req.headers.get('supported')).toBe('100rel, timer');
    expect(req.headers.get('allow')).toContain('UPDATE');
    expect(req.headers.get('session-expires')).toBe('1800');
    expect(req.headers.get('min-se')).toBe('90');
    expect(req.headers.get('contact')).toBe('<sip:ua@127.0.0.1:5060>');
    expect(req.headers.get('x-run-id')).toBe('abc');
    expect(req.from!.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(req.callId).toMatch(/^[0-9a-f]{32}$/);
    expect(req.topVia!.branch).toMatch(/^z9hG4bK/);
    expect(req.cseq).toEqual({ seq: 1, method: 'INVITE' });
  });

  it('refuses core headers and injection in extra headers', () => {
    expect(() => ua.invite({ target: 'sip:a@127.0.0.1', from: 'sip:b@127.0.0.1', headers: { 'Call-ID': 'x' } })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
    expect(() => ua.invite({ target: 'sip:a@127.0.0.1', from: 'sip:b@127.0.0.1', headers: { 'X-A': 'v\r\nBYE: x' } })).toThrow(expect.objectContaining({ code: 'SIP_INVALID_HEADER' }));
    expect(() => ua.invite({ target: 'http://x', from: 'sip:b@127.0.0.1' })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
    expect(() => ua.invite({ target: 'sip:a@127.0.0.1?Route=%3Csip:evil%3E', from: 'sip:b@127.0.0.1' })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
  });

  it('neutralises line breaks and quotes in display names', async () => {
    const { req } = await invite({ from: { uri: 'sip:b@127.0.0.1', displayName: 'x"\r\nBYE: y' } });
    expect(req.headers.lines('from')).toHaveLength(1);
    expect(req.headers.has('bye')).toBe(false);
    expect(req.from!.displayName).toBe('x"BYE: y');
  });

  it('ACKs the 2xx and every retransmission of it, also after Timer M', async () => {
    const { inv, req } = await invite();
    const ok = reply(req, 200, 'callee1', {}, 'v=0\r\n');
    net.inject(ok);
    await flushSip();
    const r = await inv.result;
    expect(r.kind).toBe('answered');
    expect(net.requests('ACK')).toHaveLength(1);
    net.inject(ok);
    await flushSip();
    clock.advance(2 * T1);
    net.inject(ok);
    await flushSip();
    clock.advance(64 * T1); // Timer M: the client transaction is gone, the 2xx is now stray
    net.inject(ok);
    await flushSip();
    const acks = net.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK');
    expect(acks).toHaveLength(4);
    // the same ACK each time (same branch, same bytes), to the Contact
    for (const a of acks) expect(a.bytes.equals(acks[0].bytes)).toBe(true);
    const ack = acks[0].message as SipRequest;
    expect(ack.uri).toBe('sip:agent@127.0.0.1:5070');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.to!.tag).toBe('callee1');
    expect(ack.topVia!.branch).not.toBe(req.topVia!.branch);
  });

  it('ACKs and BYEs a forked 2xx with another To tag, keeping the first', async () => {
    const { inv, req } = await invite();
    net.inject(reply(req, 180, 'forkA'));
    net.inject(reply(req, 180, 'forkB'));
    await flushSip();
    expect(inv.earlyDialogs.size).toBe(2);
    net.inject(reply(req, 200, 'forkA'));
    await flushSip();
    net.inject(reply(req, 200, 'forkB'));
    await flushSip();
    const r = await inv.result;
    expect(r.kind === 'answered' && r.call.dialog.remoteTag).toBe('forkA');
    const acks = net.requests('ACK');
    expect(acks.map((a) => a.to!.tag)).toEqual(['forkA', 'forkB']);
    const byes = net.requests('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0].to!.tag).toBe('forkB');
    expect(byes[0].cseq!.seq).toBe(2);
    // a retransmission of the fork's 2xx is re-ACKed, not BYEd again
    net.inject(reply(req, 200, 'forkB'));
    await flushSip();
    expect(net.requests('ACK')).toHaveLength(3);
    expect(net.requests('BYE')).toHaveLength(1);
  });

  it('defers CANCEL until a provisional arrives; 487 → cancelled', async () => {
    const { inv, req } = await invite();
    inv.cancel();
    await flushSip();
    clock.advance(100);
    expect(net.requests('CANCEL')).toHaveLength(0);
    net.inject(reply(req, 100, undefined));
    await flushSip();
    const cancels = net.requests('CANCEL');
    expect(cancels).toHaveLength(1);
    expect(cancels[0].topVia!.branch).toBe(req.topVia!.branch);
    expect(cancels[0].cseq).toEqual({ seq: 1, method: 'CANCEL' });
    net.inject(createResponse(cancels[0], 200));
    net.inject(reply(req, 487, 'x'));
    await flushSip();
    const r = await inv.result;
    expect(r.kind).toBe('cancelled');
    expect(r.kind === 'cancelled' && r.response?.status).toBe(487);
    expect(net.requests('ACK')).toHaveLength(1); // the transaction's ACK for the 487
  });

  it('a 200 crossing our CANCEL is ACKed and then BYEd', async () => {
    const { inv, req } = await invite();
    net.inject(reply(req, 180, 't1'));
    await flushSip();
    inv.cancel();
    await flushSip();
    expect(net.requests('CANCEL')).toHaveLength(1);
    net.inject(reply(req, 200, 't1'));
    await flushSip();
    const r = await inv.result;
    expect(r.kind).toBe('cancelled');
    expect(r.kind === 'cancelled' && r.response?.status).toBe(200);
    expect(net.requests('ACK')).toHaveLength(1);
    expect(net.requests('BYE')).toHaveLength(1);
    expect(net.requests('BYE')[0].to!.tag).toBe('t1');
  });

  it('counts the INVITE as cancelled 64×T1 after the CANCEL when no final response comes', async () => {
    const { inv, req } = await invite();
    net.inject(reply(req, 180, 't1'));
    await flushSip();
    inv.cancel();
    await flushSip();
    clock.advance(64 * T1 - 1);
    expect(inv.settled).toBeUndefined();
    clock.advance(1);
    const r = await inv.result;
    expect(r).toEqual({ kind: 'cancelled' });
  });

  it('reports the typed Timer B timeout when nothing answers', async () => {
    const { inv } = await invite();
    clock.advance(64 * T1 - 1);
    await flushSip();
    expect(inv.settled).toBeUndefined();
    clock.advance(1);
    const r = await inv.result;
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.error.code).toBe('SIP_TRANSACTION_TIMEOUT');
    // INVITE retransmissions doubled: 0, T1, 3T1, 7T1, … (Timer A)
    expect(net.requests('INVITE').length).toBe(7);
  });

  it('retries a 422 with the raised Min-SE (same Call-ID, CSeq + 1)', async () => {
    const { inv, req } = await invite();
    net.inject(reply(req, 422, 'x', { 'Min-SE': '3600' }));
    await flushSip();
    const invites = net.requests('INVITE');
    expect(invites).toHaveLength(2);
    expect(invites[1].cseq!.seq).toBe(2);
    expect(invites[1].callId).toBe(req.callId);
    expect(invites[1].headers.get('session-expires')).toBe('3600');
    expect(invites[1].headers.get('min-se')).toBe('3600');
    expect(inv.settled).toBeUndefined();
    net.inject(reply(invites[1], 422, 'x', { 'Min-SE': '3600' })); // no progress: give up
    await flushSip();
    const r = await inv.result;
    expect(r.kind === 'rejected' && r.response.status).toBe(422);
  });

  it('PRACKs a reliable 183 once, not its retransmission', async () => {
    const { inv, req } = await invite();
    const rel = reply(req, 183, 'e1', { Require: '100rel', RSeq: '7' }, 'v=0\r\n');
    net.inject(rel);
    await flushSip();
    net.inject(rel);
    await flushSip();
    const pracks = net.requests('PRACK');
    expect(pracks).toHaveLength(1);
    expect(pracks[0].headers.get('rack')).toBe('7 1 INVITE');
    expect(pracks[0].to!.tag).toBe('e1');
    expect(pracks[0].uri).toBe('sip:agent@127.0.0.1:5070');
    inv.cancel();
  });
});

describe('late offer', () => {
  it('answers the offer in a 2xx through onOffer and sends the answer in the ACK, re-sent for retransmissions', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { inv, req } = await invite({
      body: undefined,
      contentType: undefined,
      onOffer: async (offer) => {
        await gate;
        return { body: `answer(${offer.body.toString().trim()})`, contentType: 'application/sdp' };
      },
    });
    expect(req.body.length).toBe(0);
    const ok = reply(req, 200, 'late', {}, 'offer-sdp\r\n');
    net.inject(ok);
    await flushSip();
    const r = await inv.result;
    expect(r.kind).toBe('answered');
    net.inject(ok); // retransmission while the answer is not ready: no ACK without it
    await flushSip();
    expect(net.requests('ACK')).toHaveLength(0);
    release();
    await flushSip();
    net.inject(ok);
    await flushSip();
    const acks = net.requests('ACK');
    expect(acks).toHaveLength(2);
    expect(acks[0].body.toString()).toBe('answer(offer-sdp)');
    expect(acks[0].contentType!.mediaType).toBe('application/sdp');
    expect(r.kind === 'answered' && r.call.localBody?.body).toBe('answer(offer-sdp)');
  });
});

describe('session timers on the UAC side', () => {
  async function answered(headers: Record<string, string>): Promise<{ req: SipRequest; call: import('../../../../src/sip/ua/call').SipCall }> {
    const { inv, req } = await invite();
    net.inject(reply(req, 200, 'st', headers, 'v=0\r\n'));
    await flushSip();
    const r = await inv.result;
    if (r.kind !== 'answered') throw new Error('not answered');
    return { req, call: r.call };
  }

  it('refreshes with UPDATE at half the interval when we are the refresher', async () => {
    const { call } = await answered({ 'Session-Expires': '90;refresher=uac', Allow: 'INVITE, ACK, BYE, UPDATE' });
    expect(call.sessionTimer).toEqual({ interval: 90, weRefresh: true });
    clock.advance(45_000 - 1);
    await flushSip();
    expect(net.requests('UPDATE')).toHaveLength(0);
    clock.advance(1);
    await flushSip();
    const upd = net.requests('UPDATE');
    expect(upd).toHaveLength(1);
    expect(upd[0].headers.get('session-expires')).toBe('90;refresher=uac');
    expect(upd[0].body.length).toBe(0);
    const refreshed = new Promise((r) => call.once('refreshed', r));
    net.inject(createResponse(upd[0], 200, undefined, { headers: { 'Session-Expires': '90;refresher=uac' } }));
    await flushSip();
    expect(await refreshed).toBe(90);
    clock.advance(45_000);
    await flushSip();
    expect(net.requests('UPDATE')).toHaveLength(2);
  });

  it('refreshes with a re-INVITE carrying the same body when UPDATE is not allowed, and ACKs its 2xx', async () => {
    await answered({ 'Session-Expires': '120;refresher=uac', Allow: 'INVITE, ACK, BYE' });
    clock.advance(60_000);
    await flushSip();
    const invites = net.requests('INVITE');
    expect(invites).toHaveLength(2);
    const re = invites[1];
    expect(re.to!.tag).toBe('st');
    expect(re.cseq!.seq).toBe(2);
    expect(re.body.toString()).toBe('v=0\r\n');
    expect(re.headers.get('session-expires')).toBe('120;refresher=uac');
    net.inject(createResponse(re, 200, undefined, { contact: '<sip:agent@127.0.0.1:5070>', headers: { 'Session-Expires': '120;refresher=uac' }, body: 'v=0\r\n', contentType: 'application/sdp' }));
    await flushSip();
    expect(net.requests('ACK').map((a) => a.cseq!.seq)).toEqual([1, 2]);
  });

  it('sends BYE when the far-end refresher stays silent', async () => {
    const { call } = await answered({ 'Session-Expires': '90;refresher=uas' });
    clock.advance(60_000 - 1); // 90 − min(32, 30)
    await flushSip();
    expect(net.requests('BYE')).toHaveLength(0);
    clock.advance(1);
    await flushSip();
    const bye = net.requests('BYE');
    expect(bye).toHaveLength(1);
    net.inject(createResponse(bye[0], 200));
    await flushSip();
    expect((await call.ended).reason).toBe('session-expired');
  });

  it('a refresh from the far end (re-INVITE) restarts the timer and is answered with our body', async () => {
    const { call } = await answered({ 'Session-Expires': '90;refresher=uas' });
    clock.advance(40_000);
    const base = net.requests('INVITE')[0];
    const reinvite = [
      'INVITE sip:ua@127.0.0.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrefresh1',
      'Max-Forwards: 70',
      `From: <sip:agent@127.0.0.1:5070>;tag=st`,
      `To: ${base.headers.get('from')}`,
      `Call-ID: ${base.callId}`,
      'CSeq: 10 INVITE',
      'Contact: <sip:agent@127.0.0.1:5070>',
      'Supported: timer',
      'Session-Expires: 90;refresher=uac',
      'Content-Type: application/sdp',
      'Content-Length: 5',
      '',
      'v=1\r\n',
    ].join('\r\n');
    net.inject(reinvite);
    await flushSip();
    const ok = net.responses(200, 'INVITE');
    expect(ok).toHaveLength(1);
    expect(ok[0].headers.get('session-expires')).toBe('90;refresher=uac');
    expect(ok[0].headers.get('require')).toBe('timer');
    expect(ok[0].body.toString()).toBe('v=0\r\n');
    expect(call.remoteBody?.body.toString()).toBe('v=1\r\n');
    // the 2xx is retransmitted until the ACK
    clock.advance(T1);
    await flushSip();
    expect(net.responses(200, 'INVITE')).toHaveLength(2);
    net.inject(
      ['ACK sip:ua@127.0.0.1:5060 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrefreshack', 'Max-Forwards: 70', `From: <sip:agent@127.0.0.1:5070>;tag=st`, `To: ${base.headers.get('from')}`, `Call-ID: ${base.callId}`, 'CSeq: 10 ACK', 'Content-Length: 0', '', ''].join('\r\n'),
    );
    await flushSip();
    clock.advance(10 * T1);
    await flushSip();
    expect(net.responses(200, 'INVITE')).toHaveLength(2);
    // the timer restarted at the refresh: no BYE 60 s after the call began
    clock.advance(30_000);
    await flushSip();
    expect(net.requests('BYE')).toHaveLength(0);
    expect(call.active).toBe(true);
  });
});
