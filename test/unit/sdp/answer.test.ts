import {
  SdpCodecMismatchError,
  SdpNegotiationError,
  SdpStreamRejectedError,
  createAnswer,
  createOffer,
  getSdpCodecs,
  getSdpDirection,
  parseSdp,
  processAnswer,
  serializeSdp,
} from '../../../src/sdp';

const body = (...lines: string[]): string => lines.join('\r\n') + '\r\n';
const head = (addr = '203.0.113.5'): string[] => ['v=0', 'o=peer 7 7 IN IP4 ' + addr, 's=-', 'c=IN IP4 ' + addr, 't=0 0'];

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('processAnswer (we offered)', () => {
  const offer = createOffer({ address: '192.0.2.1', port: 4000, codecs: ['opus', 'PCMU', 'G722'], rtcpMux: true });

  it('first answered codec we offered, matched by name/rate/channels even when renumbered', () => {
    const answer = body(...head(), 'm=audio 30000 RTP/AVP 120 0 97', 'a=rtpmap:120 OPUS/48000/2', 'a=fmtp:120 useinbandfec=1;stereo=0', 'a=rtpmap:97 telephone-event/8000', 'a=fmtp:97 0-15', 'a=ptime:40', 'a=maxptime:60', 'a=rtcp-mux');
    const r = processAnswer(offer, answer);
    expect(r).toMatchObject({
      mIndex: 0,
      codec: 'opus',
      payloadType: 120,
      localPayloadType: 111,
      clockRate: 48000,
      channels: 2,
      fmtp: 'useinbandfec=1;stereo=0',
      localFmtp: 'minptime=10;useinbandfec=1',
      dtmfPayloadType: 97,
      localDtmfPayloadType: 101,
      remoteAddress: '203.0.113.5',
      remotePort: 30000,
      remoteRtcpPort: 30000,
      ptime: 40,
      maxptime: 60,
      localDirection: 'sendrecv',
      remoteDirection: 'sendrecv',
      sends: true,
      receives: true,
      hold: false,
      rtcpMux: true,
    });
    expect(r.alternatives.map((c) => c.name)).toEqual(['PCMU']);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('a dynamic number that means another codec in the answer is not taken for ours', () => {
    // 111 is opus in our offer, but the answer uses 111 for something else: not a match.
    const answer = body(...head(), 'm=audio 30000 RTP/AVP 111 9', 'a=rtpmap:111 SILK/16000', 'a=rtpmap:9 G722/8000');
    const r = processAnswer(offer, answer);
    expect([r.codec, r.payloadType, r.clockRate]).toEqual(['G722', 9, 8000]);
    expect(r.dtmfPayloadType).toBeUndefined();
  });

  it('media c= over session c=; a=rtcp; no ptime means 20; static type without rtpmap', () => {
    const answer = body(...head(), 'm=audio 30000 RTP/AVP 0', 'c=IN IP4 198.51.100.7', 'a=rtcp:30011 IN IP4 198.51.100.8');
    const r = processAnswer(offer, answer);
    expect([r.codec, r.remoteAddress, r.remotePort, r.remoteRtcpAddress, r.remoteRtcpPort, r.ptime, r.rtcpMux]).toEqual(['PCMU', '198.51.100.7', 30000, '198.51.100.8', 30011, 20, false]);
    const noRtcp = processAnswer(offer, body(...head(), 'm=audio 30000 RTP/AVP 0'));
    expect(noRtcp.remoteRtcpPort).toBe(30001);
  });

  it('hold: sendonly, inactive, or c=0.0.0.0 in the answer', () => {
    const so = processAnswer(offer, body(...head(), 'm=audio 30000 RTP/AVP 0', 'a=sendonly'));
    expect([so.hold, so.sends, so.receives, so.remoteDirection]).toEqual([true, false, true, 'sendonly']);
    const ia = processAnswer(offer, body(...head(), 'm=audio 30000 RTP/AVP 0', 'a=inactive'));
    expect([ia.hold, ia.sends, ia.receives]).toEqual([true, false, false]);
    const zero = processAnswer(offer, body(...head('0.0.0.0'), 'm=audio 30000 RTP/AVP 0'));
    expect([zero.hold, zero.sends, zero.receives]).toEqual([true, false, true]);
    const sessionLevel = processAnswer(offer, body(...head(), 'a=recvonly', 'm=audio 30000 RTP/AVP 0'));
    expect([sessionLevel.remoteDirection, sessionLevel.hold, sessionLevel.sends, sessionLevel.receives]).toEqual(['recvonly', false, true, false]);
  });

  it('port 0 → SdpStreamRejectedError (SDP_STREAM_REJECTED)', () => {
    const answer = body(...head(), 'm=audio 0 RTP/AVP 0');
    expect(() => processAnswer(offer, answer)).toThrow(SdpStreamRejectedError);
    expect(codeOf(() => processAnswer(offer, answer))).toBe('SDP_STREAM_REJECTED');
  });

  it('only codecs we never offered → SdpCodecMismatchError (SDP_CODEC_NOT_OFFERED)', () => {
    for (const answer of [
      body(...head(), 'm=audio 30000 RTP/AVP 8'),
      body(...head(), 'm=audio 30000 RTP/AVP 96', 'a=rtpmap:96 opus/48000/1'),
      body(...head(), 'm=audio 30000 RTP/AVP 101', 'a=rtpmap:101 telephone-event/8000'),
    ]) {
      expect(() => processAnswer(offer, answer)).toThrow(SdpCodecMismatchError);
      expect(codeOf(() => processAnswer(offer, answer))).toBe('SDP_CODEC_NOT_OFFERED');
    }
  });

  it('an answer that does not line up with the offer → SDP_ANSWER_MISMATCH; unparseable → SdpParseError', () => {
    expect(codeOf(() => processAnswer(offer, body(...head())))).toBe('SDP_ANSWER_MISMATCH');
    expect(codeOf(() => processAnswer(offer, body(...head(), 'm=video 3000 RTP/AVP 31')))).toBe('SDP_ANSWER_MISMATCH');
    expect(() => processAnswer(offer, body(...head(), 'm=audio 3000 RTP/AVP 0', 'm=audio 3002 RTP/AVP 0'))).toThrow(SdpNegotiationError);
    expect(codeOf(() => processAnswer(offer, 'garbage'))).toBe('SDP_BAD_LINE');
    expect(codeOf(() => processAnswer(offer, 's=x\r\n'))).toBe('SDP_MISSING_VERSION');
  });
});

describe('createAnswer (we answer)', () => {
  const offer = body(
    ...head(),
    'm=audio 20000 RTP/AVP 0 8 111 9 100 13',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 useinbandfec=1',
    'a=rtpmap:100 telephone-event/8000',
    'a=fmtp:100 0-15,32',
    'a=rtcp-mux',
    'a=sendrecv',
    'm=video 20002 RTP/AVP 31',
    'm=audio 20004 RTP/SAVP 0',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
  );

  it('keeps the offerer payload numbers and order, rejects what we cannot do with port 0', () => {
    const r = createAnswer(offer, { address: '192.0.2.1', port: 4000, codecs: ['opus', 'PCMA'] });
    const a = parseSdp(r.text);
    expect(serializeSdp(r.answer)).toBe(r.text);
    expect(a.media.map((m) => [m.type, m.port, m.proto, m.formats.join(' ')])).toEqual([
      ['audio', 4000, 'RTP/AVP', '8 111 100'],
      ['video', 0, 'RTP/AVP', '31'],
      ['audio', 0, 'RTP/SAVP', '0'],
    ]);
    expect(getSdpCodecs(a.media[0]).map((c) => [c.payloadType, c.name, c.fmtp])).toEqual([
      [8, 'PCMA', undefined],
      [111, 'opus', 'minptime=10;useinbandfec=1'],
      [100, 'telephone-event', '0-15'],
    ]);
    expect(r.text).toContain('a=rtcp-mux\r\na=sendrecv\r\n');
    expect(r.negotiated).toMatchObject({ codec: 'PCMA', payloadType: 8, localPayloadType: 8, dtmfPayloadType: 100, remoteAddress: '203.0.113.5', remotePort: 20000, rtcpMux: true, sends: true, receives: true, hold: false });
    expect(r.streams.map((s) => s.accepted)).toEqual([true, false, false]);
    // The offerer's processAnswer of our answer agrees.
    expect(processAnswer(offer, r.text)).toMatchObject({ codec: 'PCMA', payloadType: 8, remoteAddress: '192.0.2.1', remotePort: 4000, dtmfPayloadType: 100 });
  });

  it("order 'local' lists our preference first", () => {
    const r = createAnswer(offer, { address: '192.0.2.1', port: 4000, codecs: ['opus', 'PCMA'], order: 'local', dtmf: false, rtcpMux: false, ptime: 20 });
    expect(r.answer.media[0].formats).toEqual(['111', '8']);
    expect(r.negotiated!.codec).toBe('opus');
    expect(r.negotiated!.dtmfPayloadType).toBeUndefined();
    expect(r.text).not.toContain('rtcp-mux');
    expect(r.text).toContain('a=ptime:20\r\n');
  });

  it.each([
    ['sendonly', 'recvonly', true, false, false],
    ['recvonly', 'sendonly', false, true, false],
    ['inactive', 'inactive', false, false, true],
  ] as const)('mirrors an offered %s with %s and recognises hold', (offered, answered, receives, sends, hold) => {
    const o = body(...head(), 'm=audio 20000 RTP/AVP 0', 'a=' + offered);
    const r = createAnswer(o, { address: '192.0.2.1', port: 4000 });
    expect(getSdpDirection(r.answer.media[0], r.answer)).toBe(answered);
    expect(r.negotiated).toMatchObject({ localDirection: answered, remoteDirection: offered, sends, receives });
    expect(r.negotiated!.hold).toBe(offered === 'sendonly' || offered === 'inactive' ? true : hold);
  });

  it('recognises c=0.0.0.0 hold: answers, but does not send there', () => {
    const r = createAnswer(body(...head('0.0.0.0'), 'm=audio 20000 RTP/AVP 0'), { address: '192.0.2.1', port: 4000 });
    expect(r.negotiated).toMatchObject({ hold: true, sends: false, receives: true, localDirection: 'sendrecv' });
  });

  it('our own hold wish combines with the offer (sendonly to a sendrecv offer)', () => {
    const r = createAnswer(body(...head(), 'm=audio 20000 RTP/AVP 0'), { address: '192.0.2.1', port: 4000, direction: 'sendonly' });
    expect(r.negotiated).toMatchObject({ localDirection: 'sendonly', sends: true, receives: false });
  });

  it('nothing in common: every stream rejected, no negotiated audio', () => {
    const r = createAnswer(body(...head(), 'm=audio 20000 RTP/AVP 18 100', 'a=rtpmap:100 telephone-event/8000'), { address: '192.0.2.1', port: 4000 });
    expect(r.negotiated).toBeUndefined();
    expect(r.answer.media[0].port).toBe(0);
    expect(r.text).toContain('m=audio 0 RTP/AVP 18 100\r\n');
    expect(codeOf(() => processAnswer(body(...head(), 'm=audio 20000 RTP/AVP 18 100', 'a=rtpmap:100 telephone-event/8000'), r.text))).toBe('SDP_STREAM_REJECTED');
  });

  it('a second audio stream is rejected unless given its own port', () => {
    const o = body(...head(), 'm=audio 20000 RTP/AVP 0', 'm=audio 20002 RTP/AVP 8');
    expect(createAnswer(o, { address: '192.0.2.1', port: 4000, codecs: ['PCMU', 'PCMA'] }).answer.media.map((m) => m.port)).toEqual([4000, 0]);
    expect(createAnswer(o, { address: '192.0.2.1', port: 4000, codecs: ['PCMU', 'PCMA'], streams: [undefined, { port: 4002 }] }).answer.media.map((m) => m.port)).toEqual([4000, 4002]);
  });

  it('re-answer in the same session keeps the session id and bumps the version', () => {
    const first = createAnswer(offer, { address: '192.0.2.1', port: 4000 });
    const again = createAnswer(offer, { address: '192.0.2.1', port: 4000, previous: first.answer });
    expect(again.answer.origin.sessionId).toBe(first.answer.origin.sessionId);
    expect(again.answer.origin.sessionVersion).toBe('1');
    const held = createAnswer(offer, { address: '192.0.2.1', port: 4000, previous: first.text, direction: 'inactive' });
    expect(held.answer.origin.sessionVersion).toBe('2');
  });

  it('validates capabilities before anything is written', () => {
    expect(codeOf(() => createAnswer(offer, { address: '1.2.3.4\r\nX: y', port: 4000 }))).toBe('SDP_INVALID_VALUE');
    expect(codeOf(() => createAnswer(offer, { address: '1.2.3.4', port: 0 }))).toBe('SDP_INVALID_VALUE');
    expect(codeOf(() => createAnswer(offer, { address: '1.2.3.4', port: 4000, streams: [{ port: -1 }] }))).toBe('SDP_INVALID_VALUE');
  });
});
