/**
 * Our user-agent core against SIPp 3.6.1 on loopback UDP, both ways: SIPp as the called agent
 * (basic, busy, noanswer → CANCEL, early media, agent hangs up, agent re-INVITEs) and SIPp as the
 * caller of our UAS. Every exchange is captured and every SIP message on the wire (ours and
 * SIPp's) passes the strict lint with 0 findings.
 */
import {
  decodeSip,
  findFreePorts,
  formatLintFindings,
  lintSipMessages,
  startCapture,
  startSippUac,
  startSippUas,
  stopAllPeers,
  type Capture,
  type SippPeer,
} from './harness';
import { SipUserAgent } from '../../src/sip/user-agent';
import type { SipInviteResult } from '../../src/sip/ua/uac-invite';

jest.setTimeout(60_000);

let ua: SipUserAgent | undefined;

afterEach(async () => {
  await ua?.close();
  ua = undefined;
  await stopAllPeers();
});

async function offer(): Promise<{ body: string; contentType: string }> {
  const port = await findFreePorts({ span: 2, even: true });
  const body = [
    'v=0',
    `o=sipprobe 1 1 IN IP4 127.0.0.1`,
    's=sipprobe',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
  return { body, contentType: 'application/sdp' };
}

async function startUa(): Promise<SipUserAgent> {
  const port = await findFreePorts();
  ua = new SipUserAgent({ transport: { tcp: false, udp: { port } } });
  await ua.start();
  return ua;
}

async function lintClean(cap: Capture, ports: number[], sippFindings: string[] = []): Promise<string[]> {
  const msgs = await decodeSip(await cap.stop(), { sipPorts: ports });
  const ours = msgs.filter((m) => m.srcPort === ua!.transports.transport('udp')!.local.port);
  const theirs = msgs.filter((m) => !ours.includes(m));
  expect(ours.length).toBeGreaterThan(0);
  expect(formatLintFindings(lintSipMessages(ours))).toBe('');
  expect(lintSipMessages(theirs).map((f) => `${f.firstLine}: ${f.rule}`)).toEqual(sippFindings);
  return msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''));
}

async function callSipp(scenario: string, delayMs: number): Promise<{ sipp: SippPeer; cap: Capture; result: Promise<SipInviteResult>; cancelOnRinging: () => void }> {
  const sipp = await startSippUas({ scenario, calls: 1, delayMs, maxSeconds: 30, media: 'none' });
  const cap = await startCapture([sipp.port], { maxSeconds: 30 });
  const agent = await startUa();
  const sdp = await offer();
  const inv = agent.invite({
    target: `sip:agent@127.0.0.1:${sipp.port}`,
    from: { uri: 'sip:probe@127.0.0.1', displayName: 'sipprobe' },
    body: sdp.body,
    contentType: sdp.contentType,
    headers: { 'X-Run-Id': `RUN-${scenario}` },
  });
  let cancelOnRinging = false;
  inv.on('provisional', (res) => {
    if (cancelOnRinging && res.status === 180) inv.cancel();
  });
  return { sipp, cap, result: inv.result, cancelOnRinging: () => (cancelOnRinging = true) };
}

describe('our UAC → SIPp UAS', () => {
  it('basic: 100/180/200, ACK, our BYE', async () => {
    const { sipp, cap, result } = await callSipp('basic', 300);
    const r = await result;
    expect(r.kind).toBe('answered');
    if (r.kind !== 'answered') return;
    expect(r.call.remoteBody?.body.toString()).toContain('s=sipp-interop-agent');
    await new Promise((res) => setTimeout(res, 200));
    expect((await r.call.bye())?.status).toBe(200);
    expect(await sipp.wait()).toBe(0);
    expect(sipp.logsLog()).toContain('X-Run-Id=RUN-basic');
    const lines = await lintClean(cap, [sipp.port]);
    expect(lines).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'ACK SIP/2.0', 'BYE SIP/2.0', 'SIP/2.0 200 OK']);
  });

  it('busy: 486, ACKed', async () => {
    const { sipp, cap, result } = await callSipp('busy', 200);
    const r = await result;
    expect(r.kind === 'rejected' && r.response.status).toBe(486);
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [sipp.port]);
    expect(lines).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here', 'ACK SIP/2.0']);
  });

  it('noanswer: CANCEL after 180 → 200 + 487, ACKed', async () => {
    const { sipp, cap, result, cancelOnRinging } = await callSipp('noanswer', 0);
    cancelOnRinging();
    const r = await result;
    expect(r.kind).toBe('cancelled');
    expect(r.kind === 'cancelled' && r.response?.status).toBe(487);
    expect(await sipp.wait()).toBe(0);
    // uas-noanswer.xml answers the CANCEL with [last_To:] (no tag): the one finding on SIPp's side
    const lines = await lintClean(cap, [sipp.port], ['SIP/2.0 200 OK: to-tag']);
    expect(lines).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'CANCEL SIP/2.0', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated', 'ACK SIP/2.0']);
  });

  it('early media: 183 with SDP, then 200', async () => {
    const { sipp, cap, result } = await callSipp('early-media', 300);
    const r = await result;
    expect(r.kind).toBe('answered');
    if (r.kind !== 'answered') return;
    await r.call.bye();
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [sipp.port]);
    expect(lines).toContain('SIP/2.0 183 Session Progress');
  });

  it('hangup: the agent sends BYE, we answer 200', async () => {
    const { sipp, cap, result } = await callSipp('hangup', 300);
    const r = await result;
    if (r.kind !== 'answered') throw new Error(r.kind);
    expect((await r.call.ended).reason).toBe('remote-bye');
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [sipp.port]);
    expect(lines.slice(-2)).toEqual(['BYE SIP/2.0', 'SIP/2.0 200 OK']);
  });

  it('reinvite: the agent re-INVITEs mid-call; answered with our SDP, then our BYE', async () => {
    const { sipp, cap, result } = await callSipp('reinvite', 300);
    const r = await result;
    if (r.kind !== 'answered') throw new Error(r.kind);
    const call = r.call;
    const offers: string[] = [];
    call.onOffer = (o) => {
      offers.push(o.body.toString());
      return call.localBody!;
    };
    await new Promise((res) => call.once('ack', res));
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatch(/^o=agent \S+ 2 /m);
    expect((await call.bye())?.status).toBe(200);
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [sipp.port]);
    expect(lines).toEqual([
      'INVITE SIP/2.0',
      'SIP/2.0 100 Trying',
      'SIP/2.0 180 Ringing',
      'SIP/2.0 200 OK',
      'ACK SIP/2.0',
      'INVITE SIP/2.0',
      'SIP/2.0 200 OK',
      'ACK SIP/2.0',
      'BYE SIP/2.0',
      'SIP/2.0 200 OK',
    ]);
  });
});

describe('SIPp UAC → our UAS', () => {
  async function sippCalls(scenario: string, onInvite: Parameters<SipUserAgent['on']>[1]): Promise<{ sipp: SippPeer; cap: Capture; port: number }> {
    const agent = await startUa();
    const port = agent.transports.transport('udp')!.local.port;
    agent.on('invite', onInvite as never);
    const cap = await startCapture([port], { maxSeconds: 30 });
    const sipp = await startSippUac({ targetPort: port, scenario, runId: `RUN-uac-${scenario}`, delayMs: 300, maxSeconds: 30 });
    return { sipp, cap, port };
  }

  it('basic: 180, 200 with SDP, ACK, SIPp hangs up', async () => {
    const sdp = await offer();
    const ended: string[] = [];
    const { sipp, cap, port } = await sippCalls('basic', (inv: import('../../src/sip/ua/uas-invite').SipIncomingInvite) => {
      expect(inv.request.headers.get('x-run-id')).toBe('RUN-uac-basic');
      inv.provisional(180);
      const call = inv.answer(sdp);
      void call.ended.then((e) => ended.push(e.reason));
    });
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [port]);
    expect(lines.filter((l) => !l.includes('100 Trying'))).toEqual(['INVITE SIP/2.0', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'ACK SIP/2.0', 'BYE SIP/2.0', 'SIP/2.0 200 OK']);
    expect(ended).toEqual(['remote-bye']);
  });

  it('cancel: we ring, SIPp cancels, 487', async () => {
    const states: string[] = [];
    const { sipp, cap, port } = await sippCalls('cancel', (inv: import('../../src/sip/ua/uas-invite').SipIncomingInvite) => {
      inv.provisional(180);
      inv.on('cancel', () => states.push(inv.state));
    });
    expect(await sipp.wait()).toBe(0);
    expect(states).toEqual(['cancelled']);
    const lines = await lintClean(cap, [port]);
    expect(lines).toContain('SIP/2.0 487 Request Terminated');
  });

  it('busy: 486', async () => {
    const { sipp, cap, port } = await sippCalls('busy', (inv: import('../../src/sip/ua/uas-invite').SipIncomingInvite) => {
      inv.provisional(180);
      inv.reject(486);
    });
    expect(await sipp.wait()).toBe(0);
    const lines = await lintClean(cap, [port]);
    expect(lines).toContain('SIP/2.0 486 Busy Here');
  });

  it('reinvite: we answer, then re-INVITE; SIPp answers and hangs up', async () => {
    const sdp = await offer();
    const reinviteStatus: number[] = [];
    const { sipp, cap, port } = await sippCalls('reinvite', (inv: import('../../src/sip/ua/uas-invite').SipIncomingInvite) => {
      const call = inv.answer(sdp);
      call.once('ack', () => {
        void call.reinvite({ body: sdp.body.replace('o=sipprobe 1 1', 'o=sipprobe 1 2'), contentType: sdp.contentType }).then((res) => reinviteStatus.push(res.status));
      });
    });
    expect(await sipp.wait()).toBe(0);
    expect(reinviteStatus).toEqual([200]);
    await lintClean(cap, [port]);
  });
});
