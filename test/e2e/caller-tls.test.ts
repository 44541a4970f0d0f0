/**
 * Caller ↔ TestAgent over TLS and TCP where the agent hangs up: its BYE must reach the Caller.
 * The Caller over TLS has no certificate, so it cannot accept connections; the agent's BYE has
 * to reuse the connection the call came in on (RFC 3261 §18, RFC 5923/5626 connection reuse).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { decodeFrame, readPcap } from '../unit/pcap/pcap-reader';
import { selfSignedCert } from '../helpers/self-signed';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 36000, max: 36200 });
let dir: string;
let cert: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-tls-'));
  ({ cert, key } = selfSignedCert());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function agentHangsUp(transport: 'tls' | 'tcp', callerTls?: { ca?: string; rejectUnauthorized?: boolean }): Promise<void> {
  const agent = new TestAgent({ transport, tls: transport === 'tls' ? { cert, key } : undefined, behaviour: { play: null, hangupAfterMs: 1000 }, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ transport, tls: callerTls, rtpPorts: { min: 36400, max: 36600 }, sipTimers: { T1: 100 } });
  try {
    const started = Date.now();
    const pcap = join(dir, `${transport}-${callerTls?.ca ? 'ca' : 'noverify'}.pcap`);
    const r = await caller.call({ target: agent.uri, timeouts: { callMs: 8_000 }, pcap }).result;
    const took = Date.now() - started;
    expect(r.error).toBeNull();
    expect(r.outcome).toBe('completed');
    expect(r.endedBy).toBe('agent');
    expect(took).toBeLessThan(5000);
    const bye = r.messages.filter((m) => m.firstLine.startsWith('BYE '));
    expect(bye.map((m) => m.direction)).toEqual(['received']);
    // connection reuse: the BYE comes over the connection the call was set up on
    const answer = r.messages.find((m) => m.direction === 'received' && m.firstLine.startsWith('SIP/2.0 200'));
    expect(bye[0].remote).toBe(answer?.remote);
    expect(bye[0].local).toBe(answer?.local);
    expect(r.messages.some((m) => m.direction === 'sent' && m.firstLine.startsWith('SIP/2.0 200'))).toBe(true);
    // the capture: SIP as TCP between the same two endpoints both ways (one stream), our
    // INVITE byte for byte as sent
    const sip = readPcap(readFileSync(pcap)).frames.map((f) => decodeFrame(f.data)).filter((d) => d.protocol === 6 && d.payload.length > 0);
    const ends = new Set(sip.map((d) => [d.srcPort, d.dstPort].sort((x, y) => x - y).join('-')));
    expect(ends.size).toBe(1);
    const text = Buffer.concat(sip.map((d) => Buffer.from(d.payload))).toString('latin1');
    const invite = r.messages.find((m) => m.direction === 'sent' && m.firstLine.startsWith('INVITE '))!;
    expect(text.startsWith(invite.raw)).toBe(true);
    expect(text).toMatch(/\r\nBYE sips?:/);
    expect(text).toMatch(/SIP\/2\.0 200 OK\r\n(?:[^\r\n]+\r\n)*CSeq: \d+ BYE\r\n/);
    expect(agent.calls[0].invite.headers.get('via')).toMatch(transport === 'tls' ? /^SIP\/2\.0\/TLS / : /^SIP\/2\.0\/TCP /);
  } finally {
    await caller.close();
    await agent.stop();
  }
}

describe('agent hangs up: its BYE reaches the Caller', () => {
  test('over TLS, Caller without certificate (rejectUnauthorized: false)', () => agentHangsUp('tls', { rejectUnauthorized: false }));
  test('over TLS, Caller trusting the agent certificate as CA', () => agentHangsUp('tls', { ca: cert }));
  test('over TCP', () => agentHangsUp('tcp'));
});
