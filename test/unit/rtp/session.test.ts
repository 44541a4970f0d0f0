import * as dgram from 'node:dgram';
import fc from 'fast-check';
import { FakeClock } from '../../../src/clock';
import { PcmaCodec, PcmuCodec, decodeMulaw, encodeMulaw } from '../../../src/rtp/codecs/g711';
import { G722Codec } from '../../../src/rtp/codecs/g722';
import { DtmfError } from '../../../src/rtp/errors';
import { Pacer } from '../../../src/rtp/pacer';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../src/rtp/packet';
import { RtpPortPool } from '../../../src/rtp/port-pool';
import { parseRtcp, serializeRtcp } from '../../../src/rtp/rtcp';
import { RtpSession, RtpSessionError, type RtpAudioFrame, type RtpDtmfEvent, type RtpSessionOptions } from '../../../src/rtp/session';
import { keepFrame } from '../../helpers/pcm';

const pool = new RtpPortPool({ min: 43000 + (process.pid % 50) * 40, max: 43000 + (process.pid % 50) * 40 + 39 });

/** A FakeClock whose reading can jump ahead of its timers, as after an event-loop stall. */
class StallClock extends FakeClock {
  lag = 0;
  override now(): number {
    return super.now() + this.lag;
  }
}

interface Peer {
  socket: dgram.Socket;
  port: number;
  got: Array<{ data: Buffer; port: number }>;
  send(data: Uint8Array, port: number): Promise<void>;
  close(): Promise<void>;
}

async function peer(): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const got: Peer['got'] = [];
  socket.on('message', (data, rinfo) => got.push({ data, port: rinfo.port }));
  return {
    socket,
    port: socket.address().port,
    got,
    send: (data, port) => new Promise((r) => socket.send(data, port, '127.0.0.1', () => r())),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

async function waitFor(pred: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets pending socket I/O (sends are asynchronous) complete. */
async function settle(ms = 30): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function rtpOf(p: Peer): RtpPacket[] {
  return p.got.filter((g) => g.data[1] < 192 || g.data[1] > 223).map((g) => parseRtp(g.data));
}

async function fixture(extra: Partial<RtpSessionOptions> = {}, clock: FakeClock = new FakeClock(1000)) {
  const remote = await peer();
  const pacer = new Pacer({ clock });
  const session = await RtpSession.open({
    codec: new PcmuCodec(),
    portPool: pool,
    clock,
    pacer,
    rtcp: false,
    remote: { address: '127.0.0.1', port: remote.port },
    ...extra,
  });
  const cleanup = async () => {
    await session.close();
    await remote.close();
    pacer.close();
  };
  return { clock, pacer, session, remote, cleanup };
}

function packet(init: Partial<Parameters<typeof serializeRtp>[0]> & { payload?: Uint8Array }): Buffer {
  return serializeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 0x1234, payload: new Uint8Array(160).fill(0xff), ...init });
}

describe('RtpSession: options', () => {
  test('bad options are typed errors and bind nothing', async () => {
    const before = pool.allocated;
    await expect(RtpSession.open({} as RtpSessionOptions)).rejects.toBeInstanceOf(RtpSessionError);
    await expect(RtpSession.open({ codec: new PcmuCodec(), portPool: pool, remote: { address: 'example.com', port: 5 } })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    await expect(RtpSession.open({ codec: new PcmuCodec(), portPool: pool, remote: { address: '127.0.0.1', port: 70000 } })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    await expect(RtpSession.open({ codec: new PcmuCodec(), portPool: pool, telephoneEventPayloadType: 0 })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    await expect(RtpSession.open({ codec: new PcmuCodec(), portPool: pool, receiveCodec: new PcmaCodec() })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    await expect(RtpSession.open({ codec: new PcmuCodec(), portPool: pool, latch: 'nat' as never })).rejects.toMatchObject({ code: 'RTP_SESSION_BAD_OPTION' });
    expect(pool.allocated).toBe(before);
  });
});

describe('RtpSession: sending (FakeClock pacer)', () => {
  test('silence frames every ptime when nothing is queued; seq/timestamp/SSRC/marker right', async () => {
    const { clock, session, remote, cleanup } = await fixture();
    try {
      expect(session.localPort % 2).toBe(0);
      clock.advance(180); // frames 0..9
      await waitFor(() => remote.got.length >= 10);
      await settle();
      const pkts = rtpOf(remote);
      expect(pkts).toHaveLength(10);
      // Symmetric RTP: sent from the port we receive on.
      expect(remote.got.every((g) => g.port === session.localPort)).toBe(true);
      const s0 = pkts[0];
      pkts.forEach((p, i) => {
        expect(p.payloadType).toBe(0);
        expect(p.ssrc).toBe(session.ssrc);
        expect(p.sequenceNumber).toBe((s0.sequenceNumber + i) & 0xffff);
        expect(p.timestamp).toBe((s0.timestamp + i * 160) >>> 0);
        expect(p.marker).toBe(i === 0);
        expect(p.payload.length).toBe(160);
        expect([...decodeMulaw(p.payload)].every((x) => x === 0)).toBe(true);
      });
      const st = session.stats();
      expect(st.sent).toMatchObject({ packets: 10, bytes: 1600, silenceFrames: 10, audioFrames: 0, firstPacketTime: 1000 });
    } finally {
      await cleanup();
    }
  });

  test('random initial sequence, timestamp and SSRC differ between sessions', async () => {
    const a = await fixture();
    const b = await fixture();
    try {
      a.clock.advance(0);
      b.clock.advance(0);
      await waitFor(() => a.remote.got.length >= 1 && b.remote.got.length >= 1);
      const pa = rtpOf(a.remote)[0];
      const pb = rtpOf(b.remote)[0];
      expect(pa.ssrc).not.toBe(pb.ssrc);
      // Two 16-bit and 32-bit values equal by chance: 1 in 2^48.
      expect([pa.sequenceNumber, pa.timestamp]).not.toEqual([pb.sequenceNumber, pb.timestamp]);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  test('queued PCM goes out frame by frame with the marker at talkspurt start, then silence; drained once', async () => {
    const { clock, session, remote, cleanup } = await fixture();
    try {
      clock.advance(40); // frames 0..2: silence
      const pcm = new Int16Array(400).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
      let drained = 0;
      session.on('drained', () => drained++);
      const sent: boolean[] = [];
      session.on('sent', (f) => sent.push(f.silence));
      session.sendAudio(pcm);
      expect(session.queuedMs).toBe(50);
      clock.advance(100); // frames 3..7: 3 of audio (160+160+80 padded), 2 of silence
      await waitFor(() => remote.got.length >= 8);
      await settle();
      const pkts = rtpOf(remote);
      expect(pkts.map((p) => p.marker)).toEqual([true, false, false, true, false, false, false, false]);
      const audio = Buffer.concat(pkts.slice(3, 6).map((p) => Buffer.from(p.payload)));
      const expected = new Uint8Array(480);
      expected.set(encodeMulaw(pcm));
      expected.fill(0xff, 400);
      expect(Buffer.compare(audio, Buffer.from(expected))).toBe(0);
      expect(drained).toBe(1);
      expect(sent).toEqual([false, false, false, true, true]);
      expect(session.stats().sent).toMatchObject({ audioFrames: 3, silenceFrames: 5 });
      // clearAudio (barge-in) drops what is queued.
      session.sendAudio(new Int16Array(1600).fill(1000));
      clock.advance(20);
      session.clearAudio();
      expect(session.queuedMs).toBe(0);
      clock.advance(20);
      await waitFor(() => remote.got.length >= 10);
      expect(session.stats().sent).toMatchObject({ audioFrames: 4, silenceFrames: 6 });
      expect(() => session.sendAudio([1, 2] as unknown as Int16Array)).toThrow(RtpSessionError);
    } finally {
      await cleanup();
    }
  });

  test('sessions on one pacer: every packet of a pass goes out before any session reports its frame, and each reports its own PCM', async () => {
    const { clock, pacer, session: a, remote, cleanup } = await fixture();
    const b = await RtpSession.open({ codec: new PcmuCodec(), portPool: pool, clock, pacer, rtcp: false, remote: { address: '127.0.0.1', port: remote.port } });
    try {
      a.sendAudio(new Int16Array(320).fill(1000));
      b.sendAudio(new Int16Array(320).fill(-2000));
      const seen: string[] = [];
      for (const [name, s, other] of [['a', a, b], ['b', b, a]] as const) {
        s.on('sent', (f) => seen.push(`${name} ${f.silence ? 'silence' : f.pcm[0]} other sent ${other.stats().sent.packets}`));
      }
      clock.advance(20); // frames 0 and 1 of both
      expect(seen).toEqual(['a 1000 other sent 1', 'b -2000 other sent 1', 'a 1000 other sent 2', 'b -2000 other sent 2']);
    } finally {
      await b.close();
      await cleanup();
    }
  });

  test('G.722: 16 kHz PCM per frame, RTP timestamp step 160 (8 kHz clock)', async () => {
    const { clock, session, remote, cleanup } = await fixture({ codec: new G722Codec() });
    try {
      session.sendAudio(new Int16Array(640).fill(3000));
      clock.advance(60);
      await waitFor(() => remote.got.length >= 4);
      const pkts = rtpOf(remote);
      expect(pkts[0].payloadType).toBe(9);
      expect(pkts[0].payload.length).toBe(160);
      expect(pkts[1].timestamp - pkts[0].timestamp).toBe(160);
      expect(session.stats().sent.audioFrames).toBe(2);
    } finally {
      await cleanup();
    }
  });

  test('after an event-loop stall the timestamp follows the frame index (skipped frames keep timing)', async () => {
    const clock = new StallClock(1000);
    const { session, remote, cleanup } = await fixture({}, clock);
    try {
      clock.advance(40); // frames 0..2
      clock.lag = 200; // the loop stalls for 200 ms: 10 frames overdue
      clock.advance(20);
      await waitFor(() => remote.got.length >= 6);
      await settle();
      const pkts = rtpOf(remote);
      const skipped = session.stats().sent.skippedFrames;
      expect(skipped).toBeGreaterThan(0);
      // Sequence numbers stay consecutive; timestamps jump by exactly the skipped frames.
      for (let i = 1; i < pkts.length; i++) expect(pkts[i].sequenceNumber).toBe((pkts[i - 1].sequenceNumber + 1) & 0xffff);
      const last = pkts[pkts.length - 1];
      expect((last.timestamp - pkts[0].timestamp) >>> 0).toBe((pkts.length - 1 + skipped) * 160);
    } finally {
      await cleanup();
    }
  });

  test('a received packet sends the frames already due, before the pacer timer fires', async () => {
    const clock = new StallClock(1000);
    const { session, remote, cleanup } = await fixture({}, clock);
    try {
      clock.advance(0); // frame 0
      await waitFor(() => rtpOf(remote).length === 1);
      clock.lag = 25; // frame 1 (1020) is due, but the timer has not run: the loop is busy reading
      await remote.send(packet({ sequenceNumber: 7 }), session.localPort);
      await waitFor(() => rtpOf(remote).length === 2);
      await settle();
      expect(rtpOf(remote)).toHaveLength(2); // frame 2 (1040) is not due yet
      expect(session.stats().received.packets).toBe(1);
    } finally {
      await cleanup();
    }
  });

  test('a frame sent from the packet handler may end the session: the packet is then not processed', async () => {
    const clock = new StallClock(1000);
    const { session, remote, cleanup } = await fixture({}, clock);
    try {
      clock.advance(0); // frame 0
      await waitFor(() => rtpOf(remote).length === 1);
      let closing: Promise<void> | null = null;
      session.on('sent', () => (closing ??= session.close()));
      clock.lag = 25; // frame 1 is due: the packet's handler sends it, and its listener closes the session
      await remote.send(packet({ sequenceNumber: 7 }), session.localPort);
      await waitFor(() => closing !== null);
      await closing;
      expect(session.stats().received.packets).toBe(0);
    } finally {
      await cleanup();
    }
  });

  test('DTMF: RFC 4733 packets on the negotiated PT, audio paused meanwhile, promise resolves', async () => {
    const { clock, session, remote, cleanup } = await fixture({ telephoneEventPayloadType: 101 });
    try {
      clock.advance(20); // frames 0, 1
      session.sendAudio(new Int16Array(8000).fill(2000)); // 1 s of audio queued
      let done = false;
      const p = session.sendDtmf('5', { toneMs: 60, volume: 7 }).then(() => (done = true));
      clock.advance(20 * 7); // frames 2..8: 3 tone packets + 3 end packets, then audio
      await p;
      expect(done).toBe(true);
      clock.advance(20);
      await waitFor(() => remote.got.length >= 10);
      await settle();
      const pkts = rtpOf(remote);
      const ev = pkts.filter((x) => x.payloadType === 101);
      expect(ev).toHaveLength(6);
      const frame2Ts = (pkts[0].timestamp + 2 * 160) >>> 0;
      expect(ev.every((x) => x.timestamp === frame2Ts)).toBe(true);
      expect(ev.map((x) => x.marker)).toEqual([true, false, false, false, false, false]);
      expect(ev.map((x) => x.payload[0])).toEqual([5, 5, 5, 5, 5, 5]);
      expect(ev.map((x) => (x.payload[1] & 0x80) !== 0)).toEqual([false, false, false, true, true, true]);
      expect(ev.map((x) => x.payload[1] & 0x3f)).toEqual([7, 7, 7, 7, 7, 7]);
      expect(ev.map((x) => (x.payload[2] << 8) | x.payload[3])).toEqual([0, 160, 320, 480, 480, 480]);
      // Packets 2..7 are the events; audio before is silence, after is the queued audio.
      expect(pkts.slice(2, 8).every((x) => x.payloadType === 101)).toBe(true);
      expect(pkts[8].payloadType).toBe(0);
      expect(pkts[8].timestamp).toBe((pkts[0].timestamp + 8 * 160) >>> 0);
      expect(decodeMulaw(pkts[8].payload)[0]).not.toBe(0);
      for (let i = 1; i < pkts.length; i++) expect(pkts[i].sequenceNumber).toBe((pkts[i - 1].sequenceNumber + 1) & 0xffff);
      expect(session.stats().sent.dtmfPackets).toBe(6);
    } finally {
      await cleanup();
    }
  });

  test('every packet carries its own frame all around the send ring, DTMF packets in between', async () => {
    const { clock, session, remote, cleanup } = await fixture({ telephoneEventPayloadType: 101 });
    try {
      // 40 frames of distinct audio: the 16-slot ring wraps twice, each slot reused for another frame
      const pcm = new Int16Array(40 * 160).map((_, i) => Math.round(7000 * Math.sin(i / (3 + Math.floor(i / 160)))));
      session.sendAudio(pcm);
      clock.advance(20 * 9); // frames 0..9 (the first is due at once)
      const dtmf = session.sendDtmf('9', { toneMs: 40 });
      clock.advance(20 * 40);
      await dtmf;
      await waitFor(() => remote.got.length >= 50); // frames 0..49
      await settle();
      const pkts = rtpOf(remote);
      const audio = pkts.filter((p) => p.payloadType === 0);
      expect(pkts.filter((p) => p.payloadType === 101)).toHaveLength(5);
      expect(audio).toHaveLength(45); // 40 of audio, then silence
      for (let f = 0; f < 40; f++) {
        expect(Buffer.from(audio[f].payload).equals(Buffer.from(encodeMulaw(pcm.subarray(f * 160, (f + 1) * 160))))).toBe(true);
      }
      for (let i = 1; i < pkts.length; i++) expect(pkts[i].sequenceNumber).toBe((pkts[i - 1].sequenceNumber + 1) & 0xffff);
    } finally {
      await cleanup();
    }
  });

  test('DTMF without a telephone-event PT or with bad digits rejects; close rejects pending DTMF', async () => {
    const a = await fixture();
    const b = await fixture({ telephoneEventPayloadType: 101 });
    try {
      await expect(a.session.sendDtmf('1')).rejects.toMatchObject({ code: 'RTP_SESSION_NO_DTMF' });
      await expect(b.session.sendDtmf('1x')).rejects.toBeInstanceOf(DtmfError);
      const pending = b.session.sendDtmf('123');
      b.clock.advance(40);
      await b.session.close();
      await expect(pending).rejects.toMatchObject({ code: 'RTP_SESSION_CLOSED' });
      await expect(b.session.sendDtmf('1')).rejects.toMatchObject({ code: 'RTP_SESSION_CLOSED' });
      expect(() => b.session.sendAudio(new Int16Array(10))).toThrow(RtpSessionError);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  test('hold: recvonly/inactive send nothing, timestamps keep running, marker on resume', async () => {
    const { clock, session, remote, cleanup } = await fixture({ direction: 'recvonly' });
    try {
      expect(session.direction).toBe('recvonly');
      clock.advance(60); // frames 0..3 not sent
      await settle();
      expect(remote.got).toHaveLength(0);
      session.setDirection('sendrecv');
      clock.advance(20); // frame 4
      session.setDirection('inactive');
      clock.advance(40); // frames 5, 6 not sent
      session.setDirection('sendonly');
      clock.advance(20); // frame 7
      await waitFor(() => remote.got.length >= 2);
      await settle();
      const pkts = rtpOf(remote);
      expect(pkts).toHaveLength(2);
      expect((pkts[1].timestamp - pkts[0].timestamp) >>> 0).toBe(3 * 160);
      expect(pkts[1].sequenceNumber).toBe((pkts[0].sequenceNumber + 1) & 0xffff);
      expect(pkts.map((p) => p.marker)).toEqual([true, true]);
      expect(() => session.setDirection('hold' as never)).toThrow(RtpSessionError);
    } finally {
      await cleanup();
    }
  });

  test('no remote yet: ticks run, nothing is sent; setRemote starts the flow', async () => {
    const { clock, session, remote, cleanup } = await fixture({ remote: undefined });
    try {
      clock.advance(100);
      await settle();
      expect(remote.got).toHaveLength(0);
      expect(session.stats().remote).toBeNull();
      session.setRemote({ address: '127.0.0.1', port: remote.port });
      clock.advance(20);
      await waitFor(() => remote.got.length >= 1);
      expect(session.stats().remote).toEqual({ address: '127.0.0.1', port: remote.port });
      expect(() => session.setRemote({ address: 'nope', port: 1 })).toThrow(RtpSessionError);
    } finally {
      await cleanup();
    }
  });
});

describe('RtpSession: frame hooks and per-frame events', () => {
  test("the owner's hooks see every sent and played-out frame before the listeners; listeners that come and go (also once) still get their events", async () => {
    const { clock, session, remote, cleanup } = await fixture();
    try {
      const order: string[] = [];
      session.setFrameHooks({ sent: (f) => order.push(`hook sent ${f.time}`), audio: (f) => order.push(`hook audio ${f.time}`) });
      const sentListener = (f: { time: number }): void => void order.push(`listener sent ${f.time}`);
      session.on('sent', sentListener);
      session.once('audio', (f) => order.push(`once audio ${f.time}`));
      clock.advance(0); // frame 0: nothing received yet, so no playout
      await remote.send(packet({ sequenceNumber: 1, timestamp: 0 }), session.localPort); // playout starts with it
      await waitFor(() => session.stats().received.packets === 1);
      clock.advance(40); // frames 1 and 2
      session.off('sent', sentListener);
      clock.advance(20); // frame 3: hooks only
      session.setFrameHooks(null);
      session.on('audio', (f) => order.push(`late listener audio ${f.time}`));
      clock.advance(20); // frame 4: only the new listener
      expect(order).toEqual([
        'hook sent 1000',
        'listener sent 1000',
        'hook sent 1020',
        'listener sent 1020',
        'hook audio 1020',
        'once audio 1020',
        'hook sent 1040',
        'listener sent 1040',
        'hook audio 1040',
        'hook sent 1060',
        'hook audio 1060',
        'late listener audio 1080',
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe('RtpSession: receiving (FakeClock pacer)', () => {
  test('decodes one frame per tick after the jitter buffer depth; drops foreign source, PT, SSRC and garbage', async () => {
    const { clock, session, remote, cleanup } = await fixture({ jitterBufferDepth: 1 });
    const other = await peer();
    try {
      const frames: RtpAudioFrame[] = [];
      session.on('audio', (f) => frames.push(keepFrame(f)));
      clock.advance(0); // frame 0, before anything arrived: no audio yet
      const tone = new Int16Array(160).map((_, i) => Math.round(5000 * Math.sin(i / 3)));
      const send = async (seq: number, extra: Partial<Parameters<typeof serializeRtp>[0]> = {}) =>
        remote.send(packet({ sequenceNumber: seq, timestamp: seq * 160, payload: encodeMulaw(tone), ...extra }), session.localPort);
      await send(100);
      await send(101);
      // Dropped: another port, an unexpected payload type, an unexpected SSRC, garbage, truncated RTP.
      await other.send(packet({ sequenceNumber: 102, timestamp: 102 * 160 }), session.localPort);
      await send(102, { payloadType: 18 });
      await send(102, { ssrc: 999 });
      await remote.send(Buffer.from('hello, this is not RTP'), session.localPort);
      await remote.send(Buffer.from([0x80, 0x00, 0x01]), session.localPort);
      await waitFor(() => session.stats().dropped.total >= 5);
      const st = session.stats();
      expect(st.dropped).toMatchObject({ foreignSource: 1, unexpectedPayloadType: 1, unexpectedSsrc: 1, malformed: 2, total: 5 });
      expect(st.received).toMatchObject({ packets: 2, bytes: 320, lost: 0, expected: 2, firstPacketTime: 1000 });
      expect(st.remoteSsrc).toBe(0x1234);
      clock.advance(80); // ticks 1..4: idle (depth), frame 100, frame 101, concealed
      expect(frames.map((f) => f.kind)).toEqual(['idle', 'frame', 'frame', 'concealed']);
      expect(frames[1].pcm).toEqual(decodeMulaw(encodeMulaw(tone)));
      expect(frames[1].rtpTimestamp).toBe(100 * 160);
      expect(frames[1].arrivalTime).toBe(1000);
      expect(frames[1].time).toBe(1040);
      expect(frames[3].pcm.every((x) => x === 0)).toBe(true);
      expect(frames.every((f) => f.sampleRate === 8000 && f.channels === 1 && f.pcm.length === 160)).toBe(true);
      // A late packet (its frame already concealed) is counted as discarded-late.
      await send(102);
      await waitFor(() => session.stats().received.packets === 3);
      clock.advance(20);
      expect(session.stats().jitterBuffer).toMatchObject({ played: 2, late: 1 });
    } finally {
      await other.close();
      await cleanup();
    }
  });

  test('a new SSRC is followed only after it persists without the old one; totals carry over', async () => {
    const { session, remote, cleanup } = await fixture();
    try {
      for (let s = 0; s < 5; s++) await remote.send(packet({ sequenceNumber: s, timestamp: s * 160 }), session.localPort);
      for (let s = 0; s < 12; s++) await remote.send(packet({ ssrc: 0x5678, sequenceNumber: 5000 + s, timestamp: s * 160 }), session.localPort);
      await waitFor(() => session.stats().received.packets + session.stats().dropped.total >= 17);
      const st = session.stats();
      expect(st.dropped.unexpectedSsrc).toBe(9);
      expect(st.received.ssrcChanges).toBe(1);
      expect(st.remoteSsrc).toBe(0x5678);
      // the clock stands still: each packet is one 20 ms frame "late", D = 160 units (RFC 3550 A.8);
      // the old source's four differences set the maximum, the new one's two its jitter
      expect(st.received.maxJitterMs).toBeCloseTo((160 * (1 - (15 / 16) ** 4)) / 8, 9);
      expect(st.received.jitterMs).toBeCloseTo((160 * (1 - (15 / 16) ** 2)) / 8, 9);
      expect(st.received.packets).toBe(5 + 3);
      // Old source: 5 packets, none lost; new one starts at 5009, 3 packets, none lost.
      expect(st.received.expected).toBe(5 + 3);
      expect(st.received.lost).toBe(0);
    } finally {
      await cleanup();
    }
  });

  test('a signalled remote SSRC is never switched away from', async () => {
    const { session, remote, cleanup } = await fixture({ remoteSsrc: 42 });
    try {
      for (let s = 0; s < 12; s++) await remote.send(packet({ ssrc: 0x5678, sequenceNumber: s }), session.localPort);
      await remote.send(packet({ ssrc: 42, sequenceNumber: 7 }), session.localPort);
      await waitFor(() => session.stats().received.packets + session.stats().dropped.total >= 13);
      expect(session.stats().dropped.unexpectedSsrc).toBe(12);
      expect(session.stats().received.packets).toBe(1);
    } finally {
      await cleanup();
    }
  });

  test('latch to the first valid source when configured (SDP address unreachable / NAT)', async () => {
    const nat = await peer();
    const { clock, session, remote, cleanup } = await fixture({ latch: 'first-source' });
    const third = await peer();
    try {
      // Before latching, RTP goes to the SDP address.
      clock.advance(0);
      await waitFor(() => remote.got.length === 1);
      // Garbage from anywhere does not latch; the first valid packet does.
      await third.send(Buffer.from('junk'), session.localPort);
      await nat.send(packet({ sequenceNumber: 1 }), session.localPort);
      await waitFor(() => session.stats().latched);
      await third.send(packet({ sequenceNumber: 2 }), session.localPort);
      await waitFor(() => session.stats().dropped.foreignSource === 1);
      expect(session.stats().remote).toEqual({ address: '127.0.0.1', port: nat.port });
      clock.advance(20);
      await waitFor(() => nat.got.length === 1);
      expect(parseRtp(nat.got[0].data).ssrc).toBe(session.ssrc);
      expect(remote.got).toHaveLength(1);
      expect(session.stats().dropped.malformed).toBe(1);
    } finally {
      await nat.close();
      await third.close();
      await cleanup();
    }
  });

  test('received DTMF is reported once per digit with its duration', async () => {
    const { clock, session, remote, cleanup } = await fixture({ telephoneEventPayloadType: 101 });
    try {
      const digits: RtpDtmfEvent[] = [];
      const starts: string[] = [];
      session.on('dtmf', (d) => digits.push(d));
      session.on('dtmfStart', (d) => starts.push(d.digit ?? '?'));
      let seq = 10;
      const ev = (event: number, end: boolean, duration: number, ts: number, marker = false) =>
        remote.send(packet({ payloadType: 101, marker, sequenceNumber: seq++, timestamp: ts, payload: new Uint8Array([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]) }), session.localPort);
      await ev(11, false, 0, 8000, true);
      await ev(11, false, 160, 8000);
      await ev(11, true, 800, 8000);
      await ev(11, true, 800, 8000);
      await ev(11, true, 800, 8000);
      await waitFor(() => digits.length === 1);
      expect(starts).toEqual(['#']);
      expect(digits[0]).toMatchObject({ digit: '#', event: 11, durationMs: 100, endedBy: 'end-bit', volume: 10 });
      // A digit whose end packets are all lost ends by timeout, polled on the ticks.
      await ev(3, false, 0, 16000, true);
      await waitFor(() => starts.length === 2);
      clock.advance(1100);
      expect(digits.map((d) => d.digit)).toEqual(['#', '3']);
      expect(digits[1].endedBy).toBe('timeout');
      expect(session.stats().received.dtmfPackets).toBe(6);
    } finally {
      await cleanup();
    }
  });

  test('hostile datagrams never throw out of the socket handler; each is counted', async () => {
    const { session, remote, cleanup } = await fixture({ rtcpMux: true, telephoneEventPayloadType: 101 });
    try {
      const samples = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 64 }), { numRuns: 200, seed: 7 });
      for (const s of samples) await remote.send(s, session.localPort);
      // Truncated RTCP-looking datagrams on the mux port.
      await remote.send(Buffer.from([0x80, 200, 0, 6, 1, 2]), session.localPort);
      await waitFor(() => {
        const st = session.stats();
        return st.received.packets + st.dropped.total + st.rtcp.received >= samples.filter((x) => x.length > 0).length + 1;
      });
      await settle();
      const st = session.stats();
      expect(st.errors).toBe(0);
      expect(st.dropped.malformedRtcp).toBeGreaterThan(0);
    } finally {
      await cleanup();
    }
  });
});

describe('RtpSession: RTCP (FakeClock timers)', () => {
  test('sends SR (after sending RTP) to port + 1 every interval; parses the far end SR and RR', async () => {
    const rtcpPeer = await peer();
    const clock = new FakeClock(1000);
    const remote = await peer();
    const pacer = new Pacer({ clock });
    // The far end's RTCP port is not port + 1 here, as an a=rtcp attribute may say.
    const session = await RtpSession.open({
      codec: new PcmuCodec(),
      portPool: pool,
      clock,
      pacer,
      rtcpIntervalMs: 100,
      wallClock: () => 1_700_000_000_000,
      cname: 'probe@test',
      remote: { address: '127.0.0.1', port: remote.port, rtcpPort: rtcpPeer.port },
    });
    try {
      expect(session.localRtcpPort).toBe(session.localPort + 1);
      const events: unknown[] = [];
      session.on('rtcp', (e) => events.push(e));
      for (let s = 0; s < 3; s++) await remote.send(packet({ sequenceNumber: s, timestamp: s * 160 }), session.localPort);
      await waitFor(() => session.stats().received.packets === 3);
      clock.advance(160); // ≥ one interval (50-150 ms)
      await waitFor(() => rtcpPeer.got.length >= 1);
      const first = parseRtcp(rtcpPeer.got[0].data);
      expect(rtcpPeer.got[0].port).toBe(session.localRtcpPort);
      expect(first[0]).toMatchObject({ type: 'SR', ssrc: session.ssrc });
      const sr = first[0] as Extract<(typeof first)[0], { type: 'SR' }>;
      expect(sr.packetCount).toBeGreaterThan(0);
      expect(sr.reports).toHaveLength(1);
      expect(sr.reports[0]).toMatchObject({ ssrc: 0x1234, highestSequence: 2, cumulativeLost: 0 });
      expect(first[1]).toMatchObject({ type: 'SDES', chunks: [{ ssrc: session.ssrc, items: [{ type: 1, value: 'probe@test' }] }] });
      // The far end reports on us (RR with a block about our SSRC) from its RTCP port.
      const rr = serializeRtcp([
        { type: 'RR', ssrc: 0x1234, reports: [{ ssrc: session.ssrc, fractionLost: 64, cumulativeLost: 3, highestSequence: 77, jitter: 80, lastSenderReport: 0, delaySinceLastSenderReport: 0 }] },
        { type: 'SDES', chunks: [{ ssrc: 0x1234, items: [{ type: 1, value: 'far' }] }] },
      ]);
      await rtcpPeer.send(rr, session.localRtcpPort);
      // From the wrong port: dropped.
      await remote.send(rr, session.localRtcpPort);
      await waitFor(() => events.length === 1 && session.stats().dropped.foreignSource === 1);
      const st = session.stats();
      expect(st.rtcp).toMatchObject({ enabled: true, mux: false, receivedAny: true, received: 1 });
      expect(st.rtcp.remoteReport).toMatchObject({ reporterSsrc: 0x1234, fractionLost: 0.25, cumulativeLost: 3, jitterMs: 10 });
      clock.advance(300);
      await waitFor(() => rtcpPeer.got.length >= 3);
      expect(session.stats().rtcp.sent).toBeGreaterThanOrEqual(3);
    } finally {
      await session.close();
      // Closing sends a BYE.
      await waitFor(() => rtcpPeer.got.some((g) => parseRtcp(g.data).some((p) => p.type === 'BYE')));
      await rtcpPeer.close();
      await remote.close();
      pacer.close();
      expect(clock.pending).toBe(0);
    }
  });

  test('rtcp-mux: reports on the RTP port, demultiplexed by packet type', async () => {
    const { clock, session, remote, cleanup } = await fixture({ rtcpMux: true, rtcp: true, rtcpIntervalMs: 100 });
    try {
      expect(session.localRtcpPort).toBe(session.localPort);
      clock.advance(160);
      await waitFor(() => remote.got.some((g) => g.data[1] === 200));
      const sr = serializeRtcp([{ type: 'SR', ssrc: 0x1234, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [] }]);
      await remote.send(sr, session.localPort);
      await waitFor(() => session.stats().rtcp.received === 1);
      expect(session.stats().dropped.total).toBe(0);
      expect(session.stats().received.packets).toBe(0);
    } finally {
      await cleanup();
    }
  });
});

describe('RtpSession: close', () => {
  test("closing hands over the other sessions' frames already due first, and sends none of its own", async () => {
    const clock = new StallClock(1000);
    const a = await fixture({}, clock);
    const remoteB = await peer();
    const b = await RtpSession.open({ codec: new PcmuCodec(), portPool: pool, clock, pacer: a.pacer, rtcp: false, remote: { address: '127.0.0.1', port: remoteB.port } });
    try {
      clock.advance(0); // frame 0 of both
      await waitFor(() => rtpOf(a.remote).length === 1 && rtpOf(remoteB).length === 1);
      clock.lag = 25; // frame 1 (1020) of both is due, but the pacer's timer has not run
      await b.close();
      await waitFor(() => rtpOf(a.remote).length === 2);
      await settle();
      expect(rtpOf(a.remote)).toHaveLength(2);
      expect(rtpOf(remoteB)).toHaveLength(1);
    } finally {
      await b.close();
      await remoteB.close();
      await a.cleanup();
    }
  });

  test('releases ports, pacer registration and timers; idempotent; emits close', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock });
    const before = pool.allocated;
    const session = await RtpSession.open({ codec: new PcmuCodec(), portPool: pool, clock, pacer, rtcp: true });
    expect(pool.allocated).toBe(before + 1);
    expect(pacer.size).toBe(1);
    let closed = 0;
    session.on('close', () => closed++);
    const p1 = session.close();
    const p2 = session.close();
    expect(p1).toBe(p2);
    await p1;
    expect(session.closed).toBe(true);
    expect(closed).toBe(1);
    expect(pool.allocated).toBe(before);
    expect(pacer.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
