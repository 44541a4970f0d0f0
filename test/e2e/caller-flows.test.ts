/**
 * Caller ↔ a minimal UAS over loopback (UDP and TCP). The UAS is built in this file from the
 * user agent's UAS API, the DigestServer and a MediaLeg, so each test states exactly how the
 * far end behaves. (The TestAgent of src/agent covers the same ground once it lands.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as dgram from 'node:dgram';
import { MediaLeg } from '../../src/call-media';
import { Caller, renderInvite, type CallResult } from '../../src/caller';
import { readWavFile } from '../../src/audio/wav-reader';
import { DigestServer } from '../../src/digest/server';
import type { DigestAlgorithm } from '../../src/digest/algorithm';
import { RtpPortPool } from '../../src/rtp/port-pool';
import type { SipRequest } from '../../src/sip/message';
import { SipUserAgent } from '../../src/sip/user-agent';
import type { SipIncomingInvite } from '../../src/sip/ua/uas-invite';
import type { SipCall } from '../../src/sip/ua/call';

jest.setTimeout(30_000);

const PASSWORD = 'hunter2-Sup3r-s3cret';
const PROFILE = {
  name: 'refund flow',
  information: {
    main_agent_variables: { 'X-Customer-Tier': 'gold', 'x-lang': 'en-GB', 'X-Attempts': 3, customer_name: 'Ada', 'X-Flag': true },
    testing_agent_variables: { 'X-Secret-Test-Var': 'never-sent', persona: 'angry' },
  },
};

interface PeerBehaviour {
  reject?: number;
  ring?: boolean;
  neverAnswer?: boolean;
  answerAfterMs?: number;
  earlyMediaPcm?: Int16Array;
  earlyThenStatus?: number;
  challenge?: { proxy?: boolean; algorithms: DigestAlgorithm[]; qop?: ('auth' | 'auth-int')[] };
  playPcm?: Int16Array;
  playDelayMs?: number;
  hangupAfterMs?: number;
  reinviteAfterMs?: number;
  codecs?: string[];
}

const peerPool = new RtpPortPool({ min: 32000, max: 32400 });

/** A scriptable UAS for these tests. */
class MiniPeer {
  readonly ua: SipUserAgent;
  readonly invites: SipRequest[] = [];
  readonly authResults: string[] = [];
  readonly legs: MediaLeg[] = [];
  readonly calls: SipCall[] = [];
  readonly cancels: SipRequest[] = [];
  reinviteResponse: number | null = null;
  private readonly digest: DigestServer | null;

  constructor(
    readonly transport: 'udp' | 'tcp',
    readonly behaviour: PeerBehaviour,
  ) {
    this.ua = new SipUserAgent({ transport: { address: '127.0.0.1', udp: transport === 'udp' ? { port: 0 } : false, tcp: transport === 'tcp' ? { port: 0 } : false } });
    this.digest = behaviour.challenge
      ? new DigestServer({ realm: 'test.example', users: { alice: PASSWORD }, algorithms: behaviour.challenge.algorithms, proxy: behaviour.challenge.proxy, qop: behaviour.challenge.qop ?? ['auth'] })
      : null;
    this.ua.on('invite', (inv) => void this.onInvite(inv));
  }

  async start(): Promise<string> {
    await this.ua.start();
    const { port } = this.ua.transports.sentBy(this.transport);
    return `sip:agent@127.0.0.1:${port}${this.transport === 'tcp' ? ';transport=tcp' : ''}`;
  }

  private async onInvite(inv: SipIncomingInvite): Promise<void> {
    const b = this.behaviour;
    this.invites.push(inv.request);
    inv.on('cancel', (r) => this.cancels.push(r));
    if (this.digest) {
      const hdr = b.challenge!.proxy ? inv.request.proxyAuthorization : inv.request.authorization;
      const v = this.digest.verify(hdr.length > 0 ? hdr : undefined, { method: 'INVITE', uri: inv.request.uri, body: inv.request.body });
      this.authResults.push(v.ok ? `ok ${v.algorithm}` : v.reason);
      if (!v.ok) {
        const ch = this.digest.challenge({ stale: v.stale });
        inv.reject(ch.status, { headers: ch.values.map((x) => [ch.header, x] as [string, string]) });
        return;
      }
    }
    if (b.reject) {
      inv.reject(b.reject);
      return;
    }
    if (b.ring !== false) inv.provisional(180);
    const leg = await MediaLeg.create({ portPool: peerPool, side: 'agent', codecs: b.codecs ?? ['PCMU', 'PCMA'] });
    this.legs.push(leg);
    const { sdp } = await leg.answerOffer(inv.offer!.body.toString());
    if (b.earlyMediaPcm) {
      inv.provisional(183, { body: { body: sdp, contentType: 'application/sdp' } });
      await leg.playPcm(b.earlyMediaPcm, 8000);
      if (b.earlyThenStatus) {
        inv.reject(b.earlyThenStatus);
        await leg.close();
        return;
      }
    }
    if (b.neverAnswer) return;
    if (b.answerAfterMs) await sleep(b.answerAfterMs);
    if (inv.state !== 'pending') {
      await leg.close();
      return;
    }
    const call = inv.answer({ body: sdp, contentType: 'application/sdp' });
    this.calls.push(call);
    call.on('ended', () => void leg.close());
    if (b.playPcm) {
      await sleep(b.playDelayMs ?? 0);
      if (call.active) await leg.playPcm(b.playPcm, 8000);
    }
    if (b.reinviteAfterMs !== undefined) {
      await sleep(b.reinviteAfterMs);
      if (call.active) {
        const res = await call.reinvite({ body: leg.createOffer(), contentType: 'application/sdp' });
        this.reinviteResponse = res.status;
        if (res.status === 200) await leg.applyAnswer(res.body.toString());
      }
    }
    if (b.hangupAfterMs !== undefined) {
      await sleep(b.hangupAfterMs);
      if (call.active) await call.bye();
    }
  }

  async close(): Promise<void> {
    await this.ua.close();
    await Promise.all(this.legs.map((l) => l.close()));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function noise(n: number, seed = 3): Int16Array {
  const out = new Int16Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((x >> 8) % 16000) - 8000;
  }
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withPeer(
  transport: 'udp' | 'tcp',
  behaviour: PeerBehaviour,
  fn: (target: string, peer: MiniPeer, caller: Caller) => Promise<void>,
  callerOpts: ConstructorParameters<typeof Caller>[0] = {},
): Promise<void> {
  const peer = new MiniPeer(transport, behaviour);
  const target = await peer.start();
  const caller = new Caller({ transport, rtpPorts: { min: 33000, max: 33400 }, ...callerOpts });
  try {
    await fn(target, peer, caller);
  } finally {
    await caller.close();
    await peer.close();
  }
}

function xHeadersOf(req: SipRequest): Array<[string, string]> {
  return [...req.headers].filter((h) => /^x-/i.test(h.name)).map((h) => [h.name, h.value]);
}

function expectNoSecret(result: CallResult): void {
  const text = JSON.stringify(result) + inspect(result, { depth: 20 });
  expect(text).not.toContain(PASSWORD);
}

describe.each(['udp', 'tcp'] as const)('Caller over %s', (transport) => {
  test('completed call: headers arrive exactly (ids + profile X- keys only), ladder, timings, RTP', async () => {
    await withPeer(transport, { hangupAfterMs: undefined }, async (target, peer, caller) => {
      const call = caller.call({
        target,
        run: { runId: 'run-1', scenarioId: 'scn-7' },
        profile: PROFILE,
        headers: { 'X-Extra': 'v1' },
        durationMs: 400,
      });
      const events: string[] = [];
      call.on('ringing', () => events.push('ringing'));
      call.on('answered', () => events.push('answered'));
      const r = await call.result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('caller');
      expect(r.endReason).toBe('caller hung up');
      expect(r.transport).toBe(transport);
      expect(events).toEqual(['ringing', 'answered']);
      expect(r.ids.runId).toBe('run-1');
      expect(r.ids.generated).toEqual(['resultId']);
      const inv = peer.invites[0];
      expect(xHeadersOf(inv)).toEqual([
        ['X-Run-Id', 'run-1'],
        ['X-Scenario-Id', 'scn-7'],
        ['X-Result-Id', r.ids.resultId],
        ['X-Customer-Tier', 'gold'],
        ['x-lang', 'en-GB'],
        ['X-Attempts', '3'],
        ['X-Flag', 'true'],
        ['X-Extra', 'v1'],
      ]);
      const raw = [...inv.headers].map((h) => `${h.name}: ${h.value}`).join('\n') + inv.body.toString();
      expect(raw).not.toMatch(/never-sent|angry|Ada|customer_name|persona/);
      expect(r.sip.headersSent.map((h) => h.name)).toEqual(xHeadersOf(inv).map(([n]) => n));
      expect(r.sip.finalStatus).toBe(200);
      expect(r.sip.callId).toBe(inv.callId);
      const ladder = r.messages.map((m) => `${m.direction} ${m.firstLine.split(' ').slice(0, 2).join(' ')}`);
      expect(ladder[0]).toBe(`sent INVITE ${target}`);
      expect(ladder).toContain('received SIP/2.0 180');
      expect(ladder).toContain('received SIP/2.0 200');
      expect(ladder).toContain(`sent ACK ${r.messages.find((m) => m.firstLine.startsWith('ACK'))!.firstLine.split(' ')[1]}`);
      expect(ladder.some((l) => l.startsWith('sent BYE'))).toBe(true);
      for (let i = 1; i < r.messages.length; i++) expect(r.messages[i].t).toBeGreaterThanOrEqual(r.messages[i - 1].t);
      expect(r.timings.answerMs).toBeGreaterThan(0);
      expect(r.timings.talkDurationMs).toBeGreaterThanOrEqual(380);
      expect(r.timings.firstRtpSentMs).not.toBeNull();
      expect(r.timings.firstRtpReceivedMs).not.toBeNull();
      expect(r.codec?.name).toBe('PCMU');
      expect(r.rtp!.sent.packets).toBeGreaterThan(10);
      expect(r.rtp!.received.packets).toBeGreaterThan(5);
      expect(r.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['invite', 'ringing', 'answered', 'first-rtp-sent', 'first-rtp-received', 'bye-sent', 'ended']));
    });
  });

  test.each([
    ['MD5', false],
    ['SHA-256', true],
  ] as const)('digest %s (proxy=%s): retry with same Call-ID/From tag, CSeq+1, test headers again; verified by the peer', async (alg, proxy) => {
    await withPeer(transport, { challenge: { algorithms: [alg], proxy } }, async (target, peer, caller) => {
      const r = await caller.call({ target, auth: { username: 'alice', password: PASSWORD }, run: { runId: 'r' }, durationMs: 100 }).result;
      expect(r.outcome).toBe('completed');
      expect(peer.authResults).toEqual(['no-credentials', `ok ${alg}`]);
      const [first, second] = peer.invites;
      expect(second.callId).toBe(first.callId);
      expect(second.from!.tag).toBe(first.from!.tag);
      expect(second.cseq!.seq).toBe(first.cseq!.seq + 1);
      expect(xHeadersOf(second)).toEqual(xHeadersOf(first));
      const sentWithCreds = r.messages.filter((m) => /^(proxy-)?authorization:/im.test(m.raw));
      expect(sentWithCreds.length).toBeGreaterThanOrEqual(1);
      for (const m of sentWithCreds) expect(m.raw).toMatch(/^(Proxy-)?Authorization: Digest \[redacted\]\r?$/im);
      expect(r.timeline.some((e) => e.event === 'auth-challenge')).toBe(true);
      expectNoSecret(r);
    });
  });
});

describe('Caller outcomes (UDP)', () => {
  test('wrong password → auth-failed; the password appears nowhere', async () => {
    await withPeer('udp', { challenge: { algorithms: ['MD5'] } }, async (target, peer, caller) => {
      const call = caller.call({ target, auth: { username: 'alice', password: 'wrong-' + PASSWORD } });
      expect(inspect(call, { depth: 10 })).not.toContain(PASSWORD);
      expect(inspect(caller, { depth: 10 })).not.toContain(PASSWORD);
      const r = await call.result;
      expect(r.outcome).toBe('auth-failed');
      expect(r.endReason).toBe('authentication failed');
      expect(r.sip.finalStatus).toBe(401);
      expect(r.error?.code).toBe('DIGEST_AUTH_FAILED');
      expect(peer.authResults).toEqual(['no-credentials', 'wrong-credentials']);
      expect(JSON.stringify(r)).not.toContain('wrong-' + PASSWORD);
    });
  });

  test.each([
    [486, 'busy', 'busy'],
    [600, 'busy', 'busy'],
    [603, 'rejected', 'rejected (603 Decline)'],
    [403, 'rejected', 'rejected (403 Forbidden)'],
    [488, 'rejected', 'codec mismatch (488 Not Acceptable Here)'],
    [480, 'no-answer', 'did not answer'],
    [404, 'rejected', 'rejected (404 Not Found)'],
  ])('%i → %s', async (status, outcome, reason) => {
    await withPeer('udp', { reject: status }, async (target, _peer, caller) => {
      const r = await caller.call({ target }).result;
      expect(r.outcome).toBe(outcome);
      expect(r.endReason).toBe(reason);
      expect(r.sip.finalStatus).toBe(status);
      expect(r.rtp).toBeNull();
    });
  });

  test('ring timeout → CANCEL → 487 → no-answer', async () => {
    await withPeer('udp', { neverAnswer: true }, async (target, peer, caller) => {
      const r = await caller.call({ target, timeouts: { ringMs: 300 } }).result;
      expect(r.outcome).toBe('no-answer');
      expect(r.endReason).toBe('did not answer');
      expect(r.sip.finalStatus).toBe(487);
      expect(peer.cancels.length).toBe(1);
      expect(r.messages.some((m) => m.direction === 'sent' && m.firstLine.startsWith('CANCEL'))).toBe(true);
      expect(r.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['ring-timeout', 'cancel-sent']));
    });
  });

  test('unreachable: nothing listens (Timer B with a short T1)', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = (sock.address() as { port: number }).port;
    await new Promise<void>((r) => sock.close(() => r()));
    const caller = new Caller({ sipTimers: { T1: 20, T2: 80 }, rtpPorts: { min: 33000, max: 33400 } });
    try {
      const r = await caller.call({ target: `sip:nobody@127.0.0.1:${port}` }).result;
      expect(r.outcome).toBe('unreachable');
      expect(r.endReason).toBe('call failed (unreachable)');
      expect(r.error?.code).toMatch(/SIP_TRANSACTION_(TIMEOUT|TRANSPORT)/);
    } finally {
      await caller.close();
    }
  });

  test('unreachable over TCP: connection refused', async () => {
    const caller = new Caller({ transport: 'tcp', rtpPorts: { min: 33000, max: 33400 } });
    try {
      const r = await caller.call({ target: 'sip:nobody@127.0.0.1:9;transport=tcp' }).result;
      expect(r.outcome).toBe('unreachable');
    } finally {
      await caller.close();
    }
  });

  test('early media (183 + SDP) is recorded, then 486 → busy', async () => {
    const burst = noise(8000 * 0.3, 11);
    await withPeer('udp', { earlyMediaPcm: burst, earlyThenStatus: 486 }, async (target, _peer, caller) => {
      const rec = join(dir, 'early.wav');
      const early: number[] = [];
      const call = caller.call({ target, record: rec });
      call.on('early-media', (e) => early.push(e.t));
      const r = await call.result;
      expect(r.outcome).toBe('busy');
      expect(early.length).toBe(1);
      expect(r.timings.earlyMediaMs).not.toBeNull();
      expect(r.rtp!.received.packets).toBeGreaterThan(10);
      expect(r.audio?.recordingPath).toBe(rec);
      const wav = await readWavFile(rec);
      let e = 0;
      for (let i = 1; i < wav.samples.length; i += 2) e += Math.abs(wav.samples[i]);
      expect(e / (wav.frames || 1)).toBeGreaterThan(500);
    });
  });

  test('agent BYE ends the call: completed, endedBy agent', async () => {
    await withPeer('udp', { hangupAfterMs: 300 }, async (target, _peer, caller) => {
      const r = await caller.call({ target }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('agent');
      expect(r.endReason).toBe('agent hung up');
      expect(r.messages.some((m) => m.direction === 'received' && m.firstLine.startsWith('BYE'))).toBe(true);
    });
  });

  test('re-INVITE from the agent is answered 200 and media continues', async () => {
    await withPeer('udp', { reinviteAfterMs: 200, hangupAfterMs: 300 }, async (target, peer, caller) => {
      const r = await caller.call({ target }).result;
      expect(peer.reinviteResponse).toBe(200);
      expect(r.outcome).toBe('completed');
      expect(r.timeline.some((e) => e.event === 'reinvite-received')).toBe(true);
      expect(r.rtp!.received.packets).toBeGreaterThan(20);
    });
  });

  test('max call duration → BYE → timeout', async () => {
    await withPeer('udp', {}, async (target, _peer, caller) => {
      const r = await caller.call({ target, timeouts: { callMs: 300 } }).result;
      expect(r.outcome).toBe('timeout');
      expect(r.endReason).toBe('exceeded max duration');
      expect(r.endedBy).toBe('timeout');
    });
  });

  test('AbortSignal before the answer cancels; after it hangs up', async () => {
    await withPeer('udp', { neverAnswer: true }, async (target, peer, caller) => {
      const ac = new AbortController();
      const call = caller.call({ target, signal: ac.signal });
      call.on('ringing', () => ac.abort());
      const r = await call.result;
      expect(r.outcome).toBe('error');
      expect(r.error?.code).toBe('CALL_ABORTED');
      expect(peer.cancels.length).toBe(1);
    });
  });

  test('bad header: throws before anything is sent', async () => {
    await withPeer('udp', {}, async (target, peer, caller) => {
      expect(() => caller.call({ target, headers: { 'X-Bad': 'a\r\nVia: evil' } })).toThrow(expect.objectContaining({ code: expect.any(String) }));
      expect(() => caller.call({ target, headers: { 'X-Run-Id': 'dup' } })).toThrow();
      await sleep(50);
      expect(peer.invites.length).toBe(0);
    });
  });

  test('recording: the agent\'s known signal is on the right channel at the time it was sent', async () => {
    const burst = noise(8000 * 0.5, 5);
    await withPeer('udp', { playPcm: burst, playDelayMs: 200, hangupAfterMs: 300 }, async (target, peer, caller) => {
      const rec = join(dir, 'call.wav');
      const call = caller.call({ target, record: rec });
      const r = await call.result;
      expect(r.outcome).toBe('completed');
      const wav = await readWavFile(rec);
      const right = new Float64Array(wav.frames);
      for (let i = 0; i < wav.frames; i++) right[i] = wav.samples[2 * i + 1];
      let best = -Infinity;
      let bestLag = 0;
      for (let lag = 0; lag + burst.length <= wav.frames; lag++) {
        let s = 0;
        for (let i = 0; i < burst.length; i += 8) s += burst[i] * right[lag + i];
        if (s > best) {
          best = s;
          bestLag = lag;
        }
      }
      let energy = 0;
      for (let i = 0; i < burst.length; i += 8) energy += burst[i] * burst[i];
      expect(best).toBeGreaterThan(0.5 * energy);
      // the INVITE's time on the performance clock: answer happened at answerMs after it
      const inviteAt = r.timeline.find((e) => e.event === 'invite')!.t;
      expect(inviteAt).toBe(0);
      const foundMs = (bestLag * 1000) / wav.sampleRate;
      // the burst went out after the answer + the peer's 200 ms delay
      expect(foundMs).toBeGreaterThan(r.timings.answerMs! + 150);
      expect(foundMs).toBeLessThan(r.timings.answerMs! + 450);
    });
  });
});

describe('renderInvite', () => {
  test('dry run equals what the caller really sends (apart from per-call random values)', async () => {
    await withPeer('udp', { reject: 486 }, async (target, peer, caller) => {
      const opts = { target, run: { runId: 'a', scenarioId: 'b', resultId: 'c' }, profile: PROFILE, headers: { 'X-Extra': 'v' } };
      const dry = await caller.renderInvite(opts);
      const r = await caller.call(opts).result;
      const sent = r.messages[0].raw;
      const normalise = (s: string): string =>
        s
          .replace(/branch=z9hG4bK[^;\r\n]+/g, 'branch=B')
          .replace(/tag=[^;\r\n>]+/g, 'tag=T')
          .replace(/^(Call-ID|i): .*$/gim, 'Call-ID: C')
          .replace(/^o=.*$/gm, 'o=O')
          .replace(/^Content-Length: \d+/gm, 'Content-Length: L')
          .replace(/^m=audio \d+/gm, 'm=audio P');
      expect(normalise(dry.text)).toBe(normalise(sent));
      expect(peer.invites.length).toBe(1);
      const pure = renderInvite(opts);
      expect(pure.text).toMatch(/^INVITE sip:agent@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
      expect(pure.text).toContain('X-Customer-Tier: gold\r\n');
      expect(pure.text).not.toContain('never-sent');
    });
  });

  test('a big profile over UDP warns about the 1300-byte limit', () => {
    const vars: Record<string, string> = {};
    for (let i = 0; i < 20; i++) vars[`X-Var-${i}`] = 'x'.repeat(60);
    const r = renderInvite({ target: 'sip:a@127.0.0.1:5060', profile: { information: { main_agent_variables: vars } } });
    expect(r.bytes.length).toBeGreaterThan(1300);
    expect(r.warnings.some((w) => w.startsWith('INVITE_OVER_UDP_LIMIT'))).toBe(true);
    expect(r.warnings.some((w) => w.startsWith('X_HEADERS_OVER_TWILIO_LIMIT'))).toBe(true);
  });
});
