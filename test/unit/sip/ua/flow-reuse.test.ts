/**
 * Connection reuse inside a dialog over TCP (RFC 3261 §18, RFC 5923/5626 style): requests to
 * the peer go over the connection the dialog runs on when its Contact has no connection of
 * its own — also when the peer does not accept connections — and to the Contact once that
 * connection is gone. Real loopback sockets.
 */
import { SipUserAgent, type SipTraceEvent } from '../../../../src/sip/user-agent';
import type { SipCall } from '../../../../src/sip/ua/call';
import type { SipStreamTransport } from '../../../../src/sip/transport/stream';

const TIMERS = { T1: 50, T2: 400, D: 500, T4: 500 };
let uac: SipUserAgent | undefined;
let uas: SipUserAgent | undefined;

afterEach(async () => {
  await uac?.close();
  await uas?.close();
  uac = uas = undefined;
});

async function call(uacAccepts: boolean, uasIdleMs?: number): Promise<{ uacCall: SipCall; uasCall: SipCall; uacTrace: SipTraceEvent[] }> {
  uac = new SipUserAgent({ transport: { udp: false, tcp: { accept: uacAccepts } }, timers: TIMERS });
  uas = new SipUserAgent({ transport: { udp: false, tcp: { idleTimeoutMs: uasIdleMs } }, timers: TIMERS });
  await uac.start();
  await uas.start();
  const uacTrace: SipTraceEvent[] = [];
  uac.on('trace', (e) => uacTrace.push(e));
  const answered = new Promise<SipCall>((resolve) => uas!.once('invite', (inv) => resolve(inv.answer())));
  const port = uas.transports.transport('tcp')!.local.port;
  const r = await uac.invite({ target: `sip:agent@127.0.0.1:${port};transport=tcp`, from: 'sip:probe@127.0.0.1' }).result;
  if (r.kind !== 'answered') throw new Error(r.kind);
  const uasCall = await answered;
  await new Promise((res) => uasCall.once('ack', res));
  return { uacCall: r.call, uasCall, uacTrace };
}

const tcp = (ua: SipUserAgent): SipStreamTransport => ua.transports.transport('tcp') as SipStreamTransport;

describe('in-dialog requests over TCP reuse the dialog connection', () => {
  it('reaches a UAC that does not accept connections (its Contact has no listener)', async () => {
    const { uacCall, uasCall, uacTrace } = await call(false);
    expect(tcp(uac!).local.port).toBe(0);
    const ended = uacCall.ended;
    expect((await uasCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    // the UAC's 200 to the BYE is traced before the call reports its end
    expect(uacTrace.some((e) => e.direction === 'out' && e.message.kind === 'response' && e.message.cseq?.method === 'BYE')).toBe(true);
    expect(tcp(uas!).stats.connections).toBe(1);
    expect(tcp(uac!).stats.connections).toBe(1);
  });

  it('prefers the open connection to the listening Contact of a UAC that accepts', async () => {
    const { uacCall, uasCall, uacTrace } = await call(true);
    const ended = uacCall.ended;
    expect((await uasCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    const okIn = uacTrace.find((e) => e.direction === 'in' && e.message.kind === 'response' && e.message.status === 200)!;
    const byeIn = uacTrace.find((e) => e.direction === 'in' && e.message.kind === 'request' && e.message.method === 'BYE')!;
    expect(byeIn.remote).toEqual(okIn.remote);
    expect(tcp(uas!).stats.connections).toBe(1);
    expect(tcp(uac!).stats.connections).toBe(1);
  });

  it('also for the UAC: its BYE goes over the INVITE connection', async () => {
    const { uacCall, uasCall } = await call(true);
    const ended = uasCall.ended;
    expect((await uacCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    expect(tcp(uac!).stats.connections).toBe(1);
  });

  it('connects to the Contact once the dialog connection has closed', async () => {
    const { uacCall, uasCall } = await call(true, 150);
    await new Promise((r) => setTimeout(r, 400));
    expect(tcp(uas!).connectionCount).toBe(0);
    const ended = uacCall.ended;
    expect((await uasCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    expect(tcp(uas!).stats.connections).toBe(2);
  });
});
