import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../../src/clock';
import { PcmuCodec, decodeMulaw, encodeMulaw } from '../../../src/rtp/codecs/g711';
import { Pacer } from '../../../src/rtp/pacer';
import { parseRtp } from '../../../src/rtp/packet';
import { RtpPortPool } from '../../../src/rtp/port-pool';
import { RtpSession, type RtpAudioFrame, type RtpSessionOptions } from '../../../src/rtp/session';
import { keepFrame } from '../../helpers/pcm';
import type { SrtpCryptoSuite } from '../../../src/rtp/srtp';

const pool = new RtpPortPool({ min: 45000 + (process.pid % 50) * 40, max: 45000 + (process.pid % 50) * 40 + 39 });

async function waitFor(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function pair(suite: SrtpCryptoSuite, bReceiveKey?: Buffer, extra: Partial<RtpSessionOptions> = {}) {
  const clock = new FakeClock(1000);
  const pacer = new Pacer({ clock });
  const keyA = randomBytes(30);
  const keyB = randomBytes(30);
  const wireA: Buffer[] = [];
  const common = { codec: new PcmuCodec(), portPool: pool, clock, pacer, rtcp: true, rtcpIntervalMs: 100, ...extra };
  const a = await RtpSession.open({
    ...common,
    srtp: { send: { suite, key: keyA }, receive: { suite, key: keyB } },
    onPacket: (dir, data) => {
      if (dir === 'sent') wireA.push(Buffer.from(data));
    },
  });
  const b = await RtpSession.open({
    ...common,
    srtp: { send: { suite, key: keyB }, receive: { suite, key: bReceiveKey ?? keyA } },
    remote: { address: '127.0.0.1', port: a.localPort },
  });
  a.setRemote({ address: '127.0.0.1', port: b.localPort });
  const cleanup = async () => {
    await a.close();
    await b.close();
    pacer.close();
  };
  return { clock, a, b, wireA, cleanup };
}

describe.each<SrtpCryptoSuite>(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'])('RtpSession over SRTP (%s)', (suite) => {
  test('two sessions exchange G.711 and RTCP over SRTP on loopback', async () => {
    const { clock, a, b, wireA, cleanup } = await pair(suite);
    try {
      const frames: RtpAudioFrame[] = [];
      b.on('audio', (f) => frames.push(keepFrame(f)));
      let rtcpAtB = 0;
      b.on('rtcp', () => rtcpAtB++);
      const pcm = new Int16Array(1600).map((_, i) => Math.round(6000 * Math.sin(i / 7)));
      a.sendAudio(pcm);
      for (let t = 0; t < 30; t++) {
        clock.advance(20);
        await new Promise((r) => setTimeout(r, 3));
      }
      await waitFor(() => b.stats().received.packets >= 25 && rtcpAtB > 0);
      // on the wire: encrypted payload plus the tag
      const tag = suite === 'AES_CM_128_HMAC_SHA1_80' ? 10 : 4;
      const rtp = wireA.filter((w) => w[1] < 192 || w[1] > 223);
      expect(rtp.length).toBeGreaterThanOrEqual(25);
      expect(rtp.every((w) => w.length === 12 + 160 + tag)).toBe(true);
      const firstAudio = rtp[0].subarray(12, 172);
      expect(firstAudio.equals(Buffer.from(encodeMulaw(pcm.subarray(0, 160))))).toBe(false);
      expect(parseRtp(rtp[0].subarray(0, 172)).ssrc).toBe(a.ssrc);
      // decoded at B: what G.711 makes of the tone
      const got = frames.filter((f) => f.kind === 'frame');
      expect(got.length).toBeGreaterThanOrEqual(5);
      const expected = decodeMulaw(encodeMulaw(pcm));
      const heard = Int16Array.from(got.flatMap((f) => [...f.pcm]));
      const start = expected.findIndex((_, i) => expected.subarray(i, i + 160).every((v, k) => v === heard[k]));
      expect(start).toBeGreaterThanOrEqual(0);
      const st = b.stats();
      expect(st.dropped).toMatchObject({ srtpAuthFailed: 0, srtpReplayed: 0, malformed: 0, malformedRtcp: 0 });
      expect(st.remoteSsrc).toBe(a.ssrc);
      expect(st.rtcp.received).toBeGreaterThan(0);
    } finally {
      await cleanup();
    }
  });
});

test('a wrong receive key: every packet is dropped as an SRTP authentication failure', async () => {
  const { clock, b, cleanup } = await pair('AES_CM_128_HMAC_SHA1_80', randomBytes(30));
  try {
    const frames: RtpAudioFrame[] = [];
    b.on('audio', (f) => frames.push(keepFrame(f)));
    for (let t = 0; t < 10; t++) {
      clock.advance(20);
      await new Promise((r) => setTimeout(r, 3));
    }
    await waitFor(() => b.stats().dropped.srtpAuthFailed >= 8);
    const st = b.stats();
    expect(st.received.packets).toBe(0);
    expect(st.dropped.total).toBeGreaterThanOrEqual(st.dropped.srtpAuthFailed);
    expect(frames.filter((f) => f.kind === 'frame')).toHaveLength(0);
  } finally {
    await cleanup();
  }
});

test('a bad SRTP key in the options is refused before any socket is kept', async () => {
  const clock = new FakeClock(0);
  const pacer = new Pacer({ clock });
  await expect(
    RtpSession.open({
      codec: new PcmuCodec(),
      portPool: pool,
      clock,
      pacer,
      srtp: { send: { suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(16) }, receive: { suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(30) } },
    }),
  ).rejects.toMatchObject({ code: 'SRTP_BAD_KEY' });
  pacer.close();
});
