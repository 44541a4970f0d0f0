/**
 * Measurement truth: a TestAgent waits for the caller's speech to end, waits D ms, then speaks.
 * For D in {300, 800, 1500, 3000} the Caller's measured turn latency (result.metrics, from the
 * audio) must be D ± 30 ms, and the first-word latency the configured greeting delay ± 30 ms.
 *
 * What a listener hears is the truth: end of the caller's speech as sent → agent onset as
 * received. The stimuli are espeak speech (assets/) cut to start at their first sample of sound,
 * so "onset" and "end" are sample-exact facts of the recording, checked here without any VAD:
 * that is the ground truth the VAD-based metrics are held to, and the agent's own timeline
 * (speech-end → play-start) shows what it decided. All timing comes from audio timestamps (RTP
 * send schedule and RTP timestamps on receipt), so a loaded machine moves nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { encodeWav } from '../../src/audio';
import { readWavFile } from '../../src/audio/wav-reader';
import { writeFileSync } from 'node:fs';
import { Caller, type CallResult } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(90_000);

const ASSETS = join(__dirname, '../../assets');
const GAPS = [300, 800, 1500, 3000];
const GREETING_DELAY = 1000;
const TOLERANCE = 30;

let dir: string;
let question: string;
let hello: string;
let result: CallResult;
let agentTimeline: Array<{ t: number; event: string }>;
let recording: { caller: Int16Array; agent: Int16Array; rate: number };

/** Mono samples of a WAV from its first to its last sample louder than `floor`. */
async function speechOnly(path: string, maxMs?: number): Promise<Int16Array> {
  const w = await readWavFile(path);
  const s = w.samples;
  const first = s.findIndex((v) => Math.abs(v) > 1);
  let last = s.length - 1;
  while (last > first && Math.abs(s[last]) <= 1) last--;
  const end = maxMs === undefined ? last + 1 : Math.min(last + 1, first + Math.round((maxMs * w.sampleRate) / 1000));
  return s.slice(first, end);
}

/** Sample-exact speech runs of one channel: audio (|x| > 1) separated by ≥ `gapMs` of silence. */
function runs(pcm: Int16Array, rate: number, gapMs: number): Array<{ startMs: number; endMs: number }> {
  const out: Array<{ startMs: number; endMs: number }> = [];
  const gap = Math.round((gapMs * rate) / 1000);
  let start = -1;
  let last = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]) <= 1) continue;
    if (start < 0) start = i;
    else if (i - last > gap) {
      out.push({ startMs: (start * 1000) / rate, endMs: ((last + 1) * 1000) / rate });
      start = i;
    }
    last = i;
  }
  if (start >= 0) out.push({ startMs: (start * 1000) / rate, endMs: ((last + 1) * 1000) / rate });
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-truth-'));
  question = join(dir, 'question.wav');
  hello = join(dir, 'hello.wav');
  writeFileSync(question, encodeWav(await speechOnly(join(ASSETS, 'question-8k.wav')), { sampleRate: 8000, channels: 1 }));
  // "Hello," — the greeting's first word (the asset's first pause comes after ~510 ms)
  writeFileSync(hello, encodeWav(await speechOnly(join(ASSETS, 'greeting-8k.wav'), 500), { sampleRate: 8000, channels: 1 }));

  const agent = new TestAgent({
    behaviour: { play: hello, greetingDelayMs: GREETING_DELAY, turn: { afterSilenceMs: GAPS, play: hello, greet: true, hangoverMs: 150 } },
    media: { portPool: new RtpPortPool({ min: 36000, max: 36200 }) },
  });
  await agent.start();
  const caller = new Caller({ rtpPorts: { min: 36400, max: 36600 } });
  try {
    const waitAgent = { waitForAgent: { thenSilenceMs: 400, timeoutMs: 8000 } };
    const script = [waitAgent, ...GAPS.flatMap(() => [{ play: question }, waitAgent])];
    const rec = join(dir, 'call.wav');
    result = await caller.call({ target: agent.uri, script, record: rec }).result;
    const call = agent.calls[0];
    await call.ended;
    agentTimeline = call.timeline;
    const w = await readWavFile(rec);
    const frames = w.samples.length / 2;
    const c = new Int16Array(frames);
    const a = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      c[i] = w.samples[2 * i];
      a[i] = w.samples[2 * i + 1];
    }
    recording = { caller: c, agent: a, rate: w.sampleRate };
  } finally {
    await caller.close();
    await agent.stop();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('measurement truth on loopback', () => {
  test('the call completed with metrics for every turn', () => {
    expect(result.outcome).toBe('completed');
    expect(result.warnings.filter((w) => w.startsWith('EVALUATION'))).toEqual([]);
    expect(result.metrics).not.toBeNull();
    expect(result.metrics!.turns).toHaveLength(GAPS.length);
  });

  test.each(GAPS.map((d, i) => [d, i]))('D = %i ms: measured turn latency within ±30 ms', (d, i) => {
    const turn = result.metrics!.turns[i];
    expect(turn.overlapped).toBe(false);
    expect(turn.latencyMs).not.toBeNull();
    expect(Math.abs(turn.latencyMs! - d)).toBeLessThanOrEqual(TOLERANCE);
  });

  test('ground truth from the recording (no VAD): the agent spoke D after the caller stopped, and the metrics agree with it', () => {
    // 300 ms of digital silence separates utterances; the espeak clips have no pause that long
    const callerRuns = runs(recording.caller, recording.rate, 300);
    const agentRuns = runs(recording.agent, recording.rate, 300);
    expect(callerRuns).toHaveLength(GAPS.length);
    expect(agentRuns).toHaveLength(GAPS.length + 1); // greeting + one reply per turn
    GAPS.forEach((d, i) => {
      const truth = agentRuns[i + 1].startMs - callerRuns[i].endMs;
      // the agent places its reply in the RTP stream to the sample; transit and G.711 leave ~1 ms
      expect(Math.abs(truth - d)).toBeLessThanOrEqual(5);
      expect(Math.abs(result.metrics!.turns[i].latencyMs! - truth)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(result.metrics!.turns[i].callerEndMs - callerRuns[i].endMs)).toBeLessThanOrEqual(15);
      expect(Math.abs(result.metrics!.turns[i].agentOnsetMs! - agentRuns[i + 1].startMs)).toBeLessThanOrEqual(15);
    });
  });

  test("the agent's own timeline: play-start is D after the speech-end it decided on", () => {
    const ends = agentTimeline.filter((e) => e.event === 'speech-end');
    const plays = agentTimeline.filter((e) => e.event === 'play-start');
    expect(ends).toHaveLength(GAPS.length);
    expect(plays).toHaveLength(GAPS.length + 1);
    GAPS.forEach((d, i) => expect(Math.abs(plays[i + 1].t - ends[i].t - d)).toBeLessThanOrEqual(2));
  });

  test('first-word latency within ±30 ms of the greeting delay', () => {
    const m = result.metrics!;
    // ACK → onset; the agent counts its delay from sending the 200, one loopback hop before our ACK
    expect(Math.abs(m.firstWordLatencyMs! - GREETING_DELAY)).toBeLessThanOrEqual(TOLERANCE);
    expect(m.firstWordFromInviteMs! - m.firstWordLatencyMs!).toBeCloseTo(result.timings.ackMs!, 0);
    const greeting = runs(recording.agent, recording.rate, 300)[0];
    expect(Math.abs(m.speech.agent[0].startMs - greeting.startMs)).toBeLessThanOrEqual(15);
  });
});
