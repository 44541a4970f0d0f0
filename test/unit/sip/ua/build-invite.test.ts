/** SipUserAgent.buildInvite: the INVITE a dry run shows is the one the send path puts on the wire. */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { parseMessage, serializeMessage, type SipRequest } from '../../../../src/sip';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import type { SipInviteOptions } from '../../../../src/sip/ua/uac-invite';

const uas: SipUserAgent[] = [];
const sockets: Array<{ close(): void }> = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const ua of uas.splice(0)) await ua.close();
});

function newUa(options: ConstructorParameters<typeof SipUserAgent>[0] = {}): SipUserAgent {
  const ua = new SipUserAgent({ timers: { T1: 50, T2: 400, D: 500, T4: 500 }, ...options });
  uas.push(ua);
  return ua;
}

/** Per-call random values replaced, so that two INVITEs of the same options compare equal. */
function normalise(req: SipRequest | Buffer): string {
  const text = Buffer.isBuffer(req) ? req.toString('utf8') : serializeMessage(req).toString('utf8');
  return text
    .replace(/branch=z9hG4bK[0-9A-Za-z.!%*_+`'~-]+/g, 'branch=B')
    .replace(/tag=[0-9a-f]+/g, 'tag=T')
    .replace(/^Call-ID: [0-9a-f]+$/gm, 'Call-ID: C');
}

/** A UDP socket that records the first datagram (the peer never answers). */
async function udpSink(): Promise<{ port: number; first: Promise<Buffer> }> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const first = new Promise<Buffer>((r) => s.once('message', (m) => r(m)));
  return { port: s.address().port, first };
}

/** A TCP server that records the first message's bytes. */
async function tcpSink(): Promise<{ port: number; first: Promise<Buffer> }> {
  let resolve!: (b: Buffer) => void;
  const first = new Promise<Buffer>((r) => (resolve = r));
  const conns: net.Socket[] = [];
  const server = net.createServer((c) => {
    conns.push(c);
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\nContent-Length: (\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
      if (buf.length >= end + 4 + len) resolve(buf.subarray(0, end + 4 + len));
    });
  });
  sockets.push({
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, first };
}

function options(target: string, extra: Partial<SipInviteOptions> = {}): SipInviteOptions {
  return {
    target,
    from: { uri: 'sip:probe@127.0.0.1', displayName: 'Probe' },
    body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n',
    contentType: 'application/sdp',
    headers: [
      ['X-Run-Id', 'run-1'],
      ['X-Scenario-Id', 'sc'],
    ],
    ...extra,
  };
}

describe('SipUserAgent.buildInvite', () => {
  it('equals the INVITE really sent over UDP, Contact and stamped Via (sent-by, rport) included', async () => {
    const ua = newUa();
    await ua.start();
    const sink = await udpSink();
    const opts = options(`sip:agent@127.0.0.1:${sink.port}`);
    const built = ua.buildInvite(opts);
    ua.invite(opts);
    const wire = await sink.first;
    expect(normalise(built)).toBe(normalise(wire));
    const port = ua.transports.sentBy('udp').port;
    expect(built.topVia).toMatchObject({ transport: 'UDP', host: '127.0.0.1', port });
    expect(built.topVia!.rport).not.toBeUndefined();
    expect(built.topVia!.branch).toMatch(/^z9hG4bK/);
    expect(built.headers.get('contact')).toBe(`<sip:127.0.0.1:${port}>`);
    expect(parseMessage(wire).headers.getAll('via')).toHaveLength(1);
  });

  it('equals the INVITE really sent over TCP (transport pinned by the target)', async () => {
    const ua = newUa({ contactUser: 'probe' });
    await ua.start();
    const sink = await tcpSink();
    const opts = options(`sip:agent@127.0.0.1:${sink.port};transport=tcp`);
    const built = ua.buildInvite(opts, { protocol: 'tcp' });
    ua.invite(opts);
    const wire = await sink.first;
    expect(normalise(built)).toBe(normalise(wire));
    expect(built.topVia!.transport).toBe('TCP');
    expect(built.headers.get('contact')).toBe(`<sip:probe@127.0.0.1:${ua.transports.sentBy('tcp').port};transport=tcp>`);
  });

  it('follows the transports’ rport setting', async () => {
    const ua = newUa({ transport: { rport: false, tcp: false } });
    await ua.start();
    const sink = await udpSink();
    const opts = options(`sip:agent@127.0.0.1:${sink.port}`);
    const built = ua.buildInvite(opts);
    expect(built.topVia!.rport).toBeUndefined();
    ua.invite(opts);
    expect(normalise(built)).toBe(normalise(await sink.first));
  });

  it('gives every build its own Call-ID, From tag and branch; needs no started UA and sends nothing', () => {
    const ua = newUa({ transport: { udp: { port: 0 }, tcp: false } });
    const traced: unknown[] = [];
    ua.on('trace', (e) => traced.push(e));
    const a = ua.buildInvite(options('sip:agent@127.0.0.1:5080'));
    const b = ua.buildInvite(options('sip:agent@127.0.0.1:5080'));
    expect(a.callId).not.toBe(b.callId);
    expect(a.from!.tag).not.toBe(b.from!.tag);
    expect(a.topVia!.branch).not.toBe(b.topVia!.branch);
    expect(a.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(normalise(a)).toBe(normalise(b));
    // not bound yet: no port in sent-by or Contact
    expect(a.topVia!.port).toBeUndefined();
    expect(a.headers.get('contact')).toBe('<sip:127.0.0.1>');
    expect(traced).toHaveLength(0);
  });

  it('refuses what invite() refuses, and works no more once closed', async () => {
    const ua = newUa({ transport: { tcp: false } });
    expect(() => ua.buildInvite(options('sip:a@127.0.0.1', { headers: { Via: 'SIP/2.0/UDP evil' } }))).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
    expect(() => ua.buildInvite(options('sip:a@127.0.0.1', { headers: { 'X-A': 'v\r\nBYE: x' } }))).toThrow(expect.objectContaining({ code: 'SIP_INVALID_HEADER' }));
    expect(() => ua.buildInvite(options('tel:+1555'))).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
    await ua.close();
    expect(() => ua.buildInvite(options('sip:a@127.0.0.1'))).toThrow(expect.objectContaining({ code: 'SIP_UA_CLOSED' }));
  });
});
