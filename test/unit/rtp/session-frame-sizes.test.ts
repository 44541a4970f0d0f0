/**
 * Packet sizes other than one 20 ms G.711 frame: the session's buffers start small (sized for the
 * negotiated codec's frame) and must still carry every valid packet intact, both ways.
 */
import * as dgram from 'node:dgram';
import { FakeClock } from '../../../src/clock';
import { PcmuCodec, decodeMulaw, encodeMulaw } from '../../../src/rtp/codecs/g711';
import { G722Codec } from '../../../src/rtp/codecs/g722';
import { OpusCodec, isOpusAvailable } from '../../../src/rtp/codecs/opus';
import type { Codec } from '../../../src/rtp/codecs/codec';
import { Pacer } from '../../../src/rtp/pacer';
import { parseRtp, serializeRtp } from '../../../src/rtp/packet';
import { RtpPortPool } from '../../../src/rtp/port-pool';
import { RtpSession, type RtpAudioFrame } from '../../../src/rtp/session';
import { concatPcm, keepFrame } from '../../helpers/pcm';

const base = 47000 + (process.pid % 50) * 20;
const pool = new RtpPortPool({ min: base, max: base + 19 });

interface Peer {
  port: number;
  got: Buffer[];
  send(data: Uint8Array, port: number): Promise<void>;
  close(): Promise<void>;
}

async function peer(): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const got: Buffer[] = [];
  socket.on('message', (data) => got.push(data));
  return {
    port: socket.address().port,
    got,
    send: (data, port) => new Promise((r) => socket.send(data, port, '127.0.0.1', () => r())),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

async function waitFor(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function open(codec: Codec, depth = 1) {
  const clock = new FakeClock(1000);
  const pacer = new Pacer({ clock });
  const remote = await peer();
  const session = await RtpSession.open({ codec, portPool: pool, clock, pacer, rtcp: false, jitterBufferDepth: depth, remote: { address: '127.0.0.1', port: remote.port } });
  const frames: RtpAudioFrame[] = [];
  session.on('audio', (f) => frames.push(keepFrame(f)));
  const cleanup = async (): Promise<void> => {
    await session.close();
    await remote.close();
    pacer.close();
  };
  return { clock, session, remote, frames, cleanup };
}

function rtp(payloadType: number, seq: number, timestamp: number, payload: Uint8Array): Buffer {
  return serializeRtp({ payloadType, sequenceNumber: seq, timestamp, ssrc: 0x4242, payload });
}

function sweep(n: number, rate: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * (300 + i / 4) * i) / rate)));
}

describe('RtpSession: packet sizes beyond one 20 ms G.711 frame', () => {
  test('60 ms G.711 packets on a 20 ms stream are cut into three frames and played in order, every sample intact', async () => {
    const { clock, session, remote, frames, cleanup } = await open(new PcmuCodec());
    try {
      clock.advance(0);
      const coded = encodeMulaw(sweep(960, 8000));
      await remote.send(rtp(0, 1, 0, coded.subarray(0, 480)), session.localPort);
      await remote.send(rtp(0, 2, 480, coded.subarray(480)), session.localPort);
      await waitFor(() => session.stats().received.packets === 2);
      clock.advance(20 * 8);
      // one tick of pre-roll (depth 1), the six frames, then the stream is over
      expect(frames.map((f) => f.kind)).toEqual(['idle', 'frame', 'frame', 'frame', 'frame', 'frame', 'frame', 'concealed']);
      const played = frames.filter((f) => f.kind === 'frame');
      expect(played.map((f) => f.rtpTimestamp)).toEqual([0, 160, 320, 480, 640, 800]);
      expect(concatPcm(...played.map((f) => f.pcm))).toEqual(decodeMulaw(coded));
      const st = session.stats();
      expect(st.received).toMatchObject({ packets: 2, bytes: 960, expected: 2, lost: 0 });
      expect(st.jitterBuffer).toMatchObject({ tooLarge: 0, played: 6 });
      expect(st.decodeErrors).toBe(0);
    } finally {
      await cleanup();
    }
  });

  test('a stream negotiated at 60 ms sends and receives 480-byte G.711 frames whole', async () => {
    const { clock, session, remote, frames, cleanup } = await open(new PcmuCodec({ ptimeMs: 60 }));
    try {
      const out = sweep(1440, 8000);
      session.sendAudio(out);
      clock.advance(0);
      const coded = encodeMulaw(sweep(960, 8000));
      await remote.send(rtp(0, 7, 4800, coded.subarray(0, 480)), session.localPort);
      await remote.send(rtp(0, 8, 5280, coded.subarray(480)), session.localPort);
      await waitFor(() => session.stats().received.packets === 2);
      clock.advance(60 * 3);
      await waitFor(() => remote.got.length >= 4);
      const sent = remote.got.map((d) => parseRtp(d));
      expect(sent.slice(0, 3).map((p) => p.payload.length)).toEqual([480, 480, 480]);
      expect(concatPcm(...sent.slice(0, 3).map((p) => decodeMulaw(p.payload)))).toEqual(decodeMulaw(encodeMulaw(out)));
      const played = frames.filter((f) => f.kind === 'frame');
      expect(played.map((f) => f.pcm.length)).toEqual([480, 480]);
      expect(concatPcm(...played.map((f) => f.pcm))).toEqual(decodeMulaw(coded));
    } finally {
      await cleanup();
    }
  });

  test('G.722: 40 ms packets on a 20 ms stream decode exactly as the same bytes through one decoder', async () => {
    const { clock, session, remote, frames, cleanup } = await open(new G722Codec());
    try {
      clock.advance(0);
      const coded = new G722Codec().encode(sweep(1280, 16000)); // 80 ms: two 40 ms packets of 320 bytes
      expect(coded.length).toBe(640);
      await remote.send(rtp(9, 1, 0, coded.subarray(0, 320)), session.localPort);
      await remote.send(rtp(9, 2, 320, coded.subarray(320)), session.localPort);
      await waitFor(() => session.stats().received.packets === 2);
      clock.advance(20 * 6);
      const played = frames.filter((f) => f.kind === 'frame');
      expect(played.map((f) => f.rtpTimestamp)).toEqual([0, 160, 320, 480]);
      expect(concatPcm(...played.map((f) => f.pcm))).toEqual(new G722Codec().decode(coded));
    } finally {
      await cleanup();
    }
  });

  (isOpusAvailable() ? test : test.skip)('Opus: packets far larger than any first guess go out and come in intact', async () => {
    const codec = new OpusCodec({ bitrate: 510000 });
    const { clock, session, remote, frames, cleanup } = await open(codec);
    try {
      // Noise at the highest bitrate: packets of several hundred bytes (a G.711 frame is 160).
      let seed = 1;
      const noise = Int16Array.from({ length: 960 * 4 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) - 32768);
      const reference = new OpusCodec({ bitrate: 510000 });
      const expected = [0, 1, 2, 3].map((i) => reference.encode(noise.subarray(i * 960, (i + 1) * 960)));
      expect(Math.min(...expected.map((p) => p.length))).toBeGreaterThan(400);
      expect(Math.max(...expected.map((p) => p.length))).toBeGreaterThan(600);
      session.sendAudio(noise);
      clock.advance(20 * 3); // 4 ticks: the 4 frames
      await waitFor(() => remote.got.length >= 4);
      const sent = remote.got.slice(0, 4).map((d) => parseRtp(d).payload);
      expect(sent.map((p) => Buffer.from(p).toString('hex'))).toEqual(expected.map((p) => Buffer.from(p).toString('hex')));

      // The same packets back: the jitter buffer sizes itself on the first and grows for longer ones.
      const big = [...expected].sort((a, b) => a.length - b.length);
      for (const [i, p] of big.entries()) await remote.send(rtp(111, 100 + i, 9600 + i * 960, p), session.localPort);
      await waitFor(() => session.stats().received.packets === 4);
      clock.advance(20 * 6);
      const played = frames.filter((f) => f.kind === 'frame');
      const decoder = new OpusCodec();
      expect(played).toHaveLength(4);
      played.forEach((f, i) => expect(f.pcm).toEqual(decoder.decode(big[i])));
      expect(session.stats().jitterBuffer.tooLarge).toBe(0);
      expect(session.stats().decodeErrors).toBe(0);
      decoder.close();
      reference.close();
    } finally {
      await cleanup();
      codec.close();
    }
  });
});
