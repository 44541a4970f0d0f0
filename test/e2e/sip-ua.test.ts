/** Two user agents in one process over real loopback UDP/TCP: the flows the Caller and TestAgent rely on. */
import * as dgram from 'node:dgram';
import { inspect } from 'node:util';
import { parseMessage, SipRequest, SipResponse } from '../../src/sip';
import { SipUserAgent, type SipTraceEvent } from '../../src/sip/user-agent';
import type { SipIncomingInvite } from '../../src/sip/ua/uas-invite';
import type { SipCall } from '../../src/sip/ua/call';

const OFFER = { body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n', contentType: 'application/sdp' };
const ANSWER = { body: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=answer\r\n', contentType: 'application/sdp' };

let caller: SipUserAgent;
let callee: SipUserAgent;

async function pair(): Promise<void> {
  caller = new SipUserAgent({ timers: { T1: 50, T2: 400, D: 500, T4: 500 } });
  callee = new SipUserAgent({ timers: { T1: 50, T2: 400, D: 500, T4: 500 } });
  await caller.start();
  await callee.start();
}

function target(ua: SipUserAgent, protocol: 'udp' | 'tcp' = 'udp'): string {
  const t = ua.transports.transport(protocol)!;
  return `sip:agent@127.0.0.1:${t.local.port}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
}

function nextInvite(ua: SipUserAgent): Promise<SipIncomingInvite> {
  return new Promise((r) => ua.once('invite', r));
}

function trace(ua: SipUserAgent): SipTraceEvent[] {
  const out: SipTraceEvent[] = [];
  ua.on('trace', (e) => out.push(e));
  return out;
}

const firstLine = (e: SipTraceEvent): string => (e.message.kind === 'request' ? `${e.message.method}` : `${e.message.status} ${e.message.cseq?.method}`);

afterEach(async () => {
  await caller?.close();
  await callee?.close();
});

describe('SIP user agents over loopback', () => {
  it('INVITE → 180 → 200 → ACK → BYE with X- headers and bodies', async () => {
    await pair();
    const callerTrace = trace(caller);
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1', body: OFFER.body, contentType: OFFER.contentType, headers: { 'X-Run-Id': 'run-1' } });
    const provisional: number[] = [];
    inv.on('provisional', (res) => provisional.push(res.status));
    const uas = await incoming;
    expect(uas.request.headers.get('x-run-id')).toBe('run-1');
    expect(uas.offer?.body.toString()).toBe(OFFER.body);
    expect(uas.request.headers.get('supported')).toBe('100rel, timer');
    uas.provisional(180);
    await new Promise((r) => setTimeout(r, 30));
    const uasCall = uas.answer(ANSWER);
    const acked = new Promise((r) => uasCall.once('ack', r));
    const r = await inv.result;
    expect(provisional).toContain(180);
    expect(r.kind).toBe('answered');
    if (r.kind !== 'answered') return;
    expect(r.call.remoteBody?.body.toString()).toBe(ANSWER.body);
    await acked;
    expect(r.call.dialog.callId).toBe(uasCall.dialog.callId);
    expect(r.call.dialog.remoteTag).toBe(uasCall.dialog.localTag);
    const ended = uasCall.ended;
    const byeRes = await r.call.bye();
    expect(byeRes?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    expect((await r.call.ended).reason).toBe('local-bye');
    const out = callerTrace.filter((e) => e.direction === 'out' && !e.retransmission).map(firstLine);
    expect(out).toEqual(['INVITE', 'ACK', 'BYE']);
    const ack = callerTrace.find((e) => e.direction === 'out' && e.message.kind === 'request' && e.message.method === 'ACK')!.message as SipRequest;
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.topVia!.branch).not.toBe(inv.request!.topVia!.branch);
  });

  it('486 Busy → rejected; the ACK is sent by the transaction', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1' });
    (await incoming).reject(486);
    const r = await inv.result;
    expect(r.kind).toBe('rejected');
    expect(r.kind === 'rejected' && r.response.status).toBe(486);
  });

  it('CANCEL after 180 → 487, the callee sees the cancel', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1' });
    inv.cancel(); // deferred until a provisional arrives
    const uas = await incoming;
    const cancelled = new Promise((r) => uas.on('cancel', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(uas.state).toBe('pending');
    uas.provisional(180);
    await cancelled;
    const r = await inv.result;
    expect(r.kind).toBe('cancelled');
    expect(r.kind === 'cancelled' && r.response?.status).toBe(487);
    expect(uas.state).toBe('cancelled');
  });

  it('callee hangs up; in-dialog INFO/OPTIONS/NOTIFY/REFER/unknown method from the callee', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1', body: OFFER.body });
    const uasCall = (await incoming).answer(ANSWER);
    const r = await inv.result;
    if (r.kind !== 'answered') throw new Error('not answered');
    const call = r.call;
    const seen: string[] = [];
    for (const ev of ['info', 'options', 'notify', 'refer'] as const) call.on(ev, (req: SipRequest) => seen.push(req.method));
    expect((await uasCall.request('INFO', { body: 'Signal=1', contentType: 'application/dtmf-relay' })).status).toBe(200);
    expect((await uasCall.request('OPTIONS')).status).toBe(200);
    expect((await uasCall.request('NOTIFY', { headers: { Event: 'refer', 'Subscription-State': 'active' } })).status).toBe(200);
    expect((await uasCall.request('REFER', { headers: { 'Refer-To': '<sip:other@127.0.0.1>' } })).status).toBe(202);
    expect((await uasCall.request('FOO')).status).toBe(501);
    expect(seen).toEqual(['INFO', 'OPTIONS', 'NOTIFY', 'REFER']);
    const ended = call.ended;
    expect((await uasCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    // the dialog is gone now: another request gets 481
    await expect(call.request('INFO')).rejects.toMatchObject({ code: 'SIP_UA_STATE' });
  });

  it('re-INVITE from the callee is answered through onOffer, 488 when it throws', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1', body: OFFER.body });
    const uasCall = (await incoming).answer(ANSWER);
    const r = await inv.result;
    if (r.kind !== 'answered') throw new Error('not answered');
    await new Promise((res) => uasCall.once('ack', res));
    r.call.onOffer = (offer) => ({ body: `answer-to:${offer.body.toString()}`, contentType: 'application/sdp' });
    const res = await uasCall.reinvite({ body: 'pruned', contentType: 'application/sdp' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('answer-to:pruned');
    expect(uasCall.remoteBody?.body.toString()).toBe('answer-to:pruned');
    r.call.onOffer = () => {
      throw new Error('no common codec');
    };
    expect((await uasCall.reinvite({ body: 'bad', contentType: 'application/sdp' })).status).toBe(488);
    r.call.onOffer = undefined; // no handler: the current body is confirmed unchanged
    const same = await uasCall.reinvite({ body: 'refresh', contentType: 'application/sdp' });
    expect(same.status).toBe(200);
    expect(same.body.toString()).toBe('answer-to:pruned');
    await r.call.bye();
  });

  it('digest-style retry keeps Call-ID and From tag, CSeq + 1, new branch', async () => {
    await pair();
    let first = true;
    const requests: SipRequest[] = [];
    callee.on('invite', (uas) => {
      requests.push(uas.request);
      if (first) {
        first = false;
        uas.reject(407, { headers: { 'Proxy-Authenticate': 'Digest realm="x", nonce="abc"' } });
      } else uas.answer(ANSWER);
    });
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1', headers: { 'X-Run-Id': 'r' } });
    const r1 = await inv.result;
    expect(r1.kind === 'rejected' && r1.response.status).toBe(407);
    const retry = inv.retry({ headers: { 'Proxy-Authorization': 'Digest username="u", response="x"' } });
    const r2 = await retry.result;
    expect(r2.kind).toBe('answered');
    expect(requests[1].callId).toBe(requests[0].callId);
    expect(requests[1].from!.tag).toBe(requests[0].from!.tag);
    expect(requests[1].cseq!.seq).toBe(requests[0].cseq!.seq + 1);
    expect(requests[1].topVia!.branch).not.toBe(requests[0].topVia!.branch);
    expect(requests[1].headers.get('x-run-id')).toBe('r');
    expect(requests[1].proxyAuthorization).toEqual(['Digest username="u", response="x"']);
    expect(inspect(retry, { depth: 20 })).not.toContain('response=');
    expect(JSON.stringify(retry)).not.toContain('response=');
    if (r2.kind === 'answered') await r2.call.bye();
  });

  it('reliable 183 (100rel) is PRACKed', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee), from: 'sip:probe@127.0.0.1', body: OFFER.body });
    const pracks: SipRequest[] = [];
    inv.on('prack', (p) => pracks.push(p));
    const uas = await incoming;
    const pracked = new Promise<SipRequest>((res) => uas.on('prack', res));
    const prov = uas.provisional(183, { reliable: true, body: ANSWER });
    expect(prov.headers.get('require')).toBe('100rel');
    const prack = await pracked;
    expect(prack.headers.get('rack')).toBe(`${prov.headers.get('rseq')} 1 INVITE`);
    expect(pracks).toHaveLength(1);
    uas.answer(ANSWER);
    const r = await inv.result;
    expect(r.kind).toBe('answered');
    if (r.kind === 'answered') await r.call.bye();
  });

  it('works over TCP', async () => {
    await pair();
    const incoming = nextInvite(callee);
    const inv = caller.invite({ target: target(callee, 'tcp'), from: 'sip:probe@127.0.0.1', body: OFFER.body });
    const uas = await incoming;
    expect(uas.protocol).toBe('tcp');
    const uasCall = uas.answer(ANSWER);
    const r = await inv.result;
    expect(r.kind).toBe('answered');
    if (r.kind !== 'answered') return;
    expect(r.call.protocol).toBe('tcp');
    expect(r.call.dialog.remoteTarget).toContain('transport=tcp');
    const ended = uasCall.ended;
    await r.call.bye();
    expect((await ended).reason).toBe('remote-bye');
  });

  it('answers 481 for unknown dialogs, 400 with Warning for unparsable requests, 200 to OPTIONS', async () => {
    await pair();
    const port = callee.transports.transport('udp')!.local.port;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const replies: SipResponse[] = [];
    sock.on('message', (b) => replies.push(parseMessage(b) as SipResponse));
    const lport = sock.address().port;
    const base = (method: string, extra: string[] = [], toTag = ''): string =>
      [
        `${method} sip:agent@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK${method}${extra.length}${toTag}`,
        'Max-Forwards: 70',
        'From: <sip:x@127.0.0.1>;tag=abc',
        `To: <sip:agent@127.0.0.1>${toTag}`,
        'Call-ID: raw-1',
        `CSeq: 1 ${method}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const send = (s: string): void => sock.send(Buffer.from(s), port, '127.0.0.1');
    send(base('BYE', [], ';tag=nope'));
    send(base('OPTIONS'));
    send(base('INFO', ['Contact: <sip:x@127.0.0.1 broken']));
    send(base('MESSAGE', ['Max-Forwards: 70 70']).replace('Content-Length: 0', 'Content-Length: 99999'));
    const deadline = Date.now() + 2000;
    while (replies.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sock.close();
    const byMethod = new Map(replies.map((r) => [r.cseq!.method, r]));
    expect(byMethod.get('BYE')!.status).toBe(481);
    expect(byMethod.get('OPTIONS')!.status).toBe(200);
    expect(byMethod.get('OPTIONS')!.headers.get('allow')).toContain('INVITE');
    expect(byMethod.get('INFO')!.status).toBe(400);
    expect(byMethod.get('INFO')!.headers.get('warning')).toMatch(/^399 127\.0\.0\.1:\d+ ".+"$/);
    expect(byMethod.get('MESSAGE')!.status).toBe(400);
    expect(byMethod.get('MESSAGE')!.headers.get('warning')).toMatch(/^399 /);
    expect(callee.counters.malformed).toBe(1);
    expect(callee.counters.answered400).toBe(2);
  });
});

export type { SipCall };
