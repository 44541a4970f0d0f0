/**
 * Voicemail detection over loopback against the TestAgent, G.711 both ways: an agent that plays
 * a greeting and then a beep (what an answering machine does) is reported as voicemail, and with
 * `voicemail: 'hangup'` hung up on right after the beep; the plain greeting is not voicemail, nor
 * is a greeting and beep played as early media before the answer.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';
import { encodeWav, readWav } from '../../src/audio';
import { Caller, type CallOptions, type CallResult } from '../../src/caller';
import { schemaErrors } from '../../src/report';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(30_000);

const SR = 8000;
const GREETING = readWav(readFileSync(join(__dirname, '../../assets/greeting-8k.wav'))).samples;
const BEEP_AT_MS = (GREETING.length * 1000) / SR + 200;
const agentPool = new RtpPortPool({ min: 37400, max: 37500 });

let dir: string;
let machine: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicemail-'));
  // greeting, 200 ms pause, a 600 ms 1000 Hz beep, 2 s of the recording's silence
  const pause = new Int16Array(SR / 5);
  const beep = Int16Array.from({ length: (SR * 6) / 10 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / SR)));
  const pcm = new Int16Array(GREETING.length + pause.length + beep.length + 2 * SR);
  pcm.set(GREETING, 0);
  pcm.set(beep, GREETING.length + pause.length);
  machine = join(dir, 'machine.wav');
  writeFileSync(machine, encodeWav(pcm, { sampleRate: SR, channels: 1 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function callAgent(behaviour: TestAgentBehaviour, options: Omit<CallOptions, 'target'>): Promise<CallResult> {
  const agent = new TestAgent({ behaviour, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ rtpPorts: { min: 37600, max: 37700 } });
  try {
    return await caller.call({ target: agent.uri, codecs: ['PCMU'], ...options }).result;
  } finally {
    await caller.close();
    await agent.stop();
  }
}

describe('Caller voicemail detection', () => {
  test('greeting then beep: result.voicemail holds the beep, end reason voicemail, outcome completed', async () => {
    const r = await callAgent({ play: machine }, { durationMs: 8000 });
    expect(r.outcome).toBe('completed');
    expect(r.endReason).toBe('voicemail');
    expect(r.endedBy).toBe('caller');
    expect(r.voicemail).not.toBeNull();
    const v = r.voicemail!;
    expect(v.beepFrequencyHz).toBeGreaterThanOrEqual(995);
    expect(v.beepFrequencyHz).toBeLessThanOrEqual(1005);
    // on the call's timeline: after the answer, the greeting and the pause (arrival-placed frames)
    const answer = r.timings.answerMs!;
    expect(v.beepStartMs - answer).toBeGreaterThanOrEqual(BEEP_AT_MS - 40);
    expect(v.beepStartMs - answer).toBeLessThanOrEqual(BEEP_AT_MS + 300);
    expect(v.beepEndMs - v.beepStartMs).toBeGreaterThanOrEqual(540);
    expect(v.beepEndMs - v.beepStartMs).toBeLessThanOrEqual(620);
    expect(r.timeline.map((e) => e.event)).toContain('voicemail-beep');
    // the caller ran the full duration: 'detect' only reports
    expect(r.timings.talkDurationMs).toBeGreaterThanOrEqual(8000);
    expect(schemaErrors(JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  test("voicemail: 'hangup' sends BYE right after the beep", async () => {
    const r = await callAgent({ play: machine }, { durationMs: 20_000, voicemail: 'hangup' });
    expect(r.endReason).toBe('voicemail');
    expect(r.endedBy).toBe('caller');
    const ev = r.timeline.map((e) => e.event);
    expect(ev.indexOf('bye-sent')).toBeGreaterThan(ev.indexOf('voicemail-beep'));
    // the beep ends ~5.7 s after the answer; the tone is confirmed 60 ms of silence later
    expect(r.timings.talkDurationMs).toBeLessThan(BEEP_AT_MS + 600 + 1500);
    expect(r.timings.talkDurationMs).toBeGreaterThan(BEEP_AT_MS + 600);
  });

  test('greeting and beep in early media (183, before the answer) are an announcement, not voicemail', async () => {
    const r = await callAgent({ ringMs: BEEP_AT_MS + 1200, earlyMedia: { play: machine }, play: null }, { durationMs: 1000 });
    expect(r.timings.earlyMediaMs).not.toBeNull();
    expect(r.timings.answerMs! - r.timings.earlyMediaMs!).toBeGreaterThan(BEEP_AT_MS + 600);
    expect(r.voicemail).toBeNull();
    expect(r.endReason).toBe('caller hung up');
  });

  test('the plain greeting is not voicemail; off skips detection', async () => {
    const plain = await callAgent({}, { durationMs: 6000 });
    expect(plain.voicemail).toBeNull();
    expect(plain.endReason).toBe('caller hung up');
    const off = await callAgent({ play: machine }, { durationMs: 7000, voicemail: 'off' });
    expect(off.voicemail).toBeNull();
    expect(off.endReason).toBe('caller hung up');
  });
});
