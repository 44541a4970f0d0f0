/**
 * TestAgent media over loopback: greeting (default asset and a known signal) with a greeting
 * delay, per-call stereo recordings, echo, and turn mode timing, checked in the audio itself.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, readWavFile } from '../../src/audio';
import { MediaLeg } from '../../src/call-media';
import { SipUserAgent } from '../../src/sip/user-agent';
import type { SipCall } from '../../src/sip/ua/call';
import { TestAgent, defaultGreetingPath, type TestAgentBehaviour } from '../../src/agent';

const FAST = { T1: 50, T2: 400, T4: 500, D: 500 };
const RATE = 8000;

let dir: string;
let agent: TestAgent | undefined;
let ua: SipUserAgent | undefined;
const legs: MediaLeg[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-agent-media-'));
});

afterEach(async () => {
  await agent?.stop();
  await ua?.close();
  await Promise.all(legs.splice(0).map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
});

function tone(ms: number, hz: number, amplitude = 8000): Int16Array {
  const n = Math.round((ms * RATE) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
  return out;
}

function wavFile(name: string, pcm: Int16Array): string {
  const p = join(dir, name);
  writeFileSync(p, encodeWav(pcm, { sampleRate: RATE, channels: 1 }));
  return p;
}

/** One channel of an interleaved stereo recording. */
function channel(samples: Int16Array, ch: 0 | 1): Int16Array {
  const out = new Int16Array(samples.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = samples[2 * i + ch];
  return out;
}

/** Start (ms) of the first 10 ms frame louder than −30 dBFS at or after `fromMs`, or -1. */
function onsetMs(pcm: Int16Array, rate: number, fromMs = 0): number {
  const frame = rate / 100;
  for (let i = Math.floor((fromMs * rate) / 1000 / frame) * frame; i + frame <= pcm.length; i += frame) {
    let s = 0;
    for (let j = i; j < i + frame; j++) s += pcm[j] * pcm[j];
    if (Math.sqrt(s / frame) > 1036) return (i * 1000) / rate;
  }
  return -1;
}

/** Where `needle` best matches in `hay` (normalised cross-correlation), searching every sample. */
function bestMatch(hay: Int16Array, needle: Int16Array): { at: number; score: number } {
  let best = { at: -1, score: -1 };
  let nn = 0;
  for (const v of needle) nn += v * v;
  for (let off = 0; off + needle.length <= hay.length; off++) {
    let dot = 0;
    let hh = 0;
    for (let i = 0; i < needle.length; i += 2) {
      dot += hay[off + i] * needle[i];
      hh += hay[off + i] * hay[off + i];
    }
    const score = hh === 0 ? 0 : dot / Math.sqrt(hh * (nn / 2));
    if (score > best.score) best = { at: off, score };
  }
  return best;
}

async function call(behaviour: TestAgentBehaviour, record = true): Promise<{ sip: SipCall; leg: MediaLeg; callerRec: string }> {
  agent = new TestAgent({ behaviour: { record: record ? join(dir, 'agent') : undefined, ...behaviour }, timers: FAST });
  const uri = await agent.start();
  ua = new SipUserAgent({ timers: FAST });
  await ua.start();
  const callerRec = join(dir, 'caller.wav');
  const leg = await MediaLeg.create({ codecs: ['PCMU'], recordPath: callerRec });
  legs.push(leg);
  const inv = ua.invite({ target: uri, from: 'sip:probe@127.0.0.1', body: leg.createOffer(), contentType: 'application/sdp' });
  const r = await inv.result;
  if (r.kind !== 'answered') throw new Error(`not answered: ${r.kind}`);
  await leg.applyAnswer(r.response.body);
  return { sip: r.call, leg, callerRec };
}

describe('TestAgent media', () => {
  it('plays the shipped greeting by default and records the call in stereo (caller left, agent right)', async () => {
    const { sip, leg } = await call({});
    await leg.playPcm(tone(300, 440), RATE);
    await new Promise((r) => setTimeout(r, 1200));
    await sip.bye();
    const c = agent!.calls[0];
    await c.ended;
    expect(c.events('play-start')[0].detail).toBe(defaultGreetingPath());
    const files = readdirSync(join(dir, 'agent'));
    expect(files).toHaveLength(1);
    expect(c.recordingPath).toBe(join(dir, 'agent', files[0]));
    const wav = await readWavFile(c.recordingPath!);
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(8000);
    const left = channel(wav.samples, 0);
    const right = channel(wav.samples, 1);
    expect(onsetMs(left, 8000)).toBeGreaterThanOrEqual(0); // the caller's tone
    expect(onsetMs(right, 8000)).toBeGreaterThanOrEqual(0); // the greeting
  });

  it('speaks a known signal greetingDelayMs after the answer; the caller hears it at that time', async () => {
    const signal = tone(400, 1000);
    const file = wavFile('signal.wav', signal);
    const { sip, leg, callerRec } = await call({ play: file, greetingDelayMs: 300 });
    const answeredAt = leg.now();
    await new Promise((r) => setTimeout(r, 1100));
    await sip.bye();
    await leg.close();
    await agent!.calls[0].ended;
    const wav = await readWavFile(callerRec);
    const right = channel(wav.samples, 1);
    const heard = onsetMs(right, wav.sampleRate);
    // 300 ms greeting delay, plus packetisation and loopback (tens of ms)
    expect(heard - answeredAt).toBeGreaterThan(250);
    expect(heard - answeredAt).toBeLessThan(450);
    const m = bestMatch(right, signal.subarray(0, 800));
    expect(m.score).toBeGreaterThan(0.9);
    expect(Math.abs((m.at * 1000) / 8000 - heard)).toBeLessThan(15);
    // the agent's own recording has the same signal in its right (agent) channel
    const own = await readWavFile(agent!.calls[0].recordingPath!);
    expect(bestMatch(channel(own.samples, 1), signal.subarray(0, 800)).score).toBeGreaterThan(0.9);
  });

  it('echoes what the caller sends', async () => {
    const { sip, leg, callerRec } = await call({ play: null, echo: true }, false);
    const sent = tone(300, 700);
    await new Promise((r) => setTimeout(r, 100));
    const sentAt = leg.now();
    await leg.playPcm(sent, RATE);
    await new Promise((r) => setTimeout(r, 600));
    await sip.bye();
    await leg.close();
    const wav = await readWavFile(callerRec);
    const right = channel(wav.samples, 1);
    const back = onsetMs(right, wav.sampleRate);
    expect(back).toBeGreaterThan(sentAt);
    expect(back - sentAt).toBeLessThan(300);
    expect(bestMatch(right, sent.subarray(400, 1200)).score).toBeGreaterThan(0.9);
  });

  it('turn mode: speaks afterSilenceMs after the caller stopped', async () => {
    const reply = wavFile('reply.wav', tone(300, 1200));
    const { sip, leg, callerRec } = await call({ play: reply, turn: { afterSilenceMs: 500, hangoverMs: 250 } });
    await new Promise((r) => setTimeout(r, 100));
    await leg.playPcm(tone(600, 500), RATE);
    const stoppedAt = leg.now();
    await new Promise((r) => setTimeout(r, 1300));
    await sip.bye();
    await leg.close();
    const c = agent!.calls[0];
    await c.ended;
    const end = c.events('speech-end');
    const play = c.events('play-start');
    expect(end).toHaveLength(1);
    expect(play).toHaveLength(1);
    expect(play[0].t - end[0].t).toBeGreaterThan(450);
    expect(play[0].t - end[0].t).toBeLessThan(560);
    // as the caller hears it: its speech ended, then the reply ~500 ms (+ transit) later
    const wav = await readWavFile(callerRec);
    const heard = onsetMs(channel(wav.samples, 1), wav.sampleRate, stoppedAt);
    expect(heard - stoppedAt).toBeGreaterThan(450);
    expect(heard - stoppedAt).toBeLessThan(650);
  });
});
