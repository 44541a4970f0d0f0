/** The Caller's evaluation against a TestAgent on loopback: metrics, RTP quality, schema, transcripts. */
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { TestAgent } from '../../src/agent';
import { Caller, type CallResult } from '../../src/caller';
import type { Transcriber } from '../../src/metrics';
import { TranscriberError } from '../../src/metrics';
import { callResultJsonSchema, toJson } from '../../src/report';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(60_000);

const ASSETS = join(__dirname, '../../assets');
const GREETING = join(ASSETS, 'greeting-8k.wav');
const QUESTION = join(ASSETS, 'question-8k.wav');
/** The greeting asset's first sound is 11 ms into the file (checked in the measurement-truth test's way: first |x| > 1). */
const GREETING_ONSET_MS = 11;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(callResultJsonSchema);

let agent: TestAgent;
let caller: Caller;
beforeAll(async () => {
  agent = new TestAgent({ behaviour: { play: null }, media: { portPool: new RtpPortPool({ min: 36800, max: 37000 }) } });
  await agent.start();
  caller = new Caller({ rtpPorts: { min: 37200, max: 37400 } });
});
afterAll(async () => {
  await caller.close();
  await agent.stop();
});

describe('Caller evaluation', () => {
  let result: CallResult;
  beforeAll(async () => {
    agent.setBehaviour({ ringMs: 150, play: GREETING, greetingDelayMs: 600 });
    result = await caller.call({ target: agent.uri, codecs: ['PCMU'], script: [{ waitForAgent: { thenSilenceMs: 600, timeoutMs: 10_000 } }, { hangup: true }] }).result;
  });

  test('first-word latency ≈ the greeting delay (±30 ms), post-dial delay = INVITE → 180', () => {
    expect(result.outcome).toBe('completed');
    const m = result.metrics!;
    expect(m).not.toBeNull();
    expect(Math.abs(m.firstWordLatencyMs! - (600 + GREETING_ONSET_MS))).toBeLessThanOrEqual(30);
    expect(result.timings.first18xMs).not.toBeNull();
    expect(result.timings.first18xMs).toBe(result.messages.find((x) => x.firstLine.startsWith('SIP/2.0 180 '))!.t);
    expect(result.timings.first18xMs!).toBeGreaterThan(result.messages.find((x) => x.firstLine.startsWith('SIP/2.0 100 '))?.t ?? 0);
    expect(m.postDialDelayMs).toBe(result.timings.first18xMs);
    expect(result.timings.ackMs!).toBeGreaterThanOrEqual(result.timings.answerMs!);
    expect(m.answerTimeMs).toBe(result.timings.answerMs);
    // the greeting's three phrases, as the VAD sees them
    expect(m.speech.agent.length).toBeGreaterThanOrEqual(2);
    expect(m.talkTimeMs.agent).toBeGreaterThan(3000);
    expect(m.talkTimeMs.caller).toBe(0);
    expect(result.audio).toBeNull(); // no `record`: metrics still computed from memory
  });

  test('RTP quality: PCMU on loopback, no loss, MOS > 4, the far end RTCP view when it reported', () => {
    const q = result.rtpQuality!;
    expect(q.codec).toBe('PCMU');
    expect(q.received.expected).toBeGreaterThan(100);
    expect(q.received.lost).toBe(0);
    expect(q.received.packets).toBe(result.rtp!.received.packets - result.rtp!.received.duplicates);
    expect(q.received.jitterMeanMs!).toBeCloseTo(result.rtp!.received.jitterMs, 2);
    expect(q.received.jitterMaxMs!).toBeGreaterThanOrEqual(q.received.jitterMeanMs!);
    expect(q.received.emodel.scale).toBe('narrowband');
    expect(q.received.emodel.mos).toBeGreaterThan(4);
    if (result.rtp!.rtcpReceived && q.sentAsSeenByFarEnd) {
      expect(q.sentAsSeenByFarEnd.fractionLostPercent).toBeGreaterThanOrEqual(0);
      expect(q.sentAsSeenByFarEnd.fractionLostPercent).toBeLessThanOrEqual(100);
    }
  });

  test('toJson(result) validates against the shipped schema', () => {
    const json = JSON.parse(toJson(result));
    expect(validate(json) ? '' : ajv.errorsText(validate.errors)).toBe('');
    expect(json.metrics.firstWordLatencyMs).toBe(result.metrics!.firstWordLatencyMs);
    expect(json.transcript).toBeNull();
    expect(json.scriptedWer).toBeNull();
  });
});

describe('Caller evaluation options', () => {
  test('evaluate: false keeps no audio and no metrics, milestones still come from the ladder', async () => {
    agent.setBehaviour({ ringMs: 50, play: GREETING, hangupAfterMs: 400 });
    const r = await caller.call({ target: agent.uri, evaluate: false }).result;
    expect(r.outcome).toBe('completed');
    expect(r.metrics).toBeNull();
    expect(r.rtpQuality).toBeNull();
    expect(r.timings.first18xMs).not.toBeNull();
    expect(r.timings.ackMs).not.toBeNull();
    // nothing reads the far-end VAD, so it does not run (the greeting was played)
    expect(r.timeline.some((e) => e.event === 'agent-speech')).toBe(false);
  });

  test('evaluate: false with a script that waits for the agent still hears the agent', async () => {
    agent.setBehaviour({ play: GREETING, greetingDelayMs: 100 });
    const r = await caller.call({ target: agent.uri, evaluate: false, script: [{ waitForAgent: { thenSilenceMs: 300, timeoutMs: 10_000 } }, { hangup: true }] }).result;
    expect(r.outcome).toBe('completed');
    expect(r.timeline.filter((e) => e.event === 'agent-turn').map((e) => e.detail)).toEqual(['heard']);
    expect(r.timeline.some((e) => e.event === 'agent-speech')).toBe(true);
  });

  test('a transcriber gets each VAD segment; WER of the scripted turns; a failing segment is a warning, not a failed call', async () => {
    agent.setBehaviour({ play: QUESTION, greetingDelayMs: 200 });
    const calls: Array<{ samples: number; rate: number }> = [];
    let n = 0;
    const transcriber: Transcriber = {
      name: 'test-double',
      async transcribe(pcm, sampleRate) {
        calls.push({ samples: pcm.length, rate: sampleRate });
        // the caller's turn is recognised with one wrong word; the agent's segment fails
        if (n++ === 0) throw new TranscriberError('TRANSCRIBER_FAILED', 'engine crashed');
        return [{ startMs: 0, endMs: (pcm.length * 1000) / sampleRate, text: 'what are your closing hours' }];
      },
    };
    const r = await caller.call({
      target: agent.uri,
      script: [{ waitForAgent: { thenSilenceMs: 400, timeoutMs: 10_000 } }, { play: QUESTION }, { silence: 300 }, { hangup: true }],
      transcriber,
      expectedCallerTurns: ['What are your opening hours?'],
    }).result;
    expect(r.outcome).toBe('completed');
    expect(r.metrics!.speech.agent.length).toBeGreaterThanOrEqual(1);
    expect(r.metrics!.speech.caller).toHaveLength(1);
    expect(calls.length).toBe(r.metrics!.speech.agent.length + r.metrics!.speech.caller.length);
    expect(calls.every((c) => c.rate === 8000 && c.samples > 8000)).toBe(true);
    expect(r.transcript!.engine).toBe('test-double');
    expect(r.transcript!.failures).toHaveLength(1);
    expect(r.transcript!.failures[0]).toMatchObject({ speaker: 'agent', code: 'TRANSCRIBER_FAILED' });
    expect(r.warnings.some((w) => w.startsWith('EVALUATION_TRANSCRIPT: 1 segment'))).toBe(true);
    expect(r.scriptedWer).toEqual([
      expect.objectContaining({ index: 0, recognised: 'what are your closing hours', substitutions: 1, deletions: 0, insertions: 0, referenceWords: 5, wer: 0.2 }),
    ]);
    const json = JSON.parse(toJson(r));
    expect(validate(json) ? '' : ajv.errorsText(validate.errors)).toBe('');
  });

  test('expectedCallerTurns without a transcriber: a warning, no WER', async () => {
    agent.setBehaviour({ play: null, hangupAfterMs: 300 });
    const r = await caller.call({ target: agent.uri, expectedCallerTurns: ['hello'] }).result;
    expect(r.outcome).toBe('completed');
    expect(r.scriptedWer).toBeNull();
    expect(r.warnings).toContain('EVALUATION_NO_TRANSCRIBER: expectedCallerTurns needs a transcriber for WER');
    expect(r.metrics!.speech.agent).toEqual([]);
    expect(r.metrics!.firstWordLatencyMs).toBeNull();
  });

  test('an unanswered call has no evaluation but keeps its 18x milestone', async () => {
    agent.setBehaviour({ ringMs: 100, reject: 486 });
    const r = await caller.call({ target: agent.uri }).result;
    expect(r.outcome).toBe('busy');
    expect(r.metrics).toBeNull();
    expect(r.rtpQuality).toBeNull();
    expect(r.timings.first18xMs).not.toBeNull();
    expect(r.timings.ackMs).toBeNull();
    expect(validate(JSON.parse(toJson(r))) ? '' : ajv.errorsText(validate.errors)).toBe('');
  });
});
