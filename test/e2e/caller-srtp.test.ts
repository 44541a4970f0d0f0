/**
 * Caller ↔ TestAgent with SDES-SRTP on loopback: the agent's greeting is heard through SRTP, the
 * wire carries protected packets (10-byte tag, payload not the plain G.711), the result names the
 * suite and warns when the keys went over clear signalling; refusals on either side are typed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';
import { Caller } from '../../src/caller';
import { schemaErrors } from '../../src/report';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { SrtpContext } from '../../src/rtp/srtp';
import { decodeFrame, readPcap } from '../unit/pcap/pcap-reader';
import { selfSignedCert } from '../helpers/self-signed';

jest.setTimeout(40_000);

const agentPool = new RtpPortPool({ min: 37000, max: 37200 });
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-srtp-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withAgent(behaviour: TestAgentBehaviour, fn: (agent: TestAgent, caller: Caller) => Promise<void>, tls?: { cert: string; key: string }): Promise<void> {
  const agent = new TestAgent({ transport: tls ? 'tls' : 'udp', ...(tls ? { tls } : {}), behaviour, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ transport: tls ? 'tls' : 'udp', ...(tls ? { tls: { rejectUnauthorized: false } } : {}), rtpPorts: { min: 37400, max: 37600 } });
  try {
    await fn(agent, caller);
  } finally {
    await caller.close();
    await agent.stop();
  }
}

const text = (p: Uint8Array): string => Buffer.from(p).toString('latin1');
const isRtcp = (p: Uint8Array): boolean => p.length >= 8 && p[1] >= 200 && p[1] <= 204;

describe('Caller ↔ TestAgent over SRTP', () => {
  test('UDP: call completes, the greeting is heard, the suite is named, SRTP_WITHOUT_TLS warns, the wire is protected', async () => {
    const pcap = join(dir, 'srtp-udp.pcap');
    await withAgent({ srtp: true }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, srtp: true, durationMs: 2500, pcap }).result;
      expect(r.error).toBeNull();
      expect(r.outcome).toBe('completed');
      expect(r.codec?.srtp).toBe('AES_CM_128_HMAC_SHA1_80');
      expect(r.warnings.some((w) => w.startsWith('SRTP_WITHOUT_TLS'))).toBe(true);
      expect(r.timeline.some((e) => e.event === 'first-agent-speech')).toBe(true);
      expect(r.rtp!.received.packets).toBeGreaterThan(50);
      expect(r.rtp!.received.dropped).toBe(0);
      expect(schemaErrors(JSON.parse(JSON.stringify(r)))).toEqual([]);
      // the result's ladder carries no key material
      expect(JSON.stringify(r.messages)).not.toMatch(/inline:[A-Za-z0-9+/]{20}/);
      expect(agent.calls[0].invite.body).toMatch(/RTP\/SAVP/);

      const frames = readPcap(readFileSync(pcap)).frames.map((f) => decodeFrame(f.data));
      const answer = frames.map((f) => text(f.payload)).find((t) => t.startsWith('SIP/2.0 200') && t.includes('a=crypto:'));
      expect(answer).toBeDefined();
      const m = /a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/]{40})/.exec(answer!);
      expect(m).not.toBeNull();
      const agentKey = Buffer.from(m![2], 'base64');
      const fromAgent = frames.filter((f) => f.protocol === 17 && f.dstPort === r.rtp!.localPort && f.payload.length >= 12 && !isRtcp(f.payload));
      expect(fromAgent.length).toBeGreaterThan(50);
      // PCMU 20 ms: 12 + 160 plain, + 10 bytes of HMAC-SHA1-80 tag
      for (const f of fromAgent) expect(f.payload.length).toBe(182);
      const ctx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: agentKey });
      let loudFrames = 0;
      for (const f of fromAgent) {
        const wire = Buffer.from(f.payload);
        const plain = ctx.unprotectRtp(wire);
        expect(plain.length).toBe(172);
        // the wire bytes are not the G.711 ones: nearly every payload byte differs
        let same = 0;
        for (let i = 12; i < 172; i++) if (plain[i] === wire[i]) same++;
        expect(same).toBeLessThan(20);
        // μ-law near silence is 0xff/0x7f; the greeting's loud frames have bytes far from them
        if (plain.subarray(12).filter((b) => (b & 0x7f) < 0x50).length > 20) loudFrames++;
      }
      expect(loudFrames).toBeGreaterThan(10);
    });
  });

  test('TLS: SRTP without the warning', async () => {
    const { cert, key } = selfSignedCert();
    await withAgent(
      { srtp: 'require', play: null, hangupAfterMs: 800 },
      async (agent, caller) => {
        const r = await caller.call({ target: agent.uri, srtp: true, timeouts: { callMs: 8000 } }).result;
        expect(r.error).toBeNull();
        expect(r.outcome).toBe('completed');
        expect(r.transport).toBe('tls');
        expect(r.codec?.srtp).toBe('AES_CM_128_HMAC_SHA1_80');
        expect(r.warnings.some((w) => w.startsWith('SRTP_'))).toBe(false);
        expect(r.rtp!.received.packets).toBeGreaterThan(10);
      },
      { cert, key },
    );
  });

  test("agent srtp: 'require' + caller without srtp → 488 → rejected (codec mismatch)", async () => {
    await withAgent({ srtp: 'require' }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, durationMs: 500 }).result;
      expect(r.outcome).toBe('rejected');
      expect(r.sip.finalStatus).toBe(488);
      expect(r.endReason).toMatch(/codec mismatch/);
      expect(r.codec).toBeNull();
    });
  });

  test('caller srtp + agent without srtp → the agent refuses RTP/SAVP (488) → a clear failure', async () => {
    await withAgent({}, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, srtp: true, durationMs: 500 }).result;
      expect(r.outcome).toBe('rejected');
      expect(r.sip.finalStatus).toBe(488);
      expect(r.endReason).toMatch(/codec mismatch/);
      expect(r.warnings.some((w) => w.startsWith('SRTP_NOT_ACCEPTED'))).toBe(true);
    });
  });

  test('an agent re-INVITE keeps SRTP (fresh keys) and media keeps flowing', async () => {
    await withAgent({ srtp: 'require', reinviteAfterMs: 300, hangupAfterMs: 1500 }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, srtp: true, timeouts: { callMs: 8000 } }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('agent');
      expect(agent.calls[0].reinvites.map((x) => x.status)).toEqual([200]);
      expect(r.codec?.srtp).toBe('AES_CM_128_HMAC_SHA1_80');
      expect(r.rtp!.received.packets).toBeGreaterThan(40);
      // at most a packet or two under the old keys while both sides switch
      expect(r.rtp!.received.dropped).toBeLessThanOrEqual(2);
    });
  });

  test('plain calls still say srtp: null', async () => {
    await withAgent({ srtp: true, play: null, hangupAfterMs: 300 }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri }).result;
      expect(r.outcome).toBe('completed');
      expect(r.codec?.srtp).toBeNull();
      expect(r.warnings.some((w) => w.startsWith('SRTP_'))).toBe(false);
    });
  });
});
