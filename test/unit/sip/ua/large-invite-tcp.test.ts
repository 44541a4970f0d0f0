/**
 * RFC 3261 §18.1.1 at the user-agent level: an INVITE over 1300 bytes for a UDP target that
 * does not pin `transport=udp` goes over TCP to the same address and port, named in its Via and
 * Contact (the UAC's TCP transport does not listen), and the dialog stays on that connection
 * (ACK, BYE both ways). A small INVITE stays on UDP; the switch can be turned off; a refused
 * TCP connection falls back to UDP and says so. Real loopback sockets on both sides.
 */
import * as net from 'node:net';
import { parseContact } from '../../../../src/sip';
import type { SipCall } from '../../../../src/sip/ua/call';
import type { SipOutgoingInvite, SipTcpFallback } from '../../../../src/sip/ua/uac-invite';
import { SipUserAgent, type SipTraceEvent } from '../../../../src/sip/user-agent';
import type { SipTransportManagerOptions } from '../../../../src/sip/transport/manager';
import { parseUri, isSipUri } from '../../../../src/sip/uri';

const TIMERS = { T1: 50, T2: 400, D: 500, T4: 500 };
const agents: SipUserAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function ua(transport: SipTransportManagerOptions, extra: { contactUri?: string } = {}): Promise<SipUserAgent> {
  const a = new SipUserAgent({ transport, timers: TIMERS, ...extra });
  agents.push(a);
  await a.start();
  return a;
}

/** A port free for TCP right now (UDP is tried on it too by the caller of this). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A UAS on UDP and TCP at one port (a SIP server on 5060), answering every INVITE. */
async function server(opts: { tcp?: boolean; contactUri?: (port: number) => string } = {}): Promise<{ uas: SipUserAgent; port: number; trace: SipTraceEvent[]; calls: SipCall[] }> {
  for (let i = 0; ; i++) {
    const port = await freePort();
    try {
      const uas = await ua({ udp: { port }, tcp: opts.tcp === false ? false : { port } }, opts.contactUri ? { contactUri: opts.contactUri(port) } : {});
      const trace: SipTraceEvent[] = [];
      const calls: SipCall[] = [];
      uas.on('trace', (e) => trace.push(e));
      uas.on('invite', (inv) => calls.push(inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' })));
      return { uas, port, trace, calls };
    } catch (e) {
      if (i > 4) throw e;
    }
  }
}

function bigHeaders(n = 30): [string, string][] {
  return Array.from({ length: n }, (_, i) => [`X-Test-${i}`, 'v'.repeat(40)] as [string, string]);
}

const inbound = (trace: SipTraceEvent[], method: string): SipTraceEvent[] =>
  trace.filter((e) => e.direction === 'in' && e.message.kind === 'request' && e.message.method === method);

async function answered(inv: SipOutgoingInvite): Promise<SipCall> {
  const r = await inv.result;
  if (r.kind !== 'answered') throw new Error(`not answered: ${r.kind}`);
  return r.call;
}

describe('large INVITE over UDP moves to TCP (RFC 3261 §18.1.1)', () => {
  it('a small INVITE stays on UDP', async () => {
    const s = await server();
    const uac = await ua({ udp: {}, tcp: { accept: false } });
    const call = await answered(uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: [['X-Run-Id', 'r1']] }));
    const [inv] = inbound(s.trace, 'INVITE');
    expect(inv.protocol).toBe('udp');
    expect(call.protocol).toBe('udp');
    await call.bye();
    expect(inbound(s.trace, 'BYE')[0].protocol).toBe('udp');
  });

  it('a large one goes over TCP to the same port; Via and Contact name the connection; ACK and BYE follow it', async () => {
    const s = await server();
    const uac = await ua({ udp: {}, tcp: { accept: false } });
    const out: SipTraceEvent[] = [];
    uac.on('trace', (e) => out.push(e));
    const inv = uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: bigHeaders(), body: 'v=0\r\n', contentType: 'application/sdp' });
    const call = await answered(inv);
    const [got] = inbound(s.trace, 'INVITE');
    expect(got.protocol).toBe('tcp');
    expect(got.raw!.length).toBeGreaterThan(1300);
    const req = got.message as import('../../../../src/sip').SipRequest;
    // our end of the connection is the source port the server saw: Via and Contact name it
    expect(req.topVia!.transport).toBe('TCP');
    expect(req.topVia!.port).toBe(got.remote.port);
    const contact = parseUri(parseContact(req.headers.get('contact')!).uri);
    if (!isSipUri(contact)) throw new Error('contact');
    expect(contact.port).toBe(got.remote.port);
    expect(contact.params.get('transport')).toBe('tcp');
    expect(inv.tcpFallback).toBeUndefined();
    expect(call.protocol).toBe('tcp');
    // the dialog runs over the connection: ACK and our BYE arrive on it
    const [uasCall] = s.calls;
    await new Promise((r) => (inbound(s.trace, 'ACK').length > 0 ? r(undefined) : uasCall.once('ack', r)));
    expect(inbound(s.trace, 'ACK').map((e) => [e.protocol, e.remote.port])).toEqual([['tcp', got.remote.port]]);
    expect((await call.bye())?.status).toBe(200);
    expect(inbound(s.trace, 'BYE').map((e) => [e.protocol, e.remote.port])).toEqual([['tcp', got.remote.port]]);
    // nothing of this call went over UDP from our side
    expect(out.filter((e) => e.direction === 'out' && e.protocol === 'udp')).toEqual([]);
  });

  it('the peer reaches us over that connection too (its BYE to our TCP Contact), also when its Contact names no transport', async () => {
    const s = await server({ contactUri: (port) => `sip:agent@127.0.0.1:${port}` });
    const uac = await ua({ udp: {}, tcp: { accept: false } });
    const out: SipTraceEvent[] = [];
    uac.on('trace', (e) => out.push(e));
    const call = await answered(uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: bigHeaders() }));
    const [uasCall] = s.calls;
    expect(uasCall.protocol).toBe('tcp');
    const ended = call.ended;
    expect((await uasCall.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
    const bye = out.find((e) => e.direction === 'in' && e.message.kind === 'request' && e.message.method === 'BYE')!;
    expect(bye.protocol).toBe('tcp');
    // our ACK went to the Contact (no transport parameter) over the dialog's connection
    expect(out.filter((e) => e.direction === 'out' && e.message.kind === 'request' && e.message.method === 'ACK').map((e) => e.protocol)).toEqual(['tcp']);
  });

  it('transport=udp in the target pins UDP (no switch)', async () => {
    const s = await server();
    const uac = await ua({ udp: {}, tcp: { accept: false } });
    const call = await answered(uac.invite({ target: `sip:agent@127.0.0.1:${s.port};transport=udp`, from: 'sip:probe@127.0.0.1', headers: bigHeaders() }));
    expect(inbound(s.trace, 'INVITE')[0].protocol).toBe('udp');
    await call.bye();
  });

  it('largeUdpToTcp: false keeps a large INVITE on UDP', async () => {
    const s = await server();
    const uac = await ua({ udp: {}, tcp: { accept: false }, largeUdpToTcp: false });
    expect(uac.transports.udpToTcp.enabled).toBe(false);
    const inv = uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: bigHeaders() });
    const call = await answered(inv);
    const [got] = inbound(s.trace, 'INVITE');
    expect(got.protocol).toBe('udp');
    expect(got.raw!.length).toBeGreaterThan(1300);
    expect(inv.tcpFallback).toBeUndefined();
    await call.bye();
  });

  it('a refused TCP connection falls back to UDP and reports it; a digest-style retry stays on UDP', async () => {
    const s = await server({ tcp: false });
    const uac = await ua({ udp: {}, tcp: { accept: false } });
    const seen: SipTcpFallback[] = [];
    // the server rejects the first INVITE: the retry must not try TCP again
    s.uas.removeAllListeners('invite');
    let n = 0;
    s.uas.on('invite', (inv) => {
      if (n++ === 0) inv.reject(401, { headers: { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' } });
      else s.calls.push(inv.answer());
    });
    const inv = uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: bigHeaders() });
    inv.on('tcp-fallback', (f) => seen.push(f));
    const r = await inv.result;
    expect(r.kind).toBe('rejected');
    expect(inv.tcpFallback).toMatchObject({ code: 'SIP_TRANSPORT_CONNECT' });
    expect(inv.tcpFallback!.bytes).toBeGreaterThan(1300);
    expect(seen).toEqual([inv.tcpFallback]);
    const tcpBefore = uac.transports.transport('tcp')!.stats.connections;
    const retry = inv.retry({ headers: { Authorization: 'Digest username="u", realm="r", nonce="n", uri="sip:x", response="00"' } });
    const call = await answered(retry);
    expect(inbound(s.trace, 'INVITE').map((e) => e.protocol)).toEqual(['udp', 'udp']);
    expect(retry.tcpFallback).toEqual(inv.tcpFallback);
    expect(uac.transports.transport('tcp')!.stats.connections).toBe(tcpBefore);
    expect(call.protocol).toBe('udp');
    await call.bye();
  });

  it('without a TCP transport there is nothing to switch to', async () => {
    const s = await server();
    const uac = await ua({ udp: {}, tcp: false });
    expect(uac.transports.udpToTcp.enabled).toBe(false);
    const call = await answered(uac.invite({ target: `sip:agent@127.0.0.1:${s.port}`, from: 'sip:probe@127.0.0.1', headers: bigHeaders() }));
    expect(inbound(s.trace, 'INVITE')[0].protocol).toBe('udp');
    await call.bye();
  });
});

describe('SipTransportManager §18.1.1 policy', () => {
  it('movesToTcp: UDP, not pinned, over the limit, switch on, TCP configured', async () => {
    const { SipTransportManager } = await import('../../../../src/sip/transport/manager');
    const on = new SipTransportManager({ udp: {}, tcp: { accept: false }, udpMaxBytes: 500 });
    const off = new SipTransportManager({ udp: {}, tcp: { accept: false }, largeUdpToTcp: false });
    const noTcp = new SipTransportManager({ udp: {}, tcp: false });
    const d = { protocol: 'udp' as const, address: '127.0.0.1', port: 5060 };
    expect(on.udpToTcp).toEqual({ enabled: true, maxBytes: 500 });
    expect(on.movesToTcp(d, 501)).toBe(true);
    expect(on.movesToTcp(d, 500)).toBe(false);
    expect(on.movesToTcp({ ...d, pinned: true }, 5000)).toBe(false);
    expect(on.movesToTcp({ ...d, protocol: 'tcp' }, 5000)).toBe(false);
    expect(off.movesToTcp(d, 5000)).toBe(false);
    expect(noTcp.movesToTcp(d, 5000)).toBe(false);
    await on.close();
    expect(on.udpToTcp.enabled).toBe(false);
    await off.close();
    await noTcp.close();
  });

  it('largeUdpToTcp: false: the manager itself sends a large request over UDP', async () => {
    const s = await server();
    const { SipTransportManager } = await import('../../../../src/sip/transport/manager');
    const { createRequest } = await import('../../../../src/sip');
    const m = new SipTransportManager({ udp: {}, tcp: {}, largeUdpToTcp: false });
    await m.start();
    try {
      const req = createRequest('OPTIONS', `sip:agent@127.0.0.1:${s.port}`, { from: '<sip:a@127.0.0.1>;tag=1', to: '<sip:agent@127.0.0.1>', callId: 'big-opt', cseq: 1 });
      req.headers.add('X-Pad', 'p'.repeat(1500));
      const sent = await m.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: s.port });
      expect(sent.protocol).toBe('udp');
      expect(sent.size).toBeGreaterThan(1500);
    } finally {
      await m.close();
    }
  });
});
