/**
 * Retransmissions doing their job over real loopback UDP through a seeded lossy relay: every
 * message of the flow (INVITE, 2xx, ACK, BYE and their responses) crosses the relay, which
 * drops 20 % of the datagrams in each direction.
 */
import { SipUserAgent } from '../../src/sip/user-agent';
import { UdpRelay } from '../helpers/udp-relay';

// small T1 so that 100 calls with retransmissions stay within seconds
const TIMERS = { T1: 20, T2: 160, T4: 200, D: 200 };

let caller: SipUserAgent | undefined;
let callee: SipUserAgent | undefined;
let relay: UdpRelay | undefined;

afterEach(async () => {
  await caller?.close();
  await callee?.close();
  await relay?.close();
  caller = callee = relay = undefined;
});

async function setup(drop: number, seed: number): Promise<{ target: string }> {
  const calleePort = { value: 0 };
  callee = new SipUserAgent({ timers: TIMERS, transport: { tcp: false } });
  await callee.start();
  calleePort.value = callee.transports.transport('udp')!.local.port;
  relay = await UdpRelay.create({ target: { address: '127.0.0.1', port: calleePort.value }, seed, forward: { drop }, backward: { drop } });
  // the callee's Contact must be the relay (so that ACK and BYE cross it too), which needs the
  // relay's port, which needs the callee's: bind once to learn a free port, then rebind on it
  await callee.close();
  callee = new SipUserAgent({
    timers: TIMERS,
    transport: { tcp: false, udp: { port: calleePort.value } },
    contactUri: `sip:agent@127.0.0.1:${relay.frontPort}`,
  });
  await callee.start();
  caller = new SipUserAgent({ timers: TIMERS, transport: { tcp: false } });
  await caller.start();
  callee.on('invite', (inv) => {
    inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
  });
  return { target: `sip:agent@127.0.0.1:${relay.frontPort}` };
}

describe('SIP over a lossy UDP relay', () => {
  it('100 sequential INVITE/200/ACK/BYE exchanges complete with 20 % loss each way', async () => {
    const { target } = await setup(0.2, 20261124);
    let completed = 0;
    const calleeEnds: string[] = [];
    callee!.on('invite', (inv) => {
      void inv.call?.ended.then((e) => calleeEnds.push(e.reason));
    });
    for (let i = 0; i < 100; i++) {
      const inv = caller!.invite({ target, from: 'sip:probe@127.0.0.1', body: 'v=0\r\n', contentType: 'application/sdp', headers: { 'X-Call': String(i) } });
      const r = await inv.result;
      if (r.kind !== 'answered') throw new Error(`call ${i}: ${r.kind} ${r.kind === 'failed' ? r.error.code : ''}`);
      const bye = await r.call.bye();
      if (bye?.status !== 200) throw new Error(`call ${i}: BYE got ${bye?.status}`);
      completed++;
    }
    expect(completed).toBe(100);
    // the relay really dropped traffic in both directions, and it was recovered by retransmission
    expect(relay!.forward.counters.dropped).toBeGreaterThan(20);
    expect(relay!.backward.counters.dropped).toBeGreaterThan(20);
    await new Promise((r) => setTimeout(r, 50));
    expect(calleeEnds.filter((e) => e === 'remote-bye').length).toBeGreaterThanOrEqual(95);
  }, 60_000);

  it('at 100 % loss the caller reports the typed timeout after Timer B (64×T1)', async () => {
    const { target } = await setup(1, 7);
    const t0 = performance.now();
    const inv = caller!.invite({ target, from: 'sip:probe@127.0.0.1' });
    const r = await inv.result;
    const elapsed = performance.now() - t0;
    expect(r.kind).toBe('failed');
    if (r.kind !== 'failed') return;
    expect(r.error.code).toBe('SIP_TRANSACTION_TIMEOUT');
    expect((r.error as unknown as { timer: string }).timer).toBe('B');
    expect(elapsed).toBeGreaterThanOrEqual(64 * TIMERS.T1 - 5);
    expect(elapsed).toBeLessThan(64 * TIMERS.T1 + 1000);
    expect(relay!.forward.counters.received).toBeGreaterThanOrEqual(6); // the INVITE and its Timer A retransmissions
    expect(relay!.forward.counters.forwarded).toBe(0);
  });
});
