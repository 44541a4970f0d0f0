import {
  createRequest,
  createResponse,
  parseMessage,
  serializeMessage,
  SipParseError,
  SipRequest,
  SipResponse,
  SipHeaderError,
} from '../../../src/sip';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP p2.example.com:5061;branch=z9hG4bKsecond;received=192.0.2.1;rport=5070',
  'v: SIP/2.0/UDP p3.example.com;branch=z9hG4bKthird;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice \\"A\\"" <sip:alice@atlanta.example.com>;tag=1928301774',
  'i: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.5, "x,y" <sip:x@y.com>',
  'Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
  'Route: <sip:p3.example.com;lr>',
  'Subject: folded',
  '  over two lines',
  'c: application/sdp',
  'l: 4',
  '',
  'v=0\r\n',
].join('\r\n');

describe('parseMessage', () => {
  it('parses a request with compact forms, folding and list headers', () => {
    const m = parseMessage(INVITE) as SipRequest;
    expect(m).toBeInstanceOf(SipRequest);
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:bob@biloxi.example.com');
    expect(m.requestUri).toMatchObject({ scheme: 'sip', user: 'bob', host: 'biloxi.example.com' });
    expect(m.vias.map((v) => v.branch)).toEqual(['z9hG4bK776asdhds', 'z9hG4bKsecond', 'z9hG4bKthird']);
    expect(m.topVia?.branch).toBe('z9hG4bK776asdhds');
    expect(m.vias[1]).toMatchObject({ transport: 'TCP', host: 'p2.example.com', port: 5061, received: '192.0.2.1', rport: 5070 });
    expect(m.vias[2].rport).toBe(true);
    expect(m.from).toMatchObject({ displayName: 'Alice "A"', uri: 'sip:alice@atlanta.example.com', tag: '1928301774' });
    expect(m.to).toMatchObject({ displayName: 'Bob', uri: 'sip:bob@biloxi.example.com' });
    expect(m.to?.tag).toBeUndefined();
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.headers.get('CALL-ID')).toBe(m.callId);
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.contacts).toHaveLength(2);
    expect(m.contacts[0]).toMatchObject({ star: false, expires: 60, q: 0.5 });
    expect(m.contacts[1].displayName).toBe('x,y');
    expect(m.routes.map((r) => r.uri)).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr', 'sip:p3.example.com;lr']);
    expect(m.headers.get('subject')).toBe('folded over two lines');
    expect(m.contentType?.mediaType).toBe('application/sdp');
    expect(m.contentLength).toBe(4);
    expect(m.body.toString()).toBe('v=0\r');
    expect(m.maxForwards).toBe(70);
    const names = [...m.headers].map((h) => h.name);
    expect(names.slice(0, 3)).toEqual(['Via', 'v', 'Max-Forwards']);
  });

  it('parses a response with an empty reason phrase', () => {
    const r = parseMessage('SIP/2.0 100 \r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n') as SipResponse;
    expect(r).toBeInstanceOf(SipResponse);
    expect(r.status).toBe(100);
    expect(r.reason).toBe('');
  });

  it('rejects malformed input with SipParseError and an offset', () => {
    const bad = [
      '',
      'INVITE sip:a@b SIP/2.0\r\nBad Header\r\n\r\n',
      'INVITE  sip:a@b SIP/2.0\r\n\r\n',
      'SIP/2.0 4294967301 x\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nabc',
      'INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx',
      'INVITE sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n',
    ];
    for (const b of bad) {
      let caught: unknown;
      try {
        parseMessage(b);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SipParseError);
      expect(typeof (caught as SipParseError).offset).toBe('number');
    }
  });

  it('enforces limits', () => {
    const many = 'OPTIONS sip:a@b SIP/2.0\r\n' + 'X: 1\r\n'.repeat(300) + '\r\n';
    expect(() => parseMessage(many)).toThrow(expect.objectContaining({ code: 'SIP_PARSE_LIMIT' }));
    expect(parseMessage(many, { maxHeaders: 400 }).headers.size).toBe(300);
    const long = 'OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(200) + '\r\n\r\n';
    expect(() => parseMessage(long, { maxLineBytes: 100 })).toThrow(expect.objectContaining({ code: 'SIP_PARSE_LIMIT' }));
  });
});

describe('header list', () => {
  it('invalidates cached typed values when a header changes', () => {
    const m = parseMessage(INVITE);
    expect(m.topVia?.branch).toBe('z9hG4bK776asdhds');
    m.headers.prepend('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy');
    expect(m.topVia?.branch).toBe('z9hG4bKproxy');
    expect(m.vias).toHaveLength(4);
    m.headers.removeFirstValue('via');
    expect(m.topVia?.branch).toBe('z9hG4bK776asdhds');
    m.headers.set('CSeq', '2 BYE');
    expect(m.cseq).toEqual({ seq: 2, method: 'BYE' });
    m.headers.remove('f');
    expect(m.from).toBeUndefined();
  });

  it('refuses header injection', () => {
    const m = parseMessage(INVITE);
    expect(() => m.headers.set('X-A', 'v\r\nInjected: 1')).toThrow(SipHeaderError);
    expect(() => m.headers.add('X-A: b', 'v')).toThrow(SipHeaderError);
  });
});

describe('builders and serializer', () => {
  it('a string body gets its own memory, not a slice of the shared Buffer pool (it lives as long as the call)', () => {
    const req = createRequest('INVITE', 'sip:bob@example.com', { from: '<sip:a@example.com>;tag=1', to: '<sip:bob@example.com>', callId: 'c', cseq: 1, body: 'v=0\r\nm=audio 4000 RTP/AVP 0\r\n' });
    expect(req.body.toString()).toBe('v=0\r\nm=audio 4000 RTP/AVP 0\r\n');
    expect(req.body.buffer.byteLength).toBe(req.body.length);
  });

  it('builds a request and round-trips it', () => {
    const req = createRequest('INVITE', 'sip:bob@example.com', {
      from: '<sip:alice@example.com>;tag=abc',
      to: '<sip:bob@example.com>',
      callId: 'cid@host',
      cseq: 1,
      via: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;rport',
      contact: '<sip:alice@127.0.0.1:5060>',
      headers: { 'X-Run-Id': 'r1' },
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    const wire = serializeMessage(req);
    const text = wire.toString();
    expect(text.startsWith('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;rport\r\nMax-Forwards: 70\r\n')).toBe(true);
    expect(text).toContain('\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    const back = parseMessage(wire) as SipRequest;
    expect(back.method).toBe('INVITE');
    expect([...back.headers]).toEqual([...req.headers, { name: 'Content-Length', value: '5' }]);
    expect(back.body.equals(req.body)).toBe(true);
  });

  it('recomputes a stale Content-Length in place', () => {
    const m = parseMessage(INVITE);
    m.body = Buffer.from('hello world');
    const back = parseMessage(serializeMessage(m));
    expect(back.contentLength).toBe(11);
    expect([...back.headers].map((h) => h.name)).toEqual([...m.headers].map((h) => h.name));
  });

  it('creates a response per RFC 3261 §8.2.6', () => {
    const req = parseMessage(INVITE) as SipRequest;
    const res = createResponse(req, 180, undefined, { toTag: 'tt1' });
    expect(res.reason).toBe('Ringing');
    expect(res.headers.lines('via')).toEqual(req.headers.lines('via'));
    expect(res.vias.map((v) => v.branch)).toEqual(req.vias.map((v) => v.branch));
    expect(res.to?.tag).toBe('tt1');
    expect(res.from?.tag).toBe('1928301774');
    expect(res.callId).toBe(req.callId);
    expect(res.cseq).toEqual(req.cseq);
    const back = parseMessage(serializeMessage(res)) as SipResponse;
    expect(back.status).toBe(180);
    expect(back.to?.tag).toBe('tt1');
  });
});
