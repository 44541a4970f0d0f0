/**
 * A Caller over TLS without a certificate cannot accept connections: the far end reaches it only
 * over the connection the Caller opened, so its Contact and Via sent-by must name that
 * connection's local address and port (not 5061, not a listener that does not exist).
 * The peer is a bare `node:tls` server, so what it reads is exactly what went on the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Caller } from '../../src/caller';
import { parseMessage, type SipRequest } from '../../src/sip';
import { selfSignedCert } from '../helpers/self-signed';

jest.setTimeout(20_000);

let dir: string;
let cert: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-tls-contact-'));
  ({ cert, key } = selfSignedCert());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  invite: SipRequest;
  clientPort: number;
  clientAddress: string;
}

/** A TLS peer that answers the first INVITE 486 (copying the dialog headers) and reports it with the client socket's address. */
function busyPeer(): Promise<{ server: tls.Server; port: number; seen: Promise<Seen> }> {
  let report!: (s: Seen) => void;
  const seen = new Promise<Seen>((r) => (report = r));
  const server = tls.createServer({ cert, key }, (socket) => {
    let buf = Buffer.alloc(0);
    let answered = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (answered || end < 0) return;
      const cl = /\r\nContent-Length:\s*(\d+)/i.exec(buf.toString('latin1', 0, end));
      const total = end + 4 + Number(cl?.[1] ?? 0);
      if (buf.length < total) return;
      const msg = parseMessage(buf.subarray(0, total), { mode: 'stream' });
      if (msg.kind !== 'request' || msg.method !== 'INVITE') return;
      answered = true;
      report({ invite: msg, clientPort: socket.remotePort!, clientAddress: socket.remoteAddress! });
      const h = (n: string): string => msg.headers.get(n) ?? '';
      socket.write(
        `SIP/2.0 486 Busy Here\r\nVia: ${h('via')}\r\nFrom: ${h('from')}\r\nTo: ${h('to')};tag=busy1\r\nCall-ID: ${h('call-id')}\r\nCSeq: ${h('cseq')}\r\nContent-Length: 0\r\n\r\n`,
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, seen })));
}

test('the INVITE over TLS without a certificate names the connection: Contact and Via port = the client socket port', async () => {
  const { server, port, seen } = await busyPeer();
  const caller = new Caller({ transport: 'tls', tls: { rejectUnauthorized: false }, rtpPorts: { min: 37000, max: 37100 } });
  try {
    const r = await caller.call({ target: `sips:agent@127.0.0.1:${port}`, timeouts: { callMs: 5_000 } }).result;
    expect(r.outcome).toBe('busy');
    const { invite, clientPort, clientAddress } = await seen;
    expect(clientPort).toBeGreaterThan(0);
    expect(clientPort).not.toBe(5061);
    const contact = invite.contacts[0];
    expect(contact.uri).toBe(`sips:sipprobe@${clientAddress}:${clientPort}`);
    const via = invite.topVia!;
    expect(via.transport).toBe('TLS');
    expect(via.host).toBe(clientAddress);
    expect(via.port).toBe(clientPort);
    // the ladder names the same flow: our side of every message is the client socket
    const ours = r.messages.map((m) => m.local);
    expect(new Set(ours)).toEqual(new Set([`${clientAddress}:${clientPort}`]));
    expect(r.messages.slice(0, 2).map((m) => m.firstLine.split(' ').slice(0, 2).join(' '))).toEqual(['INVITE sips:agent@127.0.0.1:' + port, 'SIP/2.0 486']);
  } finally {
    await caller.close();
    await new Promise<void>((res) => server.close(() => res()));
  }
});
