/** Caller ↔ TestAgent over loopback: headers, every digest algorithm, outcomes, media, scripted turns. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { TestAgent, type TestAgentBehaviour } from '../../src/agent';
import { readWavFile } from '../../src/audio/wav-reader';
import { wavToMonoPcm } from '../../src/audio/resampler';
import { Caller } from '../../src/caller';
import type { DigestAlgorithm } from '../../src/digest/algorithm';
import { RtpPortPool } from '../../src/rtp/port-pool';

jest.setTimeout(40_000);

const ASSETS = join(__dirname, '../../assets');
const GREETING = join(ASSETS, 'greeting-8k.wav');
const QUESTION = join(ASSETS, 'question-8k.wav');
const PASSWORD = 'p4ss-Agent-e2e-9d1f';

const agentPool = new RtpPortPool({ min: 34000, max: 34400 });
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-caller-agent-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withAgent(
  behaviour: TestAgentBehaviour,
  fn: (agent: TestAgent, caller: Caller) => Promise<void>,
  transport: 'udp' | 'tcp' = 'udp',
): Promise<void> {
  const agent = new TestAgent({ transport, behaviour, media: { portPool: agentPool } });
  await agent.start();
  const caller = new Caller({ transport, rtpPorts: { min: 35000, max: 35400 } });
  try {
    await fn(agent, caller);
  } finally {
    await caller.close();
    await agent.stop();
  }
}

describe.each(['udp', 'tcp'] as const)('Caller ↔ TestAgent over %s', (transport) => {
  test('the agent receives exactly the default ids + profile X- keys + extra headers', async () => {
    await withAgent(
      { play: null, hangupAfterMs: 200 },
      async (agent, caller) => {
        const r = await caller.call({
          target: agent.uri,
          profile: {
            name: 'p',
            information: { main_agent_variables: { 'X-Plan': 'pro', region: 'eu', 'X-Count': 2 }, testing_agent_variables: { 'X-Tester': 'no', mood: 'calm' } },
          },
          headers: [['X-Case', 'refund']],
        }).result;
        expect(r.outcome).toBe('completed');
        const inv = agent.calls[0].invite;
        expect(inv.headers.xHeaders()).toEqual({
          'X-Run-Id': r.ids.runId,
          'X-Scenario-Id': r.ids.scenarioId,
          'X-Result-Id': r.ids.resultId,
          'X-Plan': 'pro',
          'X-Count': '2',
          'X-Case': 'refund',
        });
        expect(r.ids.generated.sort()).toEqual(['resultId', 'runId', 'scenarioId']);
        expect(inv.raw).not.toMatch(/X-Tester|mood|calm|region/);
      },
      transport,
    );
  });
});

describe('digest against the TestAgent', () => {
  // one agent and caller for the whole table (the behaviour changes per test)
  let agent: TestAgent;
  let caller: Caller;
  beforeAll(async () => {
    agent = new TestAgent({ behaviour: { play: null }, media: { portPool: agentPool } });
    await agent.start();
    caller = new Caller({ rtpPorts: { min: 35000, max: 35400 } });
  });
  afterAll(async () => {
    await caller.close();
    await agent.stop();
  });
  const algorithms: DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];
  test.each(algorithms.flatMap((a) => [[a, false] as const, [a, true] as const]))('%s proxy=%s: verified, completed, X- headers on both INVITEs', async (alg, proxy) => {
    agent.setBehaviour({ play: null, hangupAfterMs: 100, auth: { username: 'bob', password: PASSWORD, algorithms: [alg], proxy } });
    const before = agent.calls.length;
    const r = await caller.call({ target: agent.uri, auth: { username: 'bob', password: PASSWORD }, run: { runId: 'digest' } }).result;
    expect(r.outcome).toBe('completed');
    const call = agent.calls[before];
    expect(call.authAttempts.some((a) => a.ok && a.algorithm === alg)).toBe(true);
    expect(call.invites.length).toBe(2);
    for (const inv of call.invites) expect(inv.headers.get('X-Run-Id')).toBe('digest');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
  });
});

describe('digest edge cases against the TestAgent', () => {
  test('several challenges (MD5 then SHA-256 listed): the strongest is used', async () => {
    await withAgent({ play: null, hangupAfterMs: 100, auth: { username: 'bob', password: PASSWORD, algorithms: ['MD5', 'SHA-256'] } }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri, auth: { username: 'bob', password: PASSWORD } }).result;
      expect(r.outcome).toBe('completed');
      expect(agent.calls[0].authAttempts.find((a) => a.ok)?.algorithm).toBe('SHA-256');
    });
  });

  test('wrong password → auth-failed, password nowhere', async () => {
    await withAgent({ play: null, auth: { username: 'bob', password: PASSWORD, onFailure: 'rechallenge' } }, async (agent, caller) => {
      const call = caller.call({ target: agent.uri, auth: { username: 'bob', password: 'nope-' + PASSWORD } });
      const r = await call.result;
      expect(r.outcome).toBe('auth-failed');
      const everything = JSON.stringify(r) + inspect(r, { depth: 20 }) + inspect(call, { depth: 20 }) + inspect(caller, { depth: 20 });
      expect(everything).not.toContain(PASSWORD);
    });
  });
});

describe('outcomes and media against the TestAgent', () => {
  test('busy / rejected / no-answer', async () => {
    await withAgent({ reject: 486 }, async (agent, caller) => {
      expect((await caller.call({ target: agent.uri }).result).outcome).toBe('busy');
      agent.setBehaviour({ reject: 603 });
      const r = await caller.call({ target: agent.uri }).result;
      expect([r.outcome, r.sip.finalStatus]).toEqual(['rejected', 603]);
      agent.setBehaviour({ neverAnswer: true, ringMs: 50 });
      const n = await caller.call({ target: agent.uri, timeouts: { ringMs: 300 } }).result;
      expect([n.outcome, n.sip.finalStatus, n.endReason]).toEqual(['no-answer', 487, 'did not answer']);
      expect(agent.requestsOf('CANCEL').length).toBe(1);
    });
  });

  test('early media then answer: the early audio is recorded, the call completes', async () => {
    await withAgent({ ringMs: 700, earlyMedia: { play: QUESTION }, play: null, hangupAfterMs: 200 }, async (agent, caller) => {
      const rec = join(dir, 'early-answer.wav');
      const r = await caller.call({ target: agent.uri, record: rec }).result;
      expect(r.outcome).toBe('completed');
      expect(r.timings.earlyMediaMs).not.toBeNull();
      expect(r.timings.earlyMediaMs!).toBeLessThan(r.timings.answerMs!);
      const wav = await readWavFile(rec);
      let early = 0;
      const answerFrame = Math.floor((r.timings.answerMs! * wav.sampleRate) / 1000);
      for (let i = 0; i < Math.min(answerFrame, wav.frames); i++) early += Math.abs(wav.samples[2 * i + 1]);
      expect(early / answerFrame).toBeGreaterThan(100);
    });
  });

  test('agent re-INVITE is answered and the agent BYE ends the call', async () => {
    await withAgent({ play: null, reinviteAfterMs: 150, hangupAfterMs: 400 }, async (agent, caller) => {
      const r = await caller.call({ target: agent.uri }).result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('agent');
      expect(agent.calls[0].reinvites.map((x) => x.status)).toEqual([200]);
    });
  });

  test('recording: the greeting the agent plays is on the right channel at the right time', async () => {
    await withAgent({ greetingDelayMs: 300, play: GREETING }, async (agent, caller) => {
      const rec = join(dir, 'greeting.wav');
      const call = caller.call({ target: agent.uri, record: rec, durationMs: 1500 });
      const r = await call.result;
      expect(r.outcome).toBe('completed');
      const wav = await readWavFile(rec);
      const greeting = wavToMonoPcm(await readWavFile(GREETING), wav.sampleRate).subarray(0, wav.sampleRate); // first second
      const right = new Float64Array(wav.frames);
      for (let i = 0; i < wav.frames; i++) right[i] = wav.samples[2 * i + 1];
      let best = -Infinity;
      let bestLag = 0;
      for (let lag = 0; lag + greeting.length <= wav.frames; lag += 2) {
        let s = 0;
        for (let i = 0; i < greeting.length; i += 4) s += greeting[i] * right[lag + i];
        if (s > best) {
          best = s;
          bestLag = lag;
        }
      }
      let energy = 0;
      for (let i = 0; i < greeting.length; i += 4) energy += greeting[i] * greeting[i];
      expect(best).toBeGreaterThan(0.5 * energy);
      const foundMs = (bestLag * 1000) / wav.sampleRate;
      expect(foundMs).toBeGreaterThan(r.timings.answerMs! + 250);
      expect(foundMs).toBeLessThan(r.timings.answerMs! + 500);
      expect(r.timeline.some((e) => e.event === 'first-agent-speech')).toBe(true);
    });
  });

  test('scripted turns: wait for the greeting, ask, wait for the answer, DTMF, hang up', async () => {
    await withAgent({ play: QUESTION, turn: { afterSilenceMs: 400, greet: true, hangoverMs: 300 } }, async (agent, caller) => {
      const audioFrames: number[] = [];
      const call = caller.call({
        target: agent.uri,
        script: [
          { waitForAgent: { thenSilenceMs: 500, timeoutMs: 8000 } },
          { play: QUESTION },
          { waitForAgent: { thenSilenceMs: 500, timeoutMs: 8000 } },
          { silence: 200 },
          { dtmf: '1#' },
          { hangup: true },
        ],
      });
      call.on('audio', (f) => audioFrames.push(f.t));
      const r = await call.result;
      expect(r.outcome).toBe('completed');
      expect(r.endedBy).toBe('caller');
      const turns = r.timeline.filter((e) => e.event === 'agent-turn').map((e) => e.detail);
      expect(turns).toEqual(['heard', 'heard']);
      const speech = r.timeline.filter((e) => e.event === 'agent-speech');
      expect(speech.length).toBeGreaterThanOrEqual(2);
      expect(audioFrames.length).toBeGreaterThan(50);
      expect(r.timeline.some((e) => e.event === 'script' && e.detail === '4: dtmf 1#')).toBe(true);
      expect(r.warnings.filter((w) => w.startsWith('SCRIPT_FAILED'))).toEqual([]);
    });
  });
});
