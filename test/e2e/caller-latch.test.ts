/**
 * Caller `latch` over loopback: a far end whose SDP names one port (a decoy socket) while its RTP
 * comes from another (as behind NAT). With `latch: 'first-source'` the caller takes that audio and
 * sends back to its source; with the default `sdp` the packets are dropped as foreign and our RTP
 * goes to the port the SDP named.
 */
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { MediaLeg } from '../../src/call-media';
import { Caller, type CallResult } from '../../src/caller';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { SipUserAgent } from '../../src/sip/user-agent';
import type { SipIncomingInvite } from '../../src/sip/ua/uas-invite';

jest.setTimeout(30_000);

const farPool = new RtpPortPool({ min: 36600, max: 36700 });

function noise(n: number): Int16Array {
  const out = new Int16Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((x >> 8) % 16000) - 8000;
  }
  return out;
}

/** A UAS whose answer SDP names the decoy's port while its media leg sends from its own. */
class NattedPeer {
  readonly ua = new SipUserAgent({ transport: { address: '127.0.0.1', udp: { port: 0 }, tcp: false } });
  readonly decoy = dgram.createSocket('udp4');
  decoyPackets = 0;
  decoyPort = 0;
  leg: MediaLeg | null = null;

  async start(): Promise<string> {
    this.decoy.on('message', () => this.decoyPackets++);
    await new Promise<void>((r) => this.decoy.bind(0, '127.0.0.1', () => r()));
    this.decoyPort = (this.decoy.address() as AddressInfo).port;
    this.ua.on('invite', (inv) => void this.onInvite(inv));
    await this.ua.start();
    return `sip:agent@127.0.0.1:${this.ua.transports.sentBy('udp').port}`;
  }

  private async onInvite(inv: SipIncomingInvite): Promise<void> {
    const leg = await MediaLeg.create({ portPool: farPool, side: 'agent', codecs: ['PCMU'] });
    this.leg = leg;
    const { sdp } = await leg.answerOffer(inv.offer!.body.toString());
    const lied = sdp.replace(/^m=audio \d+/m, `m=audio ${this.decoyPort}`);
    expect(lied).not.toBe(sdp);
    const call = inv.answer({ body: lied, contentType: 'application/sdp' });
    call.on('ended', () => void leg.close());
    await leg.playPcm(noise(8000), 8000);
  }

  async close(): Promise<void> {
    await this.ua.close();
    await this.leg?.close();
    await new Promise<void>((r) => this.decoy.close(() => r()));
  }
}

async function callNattedPeer(latch: 'sdp' | 'first-source' | undefined): Promise<{ r: CallResult; peer: NattedPeer; loudest: number; farReceived: number }> {
  const peer = new NattedPeer();
  const target = await peer.start();
  const caller = new Caller({ rtpPorts: { min: 36800, max: 36900 } });
  try {
    const call = caller.call({ target, codecs: ['PCMU'], durationMs: 1500, ...(latch ? { latch } : {}) });
    let loudest = 0;
    call.on('audio', (f) => {
      for (const s of f.pcm) loudest = Math.max(loudest, Math.abs(s));
    });
    const r = await call.result;
    const farReceived = peer.leg?.stats()?.received.packets ?? 0;
    return { r, peer, loudest, farReceived };
  } finally {
    await caller.close();
    await peer.close();
  }
}

describe('Caller latch', () => {
  test("first-source: the agent's audio from another port is taken, and our RTP goes back to that source", async () => {
    const { r, peer, loudest, farReceived } = await callNattedPeer('first-source');
    expect(r.outcome).toBe('completed');
    const farPort = peer.leg!.localPort;
    expect(farPort).not.toBe(peer.decoyPort);
    expect(r.rtp!.received.packets).toBeGreaterThan(20);
    expect(r.rtp!.received.dropped).toBe(0);
    expect(r.rtp!.remote).toBe(`127.0.0.1:${farPort}`);
    expect(loudest).toBeGreaterThan(2000);
    expect(farReceived).toBeGreaterThan(20);
  });

  test.each([['default (sdp)', undefined], ['sdp', 'sdp']] as const)(
    '%s: the same packets are dropped as from an unexpected source and our RTP goes where the SDP said',
    async (_name, latch) => {
      const { r, peer, loudest, farReceived } = await callNattedPeer(latch);
      expect(r.outcome).toBe('completed');
      expect(r.rtp!.received.packets).toBe(0);
      expect(r.rtp!.received.dropped).toBeGreaterThan(20);
      expect(r.rtp!.remote).toBe(`127.0.0.1:${peer.decoyPort}`);
      expect(loudest).toBe(0);
      expect(farReceived).toBe(0);
      expect(peer.decoyPackets).toBeGreaterThan(20);
    },
  );

  test('a latch mode other than sdp / first-source is refused before anything is sent', async () => {
    const caller = new Caller();
    try {
      expect(() => caller.call({ target: 'sip:a@127.0.0.1:9', latch: 'any' as 'sdp' })).toThrow(expect.objectContaining({ code: 'CALLER_BAD_OPTION' }));
    } finally {
      await caller.close();
    }
  });
});
