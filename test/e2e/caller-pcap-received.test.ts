/**
 * The pcap and the ladder keep received SIP messages as they were on the wire, not as sipprobe
 * would write them: a bare peer (UDP, TCP, TLS) answers the INVITE with a valid but oddly
 * formatted 486 (compact names, odd spacing, a folded line), and the capture must hold exactly
 * those bytes.
 */
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Caller } from '../../src/caller';
import { parseMessage, serializeMessage, type SipMessage } from '../../src/sip';
import { decodeFrame, readPcap } from '../unit/pcap/pcap-reader';
import { selfSignedCert } from '../helpers/self-signed';

jest.setTimeout(20_000);

let dir: string;
let cert: string;
let key: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-pcap-received-'));
  ({ cert, key } = selfSignedCert());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 486 to `invite` that no serializer writes this way. */
function oddBusy(invite: SipMessage): Buffer {
  const h = (n: string): string => invite.headers.get(n) ?? '';
  return Buffer.from(
    'SIP/2.0 486 Busy   Here\r\n' +
      `v:  ${h('via')}\r\n` +
      `f:${h('from')}\r\n` +
      `t: \t${h('to')};tag=odd486\r\n` +
      `i: ${h('call-id')}\r\n` +
      `CSeq:   ${h('cseq')}\r\n` +
      'Warning: 399 peer "first",\r\n' +
      '\t399 peer "second"\r\n' +
      'l: 0\r\n\r\n',
    'latin1',
  );
}

interface Peer {
  port: number;
  /** The 486 bytes as written to the socket. */
  sent: Promise<Buffer>;
  close(): Promise<void>;
}

/** Reads Content-Length framed messages off a stream and answers the INVITE. */
function streamHandler(report: (b: Buffer) => void): (s: net.Socket) => void {
  return (s) => {
    let buf = Buffer.alloc(0);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/\r\n(?:Content-Length|l) *: *(\d+)/i.exec(buf.toString('latin1', 0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const msg = parseMessage(buf.subarray(0, end + 4 + len), { mode: 'stream' });
        buf = buf.subarray(end + 4 + len);
        if (msg.kind === 'request' && msg.method === 'INVITE') {
          const b = oddBusy(msg);
          s.write(b);
          report(b);
        }
      }
    });
  };
}

async function udpPeer(): Promise<Peer> {
  const sock = dgram.createSocket('udp4');
  let report!: (b: Buffer) => void;
  const sent = new Promise<Buffer>((r) => (report = r));
  sock.on('message', (d, rinfo) => {
    const msg = parseMessage(d);
    if (msg.kind !== 'request' || msg.method !== 'INVITE') return;
    const b = oddBusy(msg);
    sock.send(b, rinfo.port, rinfo.address);
    report(b);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, sent, close: () => new Promise((r) => sock.close(() => r())) };
}

async function streamPeer(server: net.Server, sent: Promise<Buffer>): Promise<Peer> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, sent, close: () => new Promise((r) => server.close(() => r())) };
}

async function tcpPeer(): Promise<Peer> {
  let report!: (b: Buffer) => void;
  const sent = new Promise<Buffer>((r) => (report = r));
  return streamPeer(net.createServer(streamHandler(report)), sent);
}

async function tlsPeer(): Promise<Peer> {
  let report!: (b: Buffer) => void;
  const sent = new Promise<Buffer>((r) => (report = r));
  return streamPeer(tls.createServer({ cert, key }, streamHandler(report)), sent);
}

describe.each([
  ['udp', udpPeer, (p: number) => `sip:agent@127.0.0.1:${p}`],
  ['tcp', tcpPeer, (p: number) => `sip:agent@127.0.0.1:${p};transport=tcp`],
  ['tls', tlsPeer, (p: number) => `sips:agent@127.0.0.1:${p}`],
] as const)('received SIP over %s in the pcap and the ladder', (transport, makePeer, uri) => {
  test('the 486 is there byte for byte, from the peer to our end of the flow', async () => {
    const peer = await makePeer();
    const caller = new Caller({ transport, tls: transport === 'tls' ? { rejectUnauthorized: false } : undefined, rtpPorts: { min: 37200, max: 37300 } });
    const pcap = join(dir, `${transport}.pcap`);
    try {
      const r = await caller.call({ target: uri(peer.port), pcap, timeouts: { callMs: 5_000 } }).result;
      expect(r.outcome).toBe('busy');
      const wire = await peer.sent;
      // a re-serialization would not be the wire
      expect(serializeMessage(parseMessage(wire)).equals(wire)).toBe(false);

      const frames = readPcap(readFileSync(pcap)).frames.map((f) => decodeFrame(f.data));
      const fromPeer = frames.filter((f) => f.srcPort === peer.port && f.payload.length > 0);
      expect(fromPeer).toHaveLength(1);
      expect(Buffer.from(fromPeer[0].payload).equals(wire)).toBe(true);
      expect(fromPeer[0].protocol).toBe(transport === 'udp' ? 17 : 6);
      // one flow: the INVITE left from the port the 486 came back to
      const invite = frames.find((f) => f.dstPort === peer.port && Buffer.from(f.payload).toString('latin1').startsWith('INVITE '))!;
      expect(invite.srcPort).toBe(fromPeer[0].dstPort);

      const received = r.messages.find((m) => m.direction === 'received')!;
      expect(received.raw).toBe(wire.toString('latin1'));
      expect(received.local).toBe(`127.0.0.1:${fromPeer[0].dstPort}`);
    } finally {
      await caller.close();
      await peer.close();
    }
  });
});
