import * as dgram from 'node:dgram';
import { FakeClock } from '../../../../src/clock';
import { createRequest, createResponse, type SipRequest, type SipResponse } from '../../../../src/sip';
import { resolveSipDestinations, SipTransportManager, type SipHostResolver } from '../../../../src/sip/transport';
import { SipTransactionLayer, type SipServerTransaction } from '../../../../src/sip/transaction';
import { nextMessage } from './helpers';

function request(extraBytes = 0, uri = 'sip:uas@127.0.0.1'): SipRequest {
  return createRequest('MESSAGE', uri, {
    from: '<sip:uac@127.0.0.1>;tag=m',
    to: '<sip:uas@127.0.0.1>',
    callId: `mgr-${extraBytes}`,
    cseq: 1,
    body: 'x'.repeat(extraBytes),
    contentType: 'text/plain',
  });
}

describe('SipTransportManager', () => {
  const managers: SipTransportManager[] = [];
  const make = async (o: ConstructorParameters<typeof SipTransportManager>[0] = {}): Promise<SipTransportManager> => {
    const m = new SipTransportManager({ address: '127.0.0.1', ...o });
    managers.push(m);
    await m.start();
    return m;
  };
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
  });

  it('calls beforeMessage before each received message is handed on (UDP and TCP); a hook that throws loses nothing', async () => {
    const order: string[] = [];
    let calls = 0;
    const b = await make({
      beforeMessage: () => {
        order.push(`hook${++calls}`);
        if (calls === 2) throw new Error('hook failure');
      },
    });
    b.on('message', (m) => order.push(`message ${m.message.callId}`));
    const a = await make();
    for (const [i, protocol] of (['udp', 'tcp', 'udp'] as const).entries()) {
      const got = nextMessage(b);
      await a.sendRequest(request(i), { protocol, address: '127.0.0.1', port: b.transport(protocol)!.local.port });
      await got;
    }
    expect(order).toEqual(['hook1', 'message mgr-0', 'hook2', 'message mgr-1', 'hook3', 'message mgr-2']);
  });

  it('stamps Via sent-by, transport and rport from the socket actually used', async () => {
    const a = await make();
    const b = await make();
    const got = nextMessage(b);
    const req = request(10);
    const sent = await a.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: b.transport('udp')!.local.port });
    expect(sent).toMatchObject({ protocol: 'udp', reliable: false });
    const v = (await got).message.topVia!;
    expect(v.transport).toBe('UDP');
    expect(v.host).toBe('127.0.0.1');
    expect(v.port).toBe(a.transport('udp')!.local.port);
    expect(v.branch).toMatch(/^z9hG4bK/);
    expect(v.rport).toBe(a.transport('udp')!.local.port); // filled in by the receiver
    expect(a.contactUri('udp', 'probe')).toBe(`sip:probe@127.0.0.1:${a.transport('udp')!.local.port}`);
    expect(a.contactUri('tcp')).toBe(`sip:127.0.0.1:${a.transport('tcp')!.local.port};transport=tcp`);
  });

  it('sends a request over 1300 bytes by TCP unless the transport is pinned (RFC 3261 §18.1.1)', async () => {
    const a = await make();
    // a peer listening on UDP and TCP at the same port, like a real SIP server on 5060
    const probe = await make({ udp: false });
    const port = probe.transport('tcp')!.local.port;
    await probe.close();
    const target = await make({ udp: { port }, tcp: { port } });

    let got = nextMessage(target);
    await a.sendRequest(request(100), { protocol: 'udp', address: '127.0.0.1', port });
    expect((await got).protocol).toBe('udp');

    got = nextMessage(target);
    const big = request(1400);
    const sent = await a.sendRequest(big, { protocol: 'udp', address: '127.0.0.1', port });
    const m = await got;
    expect(sent.protocol).toBe('tcp');
    expect(sent.size).toBeGreaterThan(1300);
    expect(m.protocol).toBe('tcp');
    expect(m.message.topVia?.transport).toBe('TCP');
    expect(big.topVia?.transport).toBe('TCP');

    got = nextMessage(target);
    await a.sendRequest(request(1400), { protocol: 'udp', address: '127.0.0.1', port, pinned: true });
    expect((await got).protocol).toBe('udp');

    // a lower threshold is configurable
    const c = await make({ udpMaxBytes: 200 });
    got = nextMessage(target);
    expect((await c.sendRequest(request(300), { protocol: 'udp', address: '127.0.0.1', port })).protocol).toBe('tcp');
    await got;
  });

  it('falls back to UDP when the TCP connection for a large request is refused', async () => {
    const a = await make();
    const b = await make({ tcp: false });
    const got = nextMessage(b);
    const sent = await a.sendRequest(request(1500), { protocol: 'udp', address: '127.0.0.1', port: b.transport('udp')!.local.port });
    expect(sent.protocol).toBe('udp');
    const m = await got;
    expect(m.message.topVia?.transport).toBe('UDP');
  });

  it('routes a UDP response to received/rport, not to the sent-by in the Via (RFC 3581)', async () => {
    const b = await make();
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const port = sock.address().port;
      const got = nextMessage(b);
      const wire =
        'OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:9;branch=z9hG4bKnat;rport\r\n' +
        'From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: nat\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
      sock.send(Buffer.from(wire), b.transport('udp')!.local.port, '127.0.0.1');
      const m = await got;
      const answer = new Promise<string>((r) => sock.once('message', (d) => r(d.toString())));
      const sent = await b.sendResponse(createResponse(m.message as SipRequest, 200), m);
      expect(sent.remote).toMatchObject({ address: '127.0.0.1', port });
      const text = await answer;
      expect(text.startsWith('SIP/2.0 200 OK\r\n')).toBe(true);
      expect(text).toContain(`;rport=${port};received=127.0.0.1`);
    } finally {
      sock.close();
    }
  });

  it('routes a TCP response over the request connection, and reconnects to sent-by when it is gone', async () => {
    const a = await make();
    const b = await make();
    let got = nextMessage(b);
    await a.sendRequest(request(5), { protocol: 'tcp', address: '127.0.0.1', port: b.transport('tcp')!.local.port });
    let m = await got;
    const back = nextMessage(a);
    await b.sendResponse(createResponse(m.message as SipRequest, 202), m);
    const r = await back;
    expect((r.message as SipResponse).status).toBe(202);
    expect(a.transport('tcp')!.stats.connections).toBe(1);

    // once a's connection is closed, b connects to a's Via sent-by (its listening port)
    got = nextMessage(b);
    await a.sendRequest(request(6), { protocol: 'tcp', address: '127.0.0.1', port: b.transport('tcp')!.local.port });
    m = await got;
    await managers[0].transport('tcp')!.close(); // a's TCP side goes away entirely…
    for (let i = 0; i < 100 && b.transport('tcp')!.hasFlow(m.remote); i++) await new Promise((r) => setTimeout(r, 5));
    expect(b.transport('tcp')!.hasFlow(m.remote)).toBe(false);
    // …so the response must go to the Via sent-by (a's listening port), which now refuses
    await expect(b.sendResponse(createResponse(m.message as SipRequest, 200), m)).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CONNECT' });
  });

  it('resolves URIs: transport param pins, sips → TLS, default ports, hostnames through the resolver', async () => {
    const calls: string[] = [];
    const resolver: SipHostResolver = { lookup: async (h) => (calls.push(h), h === 'agent.test' ? ['127.0.0.1', '::1'] : []) };
    await expect(resolveSipDestinations('sip:a@127.0.0.1')).resolves.toEqual([{ protocol: 'udp', address: '127.0.0.1', port: 5060, pinned: false }]);
    await expect(resolveSipDestinations('sip:a@127.0.0.1:5080;transport=TCP')).resolves.toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: 5080, pinned: true }]);
    await expect(resolveSipDestinations('sips:a@[::1]')).resolves.toEqual([{ protocol: 'tls', address: '::1', port: 5061, pinned: true }]);
    await expect(resolveSipDestinations('sip:a@agent.test;transport=udp', { resolver })).resolves.toEqual([
      { protocol: 'udp', address: '127.0.0.1', port: 5060, serverName: 'agent.test', pinned: true },
      { protocol: 'udp', address: '::1', port: 5060, serverName: 'agent.test', pinned: true },
    ]);
    await expect(resolveSipDestinations('sip:a@nowhere.test', { resolver })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_DNS' });
    await expect(resolveSipDestinations('sip:a@h;transport=sctp')).rejects.toMatchObject({ code: 'SIP_TRANSPORT_UNAVAILABLE' });
    await expect(resolveSipDestinations('tel:+123')).rejects.toMatchObject({ code: 'SIP_TRANSPORT_ROUTE' });
    await expect(resolveSipDestinations('sip:a@127.0.0.1;maddr=127.0.0.2')).resolves.toMatchObject([{ address: '127.0.0.2' }]);
    const viaDns = await resolveSipDestinations('sip:a@localhost');
    expect(viaDns.length).toBeGreaterThan(0);
    expect(viaDns.every((d) => d.address === '127.0.0.1' || d.address === '::1')).toBe(true);
    expect(calls).toEqual(['agent.test', 'nowhere.test']);
  });

  it('picks the next hop: a loose-routing Route first, else the Request-URI', async () => {
    const m = await make();
    const r = request(0, 'sip:uas@10.0.0.9');
    expect(m.nextHopUri(r)).toBe('sip:uas@10.0.0.9');
    r.headers.add('Route', '<sip:proxy@127.0.0.1:5070;lr>');
    expect(m.nextHopUri(r)).toBe('sip:proxy@127.0.0.1:5070;lr');
    const strict = request(0, 'sip:strict@127.0.0.1');
    strict.headers.add('Route', '<sip:next@127.0.0.1>');
    expect(m.nextHopUri(strict)).toBe('sip:strict@127.0.0.1');
  });

  it('carries an INVITE/486/ACK and an OPTIONS/200 exchange through real transaction layers on UDP and TCP', async () => {
    for (const protocol of ['udp', 'tcp'] as const) {
      const a = await make();
      const b = await make();
      const la = new SipTransactionLayer({ sender: a });
      const lb = new SipTransactionLayer({ sender: b, autoTrying: false });
      a.on('message', (m) => la.receive(m));
      b.on('message', (m) => lb.receive(m));
      const serverTx: SipServerTransaction[] = [];
      lb.on('request', (tx) => {
        serverTx.push(tx);
        tx.reply(tx.request.method === 'INVITE' ? 486 : 200, undefined, { toTag: 'uas' });
      });
      const dest = { protocol, address: '127.0.0.1', port: b.transport(protocol)!.local.port };
      const inv = createRequest('INVITE', 'sip:uas@127.0.0.1', { from: '<sip:uac@h>;tag=x', to: '<sip:uas@h>', callId: `e2e-${protocol}`, cseq: 1 });
      const final = await new Promise<SipResponse>((resolve, reject) =>
        la.sendRequest(inv, dest, { onResponse: (r) => r.status >= 200 && resolve(r), onError: reject }),
      );
      expect(final.status).toBe(486);
      // the ACK built by the client transaction confirms the server transaction
      await new Promise<void>((resolve) => serverTx[0].on('state', (to) => to === 'confirmed' && resolve()));
      const opt = createRequest('OPTIONS', 'sip:uas@127.0.0.1', { from: '<sip:uac@h>;tag=y', to: '<sip:uas@h>', callId: `o-${protocol}`, cseq: 1 });
      const ok = await new Promise<SipResponse>((resolve, reject) => la.sendRequest(opt, dest, { onResponse: resolve, onError: reject }));
      expect(ok.status).toBe(200);
      expect(serverTx.map((t) => t.request.method)).toEqual(['INVITE', 'OPTIONS']);
      la.close();
      lb.close();
    }
  });

  it('uses an injected clock for stream idle timers and closes cleanly', async () => {
    const clock = new FakeClock();
    const a = await make({ tcp: { idleTimeoutMs: 500, clock } });
    const b = await make();
    const got = nextMessage(b);
    await a.sendRequest(request(1), { protocol: 'tcp', address: '127.0.0.1', port: b.transport('tcp')!.local.port });
    await got;
    clock.advance(500);
    expect(a.transport('tcp')!.hasFlow({ address: '127.0.0.1', port: b.transport('tcp')!.local.port })).toBe(false);
  });
});
