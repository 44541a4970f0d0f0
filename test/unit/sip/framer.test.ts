import { SipParseError, SipRequest, SipStreamFramer } from '../../../src/sip';

const msg = (cseq: number, body = ''): string =>
  `OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${cseq}\r\nCSeq: ${cseq} OPTIONS\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('SipStreamFramer', () => {
  it('returns several messages from one chunk and skips CRLF keep-alives', () => {
    const f = new SipStreamFramer();
    const out = f.push(Buffer.from('\r\n\r\n' + msg(1, 'abc') + '\r\n' + msg(2)));
    expect(out.map((m) => m.cseq?.seq)).toEqual([1, 2]);
    expect(out[0].body.toString()).toBe('abc');
    expect(f.keepAlives).toBe(3);
    expect(f.bufferedBytes).toBe(0);
  });

  it('buffers partial messages byte by byte', () => {
    const f = new SipStreamFramer();
    const wire = Buffer.from(msg(7, 'hello') + msg(8, 'x'));
    const got: number[] = [];
    for (let i = 0; i < wire.length; i++) for (const m of f.push(wire.subarray(i, i + 1))) got.push(m.cseq!.seq);
    expect(got).toEqual([7, 8]);
  });

  it('does not let later chunks or reuse of the input alter returned bodies', () => {
    const f = new SipStreamFramer();
    const chunk = Buffer.from(msg(1, 'body'));
    const [m] = f.push(chunk);
    chunk.fill(0);
    expect((m as SipRequest).body.toString()).toBe('body');
  });

  it('requires Content-Length and bounds buffered bytes', () => {
    const f = new SipStreamFramer();
    expect(() => f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n'))).toThrow(SipParseError);
    expect(() => f.push(Buffer.from(msg(1)))).toThrow(SipParseError); // stays failed
    const g = new SipStreamFramer({ maxBufferedBytes: 1000 });
    expect(() => g.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(2000)))).toThrow(expect.objectContaining({ code: 'SIP_PARSE_LIMIT' }));
    const h = new SipStreamFramer({ maxBufferedBytes: 1000 });
    expect(() => h.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n'))).toThrow(expect.objectContaining({ code: 'SIP_PARSE_LIMIT' }));
  });

  it('reports the exact bytes of each message when asked, keep-alives left out, valid after later chunks and input reuse', () => {
    const f = new SipStreamFramer();
    const a = msg(1, 'abc');
    const b = msg(2);
    const chunk = Buffer.from('\r\n\r\n' + a + '\r\n' + b + msg(3).slice(0, 20));
    const raws: Buffer[] = [];
    const out = f.push(chunk, raws);
    expect(out.map((m) => m.cseq?.seq)).toEqual([1, 2]);
    expect(raws.map((r) => r.toString('latin1'))).toEqual([a, b]);
    chunk.fill(0);
    const more: Buffer[] = [];
    expect(f.push(Buffer.from(msg(3).slice(20)), more).map((m) => m.cseq?.seq)).toEqual([3]);
    expect(more.map((r) => r.toString('latin1'))).toEqual([msg(3)]);
    expect(raws.map((r) => r.toString('latin1'))).toEqual([a, b]);
  });

  it('takes only "l" as the compact Content-Length: a compact Content-Type ("c") before it frames right', () => {
    const f = new SipStreamFramer();
    const wire = 'MESSAGE sip:a@example.com SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bKc\r\nCSeq: 1 MESSAGE\r\nc: text/plain\r\nl: 5\r\n\r\nhello';
    const out = f.push(Buffer.from(wire + wire));
    expect(out).toHaveLength(2);
    expect(out.map((m) => m.body.toString())).toEqual(['hello', 'hello']);
  });
});
