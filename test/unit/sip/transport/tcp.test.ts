import * as net from 'node:net';
import { FakeClock } from '../../../../src/clock';
import { SipTcpTransport, SipTransportError } from '../../../../src/sip/transport';
import { messages, nextMalformed, nextMessage, options } from './helpers';

function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

function readUntil(s: net.Socket, pred: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const timer = setTimeout(() => {
      s.off('data', on);
      reject(new Error(`timeout, got ${JSON.stringify(acc)}`));
    }, timeoutMs);
    const on = (d: Buffer): void => {
      acc += d.toString('latin1');
      if (pred(acc)) {
        clearTimeout(timer);
        s.off('data', on);
        resolve(acc);
      }
    };
    s.on('data', on);
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SipTcpTransport', () => {
  let server: SipTcpTransport;
  const cleanup: Array<() => unknown> = [];
  beforeEach(async () => {
    server = new SipTcpTransport({ address: '127.0.0.1', port: 0 });
    await server.listen();
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0)) await f();
    await server.close();
  });

  it('frames messages written one byte at a time', async () => {
    const c = await rawClient(server.local.port);
    cleanup.push(() => c.destroy());
    const wire = Buffer.from(options(1, '', 'body-1') + options(2));
    const got = messages(server, 2);
    for (let i = 0; i < wire.length; i++) {
      c.write(wire.subarray(i, i + 1));
      if (i % 8 === 0) await tick();
    }
    const [m1, m2] = await got;
    expect(m1.message.cseq?.seq).toBe(1);
    expect(m1.message.body.toString()).toBe('body-1');
    expect(m2.message.cseq?.seq).toBe(2);
    expect(m1.protocol).toBe('tcp');
    expect(m1.remote).toEqual({ address: '127.0.0.1', port: c.localPort });
    expect(m1.local.port).toBe(server.local.port);
  });

  it('splits several messages (and keep-alives between them) arriving in one chunk', async () => {
    const c = await rawClient(server.local.port);
    cleanup.push(() => c.destroy());
    const got = messages(server, 3);
    c.write(Buffer.from(options(1, '', 'a') + '\r\n' + options(2, '', 'bb') + options(3)));
    const ms = await got;
    expect(ms.map((m) => [m.message.cseq?.seq, m.message.body.toString()])).toEqual([
      [1, 'a'],
      [2, 'bb'],
      [3, ''],
    ]);
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1) and replies on the same connection', async () => {
    const c = await rawClient(server.local.port);
    cleanup.push(() => c.destroy());
    const pong = readUntil(c, (t) => t === '\r\n');
    c.write('\r\n\r\n');
    expect(await pong).toBe('\r\n');
    expect(server.stats.keepAlivesIn).toBe(1);

    const got = nextMessage(server);
    c.write(options(9));
    const m = await got;
    expect(server.hasFlow(m.remote)).toBe(true);
    const reply = readUntil(c, (t) => t.includes('pong-body'));
    await server.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 9\r\n\r\npong-body'), m.remote);
    expect(await reply).toContain('SIP/2.0 200 OK');
    expect(server.connectionCount).toBe(1);
  });

  it('reuses one outbound connection per destination and accepts replies on it', async () => {
    const client = new SipTcpTransport({ address: '127.0.0.1' });
    await client.listen();
    cleanup.push(() => client.close());
    const got = messages(server, 2);
    await Promise.all([client.send(Buffer.from(options(1)), server.local), client.send(Buffer.from(options(2)), server.local)]);
    const [m1] = await got;
    expect(client.stats.connections).toBe(1);
    expect(client.connectionCount).toBe(1);
    const back = nextMessage(client);
    await server.send(Buffer.from(options(3)), m1.remote);
    expect((await back).message.cseq?.seq).toBe(3);
    expect(server.connectionCount).toBe(1);
    expect(client.stats.connections).toBe(1);
  });

  it('reports a framing error, closes that connection, and keeps serving others', async () => {
    const c = await rawClient(server.local.port);
    const closed = new Promise((r) => c.once('close', r));
    const bad = nextMalformed(server);
    c.write('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n'); // no Content-Length
    expect((await bad).error.code).toBe('SIP_PARSE_CONTENT_LENGTH');
    await closed;
    expect(server.stats.malformed).toBe(1);
    const c2 = await rawClient(server.local.port);
    cleanup.push(() => c2.destroy());
    const ok = nextMessage(server);
    c2.write(options(5));
    expect((await ok).message.cseq?.seq).toBe(5);
  });

  it('closes idle connections after idleTimeoutMs on the injected clock', async () => {
    const clock = new FakeClock();
    const t = new SipTcpTransport({ address: '127.0.0.1', idleTimeoutMs: 1000, clock });
    await t.listen();
    cleanup.push(() => t.close());
    const c = await rawClient(t.local.port);
    const closed = new Promise((r) => c.once('close', r));
    const got = nextMessage(t);
    c.write(options(1));
    await got;
    expect(t.connectionCount).toBe(1);
    clock.advance(999);
    expect(t.connectionCount).toBe(1);
    clock.advance(1);
    expect(t.connectionCount).toBe(0);
    await closed;
  });

  it('rejects with SIP_TRANSPORT_CONNECT when nobody listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new SipTcpTransport({ address: '127.0.0.1', accept: false });
    cleanup.push(() => client.close());
    const err = await client.send(Buffer.from(options(1)), { address: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SipTransportError);
    expect(err).toMatchObject({ code: 'SIP_TRANSPORT_CONNECT' });
  });

  it('close() ends every connection and later sends reject', async () => {
    const c = await rawClient(server.local.port);
    const closed = new Promise((r) => c.once('close', r));
    const got = nextMessage(server);
    c.write(options(1));
    await got;
    await server.close();
    await closed;
    await expect(server.send(Buffer.from('x'), { address: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_CLOSED' });
  });
});
