/** RtpSession on ports it is given (held by someone else across sessions), and separate receive payload types. */
import * as dgram from 'node:dgram';
import { PcmaCodec, PcmuCodec } from '../../../src/rtp/codecs/g711';
import { serializeRtp } from '../../../src/rtp/packet';
import { RtpPortPool } from '../../../src/rtp/port-pool';
import { RtpSession } from '../../../src/rtp/session';

jest.setTimeout(10_000);

const pool = new RtpPortPool({ min: 38000, max: 38199 });

async function waitFor(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A plain socket playing the far end. */
async function peer(): Promise<{ sock: dgram.Socket; port: number; send(pt: number, seq: number, to: number, payload?: Uint8Array): void; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  return {
    sock,
    port,
    send(pt, seq, to, payload = new Uint8Array(160).fill(0xff)) {
      sock.send(serializeRtp({ payloadType: pt, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x1234, marker: false, payload }), to, '127.0.0.1');
    },
    close: () => new Promise((r) => sock.close(() => r())),
  };
}

describe('RtpSession.open with given ports', () => {
  test('borrowed ports outlive the session; the next session runs on them; one session at a time', async () => {
    const ports = await pool.allocate();
    const allocated = pool.allocated;
    const far = await peer();
    try {
      const a = await RtpSession.open({ codec: new PcmuCodec(), ports, rtcp: false, remote: { address: '127.0.0.1', port: far.port } });
      expect(a.localPort).toBe(ports.port);
      expect(a.localRtcpPort).toBe(ports.port + 1);
      await expect(RtpSession.open({ codec: new PcmuCodec(), ports })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
      await a.close();
      // not owned: the sockets are still bound and held, and the old session listens no more
      expect(pool.allocated).toBe(allocated);
      expect(ports.rtpSocket.listenerCount('message')).toBe(0);
      expect(ports.rtcpSocket!.listenerCount('message')).toBe(0);
      expect(ports.rtpSocket.address().port).toBe(ports.port);

      // a codec change: the next session on the same ports receives what the far end sends there
      const b = await RtpSession.open({ codec: new PcmaCodec(), ports, rtcp: false, remote: { address: '127.0.0.1', port: far.port } });
      for (let i = 0; i < 5; i++) far.send(8, 100 + i, ports.port);
      await waitFor(() => b.stats().received.packets === 5);
      expect(a.stats().received.packets).toBe(0);
      // and it sends from them (symmetric RTP)
      const got = new Promise<dgram.RemoteInfo>((r) => far.sock.once('message', (_m, rinfo) => r(rinfo)));
      expect((await got).port).toBe(ports.port);
      await b.close();
      expect(pool.allocated).toBe(allocated);
    } finally {
      await far.close();
      await ports.release();
    }
    expect(pool.allocated).toBe(allocated - 1);
  });

  test('ownsPorts: true releases them on close', async () => {
    const before = pool.allocated;
    const ports = await pool.allocate({ rtcp: false });
    const s = await RtpSession.open({ codec: new PcmuCodec(), ports, ownsPorts: true, rtcp: false });
    expect(s.rtcpMux).toBe(true);
    await s.close();
    expect(pool.allocated).toBe(before);
  });

  test('options that contradict the ports are typed errors and leave the ports alone', async () => {
    const ports = await pool.allocate();
    try {
      await expect(RtpSession.open({ codec: new PcmuCodec(), ports, rtcpMux: true })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
      await expect(RtpSession.open({ codec: new PcmuCodec(), ports, address: '127.0.0.2' })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
      await expect(RtpSession.open({ codec: new PcmuCodec(), ports: {} as never })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
      expect(ports.rtpSocket.listenerCount('message')).toBe(0);
      const s = await RtpSession.open({ codec: new PcmuCodec(), ports, rtcp: false });
      await s.close();
    } finally {
      await ports.release();
    }
  });
});

describe('receive payload types', () => {
  test('audio and telephone-event are accepted on the receive numbers, sent on the send numbers', async () => {
    const far = await peer();
    const s = await RtpSession.open({
      codec: new PcmuCodec(),
      portPool: pool,
      rtcp: false,
      remote: { address: '127.0.0.1', port: far.port },
      telephoneEventPayloadType: 101,
      receiveTelephoneEventPayloadType: 97,
    });
    try {
      const sentPts = new Set<number>();
      far.sock.on('message', (m) => sentPts.add(m[1] & 0x7f));
      // digit 5, end bit, duration 800
      far.send(97, 1, s.localPort, Uint8Array.from([5, 0x8a, 0x03, 0x20]));
      far.send(101, 2, s.localPort, Uint8Array.from([6, 0x8a, 0x03, 0x20]));
      far.send(0, 3, s.localPort);
      const digit = new Promise<string | null>((r) => s.once('dtmf', (e) => r(e.digit)));
      expect(await digit).toBe('5');
      await waitFor(() => s.stats().received.packets === 2);
      expect(s.stats().dropped.unexpectedPayloadType).toBe(1);
      await s.sendDtmf('1', { toneMs: 40, gapMs: 0 });
      await waitFor(() => sentPts.has(101) && sentPts.has(0));
      expect([...sentPts].sort((x, y) => x - y)).toEqual([0, 101]);
    } finally {
      await s.close();
      await far.close();
    }
  });

  test('a receive payload type for audio, with a decoder of that number', async () => {
    const far = await peer();
    const OpusLike = 96;
    // PCMU standing in for a renumbered codec: only the numbers matter to the session
    const s = await RtpSession.open({
      codec: new PcmuCodec(),
      receiveCodec: new PcmuCodec({ payloadType: OpusLike }),
      receivePayloadType: OpusLike,
      portPool: pool,
      rtcp: false,
      remote: { address: '127.0.0.1', port: far.port },
    });
    try {
      far.send(OpusLike, 1, s.localPort);
      far.send(0, 2, s.localPort);
      await waitFor(() => s.stats().received.packets === 1 && s.stats().dropped.unexpectedPayloadType === 1);
      const pts = new Set<number>();
      far.sock.on('message', (m) => pts.add(m[1] & 0x7f));
      await waitFor(() => pts.size > 0);
      expect([...pts]).toEqual([0]);
    } finally {
      await s.close();
      await far.close();
    }
  });

  test('inconsistent receive numbers are typed errors', async () => {
    const before = pool.allocated;
    const bad = [
      { codec: new PcmuCodec(), receivePayloadType: 128 },
      { codec: new PcmuCodec(), receivePayloadType: 96, receiveCodec: new PcmuCodec() },
      { codec: new PcmuCodec(), receivePayloadType: 96, receiveTelephoneEventPayloadType: 96 },
      { codec: new PcmuCodec(), telephoneEventPayloadType: 101, receivePayloadType: 101 },
      { codec: new PcmuCodec(), receiveTelephoneEventPayloadType: -1 },
      { codec: new PcmuCodec(), receiveCodec: new PcmaCodec({ payloadType: 0 }) },
    ];
    for (const o of bad) await expect(RtpSession.open({ ...o, portPool: pool })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    expect(pool.allocated).toBe(before);
  });
});
