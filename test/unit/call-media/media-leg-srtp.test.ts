import { inspect } from 'node:util';
import { MediaLeg } from '../../../src/call-media';
import { RtpPortPool } from '../../../src/rtp/port-pool';
import { SrtpContext } from '../../../src/rtp/srtp';
import { createAnswer } from '../../../src/sdp/answer';
import { getSdpSrtpCryptos } from '../../../src/sdp/crypto';
import { parseSdp } from '../../../src/sdp/parser';

jest.setTimeout(20_000);

const pool = new RtpPortPool({ min: 31400, max: 31600 });
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tone(rate: number, ms: number, hz: number, amp = 8000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** The key of the crypto line with `tag` in an SDP text. */
/** Frames `a` receives louder than the noise floor while `b` plays a 300 ms tone. */
async function loudFramesHeard(a: MediaLeg, b: MediaLeg): Promise<number> {
  let loud = 0;
  a.on('audio', (e) => {
    if (e.pcm.some((v) => Math.abs(v) > 3000)) loud++;
  });
  await wait(60);
  await b.playPcm(tone(8000, 300, 440), 8000);
  await wait(150);
  return loud;
}

function keyOf(sdp: string, tag: number): Buffer {
  const c = getSdpSrtpCryptos(parseSdp(sdp).media[0]).find((x) => x.tag === tag);
  if (!c) throw new Error(`no crypto tag ${tag}`);
  return c.key;
}

function rtpOnly(packets: Buffer[]): Buffer[] {
  // RTCP packet types 200-204 sit where an RTP header has M|PT
  return packets.filter((p) => p.length >= 12 && (p[1] < 200 || p[1] > 204));
}

describe('MediaLeg SRTP (SDES)', () => {
  test('offer is RTP/SAVP with crypto lines; each side sends with the key of its own SDP and hears the other', async () => {
    const aSent: Buffer[] = [];
    const bSent: Buffer[] = [];
    const a = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'], srtp: true, onPacket: (d, data) => d === 'sent' && aSent.push(Buffer.from(data)) });
    const b = await MediaLeg.create({ portPool: pool, side: 'agent', codecs: ['PCMU'], srtp: true, onPacket: (d, data) => d === 'sent' && bSent.push(Buffer.from(data)) });
    try {
      const offer = a.createOffer();
      expect(offer).toMatch(/^m=audio \d+ RTP\/SAVP /m);
      expect(offer).toMatch(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/m);
      expect(offer).toMatch(/^a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:/m);
      const { sdp: answer, negotiated } = await b.answerOffer(offer);
      expect(answer).toMatch(/^m=audio \d+ RTP\/SAVP /m);
      const na = await a.applyAnswer(answer);
      expect(na.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
      expect(negotiated.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
      const tag = na.srtp!.tag;
      const offerKey = keyOf(offer, tag);
      const answerKey = keyOf(answer, tag);
      expect(offerKey.equals(answerKey)).toBe(false);

      expect(await loudFramesHeard(a, b)).toBeGreaterThan(5);
      expect(a.stats()!.dropped.total).toBe(0);
      expect(b.stats()!.dropped.total).toBe(0);

      // the offerer's packets open with the offer's key and not with the answer's — and vice versa
      const fromA = rtpOnly(aSent);
      const fromB = rtpOnly(bSent);
      expect(fromA.length).toBeGreaterThan(5);
      expect(fromB.length).toBeGreaterThan(5);
      const withOfferKey = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: offerKey });
      const withAnswerKey = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: answerKey });
      const plainA = withOfferKey.unprotectRtp(fromA[0]);
      expect(plainA.length).toBe(fromA[0].length - 10);
      expect(() => withAnswerKey.unprotectRtp(fromA[1])).toThrow(expect.objectContaining({ code: 'SRTP_AUTH_FAILED' }));
      const plainB = withAnswerKey.unprotectRtp(fromB[0]);
      expect(plainB.length).toBe(fromB[0].length - 10);
      expect(() => new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: offerKey }).unprotectRtp(fromB[1])).toThrow(expect.objectContaining({ code: 'SRTP_AUTH_FAILED' }));

      // the negotiated keys never show
      expect(JSON.stringify(na)).not.toContain(offerKey.toString('base64'));
      expect(inspect(na, { depth: 5 })).not.toContain(answerKey.toString('base64').slice(0, 20));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a suite list offers only those suites', async () => {
    const a = await MediaLeg.create({ portPool: pool, srtp: ['AES_CM_128_HMAC_SHA1_32'] });
    const b = await MediaLeg.create({ portPool: pool, side: 'agent', srtp: true });
    try {
      const offer = a.createOffer();
      expect(offer).not.toContain('_80');
      const n = await a.applyAnswer((await b.answerOffer(offer)).sdp);
      expect(n.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('an answerer without srtp refuses an RTP/SAVP offer; one with requireSrtp refuses plain RTP', async () => {
    const savp = await MediaLeg.create({ portPool: pool, srtp: true });
    const plainLeg = await MediaLeg.create({ portPool: pool });
    const plainAnswerer = await MediaLeg.create({ portPool: pool, side: 'agent' });
    const strict = await MediaLeg.create({ portPool: pool, side: 'agent', srtp: true, requireSrtp: true });
    try {
      await expect(plainAnswerer.answerOffer(savp.createOffer())).rejects.toMatchObject({ code: 'MEDIA_NO_COMMON_CODEC', message: expect.stringContaining('SRTP') });
      expect(plainAnswerer.started).toBe(false);
      await expect(strict.answerOffer(plainLeg.createOffer())).rejects.toMatchObject({ code: 'MEDIA_SRTP_REQUIRED' });
      expect(strict.started).toBe(false);
    } finally {
      await Promise.all([savp.close(), plainLeg.close(), plainAnswerer.close(), strict.close()]);
    }
    // refused before any port is bound: nothing left open
    const held = pool.allocated;
    await expect(MediaLeg.create({ portPool: pool, requireSrtp: true })).rejects.toMatchObject({ code: 'MEDIA_BAD_ARGUMENT' });
    await expect(MediaLeg.create({ portPool: pool, srtp: ['AES_256_CM' as never] })).rejects.toMatchObject({ code: 'MEDIA_BAD_ARGUMENT' });
    expect(pool.allocated).toBe(held);
  });

  test('an answer without crypto (RTP/AVP) or with the stream rejected never falls back to plain RTP', async () => {
    const a = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'], srtp: true });
    const b = await MediaLeg.create({ portPool: pool, side: 'agent', codecs: ['PCMU'] });
    try {
      const offer = a.createOffer();
      const downgraded = offer.replace(/RTP\/SAVP/g, 'RTP/AVP').replace(/^a=crypto:.*\r\n/gm, '');
      const { sdp: plainAnswer } = await b.answerOffer(downgraded);
      expect(plainAnswer).toMatch(/RTP\/AVP /);
      await expect(a.applyAnswer(plainAnswer)).rejects.toMatchObject({ code: 'MEDIA_SRTP_REFUSED' });
      const rejected = createAnswer(offer, { address: '127.0.0.1', port: 40000, codecs: ['PCMU'] });
      expect(rejected.text).toMatch(/^m=audio 0 RTP\/SAVP/m);
      await expect(a.applyAnswer(rejected.text)).rejects.toMatchObject({ code: 'MEDIA_SRTP_REFUSED' });
      expect(a.started).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a re-offer brings fresh keys and media keeps flowing with them', async () => {
    const a = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'], srtp: true });
    const b = await MediaLeg.create({ portPool: pool, side: 'agent', codecs: ['PCMU', 'PCMA'], srtp: true });
    try {
      const first = a.createOffer();
      await a.applyAnswer((await b.answerOffer(first)).sdp);
      await wait(100);
      const second = b.createOffer(); // the agent re-INVITEs
      expect(keyOf(second, 1).equals(keyOf(first, 1))).toBe(false);
      const re = await a.answerOffer(second);
      await b.applyAnswer(re.sdp);
      expect(await loudFramesHeard(a, b)).toBeGreaterThan(5);
      // a packet or two under the old keys may still be in flight while both sides switch
      expect(a.stats()!.dropped.total).toBeLessThanOrEqual(2);
      expect(a.stats()!.received.packets).toBeGreaterThan(10);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
