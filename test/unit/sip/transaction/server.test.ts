import { FakeClock } from '../../../../src/clock';
import { createResponse, type SipRequest, type SipResponse } from '../../../../src/sip';
import type { SipInbound } from '../../../../src/sip/transport';
import {
  SipInviteServerTransaction,
  SipNonInviteServerTransaction,
  SipTransactionLayer,
  SipTransactionStateError,
  SipTransactionTimeoutError,
  type SipServerTransaction,
  type SipTransactionError,
} from '../../../../src/sip/transaction';
import { FakeSender, farRequest, flush, inbound } from './fake-sender';

function setup(reliable = false, autoTrying = true) {
  const clock = new FakeClock();
  const sender = new FakeSender(clock, reliable);
  const layer = new SipTransactionLayer({ sender, clock, autoTrying });
  const created: SipServerTransaction[] = [];
  const acks: { inbound: SipInbound; tx: SipInviteServerTransaction | undefined }[] = [];
  const failures: SipTransactionError[] = [];
  layer.on('request', (tx) => {
    created.push(tx);
    tx.on('failed', (e) => failures.push(e));
  });
  layer.on('ack', (m, tx) => acks.push({ inbound: m, tx }));
  const recv = (text: string) => layer.receive(inbound(text, reliable));
  const statuses = (): number[] => sender.sends.map((s) => (s.message as SipResponse).status);
  return { clock, sender, layer, created, acks, failures, recv, statuses };
}

describe('INVITE server transaction', () => {
  it('sends 100 Trying after 200 ms when the TU has not responded (§17.2.1)', () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    expect(t.created).toHaveLength(1);
    expect(t.created[0]).toBeInstanceOf(SipInviteServerTransaction);
    t.clock.advance(199);
    expect(t.sender.sends).toHaveLength(0);
    t.clock.advance(1);
    expect(t.statuses()).toEqual([100]);
    expect(t.sender.sends[0].message.cseq).toEqual({ seq: 1, method: 'INVITE' });
  });

  it('sends no automatic 100 when the TU answered first, and re-sends the last provisional on a retransmitted INVITE', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const tx = t.created[0];
    t.clock.advance(50);
    tx.reply(180, undefined, { toTag: 'us' });
    await flush();
    t.clock.advance(1000);
    t.recv(farRequest('INVITE'));
    await flush();
    expect(t.created).toHaveLength(1);
    expect(t.statuses()).toEqual([180, 180]);
    expect(t.sender.times()).toEqual([50, 1050]);
    expect(tx.absorbed).toBe(1);
  });

  it('retransmits a non-2xx final on Timer G (doubling up to T2) and fails with Timer H at 64×T1 without ACK', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const tx = t.created[0];
    tx.reply(486, undefined, { toTag: 'us' });
    expect(tx.state).toBe('completed');
    await flush();
    t.clock.advance(31_999);
    expect(t.sender.times()).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(new Set(t.statuses())).toEqual(new Set([486]));
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.failures[0]).toBeInstanceOf(SipTransactionTimeoutError);
    expect(t.failures[0]).toMatchObject({ code: 'SIP_TRANSACTION_TIMEOUT', timer: 'H' });
    expect(t.layer.serverCount).toBe(0);
  });

  it('re-sends the final response on a retransmitted INVITE in Completed', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    t.created[0].reply(404, undefined, { toTag: 'us' });
    await flush();
    t.clock.advance(100);
    t.recv(farRequest('INVITE'));
    await flush();
    expect(t.sender.times()).toEqual([0, 100]);
  });

  it('goes to Confirmed on ACK, absorbs further ACKs, stops G, and Timer I ends it after T4 on UDP', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const tx = t.created[0];
    tx.reply(603, undefined, { toTag: 'us' });
    await flush();
    t.clock.advance(700);
    t.recv(farRequest('ACK', { cseqMethod: 'ACK', toTag: 'us' }));
    expect(tx.state).toBe('confirmed');
    expect(tx.runningTimers).toEqual(['I']);
    t.recv(farRequest('ACK', { cseqMethod: 'ACK', toTag: 'us' }));
    expect(t.acks).toHaveLength(0); // ACKs for non-2xx never reach the TU
    t.clock.advance(4999);
    expect(tx.state).toBe('confirmed');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(t.sender.times()).toEqual([0, 500]);
    expect(t.failures).toHaveLength(0);
  });

  it('on a reliable transport: no Timer G, and Timer I is zero', async () => {
    const t = setup(true);
    t.recv(farRequest('INVITE'));
    const tx = t.created[0];
    tx.reply(486, undefined, { toTag: 'us' });
    await flush();
    expect(tx.runningTimers.sort()).toEqual(['H']);
    t.clock.advance(10_000);
    expect(t.sender.times()).toEqual([0]);
    t.recv(farRequest('ACK', { cseqMethod: 'ACK', toTag: 'us' }));
    expect(tx.state).toBe('confirmed');
    t.clock.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('2xx → Accepted (RFC 6026): retransmitted INVITEs absorbed, ACKs passed up, TU 2xx retransmissions sent, Timer L ends it', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const tx = t.created[0] as SipInviteServerTransaction;
    const ok = tx.reply(200, undefined, { toTag: 'us' });
    expect(tx.state).toBe('accepted');
    await flush();
    t.clock.advance(500);
    t.recv(farRequest('INVITE'));
    await flush();
    expect(t.sender.times()).toEqual([0]); // the transaction does not retransmit 2xx itself
    tx.respond(ok); // the TU's own 2xx retransmission
    await flush();
    expect(t.sender.times()).toEqual([0, 500]);
    t.recv(farRequest('ACK', { cseqMethod: 'ACK', toTag: 'us' }));
    expect(t.acks).toHaveLength(1);
    expect(t.acks[0].tx).toBe(tx);
    expect(tx.state).toBe('accepted');
    t.clock.advance(32_000 - 500 - 1);
    expect(tx.state).toBe('accepted');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    // an ACK after the transaction is gone still reaches the core (for the dialog)
    t.recv(farRequest('ACK', { cseqMethod: 'ACK', toTag: 'us' }));
    expect(t.acks).toHaveLength(2);
    expect(t.acks[1].tx).toBeUndefined();
  });

  it('refuses illegal responses with a typed error and stays in its state', () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const tx = t.created[0];
    tx.reply(200, undefined, { toTag: 'us' });
    expect(() => tx.reply(180)).toThrow(SipTransactionStateError);
    expect(() => tx.reply(486)).toThrow(expect.objectContaining({ code: 'SIP_TRANSACTION_STATE', state: 'accepted', attempted: 'respond 486' }));
    expect(tx.state).toBe('accepted');

    t.recv(farRequest('INVITE', { branch: 'z9hG4bKother' }));
    const tx2 = t.created[1];
    tx2.reply(486, undefined, { toTag: 'us' });
    expect(() => tx2.reply(200)).toThrow(SipTransactionStateError);
    expect(() => tx2.reply(183)).toThrow(SipTransactionStateError);
    expect(tx2.state).toBe('completed');
    tx2.abort();
    expect(() => tx2.reply(500)).toThrow(expect.objectContaining({ state: 'terminated' }));
  });

  it('refuses a response whose CSeq method is not the request method', () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    const other = createResponse(inbound(farRequest('BYE')).message as SipRequest, 200);
    expect(() => t.created[0].respond(other)).toThrow(SipTransactionStateError);
    expect(t.created[0].state).toBe('proceeding');
  });

  it('reports a transport failure as a typed error and terminates', async () => {
    const t = setup();
    t.recv(farRequest('INVITE'));
    t.sender.failNext = true;
    t.created[0].reply(180);
    await flush();
    expect(t.created[0].state).toBe('terminated');
    expect(t.failures[0]).toMatchObject({ code: 'SIP_TRANSACTION_TRANSPORT' });
  });
});

describe('non-INVITE server transaction', () => {
  it('Trying absorbs retransmissions silently; Proceeding re-sends the provisional; Completed re-sends the final; Timer J = 64×T1 on UDP', async () => {
    const t = setup();
    t.recv(farRequest('OPTIONS'));
    const tx = t.created[0];
    expect(tx).toBeInstanceOf(SipNonInviteServerTransaction);
    expect(tx.state).toBe('trying');
    t.recv(farRequest('OPTIONS'));
    expect(t.sender.sends).toHaveLength(0);
    tx.reply(100);
    expect(tx.state).toBe('proceeding');
    await flush();
    t.clock.advance(10);
    t.recv(farRequest('OPTIONS'));
    await flush();
    tx.reply(200, undefined, { toTag: 'us' });
    expect(tx.state).toBe('completed');
    await flush();
    t.clock.advance(10);
    t.recv(farRequest('OPTIONS'));
    t.recv(farRequest('OPTIONS'));
    await flush();
    expect(t.statuses()).toEqual([100, 100, 200, 200, 200]);
    expect(t.sender.times()).toEqual([0, 10, 10, 20, 20]);
    expect(t.created).toHaveLength(1);
    expect(tx.absorbed).toBe(4);
    expect(() => tx.reply(202)).toThrow(SipTransactionStateError);
    expect(() => tx.reply(180)).toThrow(SipTransactionStateError);
    t.clock.advance(32_000 - 10 - 1);
    expect(tx.state).toBe('completed');
    t.clock.advance(1);
    expect(tx.state).toBe('terminated');
    // after Timer J a retransmission is a new request again
    t.recv(farRequest('OPTIONS'));
    expect(t.created).toHaveLength(2);
  });

  it('Timer J is zero on a reliable transport', () => {
    const t = setup(true);
    t.recv(farRequest('BYE'));
    const tx = t.created[0];
    tx.reply(200);
    t.clock.advance(0);
    expect(tx.state).toBe('terminated');
  });
});
