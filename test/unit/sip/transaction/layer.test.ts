import { FakeClock } from '../../../../src/clock';
import { createRequest, parseMessage, type SipRequest, type SipResponse } from '../../../../src/sip';
import { SipInviteServerTransaction, SipTransactionError, SipTransactionLayer, type SipServerTransaction } from '../../../../src/sip/transaction';
import { generateSipBranch, isRfc3261Branch } from '../../../../src/sip/branch';
import { DEST_UDP, FakeSender, farRequest, flush, inbound, responseTo } from './fake-sender';

function setup() {
  const clock = new FakeClock();
  const sender = new FakeSender(clock);
  const layer = new SipTransactionLayer({ sender, clock });
  const created: SipServerTransaction[] = [];
  layer.on('request', (tx) => created.push(tx));
  return { clock, sender, layer, created };
}

const req = (method = 'OPTIONS'): SipRequest => createRequest(method, 'sip:x@127.0.0.1', { from: '<sip:a@h>;tag=1', to: '<sip:x@h>', callId: 'c', cseq: 1 });

describe('SipTransactionLayer matching', () => {
  it('adds a Via with a fresh RFC 3261 branch and refuses ACK, bad CSeq and duplicate branches', () => {
    const t = setup();
    const a = t.layer.sendRequest(req(), DEST_UDP);
    const b = t.layer.sendRequest(req(), DEST_UDP);
    expect(isRfc3261Branch(a.request.topVia?.branch)).toBe(true);
    expect(a.request.topVia?.branch).not.toBe(b.request.topVia?.branch);
    expect(a.request.topVia?.branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
    expect(() => t.layer.sendRequest(req('ACK'), DEST_UDP)).toThrow(expect.objectContaining({ code: 'SIP_TRANSACTION_REQUEST' }));
    const dup = req();
    dup.headers.add('Via', `SIP/2.0/UDP h;branch=${a.request.topVia?.branch}`);
    expect(() => t.layer.sendRequest(dup, DEST_UDP)).toThrow(SipTransactionError);
    const bad = req();
    bad.headers.set('CSeq', '1 INVITE');
    expect(() => t.layer.sendRequest(bad, DEST_UDP)).toThrow(expect.objectContaining({ code: 'SIP_TRANSACTION_REQUEST' }));
    t.layer.close();
    expect(t.clock.pending).toBe(0);
    expect(() => t.layer.sendRequest(req(), DEST_UDP)).toThrow(SipTransactionError);
  });

  it('matches responses by branch and CSeq method only', async () => {
    const t = setup();
    const got: number[] = [];
    const stray: number[] = [];
    t.layer.on('strayResponse', (m) => stray.push((m.message as SipResponse).status));
    const tx = t.layer.sendRequest(req(), DEST_UDP, { onResponse: (r) => got.push(r.status) });
    await flush();
    const right = responseTo(tx.request, 200);
    t.layer.receive(inbound(right.replace(tx.request.topVia!.branch!, 'z9hG4bKnope')));
    t.layer.receive(inbound(right.replace('CSeq: 1 OPTIONS', 'CSeq: 1 INFO')));
    expect(got).toEqual([]);
    expect(stray).toEqual([200, 200]);
    t.layer.receive(inbound(right));
    expect(got).toEqual([200]);
  });

  it('matches requests by branch, sent-by and method; a different sent-by is a different transaction', () => {
    const t = setup();
    t.layer.receive(inbound(farRequest('INVITE')));
    t.layer.receive(inbound(farRequest('INVITE', { sentBy: '127.0.0.1:5071' })));
    t.layer.receive(inbound(farRequest('INVITE', { sentBy: '127.0.0.1:5070' })));
    expect(t.created).toHaveLength(2);
    // default port is implied when sent-by has none
    t.layer.receive(inbound(farRequest('BYE', { sentBy: '10.0.0.1', branch: 'z9hG4bKbye' })));
    t.layer.receive(inbound(farRequest('BYE', { sentBy: '10.0.0.1:5060', branch: 'z9hG4bKbye' })));
    expect(t.created).toHaveLength(3);
  });

  it('a CANCEL is its own transaction, and findInviteForCancel finds the INVITE it targets', () => {
    const t = setup();
    t.layer.receive(inbound(farRequest('INVITE', { branch: 'z9hG4bKinv' })));
    t.layer.receive(inbound(farRequest('CANCEL', { branch: 'z9hG4bKinv' })));
    expect(t.created.map((x) => x.request.method)).toEqual(['INVITE', 'CANCEL']);
    const target = t.layer.findInviteForCancel(t.created[1].request);
    expect(target).toBe(t.created[0]);
    expect(target).toBeInstanceOf(SipInviteServerTransaction);
    const otherCancel = parseMessage(farRequest('CANCEL', { branch: 'z9hG4bKzzz' })) as SipRequest;
    expect(t.layer.findInviteForCancel(otherCancel)).toBeUndefined();
    const otherHost = parseMessage(farRequest('CANCEL', { branch: 'z9hG4bKinv', sentBy: '127.0.0.2:5070' })) as SipRequest;
    expect(t.layer.findInviteForCancel(otherHost)).toBeUndefined();
  });

  it('matches RFC 2543 requests (no magic cookie) by Call-ID, From tag, CSeq and Via, and their ACK', () => {
    const t = setup();
    t.layer.receive(inbound(farRequest('INVITE', { branch: 'old1' })));
    t.layer.receive(inbound(farRequest('INVITE', { branch: 'old1' })));
    expect(t.created).toHaveLength(1);
    t.created[0].reply(486, undefined, { toTag: 'x' });
    t.layer.receive(inbound(farRequest('ACK', { branch: 'old1', cseqMethod: 'ACK', toTag: 'x' })));
    expect(t.created[0].state).toBe('confirmed');
  });

  it('reports messages whose CSeq or Via cannot be read as unmatchable, without throwing', () => {
    const t = setup();
    const bad: unknown[] = [];
    t.layer.on('unmatchable', (_m, e) => bad.push(e));
    t.layer.receive(inbound(farRequest('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS')));
    t.layer.receive(inbound(farRequest('OPTIONS').replace(/Via: [^\r]*/, 'Via: garbage')));
    t.layer.receive(inbound('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: nope\r\nContent-Length: 0\r\n\r\n'));
    expect(bad).toHaveLength(3);
    expect(t.created).toHaveLength(0);
  });

  it('close() terminates everything and leaves no timer', async () => {
    const t = setup();
    t.layer.sendRequest(req('INVITE'), DEST_UDP);
    t.layer.receive(inbound(farRequest('INVITE')));
    await flush();
    expect(t.clock.pending).toBeGreaterThan(0);
    t.layer.close();
    expect(t.clock.pending).toBe(0);
    expect(t.layer.clientCount + t.layer.serverCount).toBe(0);
    t.layer.receive(inbound(farRequest('OPTIONS')));
    expect(t.created).toHaveLength(1);
  });

  it('generateSipBranch gives distinct cookie-prefixed branches', () => {
    const s = new Set(Array.from({ length: 200 }, generateSipBranch));
    expect(s.size).toBe(200);
    for (const b of s) expect(isRfc3261Branch(b)).toBe(true);
    expect(isRfc3261Branch('z9hG4bK')).toBe(false);
    expect(isRfc3261Branch('abc')).toBe(false);
  });
});
