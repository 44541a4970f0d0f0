/**
 * The product (`Caller`) against SIPp 3.6.1 as the called agent on loopback UDP: test-metadata
 * headers found in SIPp's own message log, busy, no answer → CANCEL, early media recorded,
 * voicemail (a greeting and a beep), the agent hangs up, the agent re-INVITEs, and a 401 MD5
 * challenge really verified by SIPp's `<verifyauth>`. Every SIP message we sent is captured and
 * passes the strict lint (0 findings); SIPp's own known findings are listed explicitly.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  activeSpan,
  decodeSip,
  findFreePorts,
  formatLintFindings,
  levelBetween,
  lintSipMessages,
  makeGreeting,
  runTool,
  readWavChannel,
  startCapture,
  startSippUas,
  stopAllPeers,
  type Capture,
  type CapturedSipMessage,
  type SippMedia,
  type SippPeer,
} from './harness';
import { Caller, type CallOptions, type CallResult } from '../../src/caller';
import type { TestProfile } from '../../src/headers/build';

jest.setTimeout(45_000);

const QUESTION = join(__dirname, '../../assets/question-8k.wav');
const WORK = mkdtempSync(join(tmpdir(), 'sipprobe-caller-sipp-'));

/** Distinct tokens so that "never sent" can be checked by searching the whole log. */
const PROFILE: TestProfile = {
  name: 'interop-profile',
  information: {
    main_agent_variables: {
      'X-Customer-Tier': 'gold-tier-7f3a',
      'x-lower-Case-Key': 'kept-case-91bc',
      'X-Attempt': 3,
      'X-Is-Test': true,
      customer_region_zq: 'region-value-55e1',
      'Plain-Header-Zq': 'plain-value-c0de',
    },
    testing_agent_variables: {
      'X-Tester-Persona-Zq': 'persona-value-beef',
      mood_zq: 'mood-value-f00d',
    },
  },
};
const NEVER_SENT = ['customer_region_zq', 'region-value-55e1', 'Plain-Header-Zq', 'plain-value-c0de', 'X-Tester-Persona-Zq', 'persona-value-beef', 'mood_zq', 'mood-value-f00d', 'testing_agent_variables', 'main_agent_variables'];

let caller: Caller | undefined;

afterEach(async () => {
  await caller?.close();
  caller = undefined;
  await stopAllPeers();
});

async function newCaller(): Promise<{ caller: Caller; port: number }> {
  const port = await findFreePorts();
  const rtp = await findFreePorts({ span: 20, even: true });
  caller = new Caller({ bind: { address: '127.0.0.1', port }, transport: 'udp', rtpPorts: { min: rtp, max: rtp + 19 } });
  await caller.start();
  return { caller, port: caller.sipAddress.port };
}

interface Setup {
  sipp: SippPeer;
  cap: Capture;
  caller: Caller;
  callerPort: number;
  target: string;
}

async function setup(scenario: string, opts: { delayMs?: number; media?: SippMedia; password?: string } = {}): Promise<Setup> {
  const sipp = await startSippUas({ scenario, calls: 1, delayMs: opts.delayMs ?? 0, maxSeconds: 30, media: opts.media ?? 'echo', ...(opts.password ? { password: opts.password } : {}) });
  const c = await newCaller();
  const cap = await startCapture([sipp.port, c.port], { maxSeconds: 40 });
  return { sipp, cap, caller: c.caller, callerPort: c.port, target: `sip:agent@127.0.0.1:${sipp.port}` };
}

/**
 * Every message we sent: 0 lint findings. SIPp's messages: exactly the listed known findings.
 * Returns every captured message in order.
 */
async function lintClean(s: Setup, sippFindings: string[] = []): Promise<CapturedSipMessage[]> {
  const msgs = await decodeSip(await s.cap.stop(), { sipPorts: [s.sipp.port, s.callerPort] });
  const ours = msgs.filter((m) => m.srcPort === s.callerPort);
  const theirs = msgs.filter((m) => m.srcPort !== s.callerPort);
  expect(ours.length).toBeGreaterThan(0);
  expect(formatLintFindings(lintSipMessages(ours))).toBe('');
  expect(lintSipMessages(theirs).map((f) => `${f.firstLine}: ${f.rule}`)).toEqual(sippFindings);
  return msgs;
}

/** Messages SIPp logged as received (`-trace_msg` blocks headed "UDP message received"). */
function sippReceived(log: string): string[] {
  return log
    .split(/^-{10,}.*$/m)
    .filter((b) => /message received/i.test(b))
    .map((b) => b.replace(/^[\s\S]*?message received \[\d+\] bytes :\s*\n\n?/i, '').trim());
}

function headerValues(msg: string, name: string): string[] {
  const head = msg.split(/\r?\n\r?\n/)[0];
  const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}[ \\t]*:[ \\t]*(.*?)\\s*$`, 'gim');
  return [...head.matchAll(re)].map((m) => m[1]);
}

function xHeaders(msg: string): Array<{ name: string; value: string }> {
  const head = msg.split(/\r?\n\r?\n/)[0];
  return [...head.matchAll(/^(X-[!-9;-~]+)[ \t]*:[ \t]*(.*?)\s*$/gim)].map((m) => ({ name: m[1], value: m[2] }));
}

function fromTag(msg: string): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(headerValues(msg, 'From')[0] ?? '')?.[1];
}

function callOpts(s: Setup, extra: Partial<CallOptions> = {}): CallOptions {
  return { target: s.target, run: { runId: `RUN-${process.pid}-${s.sipp.port}` }, profile: PROFILE, ...extra };
}

function describeResult(r: CallResult): string {
  return `${r.outcome} / ${r.endReason} / ${r.sip.finalStatus} ${r.sip.finalReason} / ${r.error?.code ?? ''} ${r.error?.message ?? ''}\n${r.timeline.map((e) => `${e.t.toFixed(0)} ${e.event} ${e.detail ?? ''}`).join('\n')}`;
}

describe('Caller → SIPp UAS', () => {
  it('basic: the test headers (ids + profile X- keys) are in SIPp\'s message log, nothing else from the profile', async () => {
    const s = await setup('basic', { delayMs: 200 });
    const call = s.caller.call(callOpts(s, { run: { runId: `RUN-basic-${s.sipp.port}`, scenarioId: 'SCN-basic-interop' }, durationMs: 800 }));
    const r = await call.result;
    expect(describeResult(r)).toMatch(/^completed \/ caller hung up \/ 200 OK/);
    expect(r.endedBy).toBe('caller');
    expect(r.ids.runId).toBe(`RUN-basic-${s.sipp.port}`);
    expect(r.ids.scenarioId).toBe('SCN-basic-interop');
    expect(r.ids.generated).toEqual(['resultId']);
    expect(r.ids.resultId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.rtp?.received.packets).toBeGreaterThan(10); // SIPp echoes our RTP
    expect(await s.sipp.wait()).toBe(0);

    const log = s.sipp.messagesLog();
    const invites = sippReceived(log).filter((m) => m.startsWith('INVITE '));
    expect(invites).toHaveLength(1);
    const expected = [
      { name: 'X-Run-Id', value: `RUN-basic-${s.sipp.port}` },
      { name: 'X-Scenario-Id', value: 'SCN-basic-interop' },
      { name: 'X-Result-Id', value: r.ids.resultId },
      { name: 'X-Customer-Tier', value: 'gold-tier-7f3a' },
      { name: 'x-lower-Case-Key', value: 'kept-case-91bc' },
      { name: 'X-Attempt', value: '3' },
      { name: 'X-Is-Test', value: 'true' },
    ];
    const got = xHeaders(invites[0]);
    expect([...got].sort((a, b) => a.name.localeCompare(b.name))).toEqual([...expected].sort((a, b) => a.name.localeCompare(b.name)));
    expect(r.sip.headersSent).toEqual(expect.arrayContaining(expected));
    expect(r.sip.headersSent).toHaveLength(expected.length);
    for (const token of NEVER_SENT) expect(log.toLowerCase()).not.toContain(token.toLowerCase());
    expect(s.sipp.logsLog()).toContain(`INVITE received, X-Run-Id=RUN-basic-${s.sipp.port}`);
    expect(headerValues(invites[0], 'Call-ID')).toEqual([r.sip.callId]);

    const msgs = await lintClean(s);
    expect(msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'ACK SIP/2.0', 'BYE SIP/2.0', 'SIP/2.0 200 OK']);
    // the ladder in the result is what went over the wire
    expect(r.messages.map((m) => `${m.direction} ${m.firstLine.replace(/ sips?:\S+/, '')}`)).toEqual([
      'sent INVITE SIP/2.0',
      'received SIP/2.0 100 Trying',
      'received SIP/2.0 180 Ringing',
      'received SIP/2.0 200 OK',
      'sent ACK SIP/2.0',
      'sent BYE SIP/2.0',
      'received SIP/2.0 200 OK',
    ]);
  });

  it('busy: 486 → outcome busy', async () => {
    const s = await setup('busy', { delayMs: 100 });
    const r = await s.caller.call(callOpts(s)).result;
    expect(describeResult(r)).toMatch(/^busy \/ busy \/ 486 Busy Here/);
    expect(r.timings.answerMs).toBeNull();
    expect(await s.sipp.wait()).toBe(0);
    const msgs = await lintClean(s);
    expect(msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here', 'ACK SIP/2.0']);
  });

  it('noanswer: ring timeout → CANCEL → 487 → no-answer', async () => {
    const s = await setup('noanswer');
    const r = await s.caller.call(callOpts(s, { timeouts: { ringMs: 1500 } })).result;
    expect(describeResult(r)).toMatch(/^no-answer \/ did not answer \/ 487 /);
    expect(r.endedBy).toBe('timeout');
    const cancel = r.timeline.find((e) => e.event === 'cancel-sent');
    expect(cancel?.t).toBeGreaterThanOrEqual(1450);
    expect(cancel?.t).toBeLessThan(2500);
    expect(await s.sipp.wait()).toBe(0);
    // uas-noanswer.xml answers the CANCEL with [last_To:] (no tag): SIPp's one known finding
    const msgs = await lintClean(s, ['SIP/2.0 200 OK: to-tag']);
    expect(msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'CANCEL SIP/2.0', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated', 'ACK SIP/2.0']);
    // CANCEL: same Call-ID, From, CSeq number and branch as the INVITE (RFC 3261 §9.1)
    const inv = msgs[0].raw.toString('latin1');
    const can = msgs[3].raw.toString('latin1');
    expect(headerValues(can, 'Call-ID')).toEqual(headerValues(inv, 'Call-ID'));
    expect(headerValues(can, 'From')).toEqual(headerValues(inv, 'From'));
    expect(headerValues(can, 'CSeq')[0]).toBe(headerValues(inv, 'CSeq')[0].replace('INVITE', 'CANCEL'));
    expect(headerValues(can, 'Via')).toEqual(headerValues(inv, 'Via'));
  });

  it('voicemail: SIPp plays an eSpeak greeting and a sox beep; with voicemail: hangup we BYE after the beep', async () => {
    const greeting = await makeGreeting(join(WORK, 'vm-greeting.wav'), { text: 'You have reached the voicemail of the sales team. Please leave a message after the tone.' });
    const beep = join(WORK, 'vm-beep.wav');
    const machine = join(WORK, 'vm-machine.wav');
    expect((await runTool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', beep, 'synth', '0.6', 'sine', '1000', 'vol', '0.4'])).code).toBe(0);
    // greeting, the beep, then 3 s of the silence a recording would hear
    expect((await runTool('sox', [greeting, beep, machine, 'pad', '0', '3'])).code).toBe(0);
    const s = await setup('basic', { media: { play: machine, codec: 'pcmu' } });
    const r = await s.caller.call(callOpts(s, { durationMs: 15_000, voicemail: 'hangup' })).result;
    expect(describeResult(r)).toMatch(/^completed \/ voicemail \/ 200 OK/);
    expect(r.endedBy).toBe('caller');
    expect(r.voicemail).not.toBeNull();
    expect(Math.abs(r.voicemail!.beepFrequencyHz - 1000)).toBeLessThanOrEqual(10);
    expect(r.voicemail!.beepEndMs - r.voicemail!.beepStartMs).toBeGreaterThanOrEqual(500);
    expect(r.voicemail!.beepEndMs - r.voicemail!.beepStartMs).toBeLessThanOrEqual(650);
    // hung up right after the beep, long before the 15 s duration
    expect(r.timings.endMs! - r.voicemail!.beepEndMs).toBeLessThan(1500);
    expect(await s.sipp.wait()).toBe(0);
    await lintClean(s);
  });

  it('early media: 183 + SDP, SIPp\'s audio recorded before the answer, then 200 → completed', async () => {
    const greeting = await makeGreeting(join(WORK, 'early-greeting.wav'), { text: 'Please hold, your call is important to us.' });
    const s = await setup('early-media', { delayMs: 2500, media: { play: greeting, codec: 'pcmu' } });
    const rec = join(WORK, `early-${s.sipp.port}.wav`);
    const call = s.caller.call(callOpts(s, { durationMs: 700, record: rec }));
    const early: number[] = [];
    call.on('early-media', (e) => early.push(e.t));
    const r = await call.result;
    expect(describeResult(r)).toMatch(/^completed \/ caller hung up \/ 200 OK/);
    expect(early).toHaveLength(1);
    expect(r.timings.earlyMediaMs).not.toBeNull();
    expect(r.timings.answerMs! - r.timings.earlyMediaMs!).toBeGreaterThan(2000);
    expect(r.timings.firstRtpReceivedMs!).toBeLessThan(r.timings.answerMs!);
    expect(r.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['progress', 'early-media', 'answered']));
    expect(r.audio?.recordingPath).toBe(rec);
    expect(await s.sipp.wait()).toBe(0);

    const right = readWavChannel(rec, 1);
    const answerSec = r.timings.answerMs! / 1000;
    const span = activeSpan(right, -45);
    expect(span).not.toBeNull();
    expect(span!.start).toBeLessThan(answerSec - 1);
    // the spoken greeting (≈2.6 s) lies mostly before the answer
    expect(levelBetween(right, span!.start, answerSec)).toBeGreaterThan(-35);
    expect(levelBetween(right, 0, Math.max(0, r.timings.earlyMediaMs! / 1000 - 0.05))).toBeLessThan(-60);
    await lintClean(s);
  });

  it('hangup: the agent sends BYE → completed, endedBy agent', async () => {
    const s = await setup('hangup', { delayMs: 1000 });
    const r = await s.caller.call(callOpts(s, { durationMs: 10_000 })).result;
    expect(describeResult(r)).toMatch(/^completed \/ agent hung up \/ 200 OK/);
    expect(r.endedBy).toBe('agent');
    expect(r.timings.talkDurationMs).toBeGreaterThan(900);
    expect(r.timings.talkDurationMs).toBeLessThan(3000);
    expect(await s.sipp.wait()).toBe(0);
    const msgs = await lintClean(s);
    expect(msgs.slice(-2).map((m) => `${m.srcPort === s.callerPort ? 'us' : 'sipp'} ${m.firstLine.replace(/ sips?:\S+/, '')}`)).toEqual(['sipp BYE SIP/2.0', 'us SIP/2.0 200 OK']);
  });

  it('reinvite: the agent\'s re-INVITE is answered with our SDP, the call completes', async () => {
    const s = await setup('reinvite', { delayMs: 800 });
    const r = await s.caller.call(callOpts(s, { durationMs: 2500 })).result;
    expect(describeResult(r)).toMatch(/^completed \/ caller hung up \/ 200 OK/);
    expect(r.timeline.map((e) => e.event)).toContain('reinvite-received');
    expect(r.codec?.name).toBe('PCMU');
    expect(await s.sipp.wait()).toBe(0);
    const msgs = await lintClean(s);
    const lines = msgs.map((m) => `${m.srcPort === s.callerPort ? 'us' : 'sipp'} ${m.firstLine.replace(/ sips?:\S+/, '')}`);
    expect(lines).toEqual([
      'us INVITE SIP/2.0',
      'sipp SIP/2.0 100 Trying',
      'sipp SIP/2.0 180 Ringing',
      'sipp SIP/2.0 200 OK',
      'us ACK SIP/2.0',
      'sipp INVITE SIP/2.0',
      'us SIP/2.0 200 OK',
      'sipp ACK SIP/2.0',
      'us BYE SIP/2.0',
      'sipp SIP/2.0 200 OK',
    ]);
    // our answer to the re-INVITE keeps the session id and the media (RFC 3264 §8)
    const firstSdp = msgs[0].raw.toString('latin1').split('\r\n\r\n')[1];
    const reSdp = msgs[6].raw.toString('latin1').split('\r\n\r\n')[1];
    expect(/^o=\S+ (\d+) /m.exec(reSdp)?.[1]).toBe(/^o=\S+ (\d+) /m.exec(firstSdp)?.[1]);
    expect(/^m=audio (\d+)/m.exec(reSdp)?.[1]).toBe(/^m=audio (\d+)/m.exec(firstSdp)?.[1]);
  });

  it('auth401: MD5 digest really verified by SIPp (AUTH OK), retried INVITE keeps Call-ID, From tag and X- headers', async () => {
    const s = await setup('auth401');
    const r = await s.caller.call(callOpts(s, { auth: { username: 'alice', password: 'secret' }, durationMs: 500 })).result;
    expect(describeResult(r)).toMatch(/^completed \/ caller hung up \/ 200 OK/);
    expect(await s.sipp.wait()).toBe(0);
    expect(s.sipp.logsLog()).toMatch(/AUTH OK/);
    expect(s.sipp.logsLog()).not.toMatch(/AUTH FAILED/);
    const invites = sippReceived(s.sipp.messagesLog()).filter((m) => m.startsWith('INVITE '));
    expect(invites).toHaveLength(2);
    expect(headerValues(invites[0], 'Authorization')).toEqual([]);
    const auth = headerValues(invites[1], 'Authorization')[0];
    expect(auth).toMatch(/^Digest /);
    expect(auth).toMatch(/algorithm=MD5/);
    expect(auth).toMatch(/qop=auth\b/);
    expect(auth).toMatch(/nc=00000001/);
    expect(auth).toContain(`uri="${s.target}"`);
    expect(auth).toContain('opaque="0b5ea5e1"');
    expect(headerValues(invites[1], 'Call-ID')).toEqual(headerValues(invites[0], 'Call-ID'));
    expect(fromTag(invites[1])).toBe(fromTag(invites[0]));
    expect(Number(headerValues(invites[1], 'CSeq')[0].split(' ')[0])).toBe(Number(headerValues(invites[0], 'CSeq')[0].split(' ')[0]) + 1);
    expect(xHeaders(invites[1])).toEqual(xHeaders(invites[0]));
    expect(xHeaders(invites[1]).length).toBe(r.sip.headersSent.length);
    // credentials never in the result
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(r.messages.find((m) => /^Authorization:/im.test(m.raw))?.raw).toMatch(/^Authorization: Digest \[redacted\]\r?$/m);
    const msgs = await lintClean(s);
    expect(msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual([
      'INVITE SIP/2.0',
      'SIP/2.0 401 Unauthorized',
      'ACK SIP/2.0',
      'INVITE SIP/2.0',
      'SIP/2.0 100 Trying',
      'SIP/2.0 180 Ringing',
      'SIP/2.0 200 OK',
      'ACK SIP/2.0',
      'BYE SIP/2.0',
      'SIP/2.0 200 OK',
    ]);
  });

  it('auth401 with a wrong password: SIPp says AUTH FAILED (403) → auth-failed', async () => {
    const s = await setup('auth401');
    const r = await s.caller.call(callOpts(s, { auth: { username: 'alice', password: 'wrong-password' } })).result;
    expect(r.sip.finalStatus).toBe(403);
    expect(r.outcome).toBe('auth-failed');
    expect(r.endedBy).toBeNull();
    // SIPp counts the call as failed (exit 1) by design of uas-auth401.xml
    expect(await s.sipp.wait()).toBe(1);
    expect(s.sipp.logsLog()).toMatch(/AUTH FAILED/);
    expect(JSON.stringify(r)).not.toContain('wrong-password');
    const msgs = await lintClean(s);
    expect(msgs.map((m) => m.firstLine.replace(/ sips?:\S+/, ''))).toEqual(['INVITE SIP/2.0', 'SIP/2.0 401 Unauthorized', 'ACK SIP/2.0', 'INVITE SIP/2.0', 'SIP/2.0 403 Forbidden', 'ACK SIP/2.0']);
  });
});
