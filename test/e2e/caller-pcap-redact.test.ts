/**
 * `caller.call({ pcap, auth })` against a TestAgent that challenges (MD5, no qop — the easiest
 * digest to guess a password from offline): the pcap's INVITE carries `response="xxxx…"` of
 * the digest's length, the digest itself appears nowhere in the file, and every other byte of
 * the message is as it went on the wire.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';
import type { SipTraceEvent, SipUserAgent } from '../../src/sip/user-agent';
import { decodeFrame, readPcap } from '../unit/pcap/pcap-reader';

jest.setTimeout(30_000);

const PASSWORD = 'pcap-Redact-e2e-31f0';
const agentPool = new RtpPortPool({ min: 41900, max: 41999 });
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-pcap-redact-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** TCP payloads of one direction joined (the capture writes each message as one segment). */
function sipPayloads(file: string): Buffer[] {
  return readPcap(readFileSync(file))
    .frames.map((f) => decodeFrame(f.data))
    .filter((d) => d.payload.length > 0 && /^(SIP\/2\.0 |[A-Z]+ \S+ SIP\/2\.0\r\n)/.test(Buffer.from(d.payload.subarray(0, 64)).toString('latin1')))
    .map((d) => Buffer.from(d.payload));
}

describe.each([
  ['udp', false],
  ['tcp', true],
] as const)('pcap digest redaction over %s (407: %s)', (transport, proxy) => {
  test('the response is x of the same length; nothing else of the message changed', async () => {
    const agent = new TestAgent({ transport, behaviour: { play: null, auth: { username: 'alice', password: PASSWORD, qop: [], proxy } }, media: { portPool: agentPool } });
    await agent.start();
    const caller = new Caller({ transport, rtpPorts: { min: 41800, max: 41899 } });
    // the exact bytes the user agent sent, to compare the capture with
    const sent: SipTraceEvent[] = [];
    (caller as unknown as { ua: SipUserAgent }).ua.on('trace', (e) => {
      if (e.direction === 'out' && e.raw) sent.push({ ...e, raw: Buffer.from(e.raw) });
    });
    const file = join(dir, `${transport}.pcap`);
    try {
      const r = await caller.call({ target: agent.uri, auth: { username: 'alice', password: PASSWORD }, pcap: file, durationMs: 200 }).result;
      expect(r.outcome).toBe('completed');
      expect(r.warnings.filter((w) => w.startsWith('PCAP'))).toEqual([]);
    } finally {
      await caller.close();
      await agent.stop();
    }
    const credHeader = proxy ? 'Proxy-Authorization' : 'Authorization';
    const authed = sent.filter((e) => e.message.kind === 'request' && e.message.headers.has(credHeader));
    expect(authed.map((e) => (e.message.kind === 'request' ? e.message.method : ''))).toEqual(expect.arrayContaining(['INVITE', 'ACK']));
    const file0 = readFileSync(file);
    const captured = sipPayloads(file);
    for (const e of authed) {
      const wire = e.raw!;
      const digest = /response="([0-9a-f]+)"/.exec(wire.toString('latin1'))![1];
      expect(digest).toHaveLength(32); // MD5
      expect(file0.includes(digest)).toBe(false);
      const at = wire.indexOf(`response="${digest}"`) + 'response="'.length;
      const expected = Buffer.from(wire);
      expected.fill('x', at, at + digest.length);
      // the captured message is the wire message with only the digest overwritten
      expect(captured.some((c) => c.equals(expected))).toBe(true);
    }
    // messages without credentials are in the capture byte for byte
    for (const e of sent.filter((x) => !authed.includes(x))) expect(captured.some((c) => c.equals(e.raw!))).toBe(true);
  });
});
