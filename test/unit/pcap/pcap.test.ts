import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  encodePcap,
  PacketFramer,
  parseIpAddress,
  PcapWriter,
  PcapWriteError,
  PcapError,
  type CapturedPacket,
} from '../../../src/pcap';
import { decodeFrame, internetChecksum, readPcap } from './pcap-reader';

const T0 = Date.parse('2025-01-15T10:00:00Z') * 1000;
const seqFrom = (n: number) => () => n;

function udp(payload: string | Uint8Array, over: Partial<CapturedPacket> = {}): CapturedPacket {
  return {
    timeUs: T0,
    protocol: 'udp',
    src: { address: '127.0.0.1', port: 45060 },
    dst: { address: '127.0.0.1', port: 5080 },
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    ...over,
  };
}

describe('pcap file layout', () => {
  it('writes the classic global header: magic a1b2c3d4 LE, v2.4, Ethernet', () => {
    const file = encodePcap([]);
    expect(file.length).toBe(24);
    expect([...file.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const parsed = readPcap(file);
    expect(parsed).toMatchObject({ version: '2.4', linktype: 1, snaplen: 262144, frames: [] });
  });

  it('keeps microsecond timestamps', () => {
    const file = encodePcap([udp('a', { timeUs: T0 + 123456 }), udp('b', { timeUs: 2_000_001.9 })]);
    const { frames } = readPcap(file);
    expect(frames.map((f) => [f.sec, f.usec])).toEqual([
      [T0 / 1e6, 123456],
      [2, 1],
    ]);
  });

  it('frames UDP over IPv4 byte for byte', () => {
    const payload = 'OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n\r\n';
    const [frame] = new PacketFramer().frame(udp(payload, { src: { address: '10.1.2.3', port: 5060 }, dst: { address: '192.168.0.9', port: 5062 } }));
    const len = Buffer.byteLength(payload);
    expect([...frame.subarray(0, 14)]).toEqual([0x02, 0, 192, 168, 0, 9, 0x02, 0, 10, 1, 2, 3, 0x08, 0x00]);
    const ip = frame.subarray(14, 34);
    expect(ip[0]).toBe(0x45);
    expect(ip.readUInt16BE(2)).toBe(20 + 8 + len);
    expect(ip.readUInt16BE(6)).toBe(0x4000);
    expect(ip[8]).toBe(64);
    expect(ip[9]).toBe(17);
    expect([...ip.subarray(12, 20)]).toEqual([10, 1, 2, 3, 192, 168, 0, 9]);
    expect(internetChecksum(ip)).toBe(0); // a correct header sums to 0xffff
    const d = decodeFrame(frame);
    expect(d.srcPort).toBe(5060);
    expect(d.dstPort).toBe(5062);
    expect(d.l4Checksum).toBe(d.expectedL4Checksum);
    expect(Buffer.from(d.payload).toString()).toBe(payload);
  });

  it('frames UDP over IPv6 with the IPv6 pseudo-header', () => {
    const p = udp('v6 payload, odd length', { src: { address: '[::1]', port: 5060 }, dst: { address: 'fe80::1%lo', port: 6000 } });
    const [frame] = new PacketFramer().frame(p);
    expect(frame.readUInt16BE(12)).toBe(0x86dd);
    const d = decodeFrame(frame);
    expect(d.ipVersion).toBe(6);
    expect(d.ipHeader[0] >> 4).toBe(6);
    expect(d.ipHeader[7]).toBe(64);
    expect([...d.src]).toEqual([...Array(15).fill(0), 1]);
    expect([...d.dst]).toEqual([0xfe, 0x80, ...Array(13).fill(0), 1]);
    expect(d.l4Checksum).toBe(d.expectedL4Checksum);
  });

  it('writes an IPv4-mapped peer of a dual-stack socket as IPv4', () => {
    const [frame] = new PacketFramer().frame(udp('x', { src: { address: '::ffff:127.0.0.1', port: 1 }, dst: { address: '127.0.0.2', port: 2 } }));
    const d = decodeFrame(frame);
    expect(d.ipVersion).toBe(4);
    expect([...d.src]).toEqual([127, 0, 0, 1]);
  });

  it('writes 0xffff for a UDP checksum that computes to 0 (RFC 768)', () => {
    // Choose the 2-byte payload that makes the one's-complement sum 0xffff.
    const probe = decodeFrame(new PacketFramer().frame(udp(new Uint8Array([0, 0])))[0]);
    const word = probe.expectedL4Checksum; // the sum without the payload, complemented
    const [frame] = new PacketFramer().frame(udp(new Uint8Array([word >> 8, word & 0xff])));
    const d = decodeFrame(frame);
    expect(d.l4Checksum).toBe(0xffff);
  });

  it('parses IPv6 text forms', () => {
    expect([...parseIpAddress('2001:db8::ff00:42:8329')]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]);
    expect([...parseIpAddress('::ffff:192.0.2.128')]).toEqual([...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 128]);
    expect([...parseIpAddress('1::')]).toEqual([0, 1, ...Array(14).fill(0)]);
    expect([...parseIpAddress('1:2:3:4:5:6:7:8')]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  });

  it('gives typed errors for packets no wire could carry', () => {
    const f = new PacketFramer();
    const cases: Array<[CapturedPacket, string]> = [
      [udp('x', { src: { address: 'example.com', port: 1 } }), 'PCAP_BAD_ADDRESS'],
      [udp('x', { src: { address: '1.2.3.256', port: 1 } }), 'PCAP_BAD_ADDRESS'],
      [udp('x', { dst: { address: '::1', port: 1 } }), 'PCAP_MIXED_FAMILY'],
      [udp('x', { dst: { address: '127.0.0.1', port: 65536 } }), 'PCAP_BAD_PORT'],
      [udp('x', { dst: { address: '127.0.0.1', port: 1.5 } }), 'PCAP_BAD_PORT'],
      [udp(new Uint8Array(65508)), 'PCAP_PAYLOAD_TOO_LARGE'],
      [udp('x', { protocol: 'sctp' as 'udp' }), 'PCAP_BAD_PROTOCOL'],
    ];
    for (const [p, code] of cases) {
      let err: unknown;
      try {
        f.frame(p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PcapError);
      expect((err as PcapError).code).toBe(code);
    }
    expect(f.frame(udp(new Uint8Array(65507)))[0].length).toBe(14 + 65535);
    expect(f.frame(udp(new Uint8Array(65527), { src: { address: '::1', port: 1 }, dst: { address: '::1', port: 2 } }))[0].length).toBe(14 + 40 + 65535);
    for (const t of [NaN, -1, Infinity, 2 ** 32 * 1e6]) {
      expect(() => encodePcap([udp('x', { timeUs: t })])).toThrow(expect.objectContaining({ code: 'PCAP_BAD_TIME' }));
    }
  });
});

describe('TCP framing', () => {
  const a = { address: '127.0.0.1', port: 40000 };
  const b = { address: '127.0.0.1', port: 5060 };
  const tcp = (src: typeof a, dst: typeof a, text: string, t = 0): CapturedPacket => ({ timeUs: T0 + t, protocol: 'tcp', src, dst, payload: Buffer.from(text) });

  it('keeps a per-direction sequence stream, acknowledges the other side, flags PSH|ACK', () => {
    const framer = new PacketFramer({ tcpInitialSequence: (flow) => (flow.includes('|40000|127.0.0.1|5060') ? 1000 : 0xfffffff0) });
    const f1 = decodeFrame(framer.frame(tcp(a, b, 'INVITE 123456'))[0]); // 13 bytes
    const f2 = decodeFrame(framer.frame(tcp(b, a, 'SIP/2.0 100 Trying (29 bytes)'))[0]);
    const f3 = decodeFrame(framer.frame(tcp(a, b, 'ACK'))[0]);
    expect([f1.seq, f1.ack, f1.flags]).toEqual([1000, 0xfffffff0, 0x18]);
    expect([f2.seq, f2.ack]).toEqual([0xfffffff0, 1013]);
    expect([f3.seq, f3.ack]).toEqual([1013, (0xfffffff0 + 29) >>> 0]); // wraps modulo 2^32
    for (const f of [f1, f2, f3]) {
      expect(f.protocol).toBe(6);
      expect(f.l4[12] >> 4).toBe(5);
      expect(f.l4Checksum).toBe(f.expectedL4Checksum);
    }
  });

  it('segments a long payload and the segments reassemble to it', () => {
    const framer = new PacketFramer({ tcpMaxSegment: 1000, tcpInitialSequence: seqFrom(7) });
    const text = 'x'.repeat(2500);
    const frames = framer.frame(tcp(a, b, text)).map(decodeFrame);
    expect(frames.map((f) => f.payload.length)).toEqual([1000, 1000, 500]);
    expect(frames.map((f) => f.seq)).toEqual([7, 1007, 2007]);
    expect(Buffer.concat(frames.map((f) => f.payload)).toString()).toBe(text);
    const file = readPcap(encodePcap([tcp(a, b, text)], { tcpMaxSegment: 1000 }));
    expect(file.frames).toHaveLength(3);
  });

  it('an empty payload becomes a bare ACK', () => {
    const f = decodeFrame(new PacketFramer().frame(tcp(a, b, ''))[0]);
    expect(f.flags).toBe(0x10);
    expect(f.payload.length).toBe(0);
  });
});

describe('against a real capture', () => {
  it('re-frames all 1360 UDP packets of SIP_DTMF2.pcap with identical UDP headers and checksums (1359 good there)', () => {
    const real = readPcap(readFileSync(join(__dirname, '../../fixtures/report/SIP_DTMF2.pcap')));
    expect(real.frames).toHaveLength(1360);
    const packets: CapturedPacket[] = [];
    const originals = real.frames.map((f) => decodeFrame(f.data));
    for (let i = 0; i < originals.length; i++) {
      const o = originals[i];
      expect(o.protocol).toBe(17);
      packets.push({
        timeUs: real.frames[i].sec * 1e6 + real.frames[i].usec,
        protocol: 'udp',
        src: { address: [...o.src].join('.'), port: o.srcPort },
        dst: { address: [...o.dst].join('.'), port: o.dstPort },
        payload: o.payload,
      });
    }
    const ours = readPcap(encodePcap(packets));
    expect(ours.frames).toHaveLength(1360);
    for (let i = 0; i < ours.frames.length; i++) {
      const mine = decodeFrame(ours.frames[i].data);
      expect(mine.padding).toBe(0);
      expect([ours.frames[i].sec, ours.frames[i].usec]).toEqual([real.frames[i].sec, real.frames[i].usec]);
      expect(mine.l4Checksum).toBe(mine.expectedL4Checksum);
      if (i === 1357) {
        // Wireshark flags the real frame 1358 (a REGISTER) as a bad UDP checksum; ours is the right one.
        expect(originals[i].l4Checksum).not.toBe(originals[i].expectedL4Checksum);
        expect(Buffer.from(mine.l4.subarray(8)).equals(Buffer.from(originals[i].l4.subarray(8)))).toBe(true);
        continue;
      }
      expect(Buffer.from(mine.l4).equals(Buffer.from(originals[i].l4))).toBe(true);
      expect(Buffer.from(mine.ipHeader).readUInt16BE(2)).toBe(Buffer.from(originals[i].ipHeader).readUInt16BE(2));
      expect(internetChecksum(mine.ipHeader)).toBe(0);
    }
  });
});

describe('property: any packet frames into a well-formed, checksummed frame', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
  const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
  const endpoint = (addr: fc.Arbitrary<string>) => fc.record({ address: addr, port: fc.nat(65535) });
  const packet = fc.oneof(fc.constant(v4), fc.constant(v6)).chain((addr) =>
    fc.record({
      timeUs: fc.nat(2 ** 40),
      protocol: fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp'),
      src: endpoint(addr),
      dst: endpoint(addr),
      payload: fc.uint8Array({ maxLength: 3000 }),
    }),
  );

  it('holds for a few hundred random packets', () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), (packets) => {
        const file = readPcap(encodePcap(packets, { tcpMaxSegment: 1400 }));
        let i = 0;
        for (const p of packets) {
          const parts: Uint8Array[] = [];
          do {
            const d = decodeFrame(file.frames[i++].data);
            expect(d.padding).toBe(0);
            expect(d.l4Checksum).toBe(d.expectedL4Checksum);
            if (d.ipVersion === 4) expect(internetChecksum(d.ipHeader)).toBe(0);
            expect([d.srcPort, d.dstPort]).toEqual([p.src.port, p.dst.port]);
            parts.push(d.payload);
          } while (p.protocol === 'tcp' && Buffer.concat(parts).length < p.payload.length);
          expect(Buffer.concat(parts).equals(Buffer.from(p.payload))).toBe(true);
        }
        expect(i).toBe(file.frames.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('PcapWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sipprobe-pcap-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams to a temp file and renames on close; bytes equal encodePcap', async () => {
    const path = join(dir, 'call.pcap');
    const packets = [udp('INVITE'), udp('SIP/2.0 200 OK', { timeUs: T0 + 5000 }), { ...udp('SIP over tcp'), protocol: 'tcp' as const }];
    const w = await PcapWriter.open(path, { tcpInitialSequence: seqFrom(1) });
    for (const p of packets) w.write(p);
    expect(existsSync(path)).toBe(false);
    expect(w.packets).toBe(3);
    await w.close();
    expect(readdirSync(dir)).toEqual(['call.pcap']);
    expect((await readFile(path)).equals(encodePcap(packets, { tcpInitialSequence: seqFrom(1) }))).toBe(true);
    expect(() => w.write(udp('late'))).toThrow(expect.objectContaining({ code: 'PCAP_CLOSED' }));
    await expect(w.close()).rejects.toBeInstanceOf(PcapWriteError);
  });

  it('a packet that cannot be framed is refused and the capture stays valid', async () => {
    const path = join(dir, 'x.pcap');
    const w = await PcapWriter.open(path);
    w.write(udp('one'));
    expect(() => w.write(udp('bad', { src: { address: 'nope', port: 1 } }))).toThrow(PcapError);
    w.write(udp('two'));
    await w.close();
    const frames = readPcap(await readFile(path)).frames.map((f) => Buffer.from(decodeFrame(f.data).payload).toString());
    expect(frames).toEqual(['one', 'two']);
  });

  it('many packets written without awaiting all land in order', async () => {
    const path = join(dir, 'many.pcap');
    const w = await PcapWriter.open(path);
    for (let i = 0; i < 3000; i++) w.write(udp(`pkt ${i}`, { timeUs: T0 + i * 20000 }));
    await w.close();
    const frames = readPcap(await readFile(path)).frames;
    expect(frames).toHaveLength(3000);
    expect(Buffer.from(decodeFrame(frames[2999].data).payload).toString()).toBe('pkt 2999');
  });

  it('abort leaves nothing behind', async () => {
    const path = join(dir, 'gone.pcap');
    const w = await PcapWriter.open(path);
    w.write(udp('x'));
    await w.abort();
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory that does not exist gives a typed error', async () => {
    await expect(PcapWriter.open(join(dir, 'missing', 'x.pcap'))).rejects.toMatchObject({ code: 'PCAP_OPEN' });
  });
});
