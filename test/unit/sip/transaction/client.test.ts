import { FakeClock } from '../../../../src/clock';
import { createRequest, type SipRequest, type SipResponse } from '../../../../src/sip';
import {
  SipInviteClientTransaction,
  SipNonInviteClientTransaction,
  SipTransactionLayer,
  SipTransactionTimeoutError,
  SipTransactionTransportError,
  type SipTransactionError,
} from '../../../../src/sip/transaction';
import { DEST_TCP, DEST_UDP, FakeSender, flush, inbound, responseTo } from './fake-sender';

function invite(): SipRequest {
  return createRequest('INVITE', 'sip:agent@127.0.0.1:5070', {
    from: '<sip:probe@127.0.0.1>;tag=fromtag',
    to: '<sip:agent@127.0.0.1>',
    callId: 'cid-1',
    cseq: 7,
    route: ['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>'],
    contact: '<sip:probe@127.0.0.1:5060>',
    body: 'v=0\r\n',
    contentType: 'application/sdp',
  });
}

function options(): SipRequest {
  return createRequest('OPTIONS', 'sip:agent@127.0.0.1:5070', { from: '<sip:p@h>;tag=a', to: '<sip:a@h>', callId: 'cid-2', cseq: 1 });
}

function setup(reliable = false, timers?: { T1?: number; T2?: number; T4?: number }) {
  const clock = new FakeClock();
  const sender = new FakeSender(clock, reliable);
  const layer = new SipTransactionLayer({ sender, clock, timers });
  const responses: SipResponse[] = [];
  const errors: SipTransactionError[] = [];
  let terminated = 0;
  const handlers = {
    onResponse: (r: SipResponse) => responses.push(r),
    onError: (e: SipTransactionError) => errors.push(e),
    onTerminated: () => terminated++,
  };
  return { clock, sender, layer, responses, errors, handlers, terminatedCount: () => terminated };
}

const isInvite = (m: { kind: string; method?: string }) => m.kind === 'request' && m.method === 'INVITE';
const isAck = (m: { kind: string; method?: string }) => m.kind === 'request' && m.method === 'ACK';

describe('INVITE client transaction', () => {
  it('retransmits on Timer A, doubling from T1 (RFC 3261 §17.1.1.2), and times out with Timer B at 64×T1', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    expect(tx).toBeInstanceOf(SipInviteClientTransaction);
    await flush();
    t.clock.advance(31_999);
    expect(t.sender.times(isInvite)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(tx.state).toBe('calling');
    expect(t.errors).toHaveLength(0);
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toBeInstanceOf(SipTransactionTimeoutError);
    expect(t.errors[0]).toMatchObject({ code: 'SIP_TRANSACTION_TIMEOUT', timer: 'B' });
    expect(t.terminatedCount()).toBe(1);
    expect(t.layer.clientCount).toBe(0);
    t.clock.advance(100_000);
    expect(t.sender.sends).toHaveLength(7);
    expect(t.clock.pending).toBe(0);
  });

  it('scales every timer with a configured T1', async () => {
    const t = setup(false, { T1: 100, T2: 400 });
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(6400);
    expect(t.sender.times(isInvite)).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(tx.state).toBe('terminated');
    expect(t.errors[0]).toMatchObject({ timer: 'B' });
  });

  it('does not retransmit over a reliable transport, but Timer B still applies', async () => {
    const t = setup(true);
    const tx = t.layer.sendRequest(invite(), DEST_TCP, t.handlers);
    await flush();
    t.clock.advance(31_999);
    expect(t.sender.times()).toEqual([0]);
    expect(tx.runningTimers).toEqual(['B']);
    t.clock.advance(1);
    expect(t.errors[0]).toMatchObject({ timer: 'B' });
  });

  it('stops Timers A and B on a provisional response (Proceeding) and passes each 1xx up', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(600);
    t.layer.receive(inbound(responseTo(tx.request, 100)));
    t.layer.receive(inbound(responseTo(tx.request, 180)));
    expect(tx.state).toBe('proceeding');
    expect(t.responses.map((r) => r.status)).toEqual([100, 180]);
    expect(tx.runningTimers).toEqual([]);
    t.clock.advance(120_000);
    expect(t.sender.times(isInvite)).toEqual([0, 500]);
    expect(t.errors).toHaveLength(0);
  });

  it('ACKs a non-2xx final response inside the transaction with the RFC 3261 §17.1.1.3 fields', async () => {
    const t = setup();
    const req = invite();
    const tx = t.layer.sendRequest(req, DEST_UDP, t.handlers);
    await flush();
    t.layer.receive(inbound(responseTo(tx.request, 180, 'tag180')));
    t.layer.receive(inbound(responseTo(tx.request, 486, 'busytag', 'Busy Here')));
    expect(tx.state).toBe('completed');
    expect(t.responses.map((r) => r.status)).toEqual([180, 486]);
    const acks = t.sender.sends.filter((s) => isAck(s.message));
    expect(acks).toHaveLength(1);
    const ack = acks[0].message as SipRequest;
    expect(ack.uri).toBe('sip:agent@127.0.0.1:5070');
    expect(ack.topVia?.branch).toBe(tx.request.topVia?.branch);
    expect(ack.vias).toHaveLength(1);
    expect(ack.headers.lines('Route')).toEqual(['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>']);
    expect(ack.to?.tag).toBe('busytag');
    expect(ack.from?.tag).toBe('fromtag');
    expect(ack.callId).toBe('cid-1');
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.body.length).toBe(0);
    expect(ack.headers.has('Contact')).toBe(false);
  });

  it('absorbs retransmitted non-2xx finals, re-sending the ACK each time; Timer D ends it at 32 s on UDP', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(100);
    t.layer.receive(inbound(responseTo(tx.request, 603, 'd')));
    await flush();
    t.clock.advance(1000);
    t.layer.receive(inbound(responseTo(tx.request, 603, 'd')));
    t.layer.receive(inbound(responseTo(tx.request, 603, 'd')));
    await flush();
    expect(t.responses.map((r) => r.status)).toEqual([603]);
    expect(t.sender.times(isAck)).toEqual([100, 1100, 1100]);
    expect(t.sender.sends.filter((s) => isAck(s.message)).map((s) => s.retransmission)).toEqual([false, true, true]);
    expect(tx.absorbed).toBe(2);
    expect(t.sender.times(isInvite)).toEqual([0]); // Timer A stopped
    // Timer D was started when the first 603 arrived, at t = 100
    t.clock.advance(32_100 - 1100 - 1);
    expect(tx.state).toBe('completed');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.errors).toHaveLength(0);
  });

  it('Timer D is zero on a reliable transport', async () => {
    const t = setup(true);
    const tx = t.layer.sendRequest(invite(), DEST_TCP, t.handlers);
    await flush();
    t.layer.receive(inbound(responseTo(tx.request, 404), true));
    expect(tx.state).toBe('completed');
    t.clock.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('passes every 2xx up in Accepted (RFC 6026), including retransmissions and forks, until Timer M', async () => {
    const t = setup();
    const stray: number[] = [];
    t.layer.on('strayResponse', (m) => stray.push((m.message as SipResponse).status));
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    t.layer.receive(inbound(responseTo(tx.request, 200, 'a')));
    expect(tx.state).toBe('accepted');
    t.clock.advance(500);
    t.layer.receive(inbound(responseTo(tx.request, 200, 'a')));
    t.layer.receive(inbound(responseTo(tx.request, 200, 'b'))); // forked
    t.layer.receive(inbound(responseTo(tx.request, 486, 'c'))); // absorbed, no ACK from the transaction
    expect(t.responses.map((r) => `${r.status}/${r.to?.tag}`)).toEqual(['200/a', '200/a', '200/b']);
    expect(t.sender.times(isAck)).toEqual([]);
    expect(t.sender.times(isInvite)).toEqual([0]);
    t.clock.advance(32_000 - 500 - 1);
    expect(tx.state).toBe('accepted');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    t.layer.receive(inbound(responseTo(tx.request, 200, 'a')));
    expect(stray).toEqual([200]);
    expect(t.errors).toHaveLength(0);
  });

  it('ends with a typed transport error when the first send fails', async () => {
    const t = setup();
    t.sender.failNext = true;
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    expect(tx.state).toBe('terminated');
    expect(t.errors[0]).toBeInstanceOf(SipTransactionTransportError);
    expect(t.errors[0]).toMatchObject({ code: 'SIP_TRANSACTION_TRANSPORT' });
    expect((t.errors[0].cause as { code: string }).code).toBe('SIP_TRANSPORT_CONNECT');
    expect(t.clock.pending).toBe(0);
  });

  it('ends with a transport error when a retransmission fails', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers);
    await flush();
    t.sender.failRetransmit = true;
    t.clock.advance(500);
    await flush();
    expect(tx.state).toBe('terminated');
    expect(t.errors[0]).toMatchObject({ code: 'SIP_TRANSACTION_TRANSPORT' });
  });

  it('builds a CANCEL with the INVITE branch and a destination pinned to the flow used', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(invite(), DEST_UDP, t.handlers) as SipInviteClientTransaction;
    await flush();
    const cancel = tx.createCancel();
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uri).toBe(tx.request.uri);
    expect(cancel.topVia?.branch).toBe(tx.request.topVia?.branch);
    expect(cancel.cseq).toEqual({ seq: 7, method: 'CANCEL' });
    expect(cancel.to?.tag).toBeUndefined();
    expect(tx.flowDestination).toMatchObject({ protocol: 'udp', address: '127.0.0.1', port: 5070, pinned: true });
    const ctx = t.layer.sendRequest(cancel, tx.flowDestination, {});
    expect(ctx).toBeInstanceOf(SipNonInviteClientTransaction);
    // the 200 to CANCEL goes to the CANCEL transaction, not the INVITE one (CSeq method differs)
    t.layer.receive(inbound(responseTo(cancel, 200)));
    expect(ctx.state).toBe('completed');
    expect(tx.state).toBe('calling');
    expect(t.responses).toHaveLength(0);
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on Timer E, doubling up to T2, and times out with Timer F at 64×T1', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(options(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(31_999);
    expect(t.sender.times()).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(tx.state).toBe('trying');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.errors[0]).toBeInstanceOf(SipTransactionTimeoutError);
    expect(t.errors[0]).toMatchObject({ code: 'SIP_TRANSACTION_TIMEOUT', timer: 'F' });
  });

  it('retransmits every T2 in Proceeding and still times out with Timer F', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(options(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(600);
    t.layer.receive(inbound(responseTo(tx.request, 100)));
    expect(tx.state).toBe('proceeding');
    t.clock.advance(31_399);
    expect(t.sender.times()).toEqual([0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
    t.clock.advance(1);
    expect(t.errors[0]).toMatchObject({ timer: 'F' });
  });

  it('passes the final response up once, absorbs retransmissions, and Timer K ends it after T4 on UDP', async () => {
    const t = setup();
    const tx = t.layer.sendRequest(options(), DEST_UDP, t.handlers);
    await flush();
    t.clock.advance(10);
    t.layer.receive(inbound(responseTo(tx.request, 200)));
    t.layer.receive(inbound(responseTo(tx.request, 200)));
    t.layer.receive(inbound(responseTo(tx.request, 180)));
    expect(t.responses.map((r) => r.status)).toEqual([200]);
    expect(tx.absorbed).toBe(2);
    expect(tx.runningTimers).toEqual(['K']);
    t.clock.advance(4999);
    expect(tx.state).toBe('completed');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.sender.times()).toEqual([0]);
  });

  it('Timer K is zero on a reliable transport and there is no Timer E', async () => {
    const t = setup(true);
    const tx = t.layer.sendRequest(options(), DEST_TCP, t.handlers);
    await flush();
    expect(tx.runningTimers).toEqual(['F']);
    t.layer.receive(inbound(responseTo(tx.request, 404), true));
    t.clock.advance(0);
    expect(tx.state).toBe('terminated');
  });
});
