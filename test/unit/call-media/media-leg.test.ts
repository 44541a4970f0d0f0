import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaLeg, MediaLegError } from '../../../src/call-media';
import { readWavFile } from '../../../src/audio/wav-reader';
import { RtpPortPool } from '../../../src/rtp/port-pool';

jest.setTimeout(20_000);

const pool = new RtpPortPool({ min: 31000, max: 31200 });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-media-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tone(rate: number, ms: number, hz: number, amp = 8000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** Deterministic noise burst: cross-correlation finds its position unambiguously. */
function noise(n: number, seed = 1): Int16Array {
  const out = new Int16Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((x >> 8) % 16000) - 8000;
  }
  return out;
}

async function pair(aOpts: Parameters<typeof MediaLeg.create>[0] = {}, bOpts: Parameters<typeof MediaLeg.create>[0] = {}): Promise<[MediaLeg, MediaLeg]> {
  const a = await MediaLeg.create({ portPool: pool, ...aOpts });
  const b = await MediaLeg.create({ portPool: pool, side: 'agent', ...bOpts });
  const offer = a.createOffer();
  const { sdp } = await b.answerOffer(offer);
  await a.applyAnswer(sdp);
  return [a, b];
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('MediaLeg', () => {
  test('offer/answer picks the first common codec and RTP flows both ways (silence when idle)', async () => {
    const [a, b] = await pair({ codecs: ['PCMA', 'PCMU'] }, { codecs: ['PCMU', 'PCMA'] });
    expect(a.negotiated?.codec).toBe('PCMU'); // the answerer's preference ('local' order)
    expect(b.negotiated?.codec).toBe('PCMU');
    const firstSent = new Promise<number>((r) => a.once('first-rtp-sent', r));
    const firstRecv = new Promise<number>((r) => b.once('first-rtp-received', r));
    await wait(300);
    expect(await firstSent).toBeGreaterThanOrEqual(0);
    expect(await firstRecv).toBeGreaterThanOrEqual(0);
    const sa = a.stats()!;
    const sb = b.stats()!;
    expect(sa.sent.packets).toBeGreaterThan(8);
    expect(sa.sent.silenceFrames).toBe(sa.sent.packets);
    expect(sb.received.packets).toBeGreaterThan(8);
    expect(sb.received.lost).toBe(0);
    await Promise.all([a.close(), b.close()]);
    expect(pool.allocated).toBe(0);
  });

  test('codec mismatch: no common codec is a typed error on both sides', async () => {
    const a = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'] });
    const b = await MediaLeg.create({ portPool: pool, codecs: ['PCMA'] });
    try {
      const offer = a.createOffer();
      await expect(b.answerOffer(offer)).rejects.toMatchObject({ code: 'MEDIA_NO_COMMON_CODEC' });
      const other = await MediaLeg.create({ portPool: pool, codecs: ['PCMA'] });
      const answerWithPcma = (await other.answerOffer(other.createOffer())).sdp;
      await other.close();
      await expect(a.applyAnswer(answerWithPcma)).rejects.toMatchObject({ code: 'SDP_CODEC_NOT_OFFERED' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('use before media starts and after close gives typed errors; close is idempotent', async () => {
    const a = await MediaLeg.create({ portPool: pool });
    expect(() => a.playPcm(new Int16Array(160), 8000)).toThrow(MediaLegError);
    expect(() => a.silence(100)).toThrow(expect.objectContaining({ code: 'MEDIA_NOT_STARTED' }));
    await a.close();
    await a.close();
    expect(() => a.createOffer()).toThrow(expect.objectContaining({ code: 'MEDIA_CLOSED' }));
  });

  test('recording: the agent side\'s signal lands on the right channel at the time it was sent', async () => {
    const path = join(dir, 'rec.wav');
    const [a, b] = await pair({ recordPath: path, codecs: ['PCMU'] }, { codecs: ['PCMU'] });
    await wait(100);
    const burst = noise(8000 * 0.4, 7);
    const sentAt = new Promise<number>((resolve) => {
      const h = (e: { silence: boolean; t: number }): void => {
        if (!e.silence) {
          b.off('sent', h);
          resolve(e.t + b.origin - a.origin);
        }
      };
      b.on('sent', h);
    });
    // the caller (a) sends a tone, so the left channel is checked too
    const aPlay = a.playPcm(tone(8000, 300, 440), 8000);
    await b.playPcm(burst, 8000);
    await aPlay;
    const burstT = await sentAt;
    await wait(200);
    await Promise.all([a.close(), b.close()]);
    const wav = await readWavFile(path);
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(8000);
    const left = new Float64Array(wav.frames);
    const right = new Float64Array(wav.frames);
    for (let i = 0; i < wav.frames; i++) {
      left[i] = wav.samples[2 * i];
      right[i] = wav.samples[2 * i + 1];
    }
    // cross-correlate the burst against the right channel
    let best = -1;
    let bestLag = -1;
    let energy = 0;
    for (const v of burst) energy += v * v;
    for (let lag = 0; lag + burst.length <= wav.frames; lag += 1) {
      let s = 0;
      for (let i = 0; i < burst.length; i += 4) s += burst[i] * right[lag + i];
      if (s > best) {
        best = s;
        bestLag = lag;
      }
    }
    expect(best * 4).toBeGreaterThan(energy * 0.5); // G.711 keeps the waveform
    const foundMs = (bestLag * 1000) / 8000;
    // arrival on loopback is within a couple of ms of the send; allow for frame rounding
    expect(Math.abs(foundMs - burstT)).toBeLessThan(25);
    // the left channel holds the 440 Hz tone we sent, not the burst
    let leftEnergy = 0;
    for (const v of left) leftEnergy += v * v;
    expect(leftEnergy).toBeGreaterThan(0.5 * 0.3 * 8000 * (8000 * 8000) / 2);
  });

  test("'audio' frames are the listener's to keep: the session lends its decode buffer, the leg hands out copies", async () => {
    const [a, b] = await pair();
    const kept: { pcm: Int16Array; atReceipt: Int16Array }[] = [];
    a.on('audio', (f) => {
      if (f.kind === 'frame') kept.push({ pcm: f.pcm, atReceipt: f.pcm.slice() });
    });
    await b.playPcm(tone(8000, 300, 440), 8000);
    await wait(150);
    await Promise.all([a.close(), b.close()]);
    const loud = kept.filter((k) => k.atReceipt.some((x) => Math.abs(x) > 1000));
    expect(loud.length).toBeGreaterThan(10);
    expect(new Set(kept.map((k) => k.pcm)).size).toBe(kept.length);
    for (const k of kept) expect(k.pcm).toEqual(k.atReceipt);
  });

  test('DTMF goes out as RFC 4733 events and is reported once per digit', async () => {
    const [a, b] = await pair();
    const digits: string[] = [];
    b.on('dtmf', (e) => digits.push(e.digit));
    await a.sendDtmf('12#', { toneMs: 60, gapMs: 60 });
    await wait(200);
    expect(digits.join('')).toBe('12#');
    await Promise.all([a.close(), b.close()]);
  });

  test('waitForRemoteSpeech: speech then silence ends the wait; the first-speech milestone is set', async () => {
    const [a, b] = await pair();
    const waiting = a.waitForRemoteSpeech({ thenSilenceMs: 400, timeoutMs: 8000 });
    const played = b.playFile(join(__dirname, '../../../assets/question-8k.wav'));
    const playStart = b.now() + b.origin - a.origin;
    await played;
    const playEnd = b.now() + b.origin - a.origin;
    const r = await waiting;
    try {
      expect(r.heard).toBe(true);
      // the file ends in some silence of its own: the wait ends 400 ms after the speech did
      expect(r.t - r.segment!.endMs).toBeGreaterThanOrEqual(380);
      expect(r.segment!.endMs).toBeLessThanOrEqual(playEnd + 50);
      expect(r.t).toBeLessThan(playEnd + 1500);
      const first = a.milestones.firstRemoteSpeech!;
      expect(first).toBeGreaterThanOrEqual(playStart - 50);
      expect(first).toBeLessThan(playStart + 600);
    } finally {
      if (!r.heard) await Promise.all([a.close(), b.close()]);
    }
    const timeout = await a.waitForRemoteSpeech({ thenSilenceMs: 200, timeoutMs: 300 });
    expect(timeout).toMatchObject({ heard: false, timedOut: true });
    await Promise.all([a.close(), b.close()]);
  });

  test('detectSpeech: false runs no speech detection: audio still arrives, no segments, waiting for speech is refused', async () => {
    const [a, b] = await pair({ detectSpeech: false });
    try {
      const segments: unknown[] = [];
      a.on('remote-speech', (seg) => segments.push(seg));
      let loudest = 0;
      a.on('audio', (f) => {
        for (const x of f.pcm) loudest = Math.max(loudest, Math.abs(x));
      });
      expect(() => a.waitForRemoteSpeech({ timeoutMs: 100 })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_ARGUMENT' }));
      // speech, then enough silence for a detector to have confirmed the segment's end
      await b.playFile(join(__dirname, '../../../assets/question-8k.wav'));
      await wait(600);
      expect(loudest).toBeGreaterThan(2000);
      expect(a.stats()!.received.packets).toBeGreaterThan(80);
      expect(segments).toEqual([]);
      expect(a.remoteSpeech).toEqual([]);
      expect(a.milestones.firstRemoteSpeech).toBeNull();
      expect(a.milestones.firstRtpReceived).not.toBeNull();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(a.remoteSpeech).toEqual([]);
  });

  test('a re-offer keeps the port; a new codec in a later offer restarts RTP on the same port', async () => {
    const [a, b] = await pair({ codecs: ['PCMU', 'PCMA'] }, { codecs: ['PCMU', 'PCMA'] });
    const port = a.localPort;
    const firstOffer = b.createOffer();
    const again = await a.answerOffer(firstOffer);
    expect(again.negotiated.codec).toBe('PCMU');
    // a far end that now only does PCMA (say, an SBC pruning codecs) re-offers
    const c = await MediaLeg.create({ portPool: pool, codecs: ['PCMA'] });
    const started = new Promise((r) => a.once('started', r));
    const ans = await a.answerOffer(c.createOffer());
    await started;
    expect(ans.negotiated.codec).toBe('PCMA');
    await c.applyAnswer(ans.sdp);
    expect(a.localPort).toBe(port);
    const before = a.stats()!.received.packets;
    await wait(200);
    expect(a.stats()!.received.packets).toBeGreaterThan(before + 3);
    expect(c.stats()!.received.packets).toBeGreaterThan(3);
    await Promise.all([a.close(), b.close(), c.close()]);
    expect(pool.allocated).toBe(0);
  });
});
