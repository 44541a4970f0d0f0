/**
 * The product (`Caller`) through Kamailio 5.6 (authenticating, record-routing proxy) to a SIPp
 * agent: 407 MD5 qop=auth, 407 MD5 without qop (RFC 2069 form), 401 SHA-256 — each really
 * verified by Kamailio (`AUTH OK user=alice algorithm=…`), the re-sent INVITE keeps Call-ID, From
 * tag and test headers, and the in-dialog ACK/BYE follow the Record-Route through the proxy.
 * Every SIP message we sent passes the strict lint (0 findings); Kamailio's and SIPp's too.
 */
import {
  decodeSip,
  findFreePorts,
  formatLintFindings,
  lintSipMessages,
  startCapture,
  startKamailioAuth,
  startSippUas,
  stopAllPeers,
  type CapturedSipMessage,
} from './harness';
import { Caller, type CallResult } from '../../src/caller';

jest.setTimeout(45_000);

let caller: Caller | undefined;

afterEach(async () => {
  await caller?.close();
  caller = undefined;
  await stopAllPeers();
});

function head(msg: string): string {
  return msg.split(/\r?\n\r?\n/)[0];
}

function headerValues(msg: string, name: string): string[] {
  const re = new RegExp(`^${name.replace(/-/g, '\\-')}[ \\t]*:[ \\t]*(.*?)\\s*$`, 'gim');
  return [...head(msg).matchAll(re)].map((m) => m[1]);
}

function xHeaders(msg: string): string[] {
  return [...head(msg).matchAll(/^(X-[!-9;-~]+[ \t]*:.*?)\s*$/gim)].map((m) => m[1]);
}

function fromTag(msg: string): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(headerValues(msg, 'From')[0] ?? '')?.[1];
}

function cseq(msg: string): number {
  return Number(headerValues(msg, 'CSeq')[0]?.split(' ')[0]);
}

/** Messages SIPp logged as received. */
function sippReceived(log: string): string[] {
  return log
    .split(/^-{10,}.*$/m)
    .filter((b) => /message received/i.test(b))
    .map((b) => b.replace(/^[\s\S]*?message received \[\d+\] bytes :\s*\n\n?/i, '').trim());
}

function describeResult(r: CallResult): string {
  return `${r.outcome} / ${r.endReason} / ${r.sip.finalStatus} ${r.sip.finalReason} / ${r.error?.code ?? ''} ${r.error?.message ?? ''}\n${r.timeline.map((e) => `${e.t.toFixed(0)} ${e.event} ${e.detail ?? ''}`).join('\n')}`;
}

interface Case {
  name: string;
  algorithm: 'MD5' | 'SHA-256';
  www: boolean;
  qop: boolean;
}

async function throughKamailio(c: Case, password: string): Promise<{
  r: CallResult;
  msgs: CapturedSipMessage[];
  ours: CapturedSipMessage[];
  kamLog: string;
  sippLog: string;
  sippExit: number | null;
  ports: { kam: number; sipp: number; us: number };
}> {
  const sipp = await startSippUas({ scenario: 'basic', calls: 1, maxSeconds: 30, media: 'echo' });
  const kam = await startKamailioAuth({ upstreamPort: sipp.port, algorithm: c.algorithm, www: c.www, qop: c.qop, maxSeconds: 30 });
  const port = await findFreePorts();
  const rtp = await findFreePorts({ span: 20, even: true });
  caller = new Caller({ bind: { address: '127.0.0.1', port }, rtpPorts: { min: rtp, max: rtp + 19 } });
  await caller.start();
  const us = caller.sipAddress.port;
  const cap = await startCapture([kam.port, sipp.port, us], { maxSeconds: 40 });
  const r = await caller.call({
    target: `sip:agent@127.0.0.1:${kam.port}`,
    auth: { username: 'alice', password },
    run: { runId: `RUN-kam-${kam.port}`, scenarioId: `SCN-${c.name}` },
    profile: { name: 'p', information: { main_agent_variables: { 'X-Plan': 'pro', region: 'eu-zq' }, testing_agent_variables: { 'X-Hidden-Zq': 'never' } } },
    durationMs: 600,
  }).result;
  // SIPp exits 2 s after the BYE (timewait); when the call never reached it, it is stopped
  const sippExit = r.outcome === 'completed' ? await sipp.wait() : (await sipp.stop(), null);
  const msgs = await decodeSip(await cap.stop(), { sipPorts: [kam.port, sipp.port, us] });
  const ours = msgs.filter((m) => m.srcPort === us);
  expect(ours.length).toBeGreaterThan(0);
  expect(formatLintFindings(lintSipMessages(ours))).toBe('');
  // Kamailio's and SIPp's messages: no known findings either
  expect(formatLintFindings(lintSipMessages(msgs.filter((m) => m.srcPort !== us)))).toBe('');
  return { r, msgs, ours, kamLog: kam.log(), sippLog: sipp.messagesLog(), sippExit, ports: { kam: kam.port, sipp: sipp.port, us } };
}

const CASES: Case[] = [
  { name: '407-md5-qop', algorithm: 'MD5', www: false, qop: true },
  { name: '407-md5-no-qop', algorithm: 'MD5', www: false, qop: false },
  { name: '401-sha256-qop', algorithm: 'SHA-256', www: true, qop: true },
];

describe('Caller → Kamailio (digest, Record-Route) → SIPp', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: authenticated, routed, completed', async (_n, c) => {
    const { r, msgs, ours, kamLog, sippLog, sippExit, ports } = await throughKamailio(c, 'secret');
    expect(describeResult(r)).toMatch(/^completed \/ caller hung up \/ 200 OK/);
    expect(sippExit).toBe(0);
    expect(kamLog).toContain(`AUTH challenge ${c.algorithm} for INVITE`);
    expect(kamLog).toContain(`AUTH OK user=alice algorithm=${c.algorithm} INVITE -> 127.0.0.1:${ports.sipp}`);
    expect(kamLog).toMatch(/INDIALOG BYE routed/);
    expect(kamLog).toMatch(/INDIALOG ACK routed/);

    const status = c.www ? 401 : 407;
    expect(ours.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'ACK SIP/2.0', 'INVITE SIP/2.0', 'ACK SIP/2.0', 'BYE SIP/2.0']);
    expect(ours.every((m) => m.dstPort === ports.kam)).toBe(true);
    const [inv1, ack1, inv2, ack2, bye] = ours.map((m) => m.raw.toString('utf8'));
    const challenge = msgs.find((m) => m.srcPort === ports.kam && m.firstLine.startsWith(`SIP/2.0 ${status} `));
    expect(challenge).toBeDefined();
    const chal = headerValues(challenge!.raw.toString('utf8'), c.www ? 'WWW-Authenticate' : 'Proxy-Authenticate')[0];
    if (c.qop) expect(chal).toMatch(/qop="auth"/);
    else expect(chal).not.toMatch(/qop/);

    // the re-sent INVITE: same Call-ID and From tag, CSeq + 1, same test headers, credentials
    expect(headerValues(inv2, 'Call-ID')).toEqual(headerValues(inv1, 'Call-ID'));
    expect(headerValues(inv2, 'Call-ID')).toEqual([r.sip.callId]);
    expect(fromTag(inv2)).toBe(fromTag(inv1));
    expect(cseq(inv2)).toBe(cseq(inv1) + 1);
    expect(cseq(ack1)).toBe(cseq(inv1));
    expect(xHeaders(inv2)).toEqual(xHeaders(inv1));
    expect(xHeaders(inv1).map((h) => h.split(':')[0])).toEqual(['X-Run-Id', 'X-Scenario-Id', 'X-Result-Id', 'X-Plan']);
    const cred = headerValues(inv2, c.www ? 'Authorization' : 'Proxy-Authorization');
    expect(cred).toHaveLength(1);
    expect(cred[0]).toMatch(/^Digest /);
    expect(cred[0]).toContain('username="alice"');
    expect(cred[0]).toContain('realm="interop.test"');
    expect(cred[0]).toContain(`uri="sip:agent@127.0.0.1:${ports.kam}"`);
    expect(cred[0]).toMatch(c.algorithm === 'MD5' ? /algorithm=MD5\b/ : /algorithm=SHA-256\b/);
    expect(cred[0]).toMatch(c.algorithm === 'MD5' ? /response="[0-9a-f]{32}"/ : /response="[0-9a-f]{64}"/);
    if (c.qop) {
      expect(cred[0]).toMatch(/qop=auth\b/);
      expect(cred[0]).toMatch(/nc=00000001\b/);
      expect(cred[0]).toMatch(/cnonce="[^"]+"/);
    } else expect(cred[0]).not.toMatch(/qop|nc=|cnonce/);
    expect(headerValues(inv1, 'Authorization').concat(headerValues(inv1, 'Proxy-Authorization'))).toEqual([]);

    // what reached the agent: the authenticated INVITE, credentials consumed, headers intact
    const atAgent = sippReceived(sippLog).filter((m) => m.startsWith('INVITE '));
    expect(atAgent).toHaveLength(1);
    expect(headerValues(atAgent[0], 'Call-ID')).toEqual([r.sip.callId]);
    expect(fromTag(atAgent[0])).toBe(fromTag(inv1));
    expect(xHeaders(atAgent[0])).toEqual(xHeaders(inv1));
    expect(headerValues(atAgent[0], 'Proxy-Authorization').concat(headerValues(atAgent[0], 'Authorization'))).toEqual([]);
    expect(sippLog).not.toMatch(/region|eu-zq|X-Hidden-Zq|never/i);

    // Record-Route learned from the 200, used as Route on ACK and BYE (loose routing, RFC 3261 §12.2.1.1)
    const ok = msgs.find((m) => m.srcPort === ports.kam && m.dstPort === ports.us && m.firstLine === 'SIP/2.0 200 OK' && /INVITE/.test(headerValues(m.raw.toString('utf8'), 'CSeq')[0]));
    const rr = headerValues(ok!.raw.toString('utf8'), 'Record-Route');
    expect(rr.join(',')).toContain(`sip:127.0.0.1:${ports.kam};lr`);
    for (const m of [ack2, bye]) {
      expect(headerValues(m, 'Route').join(',')).toContain(`sip:127.0.0.1:${ports.kam};lr`);
      expect(m.split('\r\n')[0]).toMatch(new RegExp(`^(ACK|BYE) sip:agent@127\\.0\\.0\\.1:${ports.sipp}`));
    }
    // the BYE reached SIPp through the proxy and was answered
    expect(sippReceived(sippLog).filter((m) => m.startsWith('BYE '))).toHaveLength(1);
    expect(msgs.filter((m) => m.srcPort === ports.kam && m.dstPort === ports.us).map((m) => m.firstLine).slice(-1)).toEqual(['SIP/2.0 200 OK']);
  });

  it('407 MD5 with a wrong password: Kamailio challenges again → auth-failed, nothing reaches the agent', async () => {
    const { r, ours, kamLog, sippLog } = await throughKamailio(CASES[0], 'not-the-password');
    expect(r.outcome).toBe('auth-failed');
    expect(r.sip.finalStatus).toBe(407);
    expect(r.error?.code).toMatch(/AUTH/);
    expect(JSON.stringify(r)).not.toContain('not-the-password');
    expect(kamLog).not.toContain('AUTH OK');
    expect(ours.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'ACK SIP/2.0', 'INVITE SIP/2.0', 'ACK SIP/2.0']);
    expect(sippReceived(sippLog)).toEqual([]);
  });
});
