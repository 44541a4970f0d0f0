/**
 * A TCP/TLS transport that does not listen is reachable only over the connection it opened:
 * Via sent-by, Contact and the send report name that connection's local address and port.
 * The peer is a bare `node:net` server, so what it reads and its socket's remote port are the wire truth.
 */
import * as net from 'node:net';
import { createRequest, parseMessage, type SipRequest } from '../../../../src/sip';
import { SipTcpTransport, SipTransportManager, SipUdpTransport } from '../../../../src/sip/transport';
import { SipUserAgent } from '../../../../src/sip/user-agent';

function request(n: number, extraBytes = 0): SipRequest {
  return createRequest('MESSAGE', 'sip:uas@127.0.0.1', {
    from: '<sip:uac@127.0.0.1>;tag=m',
    to: '<sip:uas@127.0.0.1>',
    callId: `flow-${n}`,
    cseq: n,
    body: 'x'.repeat(extraBytes),
    contentType: 'text/plain',
  });
}

/** A raw TCP peer that reports each connection's remote port and the first complete message read on it. */
async function rawPeer(): Promise<{ server: net.Server; port: number; next: () => Promise<{ remotePort: number; text: string }> }> {
  const waiting: Array<(v: { remotePort: number; text: string }) => void> = [];
  const server = net.createServer((s) => {
    let acc = '';
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      acc += d.toString('latin1');
      const end = acc.indexOf('\r\n\r\n');
      const cl = /\r\nContent-Length: (\d+)/i.exec(acc);
      if (end >= 0 && cl && acc.length >= end + 4 + Number(cl[1])) {
        waiting.shift()?.({ remotePort: s.remotePort!, text: acc.slice(0, end + 4 + Number(cl[1])) });
        acc = acc.slice(end + 4 + Number(cl[1]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port, next: () => new Promise((r) => waiting.push(r)) };
}

describe('our end of a flow on a transport that does not listen', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  const peer = async (): ReturnType<typeof rawPeer> => {
    const p = await rawPeer();
    closers.push(() => new Promise<void>((r) => p.server.close(() => r())));
    return p;
  };
  const manager = async (o: ConstructorParameters<typeof SipTransportManager>[0]): Promise<SipTransportManager> => {
    const m = new SipTransportManager({ address: '127.0.0.1', ...o });
    closers.push(() => m.close());
    await m.start();
    return m;
  };

  it('TCP accept:false: Via sent-by and the send report carry the connection port; Contact does once the flow is open', async () => {
    const p = await peer();
    const m = await manager({ udp: false, tcp: { accept: false } });
    const target = { address: '127.0.0.1', port: p.port };
    expect(m.transport('tcp')!.local.port).toBe(0);
    // no connection yet: nothing to name
    expect(m.contactUri('tcp', 'probe', target)).toBe('sip:probe@127.0.0.1;transport=tcp');
    const got = p.next();
    const sent = await m.sendRequest(request(1), { protocol: 'tcp', ...target });
    const { remotePort, text } = await got;
    const via = parseMessage(Buffer.from(text, 'latin1'), { mode: 'stream' }).topVia!;
    expect(via.transport).toBe('TCP');
    expect(via.port).toBe(remotePort);
    expect(sent.local).toEqual({ address: '127.0.0.1', port: remotePort });
    expect(m.sentBy('tcp', target)).toEqual({ address: '127.0.0.1', port: remotePort });
    expect(m.contactUri('tcp', 'probe', target)).toBe(`sip:probe@127.0.0.1:${remotePort};transport=tcp`);
    // without the flow (or for another peer) there is still no port to give
    expect(m.sentBy('tcp').port).toBe(0);
    expect(m.sentBy('tcp', { address: '127.0.0.1', port: 9 }).port).toBe(0);
    // the same connection carries the next request: same sent-by
    const again = p.next();
    await m.sendRequest(request(2), { protocol: 'tcp', ...target });
    const second = await again;
    expect(second.remotePort).toBe(remotePort);
    expect(parseMessage(Buffer.from(second.text, 'latin1'), { mode: 'stream' }).topVia!.port).toBe(remotePort);
  });

  it('a listening TCP transport keeps its listener as sent-by and Contact, whatever connection a request leaves on', async () => {
    const p = await peer();
    const m = await manager({ udp: false });
    const listener = m.transport('tcp')!.local.port;
    const target = { address: '127.0.0.1', port: p.port };
    const got = p.next();
    const sent = await m.sendRequest(request(3), { protocol: 'tcp', ...target });
    const { remotePort, text } = await got;
    expect(remotePort).not.toBe(listener);
    expect(parseMessage(Buffer.from(text, 'latin1'), { mode: 'stream' }).topVia!.port).toBe(listener);
    expect(sent.local.port).toBe(listener);
    expect(m.contactUri('tcp', undefined, target)).toBe(`sip:127.0.0.1:${listener};transport=tcp`);
  });

  it('a large UDP request switched to a TCP transport that does not listen names the TCP connection', async () => {
    const p = await peer();
    const m = await manager({ udp: {}, tcp: { accept: false } });
    const got = p.next();
    const sent = await m.sendRequest(request(4, 1500), { protocol: 'udp', address: '127.0.0.1', port: p.port });
    expect(sent.protocol).toBe('tcp');
    const { remotePort, text } = await got;
    const via = parseMessage(Buffer.from(text, 'latin1'), { mode: 'stream' }).topVia!;
    expect(via.transport).toBe('TCP');
    expect(via.port).toBe(remotePort);
  });

  it('openFlow connects once (concurrent callers share it) and flowLocal reports it; a refused connect rejects typed', async () => {
    const p = await peer();
    const t = new SipTcpTransport({ address: '127.0.0.1', accept: false });
    closers.push(() => t.close());
    await t.listen();
    const target = { address: '127.0.0.1', port: p.port };
    expect(t.flowLocal(target)).toBeUndefined();
    const [a, b] = await Promise.all([t.openFlow(target), t.openFlow(target)]);
    expect(a).toEqual(b);
    expect(a.port).toBeGreaterThan(0);
    expect(t.flowLocal(target)).toEqual(a);
    expect(t.stats.connections).toBe(1);
    // a port nobody listens on (the peer closed): typed connect error
    const dead = await rawPeer();
    await new Promise<void>((r) => dead.server.close(() => r()));
    await expect(t.openFlow({ address: '127.0.0.1', port: dead.port })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CONNECT' });
    await t.close();
    await expect(t.openFlow(target)).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CLOSED' });
  });

  it('UDP: our end of every flow is the bound socket', async () => {
    const u = new SipUdpTransport({ address: '127.0.0.1' });
    closers.push(() => u.close());
    await expect(u.openFlow()).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CLOSED' });
    await u.listen();
    expect(u.flowLocal()).toEqual(u.local);
    expect(await u.openFlow()).toEqual(u.local);
  });

  it('a user agent that does not listen answers an INVITE that came over its own connection with that connection as Contact', async () => {
    const b = new SipUserAgent({ transport: { udp: false, tcp: {} }, timers: { T1: 50 } });
    const a = new SipUserAgent({ transport: { udp: false, tcp: { accept: false } }, timers: { T1: 50 } });
    closers.push(() => b.close(), () => a.close());
    await b.start();
    await a.start();
    // a opens a connection to b; b's INVITE to a's end of it reuses the connection (the only way in)
    const ours = await a.transports.transport('tcp')!.openFlow!({ address: '127.0.0.1', port: b.transports.transport('tcp')!.local.port });
    a.on('invite', (inv) => {
      inv.provisional(180);
      inv.answer();
    });
    const inv = b.invite({ target: `sip:a@127.0.0.1:${ours.port};transport=tcp`, from: 'sip:b@127.0.0.1' });
    const ringing = new Promise<string | undefined>((r) => inv.once('provisional', (res) => r(res.headers.get('contact'))));
    const r = await inv.result;
    expect(r.kind).toBe('answered');
    const contact = `<sip:127.0.0.1:${ours.port};transport=tcp>`;
    expect(await ringing).toBe(contact);
    expect(r.kind === 'answered' && r.response.headers.get('contact')).toBe(contact);
    if (r.kind === 'answered') await r.call.bye();
  });
});
