import fc from 'fast-check';
import { createResponse, parseMessage, type SipRequest } from '../../../../src/sip';
import { annotateSipReceivedVia, salvageSipRequestHead, stampSipVia } from '../../../../src/sip/transport';

const head =
  'INVITE sip:b@h SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKs\r\nf: <sip:a@h>;tag=1\r\nt: <sip:b@h>\r\ni: salv\r\nCSeq: 4 INVITE\r\n';

describe('salvageSipRequestHead', () => {
  it('rebuilds the five headers a 400 needs, compact forms and folding included', () => {
    const r = salvageSipRequestHead(Buffer.from('\r\n' + head.replace('f: <sip:a@h>;tag=1', 'f: <sip:a@h>\r\n ;tag=1') + 'Content-Length: 99999999999\r\n\r\n'));
    expect(r).toBeDefined();
    expect(r!.method).toBe('INVITE');
    const res = createResponse(r!, 400);
    expect(res.from?.tag).toBe('1');
    expect(res.callId).toBe('salv');
    expect(res.cseq).toEqual({ seq: 4, method: 'INVITE' });
  });

  it('gives up on responses, ACKs, missing or duplicated key headers and unreadable Via', () => {
    expect(salvageSipRequestHead(Buffer.from('SIP/2.0 200 OK\r\n' + head.split('\r\n').slice(1).join('\r\n')))).toBeUndefined();
    expect(salvageSipRequestHead(Buffer.from(head.replace('INVITE sip', 'ACK sip')))).toBeUndefined();
    expect(salvageSipRequestHead(Buffer.from(head.replace('i: salv\r\n', '')))).toBeUndefined();
    expect(salvageSipRequestHead(Buffer.from(head + 'Call-ID: other\r\n'))).toBeUndefined();
    expect(salvageSipRequestHead(Buffer.from(head.replace('SIP/2.0/UDP 10.0.0.1:5060', 'garbage')))).toBeUndefined();
  });

  it('never throws on arbitrary bytes or mutated heads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        salvageSipRequestHead(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(head.length), fc.string({ maxLength: 8 }), (at, ins) => {
        const r = salvageSipRequestHead(Buffer.from(head.slice(0, at) + ins + head.slice(at)));
        if (r) createResponse(r, 400); // whatever was salvaged must be answerable
      }),
      { numRuns: 300 },
    );
  });
});

describe('Via stamping', () => {
  it('rewrites only the top Via element and keeps branch and other parameters', () => {
    const req = parseMessage(
      'OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKa;foo=bar, SIP/2.0/TCP proxy;branch=z9hG4bKp\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    ) as SipRequest;
    stampSipVia(req, 'tcp', { address: '::1', port: 5070 }, true);
    expect(req.vias.map((v) => [v.transport, v.host, v.port, v.branch])).toEqual([
      ['TCP', '[::1]', 5070, 'z9hG4bKa'],
      ['TCP', 'proxy', undefined, 'z9hG4bKp'],
    ]);
    expect(req.topVia?.params.get('foo')).toBe('bar');
    expect(req.topVia?.rport).toBe(true);
  });

  it('annotates received/rport on the server side and reports an unreadable Via', () => {
    const req = parseMessage('OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:5060;branch=z9hG4bKa;rport\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n') as SipRequest;
    expect(annotateSipReceivedVia(req, { address: '::1', port: 40000 })).toBe(true);
    expect(req.topVia?.rport).toBe(40000);
    expect(req.topVia?.received).toBe('::1');
    const bad = parseMessage('OPTIONS sip:x@h SIP/2.0\r\nVia: nonsense\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n') as SipRequest;
    expect(annotateSipReceivedVia(bad, { address: '127.0.0.1', port: 1 })).toBe(false);
    expect(bad.headers.get('Via')).toBe('nonsense');
  });
});
