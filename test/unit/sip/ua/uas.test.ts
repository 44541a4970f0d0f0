/** UAS behaviour on a FakeClock: 2xx retransmission until ACK, no-ACK BYE, reliable provisionals, 422, CANCEL. */
import { FakeClock } from '../../../../src/clock';
import type { SipResponse } from '../../../../src/sip';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import type { SipIncomingInvite } from '../../../../src/sip/ua/uas-invite';
import { FakeSipTransports, flushSip } from '../../../helpers/sip-fake-transports';

const T1 = 500;
let clock: FakeClock;
let net: FakeSipTransports;
let ua: SipUserAgent;
let invites: SipIncomingInvite[];

beforeEach(async () => {
  clock = new FakeClock();
  net = new FakeSipTransports();
  ua = new SipUserAgent({ transports: net.asManager(), clock, sessionTimer: { minSE: 120 } });
  invites = [];
  ua.on('invite', (i) => invites.push(i));
  await ua.start();
});

afterEach(async () => {
  await ua.close();
});

function request(method: string, opts: { branch?: string; cseq?: number; toTag?: string; extra?: string[]; body?: string } = {}): string {
  const body = opts.body ?? '';
  return [
    `${method} sip:ua@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${opts.branch ?? 'z9hG4bK' + method + (opts.cseq ?? 1)}`,
    'Max-Forwards: 70',
    'From: <sip:caller@127.0.0.1>;tag=ctag',
    `To: <sip:ua@127.0.0.1>${opts.toTag ? ';tag=' + opts.toTag : ''}`,
    'Call-ID: uas-call-1',
    `CSeq: ${opts.cseq ?? 1} ${method === 'ACK' || method === 'CANCEL' ? method : method}`,
    'Contact: <sip:caller@127.0.0.1:5070>',
    ...(opts.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

async function incoming(extra: string[] = []): Promise<SipIncomingInvite> {
  net.inject(request('INVITE', { extra, body: 'v=0\r\n' }));
  await flushSip();
  return invites.at(-1)!;
}

describe('UAS INVITE', () => {
  it('retransmits the 2xx at T1, 2T1, 4T1 … capped at T2 until the ACK', async () => {
    const inv = await incoming();
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    await flushSip();
    const times: number[] = [];
    for (let t = 0; t <= 12_000; t += 100) {
      const before = net.responses(200, 'INVITE').length;
      clock.advance(100);
      await flushSip();
      if (net.responses(200, 'INVITE').length > before) times.push(clock.now());
    }
    // T1=500: 500, 1500, 3500, 7500, 11500 (intervals 500, 1000, 2000, 4000, 4000)
    expect(times).toEqual([500, 1500, 3500, 7500, 11500]);
    const acked = new Promise((r) => call.once('ack', r));
    net.inject(request('ACK', { branch: 'z9hG4bKack', toTag: inv.localTag }));
    await acked;
    const n = net.responses(200, 'INVITE').length;
    clock.advance(20_000);
    await flushSip();
    expect(net.responses(200, 'INVITE')).toHaveLength(n);
    expect(call.active).toBe(true);
  });

  it('ends the call with BYE when no ACK comes within 64×T1', async () => {
    const inv = await incoming();
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    clock.advance(64 * T1 - 1);
    await flushSip();
    expect(net.requests('BYE')).toHaveLength(0);
    clock.advance(1);
    await flushSip();
    const bye = net.requests('BYE');
    expect(bye).toHaveLength(1);
    expect(bye[0].uri).toBe('sip:caller@127.0.0.1:5070');
    expect(bye[0].from!.tag).toBe(inv.localTag);
    expect(bye[0].to!.tag).toBe('ctag');
    clock.advance(64 * T1);
    await flushSip();
    expect((await call.ended).reason).toBe('no-ack');
  });

  it('does not send BYE before the ACK of its 2xx (RFC 3261 §15)', async () => {
    const inv = await incoming();
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    const bye = call.bye();
    await flushSip();
    expect(net.requests('BYE')).toHaveLength(0);
    net.inject(request('ACK', { branch: 'z9hG4bKack', toTag: inv.localTag }));
    await flushSip();
    const sent = net.requests('BYE');
    expect(sent).toHaveLength(1);
    net.inject(
      ((): string => {
        const b = sent[0];
        return [
          'SIP/2.0 200 OK',
          `Via: ${b.headers.get('via')}`,
          `From: ${b.headers.get('from')}`,
          `To: ${b.headers.get('to')}`,
          `Call-ID: ${b.callId}`,
          `CSeq: ${b.headers.get('cseq')}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      })(),
    );
    expect((await bye)?.status).toBe(200);
    expect((await call.ended).reason).toBe('local-bye');
  });

  it('retransmits a reliable provisional until PRACK, then answers the PRACK 200', async () => {
    const inv = await incoming(['Supported: 100rel']);
    const prov = inv.provisional(183, { reliable: true, body: { body: 'v=0\r\n', contentType: 'application/sdp' } });
    const rseq = prov.headers.get('rseq')!;
    await flushSip();
    clock.advance(T1);
    await flushSip();
    clock.advance(2 * T1);
    await flushSip();
    expect(net.responses(183)).toHaveLength(3);
    const pracked = new Promise((r) => inv.on('prack', r));
    net.inject(request('PRACK', { cseq: 2, toTag: inv.localTag, extra: [`RAck: ${rseq} 1 INVITE`] }));
    await pracked;
    expect(net.responses(200, 'PRACK')).toHaveLength(1);
    clock.advance(10 * T1);
    await flushSip();
    expect(net.responses(183)).toHaveLength(3);
    // a PRACK that matches nothing gets 481
    net.inject(request('PRACK', { cseq: 3, toTag: inv.localTag, extra: [`RAck: 999 1 INVITE`] }));
    await flushSip();
    expect(net.responses(481, 'PRACK')).toHaveLength(1);
    inv.reject(486);
  });

  it('rejects a reliable provisional with 504 when no PRACK comes in 64×T1', async () => {
    const inv = await incoming(['Require: 100rel']);
    inv.provisional(180);
    clock.advance(64 * T1);
    await flushSip();
    expect(inv.state).toBe('rejected');
    expect(net.responses(504, 'INVITE')).toHaveLength(1);
  });

  it('answers 422 to a Session-Expires below its Min-SE without surfacing the INVITE', async () => {
    net.inject(request('INVITE', { extra: ['Supported: timer', 'Session-Expires: 90'] }));
    await flushSip();
    expect(invites).toHaveLength(0);
    const r = net.responses(422, 'INVITE');
    expect(r).toHaveLength(1);
    expect(r[0].headers.get('min-se')).toBe('120');
  });

  it('negotiates the session timer into the 2xx', async () => {
    const inv = await incoming(['Supported: timer', 'Session-Expires: 1800']);
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    await flushSip();
    const ok = net.responses(200, 'INVITE')[0];
    expect(ok.headers.get('session-expires')).toBe('1800;refresher=uac');
    expect(ok.headers.get('require')).toBe('timer');
    expect(call.sessionTimer).toEqual({ interval: 1800, weRefresh: false });
  });

  it('refreshes as the UAS when the caller does not support timers (a proxy asked for them)', async () => {
    const inv = await incoming(['Session-Expires: 240', 'Allow: INVITE, ACK, BYE, UPDATE']);
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    net.inject(request('ACK', { branch: 'z9hG4bKack', toTag: inv.localTag }));
    await flushSip();
    expect(net.responses(200, 'INVITE')[0].headers.get('session-expires')).toBe('240;refresher=uas');
    expect(net.responses(200, 'INVITE')[0].headers.has('require')).toBe(false);
    expect(call.sessionTimer).toEqual({ interval: 240, weRefresh: true });
    clock.advance(120_000);
    await flushSip();
    const upd = net.requests('UPDATE');
    expect(upd).toHaveLength(1);
    expect(upd[0].uri).toBe('sip:caller@127.0.0.1:5070');
    expect(upd[0].from!.tag).toBe(inv.localTag);
    // in this transaction we are the UAC: refresher=uac keeps us the refresher
    expect(upd[0].headers.get('session-expires')).toBe('240;refresher=uac');
  });

  it('CANCEL → 200 to the CANCEL and 487 to the INVITE; CANCEL for nothing → 481', async () => {
    const inv = await incoming();
    inv.provisional(180);
    const cancelled = new Promise((r) => inv.on('cancel', r));
    net.inject(request('CANCEL', { branch: 'z9hG4bKINVITE1' }));
    await cancelled;
    expect(net.responses(200, 'CANCEL')).toHaveLength(1);
    const r487 = net.responses(487, 'INVITE');
    expect(r487).toHaveLength(1);
    expect(r487[0].to!.tag).toBe(inv.localTag);
    expect(() => inv.answer()).toThrow(expect.objectContaining({ code: 'SIP_UA_STATE' }));
    net.inject(request('CANCEL', { branch: 'z9hG4bKnothing' }));
    await flushSip();
    expect(net.responses(481, 'CANCEL')).toHaveLength(1);
  });

  it('answers 480 when nobody listens, 420 for an unknown required extension', async () => {
    ua.removeAllListeners('invite');
    net.inject(request('INVITE', { branch: 'z9hG4bKnolistener' }));
    net.inject(request('INVITE', { branch: 'z9hG4bKreq', extra: ['Require: foo'] }));
    await flushSip();
    expect(net.responses(480, 'INVITE')).toHaveLength(1);
    const r420: SipResponse[] = net.responses(420, 'INVITE');
    expect(r420).toHaveLength(1);
    expect(r420[0].headers.get('unsupported')).toBe('foo');
  });

  it('in-dialog: out-of-order CSeq → 500, unknown method → 501, NOTIFY/REFER surfaced', async () => {
    const inv = await incoming();
    const call = inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
    net.inject(request('ACK', { branch: 'z9hG4bKack', toTag: inv.localTag }));
    await flushSip();
    const events: string[] = [];
    call.on('notify', () => events.push('notify'));
    call.on('refer', () => events.push('refer'));
    net.inject(request('NOTIFY', { cseq: 5, toTag: inv.localTag, extra: ['Event: talk', 'Subscription-State: active'] }));
    net.inject(request('REFER', { cseq: 6, toTag: inv.localTag, extra: ['Refer-To: <sip:x@127.0.0.1>'] }));
    net.inject(request('INFO', { cseq: 4, toTag: inv.localTag }));
    net.inject(request('PUBLISH', { cseq: 7, toTag: inv.localTag }));
    net.inject(request('FROB', { cseq: 8, toTag: inv.localTag }));
    await flushSip();
    expect(events).toEqual(['notify', 'refer']);
    expect(net.responses(200, 'NOTIFY')).toHaveLength(1);
    expect(net.responses(202, 'REFER')).toHaveLength(1);
    expect(net.responses(500, 'INFO')).toHaveLength(1);
    expect(net.responses(501, 'PUBLISH')).toHaveLength(1);
    expect(net.responses(501, 'FROB')).toHaveLength(1);
    expect(net.responses(501, 'FROB')[0].headers.get('allow')).toContain('INVITE');
  });
});
