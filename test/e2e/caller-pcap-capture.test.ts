/** CallCapture on its own: framing of SIP trace events and RTP tap calls, skipped packets, failures leave no file. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallCapture } from '../../src/caller/capture';
import { createRequest } from '../../src/sip/message';
import type { SipTraceEvent } from '../../src/sip/user-agent';
import { decodeFrame, readPcap } from '../unit/pcap/pcap-reader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-capture-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LOCAL = { address: '127.0.0.1', port: 5060 };

function options(remote: { address: string; port: number }, direction: 'in' | 'out', protocol: 'udp' | 'tcp' | 'tls' = 'udp'): SipTraceEvent {
  const message = createRequest('OPTIONS', 'sip:agent@127.0.0.1:5080', {
    via: `SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:5060;branch=z9hG4bKcapture`,
    from: '<sip:probe@127.0.0.1>;tag=1',
    to: '<sip:agent@127.0.0.1>',
    callId: 'capture-test',
    cseq: 1,
  });
  return { direction, message, protocol, remote, retransmission: false };
}

function clock(startUs: number): () => number {
  let t = startUs;
  return () => (t += 20_000);
}

describe('CallCapture', () => {
  it('writes SIP both ways and RTP both ways with the given clock; the tap data may be reused after the call', async () => {
    const file = join(dir, 'c.pcap');
    const cap = await CallCapture.open(file, { nowUs: clock(1_700_000_000_000_000) });
    const agent = { address: '127.0.0.1', port: 5080 };
    cap.sip(options(agent, 'out'), LOCAL);
    cap.sip(options(agent, 'in'), LOCAL);
    const buf = Buffer.alloc(172, 0xaa);
    buf[0] = 0x80;
    cap.rtp('sent', buf, { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    buf.fill(0x55, 12); // the session reuses its send buffer: what was captured must not change
    cap.rtp('received', buf, { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    expect(cap.packets).toBe(4);
    expect(await cap.finish()).toBe(true);
    expect(cap.notes).toEqual([]);
    const frames = readPcap(readFileSync(file)).frames;
    expect(frames.map((f) => f.sec * 1e6 + f.usec)).toEqual([1, 2, 3, 4].map((i) => 1_700_000_000_000_000 + i * 20_000));
    const d = frames.map((f) => decodeFrame(f.data));
    expect([d[0].srcPort, d[0].dstPort, d[1].srcPort, d[1].dstPort]).toEqual([5060, 5080, 5080, 5060]);
    expect(Buffer.from(d[0].payload).toString('latin1')).toMatch(/^OPTIONS sip:agent@127\.0\.0\.1:5080 SIP\/2\.0\r\n/);
    expect([d[2].srcPort, d[2].dstPort, d[3].srcPort, d[3].dstPort]).toEqual([10000, 20000, 20000, 10000]);
    expect(d[2].payload[20]).toBe(0xaa);
    expect(d[3].payload[20]).toBe(0x55);
    for (const f of d) expect(f.l4Checksum).toBe(f.expectedL4Checksum);
    // after finish nothing more is taken, and finish is not done twice
    cap.rtp('sent', buf, { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    expect(cap.packets).toBe(4);
    expect(await cap.finish()).toBe(false);
  });

  it('SIP over TLS is written as TCP (protocol 6) with the plaintext', async () => {
    const file = join(dir, 'tls.pcap');
    const cap = await CallCapture.open(file);
    cap.sip(options({ address: '127.0.0.1', port: 5061 }, 'out', 'tls'), LOCAL);
    expect(await cap.finish()).toBe(true);
    const d = readPcap(readFileSync(file)).frames.map((f) => decodeFrame(f.data));
    expect(d).toHaveLength(1);
    expect(d[0].protocol).toBe(6);
    expect(Buffer.from(d[0].payload).toString('latin1')).toContain('Via: SIP/2.0/TLS 127.0.0.1:5060');
  });

  it('a packet no IP datagram can carry is skipped with a note; the rest is written', async () => {
    const file = join(dir, 'skip.pcap');
    const cap = await CallCapture.open(file);
    cap.sip(options({ address: 'agent.example', port: 5080 }, 'out'), LOCAL);
    cap.rtp('sent', Buffer.alloc(70_000), { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    cap.rtp('sent', Buffer.alloc(172), { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    expect(cap.skipped).toBe(2);
    expect(cap.packets).toBe(1);
    expect(cap.notes).toHaveLength(2);
    for (const n of cap.notes) expect(n).toMatch(/^PCAP_PACKET_SKIPPED: PCAP_/);
    expect(cap.notes[0]).toMatch(/not an IP address/);
    expect(await cap.finish()).toBe(true);
    expect(readPcap(readFileSync(file)).frames).toHaveLength(1);
  });

  it('a capture that cannot be completed leaves no file at all (and says why)', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const file = join(sub, 'gone.pcap');
    const cap = await CallCapture.open(file);
    cap.rtp('sent', Buffer.alloc(172), { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    rmSync(sub, { recursive: true, force: true }); // the rename into place must fail
    expect(await cap.finish()).toBe(false);
    expect(cap.notes.some((n) => n.startsWith('PCAP_FAILED: PCAP_WRITE'))).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('abort leaves no file and no temporary file', async () => {
    const file = join(dir, 'aborted.pcap');
    const cap = await CallCapture.open(file);
    cap.rtp('sent', Buffer.alloc(172), { address: '127.0.0.1', port: 10000 }, { address: '127.0.0.1', port: 20000 });
    await cap.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a path whose directory does not exist is a typed error at open', async () => {
    await expect(CallCapture.open(join(dir, 'no', 'x.pcap'))).rejects.toMatchObject({ code: 'PCAP_OPEN' });
  });
});
