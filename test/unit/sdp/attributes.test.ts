import { inspect } from 'node:util';
import {
  SDP_AUDIO_CODECS,
  findSdpCodec,
  getSdpAttribute,
  getSdpCodecs,
  getSdpCryptos,
  getSdpDirection,
  getSdpFmtp,
  getSdpMaxptime,
  getSdpPtime,
  getSdpRtcp,
  getSdpRtpMaps,
  hasSdpRtcpMux,
  parseFmtpParameters,
  parseOpusFmtp,
  parseSdp,
  parseTelephoneEvents,
  setSdpDirection,
  staticPayloadType,
} from '../../../src/sdp';

const sdp = (media: string[], session: string[] = []): ReturnType<typeof parseSdp> =>
  parseSdp(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...session, ...media, ''].join('\r\n'));

describe('typed attribute views', () => {
  const s = sdp([
    'm=audio 4000 RTP/AVP 111 0 8 9 18 96 101 3 77 xyz',
    'a=rtpmap:111 OPUS/48000/2',
    'a=fmtp:111 maxplaybackrate=16000; stereo=1;sprop-stereo=0;useinbandfec=1;usedtx=0;maxaveragebitrate=20000',
    'a=rtpmap:8 pcma/8000/1',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15,66,70',
    'a=rtpmap:96',
    'a=rtpmap:bad PCMU/8000',
    'a=ptime:20 ',
    'a=maxptime:40',
    'a=rtcp:4001 IN IP4 10.0.0.9',
    'a=rtcp-mux',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=1',
  ]);
  const m = s.media[0];

  it('rtpmap: well-formed lines only, any encoding-name case', () => {
    expect(getSdpRtpMaps(m)).toEqual([
      { payloadType: 111, encodingName: 'OPUS', clockRate: 48000, channels: 2 },
      { payloadType: 8, encodingName: 'pcma', clockRate: 8000, channels: 1 },
      { payloadType: 101, encodingName: 'telephone-event', clockRate: 8000 },
    ]);
  });

  it('codecs: rtpmap or RFC 3551 static type; unknown dynamic and non-numeric formats passed over', () => {
    expect(getSdpCodecs(m).map((c) => [c.payloadType, c.name, c.clockRate, c.channels])).toEqual([
      [111, 'OPUS', 48000, 2],
      [0, 'PCMU', 8000, 1],
      [8, 'pcma', 8000, 1],
      [9, 'G722', 8000, 1],
      [18, 'G729', 8000, 1],
      [101, 'telephone-event', 8000, 1],
      [3, 'GSM', 8000, 1],
    ]);
    expect(getSdpCodecs(m).find((c) => c.payloadType === 101)!.fmtp).toBe('0-15,66,70');
  });

  it('fmtp, ptime, maxptime, rtcp, rtcp-mux', () => {
    expect(getSdpFmtp(m, 101)).toBe('0-15,66,70');
    expect(getSdpFmtp(m, 0)).toBeUndefined();
    expect(getSdpPtime(m)).toBe(20);
    expect(getSdpMaxptime(m)).toBe(40);
    expect(getSdpRtcp(m)).toEqual({ port: 4001, netType: 'IN', addrType: 'IP4', address: '10.0.0.9' });
    expect(hasSdpRtcpMux(m)).toBe(true);
    expect(getSdpAttribute(m.attributes, 'rtcp-mux')).toBe('');
    expect(getSdpAttribute(m.attributes, 'nope')).toBeUndefined();
  });

  it('ptime accepts fractions and rejects junk', () => {
    expect(getSdpPtime(sdp(['m=audio 1 RTP/AVP 0', 'a=ptime:22.5']).media[0])).toBe(22.5);
    for (const bad of ['x', '-20', '0', '', '1e3', '20ms']) {
      expect(getSdpPtime(sdp(['m=audio 1 RTP/AVP 0', `a=ptime:${bad}`]).media[0])).toBeUndefined();
    }
  });

  it('direction: media level over session level, default sendrecv', () => {
    expect(getSdpDirection(m, s)).toBe('sendrecv');
    const held = sdp(['m=audio 1 RTP/AVP 0', 'm=audio 2 RTP/AVP 0', 'a=inactive'], ['a=sendonly']);
    expect(getSdpDirection(held.media[0], held)).toBe('sendonly');
    expect(getSdpDirection(held.media[1], held)).toBe('inactive');
    expect(getSdpDirection(held.media[0])).toBe('sendrecv');
    const attrs = [{ name: 'sendrecv' }, { name: 'ptime', value: '20' }, { name: 'recvonly' }];
    setSdpDirection(attrs, 'inactive');
    expect(attrs).toEqual([{ name: 'ptime', value: '20' }, { name: 'inactive' }]);
  });

  it('crypto: parsed, but the key never shows in JSON or inspect', () => {
    const [c] = getSdpCryptos(m);
    expect(c.tag).toBe(1);
    expect(c.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(c.keyParams).toEqual(['inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4']);
    expect(c.sessionParams).toEqual(['KDR=1']);
    expect(JSON.stringify(c)).not.toContain('WVNf');
    expect(inspect(c)).not.toContain('WVNf');
    expect(inspect({ wrapped: [c] }, { depth: 5 })).not.toContain('WVNf');
  });
});

describe('codec registry', () => {
  it('knows the offered codecs with RTP clock rates (G.722 clocks at 8000, samples at 16 kHz)', () => {
    expect(findSdpCodec('pcmu')).toMatchObject({ name: 'PCMU', clockRate: 8000, staticPayloadType: 0 });
    expect(findSdpCodec('PCMA')).toMatchObject({ name: 'PCMA', clockRate: 8000, staticPayloadType: 8 });
    expect(findSdpCodec('g722')).toMatchObject({ name: 'G722', clockRate: 8000, sampleRate: 16000, staticPayloadType: 9 });
    expect(findSdpCodec('OPUS')).toMatchObject({ name: 'opus', clockRate: 48000, channels: 2 });
    expect(findSdpCodec('opus')!.staticPayloadType).toBeUndefined();
    expect(findSdpCodec('telephone-event')).toMatchObject({ clockRate: 8000, fmtp: '0-16' });
    expect(findSdpCodec('constructor')).toBeUndefined();
    expect(Object.isFrozen(SDP_AUDIO_CODECS)).toBe(true);
  });

  it('RFC 3551 static payload types', () => {
    expect(staticPayloadType(0)).toEqual({ name: 'PCMU', clockRate: 8000, channels: 1 });
    expect(staticPayloadType(4)).toEqual({ name: 'G723', clockRate: 8000, channels: 1 });
    expect(staticPayloadType(32)).toEqual({ name: 'MPV', clockRate: 90000 });
    expect(staticPayloadType(2)).toBeUndefined(); // unassigned since RFC 3551
    expect(staticPayloadType(96)).toBeUndefined();
    expect(staticPayloadType(-1)).toBeUndefined();
  });

  it('fmtp parameters and RFC 7587 opus parameters', () => {
    expect([...parseFmtpParameters(' a=1; B = x ;flag;;').entries()]).toEqual([
      ['a', '1'],
      ['b', 'x'],
      ['flag', ''],
    ]);
    expect(parseOpusFmtp('maxplaybackrate=16000; stereo=1;sprop-stereo=0;useinbandfec=1;usedtx=0;maxaveragebitrate=20000;cbr=2;minptime=10')).toEqual({
      maxplaybackrate: 16000,
      stereo: true,
      spropStereo: false,
      useinbandfec: true,
      usedtx: false,
      maxaveragebitrate: 20000,
      minptime: 10,
    });
    expect(parseOpusFmtp('maxplaybackrate=-5;ptime=abc')).toEqual({});
  });

  it('telephone-event ranges (RFC 4733)', () => {
    expect(parseTelephoneEvents('0-16')).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(parseTelephoneEvents('0-3,66, 70,2')).toEqual([0, 1, 2, 3, 66, 70]);
    expect(parseTelephoneEvents(undefined)).toHaveLength(16);
    expect(parseTelephoneEvents('5-2,x,300,-1,')).toEqual([]);
  });
});
