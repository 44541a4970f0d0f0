/**
 * Transports hand up each message's exact bytes as received (`SipInbound.raw`), not a
 * re-serialization: the wire below is valid but oddly formatted (compact names, extra
 * whitespace, a folded line, odd header case), so serializing the parsed message differs.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { serializeMessage } from '../../../../src/sip';
import { SipTcpTransport, SipTlsTransport, SipUdpTransport, type SipInbound } from '../../../../src/sip/transport';
import { nextMessage } from './helpers';
import { selfSignedCert } from '../../../helpers/self-signed';

/** A valid request no serializer would write this way. */
function oddRequest(via: string, body = 'hello'): Buffer {
  return Buffer.from(
    `MESSAGE sip:b@127.0.0.1 SIP/2.0\r\n` +
      `v:   ${via}\r\n` +
      `MAX-FORWARDS:70\r\n` +
      `f: <sip:a@127.0.0.1>;tag=1\r\n` +
      `t:\t<sip:b@127.0.0.1>\r\n` +
      `i: raw-1\r\n` +
      `CSeq:    3 MESSAGE\r\n` +
      `Subject: first part,\r\n` +
      `   folded part\r\n` +
      `c: text/plain\r\n` +
      `l: ${Buffer.byteLength(body)}\r\n` +
      `\r\n${body}`,
    'latin1',
  );
}

const oddResponse = (): Buffer =>
  Buffer.from(
    'SIP/2.0 200   Fine Thanks\r\nv: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKraw2\r\nf: <sip:a@127.0.0.1>;tag=1\r\nt: <sip:b@127.0.0.1>;tag=2\r\ni: raw-2\r\nCSeq:4 OPTIONS\r\nWarning: 399 peer \"one\",\r\n\t399 peer \"two\"\r\nl: 0\r\n\r\n',
    'latin1',
  );

describe('SipUdpTransport raw bytes', () => {
  let t: SipUdpTransport;
  let peer: dgram.Socket;
  beforeEach(async () => {
    t = new SipUdpTransport({ address: '127.0.0.1' });
    await t.listen();
    peer = dgram.createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    peer.close();
    await t.close();
  });

  const send = (b: Buffer): Promise<void> => new Promise((r, j) => peer.send(b, t.local.port, '127.0.0.1', (e) => (e ? j(e) : r())));

  it('a request: raw is the datagram as the peer sent it, although the Via was annotated and a re-serialization differs', async () => {
    const wire = oddRequest(`SIP/2.0/UDP 192.0.2.9:5060;rport;branch=z9hG4bKraw1`);
    const got = nextMessage(t);
    await send(wire);
    const m = await got;
    expect(Buffer.isBuffer(m.raw)).toBe(true);
    expect(m.raw!.equals(wire)).toBe(true);
    // a view of the datagram, not a copy: the parsed body points into the same memory
    expect(m.message.body.buffer).toBe(m.raw!.buffer);
    // what the core sees was changed (§18.2.1) and does not serialize back to the wire
    expect(m.message.topVia?.received).toBe('127.0.0.1');
    expect(m.message.topVia?.rport).toBe(peer.address().port);
    expect(serializeMessage(m.message).equals(wire)).toBe(false);
    expect(m.message.headers.get('subject')).toBe('first part, folded part');
    expect(m.local).toEqual(t.local);
  });

  it('a response with compact headers and odd spacing comes up byte for byte', async () => {
    const wire = oddResponse();
    const got = nextMessage(t);
    await send(wire);
    const m = await got;
    expect(m.message.kind === 'response' && m.message.status).toBe(200);
    expect(m.raw!.equals(wire)).toBe(true);
    expect(serializeMessage(m.message).equals(wire)).toBe(false);
  });

  it('each datagram brings its own bytes (no buffer is shared between messages)', async () => {
    const a = oddRequest('SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKrawA', 'first');
    const b = oddRequest('SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKrawB', 'second!');
    const seen: Buffer[] = [];
    const done = new Promise<void>((r) =>
      t.on('message', (m) => {
        seen.push(m.raw!);
        if (seen.length === 2) r();
      }),
    );
    await send(a);
    await send(b);
    await done;
    expect(seen[0].equals(a)).toBe(true);
    expect(seen[1].equals(b)).toBe(true);
  });
});


/** Collects every inbound message of a transport. */
function collect(t: SipTcpTransport | SipTlsTransport): SipInbound[] {
  const out: SipInbound[] = [];
  t.on('message', (m) => out.push(m));
  return out;
}

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const write = (s: net.Socket, b: Buffer | string): Promise<void> => new Promise((r, j) => s.write(b, (e) => (e ? j(e) : r())));

const tlsPair = selfSignedCert();

describe.each([
  ['tcp', () => new SipTcpTransport({ address: '127.0.0.1' }), (port: number) => net.connect({ host: '127.0.0.1', port }), 'connect'],
  ['tls', () => new SipTlsTransport({ address: '127.0.0.1', ...tlsPair }), (port: number) => tls.connect({ host: '127.0.0.1', port, ca: tlsPair.cert }), 'secureConnect'],
] as const)('%s raw bytes', (_name, makeServer, dial, ready) => {
  let t: SipTcpTransport | SipTlsTransport;
  let client: net.Socket;
  beforeEach(async () => {
    t = makeServer();
    await t.listen();
    client = dial(t.local.port);
    client.on('error', () => undefined);
    await new Promise((r) => client.once(ready, r));
  });
  afterEach(async () => {
    client.destroy();
    await t.close();
  });

  it('one message written a byte at a time comes up as the exact bytes', async () => {
    const wire = oddRequest('SIP/2.0/TCP 192.0.2.9:5060;branch=z9hG4bKrawS1', 'body bytes');
    const got = collect(t);
    for (let i = 0; i < wire.length; i++) await write(client, wire.subarray(i, i + 1));
    await until(() => got.length === 1);
    expect(got[0].raw!.equals(wire)).toBe(true);
    expect(serializeMessage(got[0].message).equals(wire)).toBe(false);
    expect(got[0].message.topVia?.received).toBe('127.0.0.1');
    expect(got[0].local.port).toBe(t.local.port);
    expect(got[0].remote.port).toBe(client.localPort);
  });

  it('several messages and keep-alives in one write: each message gets its own bytes, CRLFs around them left out', async () => {
    const a = oddRequest('SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKrawS2', 'first');
    const b = oddResponse();
    const c = oddRequest('SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKrawS3', '');
    const got = collect(t);
    await write(client, Buffer.concat([Buffer.from('\r\n\r\n'), a, b, Buffer.from('\r\n'), c.subarray(0, 40)]));
    await until(() => got.length === 2);
    await write(client, c.subarray(40));
    await until(() => got.length === 3);
    expect(got.map((m) => m.raw!.toString('latin1'))).toEqual([a, b, c].map((x) => x.toString('latin1')));
    // views of one received buffer, not copies: still intact after later reads
    expect(got[0].message.body.buffer).toBe(got[0].raw!.buffer);
  });
});
