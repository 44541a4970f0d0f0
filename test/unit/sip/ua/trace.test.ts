/** The UA's 'trace' event: our local address of the flow and the exact bytes sent. Real loopback sockets. */
import * as dgram from 'node:dgram';
import { inspect } from 'node:util';
import { createRequest } from '../../../../src/sip/message';
import { SipTransportManager } from '../../../../src/sip/transport/manager';
import { serializeMessage } from '../../../../src/sip/serializer';
import { SipUserAgent, type SipTraceEvent } from '../../../../src/sip/user-agent';

let a: SipUserAgent | undefined;
let b: SipUserAgent | undefined;
afterEach(async () => {
  await a?.close();
  await b?.close();
  a = b = undefined;
});

describe.each(['udp', 'tcp'] as const)('trace over %s', (protocol) => {
  it('carries local (our socket) and raw (the bytes on the wire) both ways', async () => {
    const only = { udp: protocol === 'udp' ? {} : (false as const), tcp: protocol === 'tcp' ? {} : (false as const) };
    a = new SipUserAgent({ transport: only, timers: { T1: 50 } });
    b = new SipUserAgent({ transport: only, timers: { T1: 50 } });
    await a.start();
    await b.start();
    const trace: SipTraceEvent[] = [];
    a.on('trace', (e) => trace.push(e));
    const peerTrace: SipTraceEvent[] = [];
    b.on('trace', (e) => peerTrace.push(e));
    // the raw bytes are what the peer read: compare with what arrives there
    const arrived: Buffer[] = [];
    b.on('invite', (inv) => {
      arrived.push(serializeMessage(inv.request));
      inv.reject(486);
    });
    const port = b.transports.transport(protocol)!.local.port;
    const r = await a.invite({ target: `sip:x@127.0.0.1:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}`, from: 'sip:probe@127.0.0.1' }).result;
    expect(r.kind).toBe('rejected');
    const ours = a.transports.transport(protocol)!.local;
    const inv = trace.find((e) => e.direction === 'out' && e.message.kind === 'request' && e.message.method === 'INVITE')!;
    expect(inv.local).toEqual(ours);
    expect(Buffer.isBuffer(inv.raw)).toBe(true);
    expect(inv.raw!.equals(serializeMessage(inv.message))).toBe(true);
    // the peer's copy differs only by the received/rport it added to our Via
    const viaLine = /^Via: .*$/m;
    expect(arrived[0].toString('latin1').replace(viaLine, '')).toBe(inv.raw!.toString('latin1').replace(viaLine, ''));
    const busy = trace.find((e) => e.direction === 'in' && e.message.kind === 'response' && e.message.status === 486)!;
    expect(busy.local!.address).toBe(ours.address);
    if (protocol === 'udp') expect(busy.local).toEqual(ours);
    // received: the bytes exactly as the peer sent them
    const busySent = peerTrace.find((e) => e.direction === 'out' && e.message.kind === 'response' && e.message.status === 486)!;
    expect(Buffer.isBuffer(busy.raw)).toBe(true);
    expect(busy.raw!.equals(busySent.raw!)).toBe(true);
    expect(busy.remote.port).toBe(port);
    await new Promise((res) => setTimeout(res, 20)); // the ACK's send settles after the result
    const ack = trace.find((e) => e.direction === 'out' && e.message.kind === 'request' && e.message.method === 'ACK');
    expect(ack?.raw?.toString('latin1')).toMatch(/^ACK sip:x@127\.0\.0\.1:\d+(;transport=tcp)? SIP\/2\.0\r\n/);
  });
});

describe('trace of UDP retransmissions', () => {
  it('carries the same bytes as the first send', async () => {    a = new SipUserAgent({ transport: { tcp: false }, timers: { T1: 20 } });
    await a.start();
    const trace: SipTraceEvent[] = [];
    a.on('trace', (e) => trace.push(e));
    // a UDP port nobody answers on: the INVITE is retransmitted (Timer A)
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((res) => silent.bind(0, '127.0.0.1', res));
    try {
      const inv = a.invite({ target: `sip:x@127.0.0.1:${silent.address().port}`, from: 'sip:probe@127.0.0.1' });
      await new Promise((res) => setTimeout(res, 120));
      inv.cancel();
      const sent = trace.filter((e) => e.direction === 'out' && e.message.kind === 'request' && e.message.method === 'INVITE');
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(sent[0].retransmission).toBe(false);
      expect(sent[1].retransmission).toBe(true);
      expect(sent[1].raw!.equals(sent[0].raw!)).toBe(true);
    } finally {
      silent.close();
    }
  });
});

describe("the manager's send report behind the trace", () => {
  it('has the bytes for the trace but keeps them out of inspect, JSON and spreads (they may carry credentials)', async () => {
    const m = new SipTransportManager({ tcp: false });
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((res) => peer.bind(0, '127.0.0.1', res));
    try {
      await m.start();
      const req = createRequest('OPTIONS', 'sip:x@127.0.0.1', {
        from: '<sip:probe@127.0.0.1>;tag=1',
        to: '<sip:x@127.0.0.1>',
        callId: 'trace-sent',
        cseq: 1,
        headers: { Authorization: 'Digest username="u", response="0123456789abcdef0123456789abcdef"' },
      });
      const sent = await m.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: peer.address().port });
      expect(sent.data.toString('latin1')).toContain('response="0123456789abcdef0123456789abcdef"');
      expect(sent.data.length).toBe(sent.size);
      expect(inspect(sent)).not.toContain('0123456789abcdef');
      expect(JSON.stringify(sent)).not.toContain('0123456789abcdef');
      expect('data' in { ...sent }).toBe(false);
    } finally {
      peer.close();
      await m.close();
    }
  });
});
