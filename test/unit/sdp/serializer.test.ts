import { SdpSerializeError, parseSdp, redactSdpKeys, serializeSdp, type Sdp } from '../../../src/sdp';

const base = (): Sdp => parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n');

describe('serializeSdp', () => {
  it('writes CRLF in RFC 8866 order whatever order the input had', () => {
    const s = parseSdp('v=0\no=- 1 1 IN IP4 h\na=tool:x\nt=0 0\ns=-\nm=audio 1 RTP/AVP 0\na=ptime:20\nc=IN IP4 h\nb=AS:8\n');
    expect(serializeSdp(s)).toBe('v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\na=tool:x\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 h\r\nb=AS:8\r\na=ptime:20\r\n');
  });

  it.each<[string, (s: Sdp) => void]>([
    ['CRLF in an attribute value', (s) => s.media[0].attributes.push({ name: 'x', value: 'a\r\nm=video 1 RTP/AVP 0' })],
    ['LF in s=', (s) => (s.name = 'a\nb')],
    ['NUL in i=', (s) => (s.info = 'a\0b')],
    ['space in o= username', (s) => (s.origin.username = 'a b')],
    ['empty format token', (s) => s.media[0].formats.push('')],
    ['colon in an attribute name', (s) => s.media[0].attributes.push({ name: 'a:b' })],
    ['port out of range', (s) => (s.media[0].port = 65536)],
    ['fractional port', (s) => (s.media[0].port = 1.5)],
    ['negative bandwidth', (s) => s.bandwidths.push({ type: 'AS', value: -1 })],
    ['bad extra line type', (s) => s.extraLines.push({ type: 'X', value: 'y' })],
    ['version 1', (s) => (s.version = 1)],
  ])('refuses a model with %s (SdpSerializeError, code SDP_INVALID_VALUE)', (_n, spoil) => {
    const s = base();
    spoil(s);
    expect(() => serializeSdp(s)).toThrow(SdpSerializeError);
    expect(() => serializeSdp(s)).toThrow(expect.objectContaining({ code: 'SDP_INVALID_VALUE' }));
  });
});

describe('redactSdpKeys', () => {
  it('removes a=crypto key material and k= keys, keeps everything else byte for byte', () => {
    const text =
      'v=0\r\nk=clear:topsecret\r\nm=audio 1 RTP/SAVP 0\r\n' +
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4;inline:QUJD|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n' +
      'a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\n' +
      'a=ptime:20';
    const r = redactSdpKeys(text);
    expect(r).toBe(
      'v=0\r\nk=clear:[redacted]\r\nm=audio 1 RTP/SAVP 0\r\n' +
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[redacted];inline:[redacted] FEC_ORDER=FEC_SRTP\r\n' +
        'a=crypto:2 F8_128_HMAC_SHA1_80 inline:[redacted]\n' +
        'a=ptime:20',
    );
    for (const secret of ['topsecret', 'WVNf', 'QUJD', 'MTIz']) expect(r).not.toContain(secret);
    expect(redactSdpKeys('no keys here\r\n')).toBe('no keys here\r\n');
  });
});
