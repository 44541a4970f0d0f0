/**
 * `sipprobe call --pcap` against real peers, the capture read by Wireshark (tshark): 0 malformed
 * frames, the dialog in `-z sip,stat`, both RTP streams in `-z rtp,streams` with no loss — and
 * compared with what tshark itself captured on `lo` during the same call: the same SIP messages
 * (the ones we sent byte for byte) and the same RTP packets.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import { decodeSip, dissectorReport, rtpStreams, startCapture, startSippUas, stopAllPeers } from './harness';

jest.setTimeout(90_000);

const QUESTION = join(__dirname, '../../assets/question-8k.wav');
// the CLI's Caller takes RTP ports from the default range
const OUR_RTP: readonly [number, number] = [10000, 20001];

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIo & { out: string; err: string };
  o.stdout = { write: (t: string) => (o.out += t) };
  o.stderr = { write: (t: string) => (o.err += t) };
  o.env = process.env;
  o.cwd = process.cwd();
  o.signal = new AbortController().signal;
  return o;
}

function tshark(...args: string[]): string {
  return execFileSync('tshark', ['-n', ...args], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** UDP datagrams (src port, dst port, payload hex) that are RTP version 2, not RTCP, between the given ports. */
function rtpPackets(pcap: string, ports: number[]): string[] {
  const filter = `udp && !sip && (${ports.map((p) => `udp.port == ${p}`).join(' || ')})`;
  return tshark('-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      const hex = l.split('\t')[2] ?? '';
      const b0 = parseInt(hex.slice(0, 2), 16);
      const pt = parseInt(hex.slice(2, 4), 16);
      return b0 >> 6 === 2 && !(pt >= 200 && pt <= 204);
    });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-pcap-interop-'));
});
afterEach(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('sipprobe call --pcap, read by tshark', () => {
  it('against SIPp (echo): clean dissection, the dialog, both RTP streams lossless; matches a real capture of lo', async () => {
    const sipp = await startSippUas({ scenario: 'basic', calls: 1, media: 'echo', maxSeconds: 40 });
    const wire = await startCapture([sipp.port, [sipp.mediaPort, sipp.mediaPort + 3], OUR_RTP], { maxSeconds: 40 });
    const pcap = join(dir, 'sipp.pcap');
    const json = join(dir, 'sipp.json');
    const x = io();
    const code = await runCli(['call', `sip:agent@127.0.0.1:${sipp.port}`, '--play', QUESTION, '--duration', '3s', '--pcap', pcap, '--json', json], x);
    expect(x.err).toMatch(/^COMPLETED/);
    expect(code).toBe(0);
    expect(x.err).toContain(`wrote ${pcap}`);
    expect(await sipp.wait()).toBe(0);
    const wirePcap = await wire.stop();
    const r = JSON.parse(readFileSync(json, 'utf8')) as CallResult;
    const ourPort = r.rtp!.localPort!;

    // Wireshark has nothing to complain about
    const report = await dissectorReport(pcap, { sipPorts: [sipp.port] });
    expect(report.malformedFrames).toEqual([]);
    expect(report.expertErrorFrames).toEqual([]);
    expect(tshark('-r', pcap, '-V')).not.toMatch(/Malformed Packet/);

    // the dialog
    const stat = tshark('-r', pcap, '-q', '-z', 'sip,stat');
    expect(stat).toMatch(/INVITE\s+:\s+1\b/);
    expect(stat).toMatch(/ACK\s+:\s+1\b/);
    expect(stat).toMatch(/BYE\s+:\s+1\b/);
    expect(stat).toMatch(/SIP 200 OK\s+:\s+2\b/);
    expect(stat).toMatch(/SIP 180 Ringing\s+:\s+1\b/);

    // both directions of RTP, found from the SDP (and the heuristic), no loss
    const streams = await rtpStreams(pcap);
    const out = streams.find((s) => s.srcPort === ourPort && s.dstPort === sipp.mediaPort);
    const back = streams.find((s) => s.srcPort === sipp.mediaPort && s.dstPort === ourPort);
    expect(out).toBeDefined();
    expect(back).toBeDefined();
    expect(out!.payload).toMatch(/g711U/);
    expect(out!.packets).toBe(r.rtp!.sent.packets);
    expect(out!.lost).toBe(0);
    expect(back!.packets).toBe(r.rtp!.received.packets);
    expect(back!.lost).toBeLessThanOrEqual(1);

    // same call as the kernel saw it: every SIP message (sent ones byte for byte), every RTP packet
    const ours = await decodeSip(pcap, { sipPorts: [sipp.port] });
    const seen = await decodeSip(wirePcap, { sipPorts: [sipp.port] });
    expect(ours.map((m) => m.firstLine)).toEqual(seen.map((m) => m.firstLine));
    expect(ours.map((m) => m.firstLine)).toEqual(r.messages.map((m) => m.firstLine));
    for (const [i, m] of ours.entries()) {
      if (m.srcPort !== sipp.port) expect(m.raw.toString('latin1')).toBe(seen[i].raw.toString('latin1'));
    }
    // every packet we sent is on the wire and vice versa; of what came in, only an echo arriving
    // after our sockets closed may be missing from ours (it was never received)
    const ourRtp = rtpPackets(pcap, [ourPort]);
    const wireRtp = rtpPackets(wirePcap, [ourPort]);
    const sentBy = (rows: string[]): string[] => rows.filter((l) => Number(l.split('\t')[0]) === ourPort);
    expect(sentBy(ourRtp)).toEqual(sentBy(wireRtp));
    const wireSet = new Set(wireRtp);
    expect(ourRtp.filter((l) => !wireSet.has(l))).toEqual([]);
    const ourSet = new Set(ourRtp);
    const missing = wireRtp.filter((l) => !ourSet.has(l));
    expect(missing.length).toBeLessThanOrEqual(2);
    for (const l of missing) expect(Number(l.split('\t')[1])).toBe(ourPort);
    // timestamps are real: each SIP datagram within 50 ms of when the kernel saw it
    const times = (f: string): number[] =>
      tshark('-r', f, '-Y', `udp.port == ${sipp.port}`, '-T', 'fields', '-e', 'frame.time_epoch').split('\n').filter(Boolean).map(Number);
    const [a, b] = [times(pcap), times(wirePcap)];
    expect(a.length).toBe(b.length);
    for (const [k, t] of a.entries()) expect(Math.abs(t - b[k])).toBeLessThan(0.05);
  });

  it('against the TestAgent over TCP: SIP reassembled from TCP, the greeting stream and ours lossless', async () => {
    const agent = new TestAgent({ transport: 'tcp', behaviour: { ringMs: 100, hangupAfterMs: 3000 } });
    const uri = await agent.start();
    const pcap = join(dir, 'agent-tcp.pcap');
    const json = join(dir, 'agent-tcp.json');
    const x = io();
    let code: number;
    try {
      code = await runCli(['call', uri, '--transport', 'tcp', '--play', QUESTION, '--duration', '6s', '--pcap', pcap, '--json', json], x);
    } finally {
      await agent.stop();
    }
    expect(x.err).toMatch(/^COMPLETED/);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8')) as CallResult;
    const sipPort = Number(/:(\d+)/.exec(uri.slice(4))![1]);
    // the agent's BYE comes on a connection it opens to our listening port
    const ourSipPort = Number(r.messages[0].local.split(':').pop());
    const sipPorts = [sipPort, ourSipPort];
    const report = await dissectorReport(pcap, { sipPorts });
    expect(report.malformedFrames).toEqual([]);
    expect(report.expertErrorFrames).toEqual([]);
    const msgs = await decodeSip(pcap, { sipPorts });
    expect(msgs.every((m) => m.transport === 'tcp')).toBe(true);
    // the harness reassembles each TCP direction on its own, so compare each direction's order
    for (const dir of ['sent', 'received'] as const) {
      const fromUs = (m: (typeof msgs)[number]): boolean => m.srcPort === ourSipPort;
      expect(msgs.filter((m) => fromUs(m) === (dir === 'sent')).map((m) => m.firstLine)).toEqual(r.messages.filter((m) => m.direction === dir).map((m) => m.firstLine));
    }
    const stat = tshark('-r', pcap, '-d', `tcp.port==${sipPort},sip`, '-d', `tcp.port==${ourSipPort},sip`, '-q', '-z', 'sip,stat');
    expect(stat).toMatch(/INVITE\s+:\s+1\b/);
    expect(stat).toMatch(/ACK\s+:\s+1\b/);
    expect(stat).toMatch(/BYE\s+:\s+1\b/);
    const streams = await rtpStreams(pcap);
    const ourPort = r.rtp!.localPort!;
    const out = streams.find((s) => s.srcPort === ourPort);
    const back = streams.find((s) => s.dstPort === ourPort);
    expect(out?.packets).toBe(r.rtp!.sent.packets);
    expect(back?.packets).toBe(r.rtp!.received.packets);
    expect(out?.lost).toBe(0);
    expect(back?.lost).toBe(0);
    expect(out!.ssrc).not.toBe(back!.ssrc);
  });
});
