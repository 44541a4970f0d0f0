/**
 * `caller.call({ pcap })` against the TestAgent: the capture holds every SIP message of the
 * ladder and every RTP/RTCP datagram, framed right (read back with the report tests' own
 * independent pcap reader), and appears complete or not at all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import type { CallResult } from '../../src/caller/result';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { decodeFrame, readPcap, type Decoded } from '../unit/pcap/pcap-reader';

jest.setTimeout(40_000);

const QUESTION = join(__dirname, '../../assets/question-8k.wav');
const agentPool = new RtpPortPool({ min: 36000, max: 36200 });
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-pcap-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Parsed {
  frames: Array<Decoded & { timeUs: number }>;
}

function parse(file: string): Parsed {
  const pcap = readPcap(readFileSync(file));
  expect(pcap.linktype).toBe(1);
  return { frames: pcap.frames.map((f) => ({ ...decodeFrame(f.data), timeUs: f.sec * 1e6 + f.usec })) };
}

const text = (p: Uint8Array): string => Buffer.from(p).toString('latin1');
const isSip = (f: Decoded): boolean => /^(SIP\/2\.0 \d{3} [^\r\n]*|[A-Z]+ \S+ SIP\/2\.0)\r\n/.test(text(f.payload.subarray(0, 200)));
const isRtcp = (f: Decoded): boolean => f.protocol === 17 && f.payload.length >= 8 && f.payload[1] >= 200 && f.payload[1] <= 204;
const isRtp = (f: Decoded): boolean => f.protocol === 17 && f.payload.length >= 12 && f.payload[0] >> 6 === 2 && !isRtcp(f);

/** SIP messages reassembled from TCP segments (Content-Length framed), in the order they completed. */
function tcpMessages(frames: Decoded[]): string[] {
  const streams = new Map<string, string>();
  const out: string[] = [];
  for (const f of frames) {
    if (f.protocol !== 6 || f.payload.length === 0) continue;
    const k = `${f.srcPort}>${f.dstPort}`;
    let s = (streams.get(k) ?? '') + text(f.payload);
    for (;;) {
      const head = s.indexOf('\r\n\r\n');
      if (head < 0) break;
      const len = Number(/\r\nContent-Length: *(\d+)/i.exec(s.slice(0, head))?.[1] ?? 0);
      if (s.length < head + 4 + len) break;
      out.push(s.slice(0, head + 4 + len));
      s = s.slice(head + 4 + len);
    }
    streams.set(k, s);
  }
  for (const rest of streams.values()) expect(rest).toBe('');
  return out;
}

function checkFraming(frames: Decoded[]): void {
  for (const f of frames) {
    expect(f.l4Checksum).toBe(f.expectedL4Checksum);
    expect([...f.src]).toEqual([127, 0, 0, 1]);
    expect([...f.dst]).toEqual([127, 0, 0, 1]);
  }
}

function checkMedia(p: Parsed, r: CallResult): void {
  const rtp = r.rtp!;
  const udp = p.frames.filter((f) => f.protocol === 17 && !isSip(f));
  const sentRtp = udp.filter((f) => isRtp(f) && f.srcPort === rtp.localPort);
  const recvRtp = udp.filter((f) => isRtp(f) && f.dstPort === rtp.localPort);
  expect(sentRtp.length).toBe(rtp.sent.packets);
  expect(recvRtp.length).toBeGreaterThanOrEqual(rtp.received.packets);
  expect(recvRtp.length).toBeLessThanOrEqual(rtp.received.packets + rtp.received.dropped);
  expect(sentRtp.length).toBeGreaterThan(50);
  // every sent RTP packet is ours: one SSRC, consecutive sequence numbers
  const ssrcs = new Set(sentRtp.map((f) => Buffer.from(f.payload).readUInt32BE(8)));
  expect(ssrcs.size).toBe(1);
  const seqs = sentRtp.map((f) => Buffer.from(f.payload).readUInt16BE(2));
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] + 1) & 0xffff);
  // RTCP: our closing BYE goes from the RTCP port (RTP + 1)
  const rtcpOut = udp.filter((f) => isRtcp(f) && f.srcPort === rtp.localPort! + 1);
  expect(rtcpOut.length).toBeGreaterThanOrEqual(1);
  expect(rtcpOut.some((f) => text(f.payload).includes(String.fromCharCode(203)))).toBe(true);
  expect(udp.length).toBe(sentRtp.length + recvRtp.length + udp.filter(isRtcp).length);
}

function checkTimes(p: Parsed, r: CallResult, before: number, after: number): void {
  for (const f of p.frames) {
    expect(f.timeUs).toBeGreaterThanOrEqual(before * 1000);
    expect(f.timeUs).toBeLessThanOrEqual(after * 1000);
  }
  // the span of the capture is the call's (within scheduling slack)
  const span = (Math.max(...p.frames.map((f) => f.timeUs)) - Math.min(...p.frames.map((f) => f.timeUs))) / 1000;
  expect(Math.abs(span - r.timings.endMs!)).toBeLessThan(250);
}

describe.each(['udp', 'tcp'] as const)('caller pcap over %s', (transport) => {
  test('every SIP message of the ladder and every RTP/RTCP datagram, framed right', async () => {
    const agent = new TestAgent({ transport, behaviour: { hangupAfterMs: 2500 }, media: { portPool: agentPool } });
    await agent.start();
    const caller = new Caller({ transport, rtpPorts: { min: 36400, max: 36600 } });
    const file = join(dir, `call-${transport}.pcap`);
    const before = Date.now();
    let r: CallResult;
    try {
      r = await caller.call({ target: agent.uri, play: QUESTION, durationMs: 5000, pcap: file }).result;
    } finally {
      await caller.close();
      await agent.stop();
    }
    const after = Date.now();
    expect(r.outcome).toBe('completed');
    expect(r.warnings.filter((w) => w.startsWith('PCAP'))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    const p = parse(file);
    checkFraming(p.frames);
    let sip: string[];
    if (transport === 'udp') {
      sip = p.frames.filter(isSip).map((f) => text(f.payload));
      expect(p.frames.filter(isSip).every((f) => f.protocol === 17)).toBe(true);
    } else {
      sip = tcpMessages(p.frames);
      expect(p.frames.filter((f) => f.protocol === 6).length).toBeGreaterThanOrEqual(sip.length);
    }
    expect(sip.length).toBe(r.messages.length);
    expect(sip.map((m) => m.slice(0, m.indexOf('\r\n')))).toEqual(r.messages.map((m) => m.firstLine));
    expect(sip[0]).toContain(`X-Run-Id: ${r.ids.runId}`);
    expect(sip.filter((m) => m.startsWith('BYE ')).length).toBe(1);
    checkMedia(p, r);
    checkTimes(p, r, before, after);
  });
});

describe('caller pcap edge cases', () => {
  test('a directory that does not exist: outcome error before anything is sent', async () => {
    const agent = new TestAgent({ behaviour: { play: null }, media: { portPool: agentPool } });
    await agent.start();
    const caller = new Caller({ rtpPorts: { min: 36400, max: 36600 } });
    try {
      const r = await caller.call({ target: agent.uri, pcap: join(dir, 'missing', 'x.pcap'), durationMs: 100 }).result;
      expect(r.outcome).toBe('error');
      expect(r.error?.code).toBe('PCAP_OPEN');
      expect(r.messages).toEqual([]);
      expect(agent.calls).toHaveLength(0);
    } finally {
      await caller.close();
      await agent.stop();
    }
  });

  test('a rejected call is captured too (INVITE, 486, ACK)', async () => {
    const agent = new TestAgent({ behaviour: { reject: 486 }, media: { portPool: agentPool } });
    await agent.start();
    const caller = new Caller({ rtpPorts: { min: 36400, max: 36600 } });
    const file = join(dir, 'busy.pcap');
    try {
      const r = await caller.call({ target: agent.uri, pcap: file }).result;
      expect(r.outcome).toBe('busy');
      const sip = parse(file).frames.filter(isSip).map((f) => text(f.payload).split('\r\n')[0]);
      expect(sip).toEqual(r.messages.map((m) => m.firstLine));
      expect(sip.some((l) => l.startsWith('SIP/2.0 486'))).toBe(true);
      expect(sip.some((l) => l.startsWith('ACK '))).toBe(true);
    } finally {
      await caller.close();
      await agent.stop();
    }
  });
});

describe('caller pcap over TLS', () => {
  test('SIP over TLS is captured as plaintext TCP', async () => {
    const certDir = mkdtempSync(join(dir, 'tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(certDir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(certDir, 'key.pem'), 'utf8');
    const agent = new TestAgent({ transport: 'tls', tls: { cert, key }, behaviour: { play: null }, media: { portPool: agentPool } });
    await agent.start();
    const caller = new Caller({ transport: 'tls', tls: { ca: cert }, rtpPorts: { min: 36400, max: 36600 } });
    const file = join(dir, 'tls.pcap');
    try {
      // the caller hangs up: an agent's BYE would need a TLS connection to the caller (no server cert)
      const r = await caller.call({ target: agent.uri, pcap: file, durationMs: 500 }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('caller');
      const p = parse(file);
      checkFraming(p.frames);
      const sip = tcpMessages(p.frames);
      expect(sip.map((m) => m.slice(0, m.indexOf('\r\n')))).toEqual(r.messages.map((m) => m.firstLine));
      expect(sip[0]).toMatch(/^INVITE sips:/);
      expect(sip[0]).toMatch(/Via: SIP\/2\.0\/TLS /);
    } finally {
      await caller.close();
      await agent.stop();
    }
  });
});
