import { parseMessage, serializeMessage, SipRequest, SipResponse, createResponse } from '../../../../src/sip';
import { reliableRSeq, SipDialog, SipDialogError, sipDialogKey } from '../../../../src/sip/dialog';
import { newSipCallId, newSipTag } from '../../../../src/sip/tags';
import fc from 'fast-check';

const msg = (lines: string[], body = ''): string => lines.join('\r\n') + '\r\n\r\n' + body;
const req = (lines: string[]): SipRequest => parseMessage(msg(lines)) as SipRequest;
const res = (lines: string[]): SipResponse => parseMessage(msg(lines)) as SipResponse;

const INVITE = req([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Length: 0',
]);

const OK = res([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1',
  'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Record-Route: <sip:p3.example.com;lr>',
  'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:bob@192.0.2.4:5062>',
  'Content-Length: 0',
]);

describe('UAC dialog (RFC 3261 §12.1.2)', () => {
  it('takes identity, reversed Record-Route, Contact target and CSeq from INVITE + 2xx', () => {
    const d = SipDialog.uac(INVITE, OK);
    expect(d.role).toBe('uac');
    expect(d.state).toBe('confirmed');
    expect(d.callId).toBe('a84b4c76e66710');
    expect(d.localTag).toBe('1928301774');
    expect(d.remoteTag).toBe('a6c85cf');
    expect(d.localUri).toBe('sip:alice@atlanta.example.com');
    expect(d.remoteUri).toBe('sip:bob@biloxi.example.com');
    expect(d.routeSet).toEqual(['<sip:p3.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(d.remoteTarget).toBe('sip:bob@192.0.2.4:5062');
    expect(d.localSeq).toBe(314159);
    expect(d.remoteSeq).toBeUndefined();
    expect(d.secure).toBe(false);
    expect(d.key).toBe(sipDialogKey('a84b4c76e66710', '1928301774', 'a6c85cf'));
    expect(d.nextHop).toBe('sip:p3.example.com;lr');
  });

  it('is early from a 1xx with a To tag, and confirmed (route set recomputed) by the 2xx', () => {
    const ringing = res([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
      'Record-Route: <sip:early.example.com;lr>',
      'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
      'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.9>',
    ]);
    const d = SipDialog.uac(INVITE, ringing);
    expect(d.state).toBe('early');
    expect(d.routeSet).toEqual(['<sip:early.example.com;lr>']);
    expect(d.remoteTarget).toBe('sip:bob@192.0.2.9');
    d.applyResponse(OK, 'INVITE');
    expect(d.state).toBe('confirmed');
    expect(d.routeSet).toEqual(['<sip:p3.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(d.remoteTarget).toBe('sip:bob@192.0.2.4:5062');
  });

  it('refuses a response without To tag and a request without From tag', () => {
    const noTag = parseMessage(serializeMessage(OK).toString().replace(';tag=a6c85cf', '')) as SipResponse;
    expect(() => SipDialog.uac(INVITE, noTag)).toThrow(SipDialogError);
    try {
      SipDialog.uac(INVITE, noTag);
    } catch (e) {
      expect((e as SipDialogError).code).toBe('SIP_DIALOG_NO_TAG');
    }
    const noFromTag = parseMessage(serializeMessage(INVITE).toString().replace(';tag=1928301774', '')) as SipRequest;
    expect(() => SipDialog.uac(noFromTag, OK)).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_NO_TAG' }));
  });

  it('falls back to the Request-URI when a 2xx has no Contact', () => {
    const noContact = parseMessage(serializeMessage(OK).toString().replace('Contact: <sip:bob@192.0.2.4:5062>\r\n', '')) as SipResponse;
    expect(SipDialog.uac(INVITE, noContact).remoteTarget).toBe('sip:bob@biloxi.example.com');
  });

  it('gives a typed error for a malformed Record-Route or Contact', () => {
    const badRR = parseMessage(serializeMessage(OK).toString().replace('<sip:p3.example.com;lr>', '<sip:p3 .example.com')) as SipResponse;
    expect(() => SipDialog.uac(INVITE, badRR)).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_BAD_MESSAGE' }));
    const badContact = parseMessage(serializeMessage(OK).toString().replace('<sip:bob@192.0.2.4:5062>', '<sip:bob@[::1>')) as SipResponse;
    expect(() => SipDialog.uac(INVITE, badContact)).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_BAD_MESSAGE' }));
  });

  it('is secure only for a SIPS Request-URI over TLS', () => {
    const sips = parseMessage(serializeMessage(INVITE).toString().replace('INVITE sip:bob', 'INVITE sips:bob')) as SipRequest;
    expect(SipDialog.uac(sips, OK, { overTls: true }).secure).toBe(true);
    expect(SipDialog.uac(sips, OK, { overTls: false }).secure).toBe(false);
    expect(SipDialog.uac(INVITE, OK, { overTls: true }).secure).toBe(false);
  });
});

describe('in-dialog requests (RFC 3261 §12.2.1.1)', () => {
  it('loose routing: Request-URI is the remote target, Route is the route set', () => {
    const d = SipDialog.uac(INVITE, OK, { localContact: '<sip:alice@192.0.2.1:5060>' });
    const bye = d.createRequest('BYE');
    expect(bye.method).toBe('BYE');
    expect(bye.uri).toBe('sip:bob@192.0.2.4:5062');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p3.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(bye.from!.tag).toBe('1928301774');
    expect(bye.from!.displayName).toBe('Alice');
    expect(bye.to!.tag).toBe('a6c85cf');
    expect(bye.to!.uri).toBe('sip:bob@biloxi.example.com');
    expect(bye.callId).toBe('a84b4c76e66710');
    expect(bye.cseq).toEqual({ seq: 314160, method: 'BYE' });
    expect(bye.headers.has('contact')).toBe(false);
    expect(bye.headers.has('via')).toBe(false);
    const reinvite = d.createRequest('INVITE', { body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(reinvite.cseq!.seq).toBe(314161);
    expect(reinvite.headers.get('contact')).toBe('<sip:alice@192.0.2.1:5060>');
    expect(reinvite.body.toString()).toBe('v=0\r\n');
    expect(reinvite.contentType!.mediaType).toBe('application/sdp');
  });

  it('strict routing: the first route becomes the Request-URI and the remote target the last Route', () => {
    const strict = parseMessage(
      serializeMessage(OK)
        .toString()
        .replace('Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p3.example.com;lr>', 'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;method=INVITE?X=1>'),
    ) as SipResponse;
    const d = SipDialog.uac(INVITE, strict);
    expect(d.nextHop).toBe('sip:p2.example.com;method=INVITE?X=1');
    const bye = d.createRequest('BYE');
    // method param and URI headers are not allowed in a Request-URI (RFC 3261 §19.1.1)
    expect(bye.uri).toBe('sip:p2.example.com');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:bob@192.0.2.4:5062>']);
    const reparsed = parseMessage(serializeMessage(bye)) as SipRequest;
    expect(reparsed.routes.map((r) => r.uri)).toEqual(['sip:p1.example.com;lr', 'sip:bob@192.0.2.4:5062']);
  });

  it('no route set: next hop is the remote target', () => {
    const plain = parseMessage(serializeMessage(OK).toString().replace(/Record-Route: [^\r]*\r\n/g, '')) as SipResponse;
    const d = SipDialog.uac(INVITE, plain);
    expect(d.routeSet).toEqual([]);
    expect(d.nextHop).toBe('sip:bob@192.0.2.4:5062');
    expect(d.createRequest('BYE').headers.has('route')).toBe(false);
  });

  it('ACK for a 2xx keeps the INVITE CSeq number and does not advance the local sequence', () => {
    const d = SipDialog.uac(INVITE, OK);
    const ack = d.createAck(314159);
    expect(ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 314159, method: 'ACK' });
    expect(ack.uri).toBe('sip:bob@192.0.2.4:5062');
    expect(ack.headers.getAll('route')).toHaveLength(3);
    expect(d.localSeq).toBe(314159);
    expect(d.createRequest('BYE').cseq!.seq).toBe(314160);
  });

  it('refuses requests in a terminated dialog, except the ACK', () => {
    const d = SipDialog.uac(INVITE, OK);
    d.terminate();
    expect(() => d.createRequest('BYE')).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_TERMINATED' }));
    expect(d.createAck(314159).method).toBe('ACK');
  });

  it('serialized requests re-parse to the same dialog identity (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 0x7ffffff0 }), (display, seq) => {
        const d = new SipDialog({
          role: 'uac',
          state: 'confirmed',
          callId: newSipCallId('127.0.0.1'),
          localTag: newSipTag(),
          remoteTag: newSipTag(),
          localUri: 'sip:a@127.0.0.1',
          localDisplayName: display,
          remoteUri: 'sip:b@127.0.0.1',
          localSeq: seq,
          routeSet: [],
          remoteTarget: 'sip:b@127.0.0.1:5070',
          secure: false,
        });
        let r: SipRequest;
        try {
          r = d.createRequest('INFO');
        } catch (e) {
          // a display name with a control character is refused by the header list, never sent
          expect((e as { code?: string }).code).toBeDefined();
          return;
        }
        const p = parseMessage(serializeMessage(r)) as SipRequest;
        expect(p.from!.tag).toBe(d.localTag);
        expect(p.to!.tag).toBe(d.remoteTag);
        expect(p.callId).toBe(d.callId);
        expect(p.cseq!.seq).toBe(seq + 1);
        if (display !== '') expect(p.from!.displayName).toBe(display);
        expect(p.headers.getAll('from')).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('UAS dialog (RFC 3261 §12.1.1)', () => {
  const incoming = req([
    'INVITE sip:bob@192.0.2.4 SIP/2.0',
    'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
    'Record-Route: <sip:p1.example.com;lr>',
    'Record-Route: <sip:p2.example.com;lr>',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: uas-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>',
  ]);

  it('keeps Record-Route in order and uses the From as remote', () => {
    const d = SipDialog.uas(incoming, 'mytag', { localContact: '<sip:bob@192.0.2.4>' });
    expect(d.role).toBe('uas');
    expect(d.state).toBe('early');
    expect(d.localTag).toBe('mytag');
    expect(d.remoteTag).toBe('1928301774');
    expect(d.routeSet).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(d.remoteTarget).toBe('sip:alice@pc33.atlanta.example.com');
    expect(d.remoteSeq).toBe(7);
    expect(d.localSeq).toBeUndefined();
    const bye = d.createRequest('BYE');
    expect(bye.from!.uri).toBe('sip:bob@biloxi.example.com');
    expect(bye.from!.tag).toBe('mytag');
    expect(bye.to!.uri).toBe('sip:alice@atlanta.example.com');
    expect(bye.to!.tag).toBe('1928301774');
    expect(bye.cseq!.seq).toBeGreaterThanOrEqual(1);
    expect(bye.cseq!.seq).toBeLessThan(0x10000);
    expect(bye.uri).toBe('sip:alice@pc33.atlanta.example.com');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    // our 2xx uses the same tag, and the UAC-side dialog built from it mirrors ours
    const ok = createResponse(incoming, 200, undefined, { toTag: 'mytag', contact: '<sip:bob@192.0.2.4>' });
    for (const rr of incoming.headers.lines('record-route')) ok.headers.add('Record-Route', rr);
    const mirror = SipDialog.uac(incoming, ok);
    expect(mirror.routeSet).toEqual([...d.routeSet].reverse());
    expect(mirror.localTag).toBe(d.remoteTag);
    expect(mirror.remoteTag).toBe(d.localTag);
  });

  it('requires a Contact on the dialog-creating request', () => {
    const noContact = parseMessage(serializeMessage(incoming).toString().replace('Contact: <sip:alice@pc33.atlanta.example.com>\r\n', '')) as SipRequest;
    expect(() => SipDialog.uas(noContact, 't')).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_NO_CONTACT' }));
  });

  it('rejects out-of-order remote CSeq (§12.2.2) and applies target refreshes', () => {
    const d = SipDialog.uas(incoming, 'mytag');
    const mk = (method: string, seq: number, contact?: string): SipRequest =>
      req([
        `${method} sip:bob@192.0.2.4 SIP/2.0`,
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKx' + seq,
        'To: Bob <sip:bob@biloxi.example.com>;tag=mytag',
        'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: uas-1',
        `CSeq: ${seq} ${method}`,
        ...(contact ? [`Contact: ${contact}`] : []),
      ]);
    expect(d.acceptRemoteRequest(mk('ACK', 7))).toBe(true);
    expect(d.acceptRemoteRequest(mk('INFO', 8))).toBe(true);
    expect(d.remoteSeq).toBe(8);
    expect(d.acceptRemoteRequest(mk('INFO', 6))).toBe(false);
    expect(d.remoteSeq).toBe(8);
    const re = mk('INVITE', 9, '<sip:alice@198.51.100.7:5080>');
    expect(d.acceptRemoteRequest(re)).toBe(true);
    d.refreshTarget(re);
    expect(d.remoteTarget).toBe('sip:alice@198.51.100.7:5080');
  });
});

describe('PRACK (RFC 3262)', () => {
  const rel = (rseq: string, require = '100rel'): SipResponse =>
    res([
      'SIP/2.0 183 Session Progress',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
      'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
      'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.4:5062>',
      `Require: ${require}`,
      `RSeq: ${rseq}`,
    ]);

  it('recognises reliable provisionals only', () => {
    expect(reliableRSeq(rel('988789'))).toBe(988789);
    expect(reliableRSeq(rel('988789', 'timer'))).toBeUndefined();
    expect(reliableRSeq(rel('0'))).toBeUndefined();
    expect(reliableRSeq(rel('abc'))).toBeUndefined();
    expect(reliableRSeq(rel('99999999999'))).toBeUndefined();
    expect(reliableRSeq(OK)).toBeUndefined();
  });

  it('builds RAck, skips retransmissions and out-of-sequence RSeq', () => {
    const first = rel('988789');
    const d = SipDialog.uac(INVITE, first);
    const prack = d.createPrack(first)!;
    expect(prack.method).toBe('PRACK');
    expect(prack.headers.get('rack')).toBe('988789 314159 INVITE');
    expect(prack.cseq).toEqual({ seq: 314160, method: 'PRACK' });
    expect(prack.uri).toBe('sip:bob@192.0.2.4:5062');
    expect(d.createPrack(first)).toBeUndefined(); // retransmission
    expect(d.createPrack(rel('988791'))).toBeUndefined(); // gap
    const next = d.createPrack(rel('988790'))!;
    expect(next.headers.get('rack')).toBe('988790 314159 INVITE');
    expect(next.cseq!.seq).toBe(314161);
    expect(() => d.createPrack(rel('1', 'timer'))).toThrow(expect.objectContaining({ code: 'SIP_DIALOG_NOT_RELIABLE' }));
  });
});

describe('tags and Call-IDs', () => {
  it('are random hex, unique, and never carry injected text', () => {
    const tags = new Set(Array.from({ length: 500 }, newSipTag));
    expect(tags.size).toBe(500);
    for (const t of tags) expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(newSipCallId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newSipCallId('127.0.0.1')).toMatch(/^[0-9a-f]{32}@127\.0\.0\.1$/);
    expect(newSipCallId('evil\r\nX: y')).toMatch(/^[0-9a-f]{32}$/);
  });
});
