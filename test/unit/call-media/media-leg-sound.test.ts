/** MediaLeg.lastRemoteSoundMs / lastLocalSoundMs: when each side last made a sound (the silence timeout reads them). */
import { MediaLeg } from '../../../src/call-media';
import { rmsDbfs } from '../../../src/call-media/speech-tracker';
import { RtpPortPool } from '../../../src/rtp/port-pool';

jest.setTimeout(20_000);

const pool = new RtpPortPool({ min: 31400, max: 31500 });
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tone(ms: number, amp: number): Int16Array {
  const n = Math.round(8 * ms);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return out;
}

async function pair(aOpts: Parameters<typeof MediaLeg.create>[0] = {}): Promise<[MediaLeg, MediaLeg]> {
  const a = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'], ...aOpts });
  const b = await MediaLeg.create({ portPool: pool, side: 'agent', codecs: ['PCMU'] });
  const { sdp } = await b.answerOffer(a.createOffer());
  await a.applyAnswer(sdp);
  return [a, b];
}

describe('rmsDbfs', () => {
  test('full-scale square wave ≈ 0 dBFS, digital silence −Infinity, −6 dB per halving', () => {
    expect(rmsDbfs(new Int16Array(160).fill(32767))).toBeCloseTo(0, 1);
    expect(rmsDbfs(new Int16Array(160))).toBeLessThan(-150);
    expect(rmsDbfs(new Int16Array(0))).toBe(-Infinity);
    expect(rmsDbfs(new Int16Array(160).fill(8192)) - rmsDbfs(new Int16Array(160).fill(16384))).toBeCloseTo(-6.02, 1);
  });
});

describe('MediaLeg sound times', () => {
  test('null while only RTP silence flows; played silence (zeros) and a −60 dBFS tone are not sound', async () => {
    const [a, b] = await pair();
    try {
      await wait(200);
      await b.playPcm(new Int16Array(1600), 8000);
      await b.playPcm(tone(200, 30), 8000); // ≈ −63 dBFS RMS
      await wait(150);
      expect(a.stats()!.received.packets).toBeGreaterThan(10);
      expect(a.lastRemoteSoundMs).toBeNull();
      expect(b.lastLocalSoundMs).toBeNull();
      expect(a.lastLocalSoundMs).toBeNull();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a loud tone from the far end sets lastRemoteSoundMs near its end; the sender sets lastLocalSoundMs', async () => {
    const [a, b] = await pair();
    try {
      await wait(100);
      const before = a.now();
      await b.playPcm(tone(300, 8000), 8000);
      const sentEnd = b.now();
      // long enough for the VAD to confirm the segment (its end may sit a little after the last loud frame)
      await wait(600);
      const local = b.lastLocalSoundMs!;
      expect(local).not.toBeNull();
      expect(Math.abs(local - sentEnd)).toBeLessThan(60);
      const remote = a.lastRemoteSoundMs!;
      expect(remote).not.toBeNull();
      expect(remote).toBeGreaterThan(before + 250);
      expect(remote).toBeLessThan(sentEnd + 250);
      // then silence again: the time stays where the sound ended
      await wait(300);
      expect(a.lastRemoteSoundMs).toBe(remote);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('detectSpeech: false runs no VAD, but the level gate still times the far end\'s sound', async () => {
    const [a, b] = await pair({ detectSpeech: false });
    try {
      await wait(100);
      expect(a.lastRemoteSoundMs).toBeNull();
      const before = b.now() + b.origin - a.origin;
      await b.playPcm(tone(200, 8000), 8000);
      const sentEnd = b.now() + b.origin - a.origin;
      await wait(300);
      expect(a.stats()!.received.packets).toBeGreaterThan(10);
      const remote = a.lastRemoteSoundMs!;
      expect(remote).not.toBeNull();
      expect(remote).toBeGreaterThan(before + 150);
      expect(remote).toBeLessThan(sentEnd + 250);
      expect(a.remoteSpeech).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
