import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallResult } from '../../src/caller/result';
import { PcapWriter, type CapturedPacket } from '../../src/pcap';
import { buildRtcpReport, serializeRtcp, serializeRtp, wallClockToNtp } from '../../src/rtp';

// Wireshark (Debian `tshark`) reads captures written by PcapWriter: nothing malformed, every
// checksum verified good by Wireshark itself, the SIP dialog in `-z sip,stat`, the RTP streams
// negotiated by the SDP in `-z rtp,streams`.

const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/report/completed.json'), 'utf8')) as CallResult;
const T0 = Date.parse(fixture.timings.startedAt) * 1000;
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];

function tshark(file: string, ...args: string[]): string {
  return execFileSync('tshark', ['-n', '-r', file, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function ep(text: string, v6: boolean): { address: string; port: number } {
  const i = text.lastIndexOf(':');
  return { address: v6 ? '::1' : text.slice(0, i), port: Number(text.slice(i + 1)) };
}

/** Rewrites a message body and its Content-Length. */
function withBody(raw: string, edit: (body: string) => string): string {
  const split = raw.indexOf('\r\n\r\n') + 4;
  const body = edit(raw.slice(split));
  return raw.slice(0, split).replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(body)}`) + body;
}

/** The completed fixture's SIP ladder plus 100 PCMU packets each way and one RTCP SR each way. */
function callPackets(protocol: 'udp' | 'tcp', v6: boolean): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  for (const m of fixture.messages) {
    const local = ep(m.local, v6);
    const remote = ep(m.remote, v6);
    let raw = m.raw;
    if (protocol === 'tcp') raw = raw.replace(/SIP\/2\.0\/UDP/g, 'SIP/2.0/TCP');
    if (v6) raw = withBody(raw, (body) => body.replace(/IN IP4 127\.0\.0\.1/g, 'IN IP6 ::1'));
    const [src, dst] = m.direction === 'sent' ? [local, remote] : [remote, local];
    out.push({ timeUs: T0 + m.t * 1000, protocol, src, dst, payload: Buffer.from(raw) });
  }
  const host = v6 ? '::1' : '127.0.0.1';
  const ours = { address: host, port: 40000 };
  const theirs = { address: host, port: 41000 };
  const answerUs = T0 + fixture.timings.answerMs! * 1000;
  for (let i = 0; i < 100; i++) {
    const payload = new Uint8Array(160).fill(0xff);
    const sent = serializeRtp({ payloadType: 0, sequenceNumber: 1000 + i, timestamp: 8000 + i * 160, ssrc: 0x11223344, marker: i === 0, payload });
    const recv = serializeRtp({ payloadType: 0, sequenceNumber: 50000 + i, timestamp: 1234 + i * 160, ssrc: 0x55667788, marker: i === 0, payload });
    out.push({ timeUs: answerUs + 1000 + i * 20000, protocol: 'udp', src: ours, dst: theirs, payload: sent });
    out.push({ timeUs: answerUs + 1500 + i * 20000 + (i % 3) * 300, protocol: 'udp', src: theirs, dst: ours, payload: recv });
  }
  const sr = serializeRtcp(
    buildRtcpReport({
      ssrc: 0x11223344,
      cname: 'sipprobe@test',
      sender: { ntp: wallClockToNtp(answerUs / 1000 + 2000), rtpTimestamp: 8000 + 100 * 160, packetCount: 100, octetCount: 16000 },
    }),
  );
  out.push({ timeUs: answerUs + 2_000_000, protocol: 'udp', src: { address: host, port: 40001 }, dst: { address: host, port: 41001 }, payload: sr });
  return out.sort((a, b) => a.timeUs - b.timeUs);
}

describe('pcap written by PcapWriter, read by tshark', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipprobe-report-pcap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['udp', false],
    ['tcp', false],
    ['udp', true],
    ['tcp', true],
  ] as const)('SIP over %s (IPv6 %s): 0 malformed, checksums good, sip,stat and rtp,streams show the call', async (protocol, v6) => {
    const file = join(dir, `call-${protocol}-${v6 ? 6 : 4}.pcap`);
    const packets = callPackets(protocol, v6);
    // IPv4 TCP also exercises segmentation: Wireshark must reassemble SIP from 200-byte segments.
    const writer = await PcapWriter.open(file, protocol === 'tcp' && !v6 ? { tcpMaxSegment: 200 } : {});
    for (const p of packets) writer.write(p);
    await writer.close();

    const verbose = tshark(file, '-V', ...CHECKSUMS);
    expect(verbose).not.toMatch(/Malformed Packet/);
    expect(tshark(file, ...CHECKSUMS, '-Y', '_ws.malformed').trim()).toBe('');
    const bad = tshark(file, ...CHECKSUMS, '-Y', 'ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0');
    expect(bad.trim()).toBe('');
    const good = tshark(file, ...CHECKSUMS, '-T', 'fields', '-e', v6 ? 'ipv6.src' : 'ip.checksum.status', '-e', `${protocol === 'tcp' ? 'tcp' : 'udp'}.checksum.status`, '-Y', 'sip');
    const rows = good.trim().split('\n');
    expect(rows).toHaveLength(fixture.messages.length);
    for (const row of rows) expect(row.split('\t')[1]).toBe('1'); // Wireshark: "Good"

    const sipStat = tshark(file, '-q', '-z', 'sip,stat');
    expect(sipStat).toMatch(/INVITE\s+:\s+1\b/);
    expect(sipStat).toMatch(/ACK\s+:\s+1\b/);
    expect(sipStat).toMatch(/BYE\s+:\s+1\b/);
    expect(sipStat).toMatch(/SIP 100 Trying\s+:\s+1\b/);
    expect(sipStat).toMatch(/SIP 180 Ringing\s+:\s+1\b/);
    expect(sipStat).toMatch(/SIP 200 OK\s+:\s+2\b/);

    const streams = tshark(file, '-q', '-z', 'rtp,streams')
      .split('\n')
      .filter((l) => /0x11223344|0x55667788/.test(l));
    expect(streams).toHaveLength(2);
    for (const line of streams) {
      expect(line).toMatch(/\bg711U\b/); // PCMU as Wireshark names it
      expect(line).toMatch(/\s100\s+0 \(0\.0%\)/); // 100 packets, 0 lost
    }
    const rtcp = tshark(file, '-Y', 'rtcp.pt == 200', '-T', 'fields', '-e', 'rtcp.senderssrc');
    expect(rtcp.trim()).toBe('0x11223344');
  });
});
