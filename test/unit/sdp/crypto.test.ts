import fc from 'fast-check';
import { inspect } from 'node:util';
import {
  SdpCryptoError,
  SdpSrtpCrypto,
  createAnswer,
  createOffer,
  formatSdpSrtpCrypto,
  getSdpSrtpCryptos,
  parseSdp,
  parseSdpSrtpCrypto,
  processAnswer,
  serializeSdp,
  SdpNegotiationError,
} from '../../../src/sdp';

// RFC 4568 §4 example key (30 octets)
const RFC_KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SdpCryptoError || e instanceof SdpNegotiationError) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseSdpSrtpCrypto / formatSdpSrtpCrypto', () => {
  test('RFC 4568 example line with lifetime and MKI', () => {
    const c = parseSdpSrtpCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^20|1:4 FEC_ORDER=FEC_SRTP`)!;
    expect(c.tag).toBe(1);
    expect(c.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(c.key.toString('base64')).toBe(RFC_KEY);
    expect(c.lifetime).toBe(2 ** 20);
    expect(c.mki).toEqual({ value: 1, length: 4 });
    expect(c.sessionParams).toEqual(['FEC_ORDER=FEC_SRTP']);
    expect(c.usableWithDefaults).toBe(false); // MKI
    expect(formatSdpSrtpCrypto(c)).toBe(`1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^20|1:4 FEC_ORDER=FEC_SRTP`);
  });

  test('plain line, decimal lifetime, the _32 suite', () => {
    const c = parseSdpSrtpCrypto(`7 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}|1000`)!;
    expect(c.lifetime).toBe(1000);
    expect(c.usableWithDefaults).toBe(true);
    expect(formatSdpSrtpCrypto(c)).toBe(`7 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}|1000`);
  });

  test('unknown suites are ignored, not fatal', () => {
    expect(parseSdpSrtpCrypto('1 AES_256_CM_HMAC_SHA1_80 inline:AAAA')).toBeUndefined();
    expect(parseSdpSrtpCrypto('2 F8_128_HMAC_SHA1_80 inline:x')).toBeUndefined();
    expect(parseSdpSrtpCrypto('3 AEAD_AES_128_GCM')).toBeUndefined();
  });

  test.each([
    ['key too short (29 octets)', `1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(29, 1).toString('base64')}`, 'SDP_CRYPTO_BAD_KEY'],
    ['key too long (33 octets)', `1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(33, 1).toString('base64')}`, 'SDP_CRYPTO_BAD_KEY'],
    ['non-base64 character', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY.slice(0, 39)}!`, 'SDP_CRYPTO_BAD_KEY'],
    ['url-safe alphabet', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY.slice(0, 39)}_`, 'SDP_CRYPTO_BAD_KEY'],
    ['padding on a 30-octet key', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}==`, 'SDP_CRYPTO_BAD_KEY'],
    ['empty key', '1 AES_CM_128_HMAC_SHA1_80 inline:', 'SDP_CRYPTO_BAD_KEY'],
    ['no key-params', '1 AES_CM_128_HMAC_SHA1_80', 'SDP_CRYPTO_MALFORMED'],
    ['bad tag', `x AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`, 'SDP_CRYPTO_MALFORMED'],
    ['ten-digit tag', `1234567890 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`, 'SDP_CRYPTO_MALFORMED'],
    ['other key method', `1 AES_CM_128_HMAC_SHA1_80 uri:${RFC_KEY}`, 'SDP_CRYPTO_MALFORMED'],
    ['two keys', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|1:4;inline:${RFC_KEY}|2:4`, 'SDP_CRYPTO_MALFORMED'],
    ['lifetime 2^49', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^49`, 'SDP_CRYPTO_MALFORMED'],
    ['lifetime 0', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|0`, 'SDP_CRYPTO_MALFORMED'],
    ['lifetime garbage', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^x`, 'SDP_CRYPTO_MALFORMED'],
    ['MKI length 0', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|1:0`, 'SDP_CRYPTO_MALFORMED'],
    ['MKI length 129', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|1:129`, 'SDP_CRYPTO_MALFORMED'],
    ['MKI value too big for length', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|256:1`, 'SDP_CRYPTO_MALFORMED'],
    ['lifetime after MKI', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|1:4|2^20`, 'SDP_CRYPTO_MALFORMED'],
    ['too many fields', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^20|1:4|5`, 'SDP_CRYPTO_MALFORMED'],
  ])('refuses %s', (_name, line, expected) => {
    expect(code(() => parseSdpSrtpCrypto(line))).toBe(expected);
  });

  test('error messages and inspect/JSON never contain the key', () => {
    const bad = `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY.slice(0, 38)}`;
    let msg = '';
    try {
      parseSdpSrtpCrypto(bad);
    } catch (e) {
      msg = String((e as Error).message) + inspect(e);
    }
    expect(msg).not.toContain(RFC_KEY.slice(0, 16));
    const c = parseSdpSrtpCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`)!;
    const shown = inspect(c, { showHidden: true, depth: 5 }) + JSON.stringify(c) + JSON.stringify({ x: c });
    expect(shown).not.toContain(RFC_KEY.slice(0, 16));
    expect(shown).toContain('redacted');
  });

  test('format refuses injection through session parameters and bad values', () => {
    const key = Buffer.alloc(30, 3);
    expect(code(() => formatSdpSrtpCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key, sessionParams: ['X\r\na=evil'] }))).toBe('SDP_CRYPTO_MALFORMED');
    expect(code(() => formatSdpSrtpCrypto({ tag: -1, suite: 'AES_CM_128_HMAC_SHA1_80', key }))).toBe('SDP_CRYPTO_MALFORMED');
    expect(code(() => formatSdpSrtpCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(16) }))).toBe('SDP_CRYPTO_BAD_KEY');
  });

  test('property: format → parse round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999999999 }),
        fc.constantFrom('AES_CM_128_HMAC_SHA1_80' as const, 'AES_CM_128_HMAC_SHA1_32' as const),
        fc.uint8Array({ minLength: 30, maxLength: 30 }),
        fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
        fc.option(fc.record({ value: fc.integer({ min: 0, max: 255 }), length: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
        (tag, suite, key, lifetime, mki) => {
          const init = { tag, suite, key, ...(lifetime !== undefined ? { lifetime } : {}), ...(mki !== undefined ? { mki } : {}) };
          const c = parseSdpSrtpCrypto(formatSdpSrtpCrypto(init))!;
          expect(c.tag).toBe(tag);
          expect(c.suite).toBe(suite);
          expect(c.key.equals(Buffer.from(key))).toBe(true);
          expect(c.lifetime).toBe(lifetime);
          expect(c.mki).toEqual(mki);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: arbitrary text gives a crypto line, undefined, or an SdpCryptoError — nothing else', () => {
    const pieces = fc.constantFrom('1', ' ', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'inline:', RFC_KEY, '|', '2^', '20', ':', ';', '\t', '=', 'A', '99999999999');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(pieces, { maxLength: 12 }).map((a) => a.join(''))), (s) => {
        try {
          const r = parseSdpSrtpCrypto(s);
          if (r !== undefined) expect(r).toBeInstanceOf(SdpSrtpCrypto);
        } catch (e) {
          if (!(e instanceof SdpCryptoError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a very long hostile value is handled in linear time', () => {
    const long = `1 AES_CM_128_HMAC_SHA1_80 inline:${'A'.repeat(200000)}|${'2^'.repeat(1000)}`;
    const t0 = Date.now();
    expect(code(() => parseSdpSrtpCrypto(long))).toBe('SDP_CRYPTO_BAD_KEY');
    expect(code(() => parseSdpSrtpCrypto(`1 AES_CM_128_HMAC_SHA1_80 ${' '.repeat(100000)}x`))).toBe('SDP_CRYPTO_MALFORMED');
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe('offer/answer with RTP/SAVP', () => {
  test('offer with srtp: RTP/SAVP and one fresh crypto line per suite', () => {
    const a = createOffer({ address: '127.0.0.1', port: 4000, srtp: true });
    const b = createOffer({ address: '127.0.0.1', port: 4000, srtp: true });
    expect(a.media[0].proto).toBe('RTP/SAVP');
    const ca = getSdpSrtpCryptos(a.media[0]);
    expect(ca.map((c) => [c.tag, c.suite])).toEqual([
      [1, 'AES_CM_128_HMAC_SHA1_80'],
      [2, 'AES_CM_128_HMAC_SHA1_32'],
    ]);
    expect(ca[0].key.equals(getSdpSrtpCryptos(b.media[0])[0].key)).toBe(false);
    expect(ca[0].key.equals(ca[1].key)).toBe(false);
    expect(createOffer({ address: '127.0.0.1', port: 4000 }).media[0].proto).toBe('RTP/AVP');
    // survives text
    const reparsed = parseSdp(serializeSdp(a));
    expect(getSdpSrtpCryptos(reparsed.media[0])[0].key.equals(ca[0].key)).toBe(true);
  });

  test('answer picks the first supported suite, fresh key; processAnswer gives matching keys both sides', () => {
    const offer = createOffer({ address: '127.0.0.1', port: 4000, srtp: ['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80'] });
    const offerText = serializeSdp(offer);
    const { answer, text, negotiated } = createAnswer(offerText, { address: '127.0.0.1', port: 5000, srtp: true });
    expect(answer.media[0].proto).toBe('RTP/SAVP');
    const ac = getSdpSrtpCryptos(answer.media[0]);
    expect(ac).toHaveLength(1);
    expect(ac[0].tag).toBe(1);
    expect(ac[0].suite).toBe('AES_CM_128_HMAC_SHA1_32');
    const oc = getSdpSrtpCryptos(offer.media[0]);
    expect(ac[0].key.equals(oc[0].key)).toBe(false);
    expect(negotiated?.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(negotiated!.srtp!.localKey.equals(ac[0].key)).toBe(true);
    expect(negotiated!.srtp!.remoteKey.equals(oc[0].key)).toBe(true);
    const ours = processAnswer(offerText, text);
    expect(ours.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(ours.srtp!.localKey.equals(oc[0].key)).toBe(true);
    expect(ours.srtp!.remoteKey.equals(ac[0].key)).toBe(true);
    expect(JSON.stringify(ours)).not.toContain(ac[0].key.toString('base64').slice(0, 12));
    expect(inspect(ours, { depth: 5 })).not.toContain(oc[0].key.toString('base64').slice(0, 12));
  });

  test('answer honours a restricted suite list and skips unknown/MKI lines', () => {
    const offer = [
      'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      'm=audio 4000 RTP/SAVP 0',
      'a=rtpmap:0 PCMU/8000',
      'a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:somethingelse',
      `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^20|1:4`,
      `a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY} KDR=10`,
      `a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}`,
      `a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY} WSH=64`,
      '',
    ].join('\r\n');
    expect(getSdpSrtpCryptos(createAnswer(offer, { address: '127.0.0.1', port: 5000, srtp: true }).answer.media[0])[0].tag).toBe(4);
    expect(getSdpSrtpCryptos(createAnswer(offer, { address: '127.0.0.1', port: 5000, srtp: ['AES_CM_128_HMAC_SHA1_80'] }).answer.media[0])[0].tag).toBe(5);
  });

  test('SAVP is rejected (port 0) without srtp, with no usable crypto, or with a malformed crypto line', () => {
    const base = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/SAVP 0', 'a=rtpmap:0 PCMU/8000'];
    const good = [...base, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`, ''].join('\r\n');
    const noCrypto = [...base, ''].join('\r\n');
    const badKey = [...base, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY.slice(4)}`, ''].join('\r\n');
    const r1 = createAnswer(good, { address: '127.0.0.1', port: 5000 });
    expect(r1.answer.media[0].port).toBe(0);
    expect(r1.negotiated).toBeUndefined();
    for (const o of [noCrypto, badKey]) {
      const r = createAnswer(o, { address: '127.0.0.1', port: 5000, srtp: true });
      expect(r.answer.media[0].port).toBe(0);
      expect(r.negotiated).toBeUndefined();
    }
    // plain RTP/AVP offers are unaffected by srtp: true
    const plain = createAnswer(createOffer({ address: '127.0.0.1', port: 4000 }), { address: '127.0.0.1', port: 5000, srtp: true });
    expect(plain.answer.media[0].proto).toBe('RTP/AVP');
    expect(plain.negotiated?.srtp).toBeUndefined();
  });

  test('processAnswer refuses an answer that drops SRTP or names an unoffered tag/suite', () => {
    const offer = createOffer({ address: '127.0.0.1', port: 4000, srtp: ['AES_CM_128_HMAC_SHA1_80'] });
    const text = serializeSdp(offer);
    const answerWith = (proto: string, crypto?: string): string =>
      ['v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 5000 ${proto} 0`, 'a=rtpmap:0 PCMU/8000', ...(crypto ? [`a=crypto:${crypto}`] : []), ''].join('\r\n');
    expect(code(() => processAnswer(text, answerWith('RTP/AVP')))).toBe('SDP_ANSWER_MISMATCH');
    expect(code(() => processAnswer(text, answerWith('RTP/SAVP')))).toBe('SDP_ANSWER_MISMATCH');
    expect(code(() => processAnswer(text, answerWith('RTP/SAVP', `2 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`)))).toBe('SDP_ANSWER_MISMATCH');
    expect(code(() => processAnswer(text, answerWith('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}`)))).toBe('SDP_ANSWER_MISMATCH');
    expect(code(() => processAnswer(text, answerWith('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|1:4`)))).toBe('SDP_ANSWER_MISMATCH');
    expect(code(() => processAnswer(text, answerWith('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:short`)))).toBe('SDP_CRYPTO_BAD_KEY');
    const ok = processAnswer(text, answerWith('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`));
    expect(ok.srtp?.remoteKey.toString('base64')).toBe(RFC_KEY);
  });
});
