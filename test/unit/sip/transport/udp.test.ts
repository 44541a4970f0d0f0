import * as dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createResponse, type SipRequest } from '../../../../src/sip';
import { SipTransportError, SipUdpTransport } from '../../../../src/sip/transport';
import { nextMalformed, nextMessage } from './helpers';

const request = (via: string): string =>
  `MESSAGE sip:b@127.0.0.1 SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: u1\r\nCSeq: 3 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`;

describe.each([
  ['SipUdpTransport', false],
  ['SipUdpTransport on its own thread', true],
])('%s', (_name, thread) => {
  let a: SipUdpTransport;
  let b: SipUdpTransport;
  beforeEach(async () => {
    a = new SipUdpTransport({ address: '127.0.0.1', port: 0, thread });
    b = new SipUdpTransport({ address: '127.0.0.1', port: 0, thread });
    await a.listen();
    await b.listen();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('binds an ephemeral port and round-trips a request and its response with addresses recorded', async () => {
    expect(a.local.port).toBeGreaterThan(0);
    expect(a.local.port).not.toBe(b.local.port);
    const got = nextMessage(b);
    await a.send(Buffer.from(request(`SIP/2.0/UDP 127.0.0.1:${a.local.port};branch=z9hG4bKu1;rport`)), b.local);
    const m = await got;
    expect(m.protocol).toBe('udp');
    expect(m.transport).toBe(b);
    expect(m.local).toEqual(b.local);
    expect(m.remote).toEqual({ address: '127.0.0.1', port: a.local.port });
    expect(m.message.kind).toBe('request');
    expect(m.message.body.toString()).toBe('hello');
    // RFC 3581: the empty rport is filled in with the source port, and received is added
    expect(m.message.topVia?.rport).toBe(a.local.port);
    expect(m.message.topVia?.received).toBe('127.0.0.1');

    const back = nextMessage(a);
    const res = createResponse(m.message as SipRequest, 200);
    const { serializeMessage } = await import('../../../../src/sip');
    await b.send(serializeMessage(res), m.remote);
    const r = await back;
    expect(r.message.kind === 'response' && r.message.status).toBe(200);
    expect(a.stats.messagesIn).toBe(1);
    expect(a.stats.messagesOut).toBe(1);
    expect(b.stats.bytesIn).toBeGreaterThan(100);
  });

  it('adds received when the sent-by host differs from the source, and leaves a request without rport alone otherwise', async () => {
    let got = nextMessage(b);
    await a.send(Buffer.from(request('SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKu2')), b.local);
    let v = (await got).message.topVia!;
    expect(v.received).toBe('127.0.0.1');
    expect(v.rport).toBeUndefined();
    got = nextMessage(b);
    await a.send(Buffer.from(request('SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKu3')), b.local);
    v = (await got).message.topVia!;
    expect(v.received).toBeUndefined();
  });

  it('counts malformed datagrams, salvages a request for 400 when possible, and keeps running', async () => {
    const sock = dgram.createSocket('udp4');
    try {
      let bad = nextMalformed(b);
      sock.send(Buffer.from('\x00\x01garbage that is not SIP\r\n\r\n'), b.local.port, '127.0.0.1');
      let r = await bad;
      expect(r.error.code).toMatch(/^SIP_PARSE_/);
      expect(r.request).toBeUndefined();
      expect(r.remote.address).toBe('127.0.0.1');

      // a request whose headers are broken further down but whose start line and key headers are fine
      bad = nextMalformed(b);
      const broken = request('SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKu4;rport').replace('Content-Type: text/plain\r\n', 'Broken header without colon\r\n');
      sock.send(Buffer.from(broken), b.local.port, '127.0.0.1');
      r = await bad;
      expect(r.request).toBeDefined();
      expect(r.request!.method).toBe('MESSAGE');
      const four = createResponse(r.request!, 400);
      expect(four.headers.get('Call-ID')).toBe('u1');
      expect(four.topVia?.branch).toBe('z9hG4bKu4');
      expect(four.topVia?.received).toBe('127.0.0.1');
      expect(four.topVia?.rport).toBe(sock.address().port);

      // keep-alive datagrams are counted, not reported
      sock.send(Buffer.from('\r\n\r\n'), b.local.port, '127.0.0.1');
      const ok = nextMessage(b);
      sock.send(Buffer.from(request('SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKu5')), b.local.port, '127.0.0.1');
      await ok;
      expect(b.stats.malformed).toBe(2);
      expect(b.stats.keepAlivesIn).toBe(1);
      expect(b.stats.messagesIn).toBe(1);
    } finally {
      sock.close();
    }
  });

  it('rejects sends with typed errors: too large, and after close', async () => {
    await expect(a.send(Buffer.alloc(70_000, 65), b.local)).rejects.toMatchObject({ code: 'SIP_TRANSPORT_TOO_LARGE' });
    await a.close();
    await expect(a.send(Buffer.from('x'), b.local)).rejects.toBeInstanceOf(SipTransportError);
    await expect(a.listen()).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CLOSED' });
  });

  it('reports a bind failure as SIP_TRANSPORT_BIND', async () => {
    const c = new SipUdpTransport({ address: '127.0.0.1', port: a.local.port, thread });
    await expect(c.listen()).rejects.toMatchObject({ code: 'SIP_TRANSPORT_BIND' });
    await c.close();
  });
});

/**
 * Why `thread` exists: libuv reads at most 32 datagrams from a socket per event-loop turn, so a
 * backlog that built up while this thread was busy drains 32 per turn. On its own thread the
 * socket is read meanwhile, and the first turn afterwards gets everything.
 */
test('a backlog that came in while this thread was busy arrives in the first turn only from a socket thread', async () => {
  const BURST = 400;
  const inFirstTurn = async (thread: boolean): Promise<number> => {
    const t = new SipUdpTransport({ address: '127.0.0.1', port: 0, thread });
    await t.listen();
    let got = 0;
    t.on('message', () => got++);
    const done = new Int32Array(new SharedArrayBuffer(4));
    const sender = new Worker(
      `const { workerData } = require('node:worker_threads');
       const s = require('node:dgram').createSocket('udp4');
       const msg = Buffer.from(workerData.msg);
       let left = workerData.n;
       const next = () => { if (left-- > 0) s.send(msg, workerData.port, '127.0.0.1', next); else { Atomics.store(workerData.done, 0, 1); s.close(); } };
       next();`,
      { eval: true, workerData: { n: BURST, port: t.local.port, msg: request('SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKburst'), done } },
    );
    try {
      // this thread is busy (a synchronous spin) while the burst arrives, and a little longer
      const until = Date.now() + 10_000;
      while (Atomics.load(done, 0) === 0 && Date.now() < until);
      const spinEnd = Date.now() + 150;
      while (Date.now() < spinEnd);
      return await new Promise<number>((resolve) => setImmediate(() => resolve(got)));
    } finally {
      await sender.terminate();
      await t.close();
    }
  };
  expect(await inFirstTurn(false)).toBeLessThanOrEqual(32);
  expect(await inFirstTurn(true)).toBe(BURST);
});

test('listen() twice at once starts one socket thread; close() while it starts leaves none running', async () => {
  const threads = (): number => readdirSync('/proc/self/task').length; // OS threads (Linux)
  const before = threads();
  const t = new SipUdpTransport({ address: '127.0.0.1', port: 0, thread: true });
  const [p1, p2] = [t.listen(), t.listen()];
  await Promise.all([p1, p2]);
  expect(threads()).toBe(before + 1);
  const port = t.local.port;
  expect(port).toBeGreaterThan(0);
  await t.close();
  // the port is free again: a second thread binds it
  const again = new SipUdpTransport({ address: '127.0.0.1', port, thread: true });
  const closing = again.listen();
  await again.close();
  await expect(closing).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CLOSED' });
  const third = new SipUdpTransport({ address: '127.0.0.1', port, thread: true });
  await third.listen();
  await third.close();
  expect(threads()).toBe(before);
});

test('a send the socket thread refuses is a typed error, and the thread keeps working', async () => {
  const a = new SipUdpTransport({ address: '127.0.0.1', port: 0, thread: true });
  const b = new SipUdpTransport({ address: '127.0.0.1', port: 0 });
  await a.listen();
  await b.listen();
  try {
    await expect(a.send(Buffer.from('x'), { address: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_SEND' });
    const got = nextMessage(b);
    await a.send(Buffer.from(request(`SIP/2.0/UDP 127.0.0.1:${a.local.port};branch=z9hG4bKafter`)), b.local);
    expect((await got).message.topVia?.branch).toBe('z9hG4bKafter');
    expect(a.stats.messagesOut).toBe(1);
  } finally {
    await a.close();
    await b.close();
  }
});
