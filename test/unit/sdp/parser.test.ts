import { SdpParseError, parseSdp, serializeSdp } from '../../../src/sdp';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';

const FULL = crlf([
  'v=0',
  'o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1',
  's=Call to John Smith',
  'i=SDP Offer #1',
  'u=http://www.jdoe.example.com/home.html',
  'e=Jane Doe <jane@jdoe.example.com>',
  'p=+1 617 555-6011',
  'c=IN IP4 198.51.100.1',
  'b=CT:128',
  't=0 0',
  't=3034423619 3042462419',
  'r=604800 3600 0 90000',
  'z=2882844526 -1h 2898848070 0',
  'k=prompt',
  'a=tool:sipprobe',
  'a=recvonly',
  'm=audio 49170 RTP/AVP 0',
  'i=voice',
  'c=IN IP6 ff00::db8:0:101/3',
  'b=AS:64',
  'k=clear:secret',
  'a=x-unknown:keep me',
  'a=rtpmap:0 PCMU/8000',
  'm=video 51372/2 RTP/AVP 99',
  'c=IN IP4 233.252.0.1/127/3',
  'a=rtpmap:99 h263-1998/90000',
]);

describe('parseSdp', () => {
  it('models every RFC 8866 line type', () => {
    const s = parseSdp(FULL);
    expect(s.version).toBe(0);
    expect(s.origin).toEqual({ username: 'jdoe', sessionId: '3724394400', sessionVersion: '3724394405', netType: 'IN', addrType: 'IP4', address: '198.51.100.1' });
    expect(s.name).toBe('Call to John Smith');
    expect(s.info).toBe('SDP Offer #1');
    expect(s.uri).toBe('http://www.jdoe.example.com/home.html');
    expect(s.emails).toEqual(['Jane Doe <jane@jdoe.example.com>']);
    expect(s.phones).toEqual(['+1 617 555-6011']);
    expect(s.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '198.51.100.1' });
    expect(s.bandwidths).toEqual([{ type: 'CT', value: 128 }]);
    expect(s.timings).toEqual([
      { start: 0, stop: 0, repeats: [] },
      { start: 3034423619, stop: 3042462419, repeats: ['604800 3600 0 90000'] },
    ]);
    expect(s.zones).toBe('2882844526 -1h 2898848070 0');
    expect(s.key).toBe('prompt');
    expect(s.attributes).toEqual([{ name: 'tool', value: 'sipprobe' }, { name: 'recvonly' }]);
    expect(s.media).toHaveLength(2);
    const [a, v] = s.media;
    expect(a).toMatchObject({ type: 'audio', port: 49170, proto: 'RTP/AVP', formats: ['0'], info: 'voice', key: 'clear:secret' });
    expect(a.portCount).toBeUndefined();
    expect(a.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: 'ff00::db8:0:101', count: 3 });
    expect(a.bandwidths).toEqual([{ type: 'AS', value: 64 }]);
    expect(a.attributes).toEqual([{ name: 'x-unknown', value: 'keep me' }, { name: 'rtpmap', value: '0 PCMU/8000' }]);
    expect(v).toMatchObject({ type: 'video', port: 51372, portCount: 2, formats: ['99'] });
    expect(v.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '233.252.0.1', ttl: 127, count: 3 });
  });

  it('round-trips canonical input byte for byte', () => {
    expect(serializeSdp(parseSdp(FULL))).toBe(FULL);
  });

  it('accepts a Buffer and decodes UTF-8 text fields', () => {
    const text = crlf(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=Café ☎', 't=0 0']);
    expect(parseSdp(Buffer.from(text, 'utf8')).name).toBe('Café ☎');
  });

  it('keeps unknown attributes and unknown line types in order', () => {
    const text = crlf(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=z:1', 'a=y', 'a=x:', 'x=private', 'm=audio 1 RTP/AVP 0', 'a=b:2', 'a=a:1', 'y=other']);
    const s = parseSdp(text);
    expect(s.attributes).toEqual([{ name: 'z', value: '1' }, { name: 'y' }, { name: 'x', value: '' }]);
    expect(s.extraLines).toEqual([{ type: 'x', value: 'private' }]);
    expect(s.media[0].attributes.map((a) => a.name)).toEqual(['b', 'a']);
    expect(s.media[0].extraLines).toEqual([{ type: 'y', value: 'other' }]);
    expect(serializeSdp(s)).toBe(text);
  });

  describe('is lenient where devices are sloppy', () => {
    it('LF-only line ends, blank lines, no final newline', () => {
      const s = parseSdp('v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\n\nt=0 0\nm=audio 4000 RTP/AVP 8\n\n');
      expect(s.media[0].port).toBe(4000);
      expect(parseSdp('v=0\no=- 1 1 IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 8').media[0].formats).toEqual(['8']);
      expect(serializeSdp(s)).toBe(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 8']));
    });

    it('missing s= and t= (written back as s=- and t=0 0)', () => {
      const s = parseSdp('v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n');
      expect(s.name).toBeUndefined();
      expect(s.timings).toEqual([]);
      expect(serializeSdp(s)).toBe(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0']));
    });

    it('trailing and repeated blanks in structured lines; s= keeps its exact text', () => {
      const s = parseSdp('v=0 \r\no=-  1 1 IN IP4 10.0.0.1 \r\ns= \r\nc=IN IP4 10.0.0.1  \r\nt=0 0 \r\nm=audio  4000 RTP/AVP 0  8 \r\na=sendrecv \r\nb=AS:64 \r\n');
      expect(s.name).toBe(' ');
      expect(s.origin.sessionId).toBe('1');
      expect(s.connection!.address).toBe('10.0.0.1');
      expect(s.media[0].formats).toEqual(['0', '8']);
      expect(s.media[0].attributes).toEqual([{ name: 'sendrecv' }]);
      expect(s.media[0].bandwidths).toEqual([{ type: 'AS', value: 64 }]);
    });
  });

  describe('throws SdpParseError with a code and the line number', () => {
    const cases: [string, string, string, number][] = [
      ['empty input', '', 'SDP_EMPTY', 0],
      ['only blank lines', '\r\n  \r\n', 'SDP_EMPTY', 0],
      ['not starting with v=', 'o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n', 'SDP_MISSING_VERSION', 1],
      ['v=1', 'v=1\r\n', 'SDP_BAD_VERSION', 1],
      ['no o=', 'v=0\r\ns=-\r\n', 'SDP_MISSING_ORIGIN', 0],
      ['short o=', 'v=0\r\no=- 1 IN IP4 1.2.3.4\r\n', 'SDP_BAD_ORIGIN', 2],
      ['two o=', 'v=0\r\no=- 1 1 IN IP4 a\r\no=- 1 1 IN IP4 a\r\n', 'SDP_UNEXPECTED_LINE', 3],
      ['line without =', 'v=0\r\no=- 1 1 IN IP4 a\r\nhello\r\n', 'SDP_BAD_LINE', 3],
      ['upper-case type', 'v=0\r\no=- 1 1 IN IP4 a\r\nA=b\r\n', 'SDP_BAD_LINE', 3],
      ['leading blank', 'v=0\r\n o=- 1 1 IN IP4 a\r\n', 'SDP_BAD_LINE', 2],
      ['bad c=', 'v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4\r\n', 'SDP_BAD_CONNECTION', 3],
      ['bad c= ttl', 'v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 224.0.0.1/x\r\n', 'SDP_BAD_CONNECTION', 3],
      ['two c= in a section', 'v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 a\r\nc=IN IP4 b\r\n', 'SDP_UNEXPECTED_LINE', 4],
      ['bad b=', 'v=0\r\no=- 1 1 IN IP4 a\r\nb=AS:lots\r\n', 'SDP_BAD_BANDWIDTH', 3],
      ['bad t=', 'v=0\r\no=- 1 1 IN IP4 a\r\nt=0\r\n', 'SDP_BAD_TIMING', 3],
      ['r= without t=', 'v=0\r\no=- 1 1 IN IP4 a\r\nr=1 2 3\r\n', 'SDP_UNEXPECTED_LINE', 3],
      ['port out of range', 'v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 70000 RTP/AVP 0\r\n', 'SDP_BAD_MEDIA', 3],
      ['port not a number', 'v=0\r\no=- 1 1 IN IP4 a\r\nm=audio -1 RTP/AVP 0\r\n', 'SDP_BAD_MEDIA', 3],
      ['short m=', 'v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000\r\n', 'SDP_BAD_MEDIA', 3],
      ['s= inside media', 'v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 1 RTP/AVP 0\r\ns=x\r\n', 'SDP_UNEXPECTED_LINE', 4],
      ['empty attribute name', 'v=0\r\no=- 1 1 IN IP4 a\r\na=:x\r\n', 'SDP_BAD_ATTRIBUTE', 3],
      ['NUL inside a line', 'v=0\r\no=- 1 1 IN IP4 a\r\ns=a\0b\r\n', 'SDP_BAD_CHARACTER', 3],
      ['lone CR inside a line', 'v=0\r\no=- 1 1 IN IP4 a\r\ns=a\rb\r\n', 'SDP_BAD_CHARACTER', 3],
    ];
    it.each(cases)('%s', (_name, text, code, line) => {
      let err: unknown;
      try {
        parseSdp(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SdpParseError);
      expect((err as SdpParseError).code).toBe(code);
      expect((err as SdpParseError).line).toBe(line);
    });
  });

  describe('limits against hostile input', () => {
    it('refuses input over maxBytes before reading it', () => {
      expect(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(20000))).toThrow(expect.objectContaining({ code: 'SDP_TOO_LARGE' }));
      expect(() => parseSdp(Buffer.alloc(100, 0x61), { maxBytes: 99 })).toThrow(expect.objectContaining({ code: 'SDP_TOO_LARGE' }));
    });

    it('refuses more than maxLines lines', () => {
      const text = 'v=0\r\no=- 1 1 IN IP4 a\r\n' + 'a=x\r\n'.repeat(50);
      expect(() => parseSdp(text, { maxLines: 20 })).toThrow(expect.objectContaining({ code: 'SDP_TOO_MANY_LINES', line: 21 }));
      expect(parseSdp(text, { maxLines: 52 }).attributes).toHaveLength(50);
    });

    it('stays linear on a large body of m= lines and long lines', () => {
      const many = 'v=0\r\no=- 1 1 IN IP4 a\r\n' + 'm=audio 1 RTP/AVP 0\r\n'.repeat(2000);
      const t0 = process.hrtime.bigint();
      expect(parseSdp(many).media).toHaveLength(2000);
      const long = 'v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 1 RTP/AVP' + ' 96'.repeat(20000) + '\r\n';
      expect(parseSdp(long).media[0].formats).toHaveLength(20000);
      expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(500);
    });
  });
});
