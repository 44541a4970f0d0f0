import { SdpSerializeError, createOffer, getSdpCodecs, getSdpDirection, getSdpPtime, hasSdpRtcpMux, parseSdp, serializeSdp } from '../../../src/sdp';

describe('createOffer', () => {
  it('one audio stream: codecs in preference order, then telephone-event 0-16, ptime, direction', () => {
    const o = createOffer({ address: '192.0.2.10', port: 40000, codecs: ['opus', 'PCMU', 'PCMA', 'G722'] });
    const text = serializeSdp(o);
    expect(text).toMatch(/^v=0\r\no=- \d+ 1 IN IP4 192\.0\.2\.10\r\ns=-\r\nc=IN IP4 192\.0\.2\.10\r\nt=0 0\r\nm=audio 40000 RTP\/AVP 111 0 8 9 101\r\n/);
    const m = parseSdp(text).media[0];
    expect(getSdpCodecs(m).map((c) => [c.payloadType, c.name, c.clockRate, c.channels, c.fmtp])).toEqual([
      [111, 'opus', 48000, 2, 'minptime=10;useinbandfec=1'],
      [0, 'PCMU', 8000, 1, undefined],
      [8, 'PCMA', 8000, 1, undefined],
      [9, 'G722', 8000, 1, undefined],
      [101, 'telephone-event', 8000, 1, '0-16'],
    ]);
    expect(getSdpPtime(m)).toBe(20);
    expect(getSdpDirection(m)).toBe('sendrecv');
    expect(hasSdpRtcpMux(m)).toBe(false);
  });

  it('defaults to PCMU, PCMA; IPv6 address gives IN IP6; options for ptime, maxptime, rtcp-mux, direction', () => {
    const o = createOffer({ address: '2001:db8::1', port: 5004, ptime: 30, maxptime: 60, rtcpMux: true, direction: 'sendonly', sessionName: 'probe' });
    const text = serializeSdp(o);
    expect(text).toContain('c=IN IP6 2001:db8::1\r\n');
    expect(o.origin.addrType).toBe('IP6');
    expect(text).toContain('s=probe\r\n');
    expect(o.media[0].formats).toEqual(['0', '8', '101']);
    expect(text).toContain('a=ptime:30\r\na=maxptime:60\r\na=rtcp-mux\r\na=sendonly\r\n');
  });

  it('unknown codecs need a clock rate and get a dynamic payload type', () => {
    const o = createOffer({ address: '127.0.0.1', port: 4000, codecs: [{ name: 'iLBC', clockRate: 8000, fmtp: 'mode=30' }, 'PCMU'] });
    expect(getSdpCodecs(o.media[0]).map((c) => [c.payloadType, c.name, c.fmtp])).toEqual([
      [96, 'iLBC', 'mode=30'],
      [0, 'PCMU', undefined],
      [101, 'telephone-event', '0-16'],
    ]);
    expect(() => createOffer({ address: '127.0.0.1', port: 4000, codecs: ['Speex'] })).toThrow(SdpSerializeError);
  });

  it('session id is random (crypto) and fits 62 bits', () => {
    const ids = new Set(Array.from({ length: 50 }, () => createOffer({ address: '127.0.0.1', port: 4000 }).origin.sessionId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(BigInt(id) < 2n ** 62n && BigInt(id) > 0n).toBe(true);
  });

  it('re-offer keeps the session id and payload numbers, bumps the version; unchanged re-offer keeps it', () => {
    const first = createOffer({ address: '127.0.0.1', port: 4000, codecs: [{ name: 'iLBC', clockRate: 8000 }, 'opus'] });
    const held = createOffer({ address: '127.0.0.1', port: 4000, codecs: ['opus', { name: 'iLBC', clockRate: 8000 }], direction: 'sendonly', previous: first });
    expect(held.origin.sessionId).toBe(first.origin.sessionId);
    expect(held.origin.sessionVersion).toBe('2');
    const pt = (o: typeof first, name: string): number => getSdpCodecs(o.media[0]).find((c) => c.name === name)!.payloadType;
    expect(pt(held, 'iLBC')).toBe(pt(first, 'iLBC'));
    expect(pt(held, 'opus')).toBe(pt(first, 'opus'));
    const resumed = createOffer({ address: '127.0.0.1', port: 4000, codecs: ['opus', { name: 'iLBC', clockRate: 8000 }], previous: serializeSdp(held) });
    expect(resumed.origin.sessionVersion).toBe('3');
    const same = createOffer({ address: '127.0.0.1', port: 4000, codecs: ['opus', { name: 'iLBC', clockRate: 8000 }], previous: resumed });
    expect(same.origin.sessionVersion).toBe('3');
    const big = parseSdp('v=0\r\no=- 9223372036854775806 18446744073709551615 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n');
    expect(createOffer({ address: '127.0.0.1', port: 4000, previous: big }).origin.sessionVersion).toBe('18446744073709551616');
  });

  it.each([
    ['address with CRLF', { address: '127.0.0.1\r\nX-Evil: 1' }],
    ['address with space', { address: 'a b' }],
    ['port 0', { port: 0 }],
    ['port 70000', { port: 70000 }],
    ['fractional port', { port: 4000.5 }],
    ['ptime 0', { ptime: 0 }],
    ['username with space', { username: 'a b' }],
    ['session name with CRLF', { sessionName: 'x\r\nm=video 1 RTP/AVP 0' }],
    ['fmtp with LF', { codecs: [{ name: 'opus', fmtp: 'a=1\nb=2' }] }],
    ['codec name with space', { codecs: ['PC MU'] }],
    ['telephone-event only', { codecs: ['telephone-event'] }],
    ['direction', { direction: 'sideways' }],
  ])('refuses %s with SdpSerializeError (nothing reaches the wire)', (_n, bad) => {
    expect(() => createOffer({ address: '127.0.0.1', port: 4000, ...(bad as object) })).toThrow(SdpSerializeError);
  });
});
