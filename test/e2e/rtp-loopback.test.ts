/**
 * Two RtpSessions on 127.0.0.1 with the real clock and the shared pacer: audio through every
 * codec, silence, symmetric RTP and latching, DTMF, RTCP, and a seeded lossy relay between them
 * whose own counters give the receive statistics exactly.
 */
import * as dgram from 'node:dgram';
import type { Codec } from '../../src/rtp/codecs/codec';
import { PcmaCodec, PcmuCodec } from '../../src/rtp/codecs/g711';
import { G722Codec } from '../../src/rtp/codecs/g722';
import { OpusCodec, isOpusAvailable } from '../../src/rtp/codecs/opus';
import { sharedPacer } from '../../src/rtp/pacer';
import { serializeRtp } from '../../src/rtp/packet';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { isRtcpDatagram } from '../../src/rtp/rtcp';
import { RtpSession, type RtpSessionOptions } from '../../src/rtp/session';
import { UdpRelay, seededRandom } from '../helpers/udp-relay';

jest.setTimeout(10_000);

const pool = new RtpPortPool({ min: 45000 + (process.pid % 50) * 40, max: 45000 + (process.pid % 50) * 40 + 39 });

async function waitFor(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two sessions sending to each other (B optionally through other addresses). */
async function pair(makeCodec: () => Codec, a: Partial<RtpSessionOptions> = {}, b: Partial<RtpSessionOptions> = {}) {
  const A = await RtpSession.open({ codec: makeCodec(), portPool: pool, rtcp: false, ...a });
  const B = await RtpSession.open({ codec: makeCodec(), portPool: pool, rtcp: false, ...b });
  if (!a.remote) A.setRemote({ address: '127.0.0.1', port: B.localPort });
  if (!b.remote) B.setRemote({ address: '127.0.0.1', port: A.localPort });
  return { A, B, close: () => Promise.all([A.close(), B.close()]) };
}

function tone(freq: number, rate: number, seconds: number, amp = 10000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Best normalised cross-correlation of `ref` against `sig` over lags [lo, hi]. */
function bestCorrelation(sig: Int16Array, ref: Int16Array, lo: number, hi: number): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  let refEnergy = 0;
  for (let i = 0; i < ref.length; i++) refEnergy += ref[i] * ref[i];
  for (let lag = Math.max(0, lo); lag <= hi && lag + ref.length <= sig.length; lag++) {
    let dot = 0;
    let e = 0;
    for (let i = 0; i < ref.length; i++) {
      const s = sig[lag + i];
      dot += s * ref[i];
      e += s * s;
    }
    const r = e > 0 ? dot / Math.sqrt(e * refEnergy) : 0;
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/** Frequency from zero crossings. */
function zeroCrossingHz(x: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if ((x[i - 1] < 0 && x[i] >= 0) || (x[i - 1] >= 0 && x[i] < 0)) crossings++;
  return (crossings / 2) * (rate / x.length);
}

const codecs: Array<[string, () => Codec, number]> = [
  ['PCMU', () => new PcmuCodec(), 1000],
  ['PCMA', () => new PcmaCodec(), 1000],
  ['G722', () => new G722Codec(), 1500],
  ['opus', () => new OpusCodec(), 1000],
];

afterAll(() => {
  expect(sharedPacer().size).toBe(0);
  expect(pool.allocated).toBe(0);
});

describe('RtpSession loopback: audio', () => {
  test.each(codecs)('%s: a tone sent by one comes out of the other (correlation, frequency)', async (name, makeCodec, freq) => {
    if (name === 'opus' && !isOpusAvailable()) {
      console.warn('opusscript not installed: Opus loopback skipped');
      return;
    }
    // A deep jitter buffer, so that event-loop stalls on a loaded machine do not make packets late.
    const { A, B, close } = await pair(makeCodec, {}, { jitterBufferDepth: 10 });
    try {
      const rate = A.codec.sampleRate;
      const sent = tone(freq, rate, 0.7);
      const chunks: Int16Array[] = [];
      const kinds = { frame: 0, concealed: 0, idle: 0 };
      B.on('audio', (f) => {
        kinds[f.kind]++;
        // Concealed frames are left out: on a loaded machine the sender's pacer may skip frames
        // after a stall (their timestamps jump, the audio itself stays contiguous), and the
        // receiver rightly plays silence for the gap.
        if (f.kind === 'frame') chunks.push(f.pcm);
      });
      A.sendAudio(sent);
      await new Promise<void>((r) => A.once('drained', () => r()));
      // Wait until everything sent so far has come out of B's jitter buffer (no fixed sleeps:
      // the machine may be loaded).
      const sentAtDrain = A.stats().sent.packets;
      await waitFor(() => B.stats().jitterBuffer.played >= sentAtDrain);
      const got = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        got.set(c, o);
        o += c.length;
      }
      // Align the middle 400 ms of what was sent with what came out.
      const ref = sent.subarray(Math.round(rate * 0.15), Math.round(rate * 0.55));
      const onset = got.findIndex((x) => Math.abs(x) > 2000);
      expect(onset).toBeGreaterThanOrEqual(0);
      const expectedLag = onset + Math.round(rate * 0.15);
      const period = Math.ceil(rate / freq);
      const { r, lag } = bestCorrelation(got, ref, expectedLag - 4 * period, expectedLag + 4 * period);
      expect(r).toBeGreaterThan(0.95);
      expect(B.stats().jitterBuffer.late).toBe(0);
      expect(kinds.concealed).toBeLessThanOrEqual(A.stats().sent.skippedFrames);
      const hz = zeroCrossingHz(got.subarray(lag, lag + ref.length), rate);
      expect(Math.abs(hz - freq) / freq).toBeLessThan(0.02);
      // Level preserved within 2 dB.
      const rms = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
      const gain = 20 * Math.log10(rms(got.subarray(lag, lag + ref.length)) / rms(ref));
      expect(Math.abs(gain)).toBeLessThan(2);
      const st = B.stats();
      expect(st.received.lost).toBe(0);
      expect(st.received.packets).toBeGreaterThanOrEqual(35);
      expect(st.dropped.total).toBe(0);
      expect(st.decodeErrors).toBe(0);
      expect(kinds.frame).toBeGreaterThanOrEqual(sentAtDrain);
      expect(A.stats().sent.audioFrames).toBe(Math.ceil(sent.length / A.codec.samplesPerFrame));
    } finally {
      await close();
    }
  });

  test('silence is sent when nothing is queued: ≈ one packet per ptime', async () => {
    const { A, B, close } = await pair(() => new PcmuCodec());
    try {
      const t0 = Date.now();
      await sleep(500);
      const elapsed = Date.now() - t0;
      const st = A.stats();
      const expected = elapsed / 20;
      expect(st.sent.packets).toBeGreaterThanOrEqual(Math.floor(expected * 0.85));
      expect(st.sent.packets).toBeLessThanOrEqual(Math.ceil(expected * 1.15) + 1);
      expect(st.sent.silenceFrames).toBe(st.sent.packets);
      await waitFor(() => B.stats().received.packets >= st.sent.packets);
      expect(B.stats().received.lost).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('RtpSession loopback: symmetric RTP and latching', () => {
  test('B latches to A behind a "NAT" (SDP names a dead port); A accepts only B; strays dropped and counted', async () => {
    const stray = dgram.createSocket('udp4');
    await new Promise<void>((r) => stray.bind(0, '127.0.0.1', () => r()));
    // B's SDP view of A is a port nobody listens on, as with a private address behind NAT.
    const { A, B, close } = await pair(() => new PcmuCodec(), {}, { latch: 'first-source', remote: { address: '127.0.0.1', port: 9 } });
    try {
      await waitFor(() => B.stats().latched && A.stats().received.packets >= 3);
      // B now sends to where A's packets come from: A's own receive port (symmetric RTP).
      expect(B.stats().remote).toEqual({ address: '127.0.0.1', port: A.localPort });
      expect(A.stats().dropped.foreignSource).toBe(0);
      const pkt = serializeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 7, payload: new Uint8Array(160) });
      await new Promise<void>((r) => stray.send(pkt, A.localPort, '127.0.0.1', () => r()));
      await new Promise<void>((r) => stray.send(pkt, B.localPort, '127.0.0.1', () => r()));
      await waitFor(() => A.stats().dropped.foreignSource === 1 && B.stats().dropped.foreignSource === 1);
      expect(A.stats().remoteSsrc).toBe(B.ssrc);
      expect(B.stats().remoteSsrc).toBe(A.ssrc);
    } finally {
      await close();
      await new Promise<void>((r) => stray.close(() => r()));
    }
  });
});

describe('RtpSession loopback: DTMF and RTCP', () => {
  test('DTMF digits sent by one are reported by the other, in order, with their durations', async () => {
    const { A, B, close } = await pair(() => new PcmuCodec(), { telephoneEventPayloadType: 101 }, { telephoneEventPayloadType: 101 });
    try {
      const got: Array<{ digit: string | null; durationMs: number }> = [];
      B.on('dtmf', (d) => got.push({ digit: d.digit, durationMs: d.durationMs }));
      await A.sendDtmf('1#9D', { toneMs: 60, gapMs: 40 });
      await waitFor(() => got.length === 4);
      expect(got).toEqual(['1', '#', '9', 'D'].map((digit) => ({ digit, durationMs: 60 })));
      expect(A.stats().sent.dtmfPackets).toBe(4 * 6);
      // The redundant end packets of the last digit may still be in flight when it is reported.
      await waitFor(() => B.stats().received.dtmfPackets === 4 * 6);
    } finally {
      await close();
    }
  });

  test.each([false, true])('RTCP SR/RR exchange (rtcp-mux %s)', async (mux) => {
    const opts = { rtcp: true, rtcpIntervalMs: 200, rtcpMux: mux };
    const { A, B, close } = await pair(() => new PcmuCodec(), opts, opts);
    try {
      // Until B has echoed one of A's SRs (LSR/DLSR), A's view of the report has no RTT yet.
      await waitFor(() => A.stats().rtcp.remoteReport?.rttMs !== undefined && B.stats().rtcp.remoteReport !== null, 1800);
      const a = A.stats();
      expect(a.rtcp.receivedAny).toBe(true);
      expect(a.rtcp.mux).toBe(mux);
      expect(a.rtcp.remoteReport).toMatchObject({ reporterSsrc: B.ssrc, cumulativeLost: 0 });
      // After one of our SRs was echoed in their report, the round-trip time is known and tiny.
      expect(a.rtcp.remoteReport!.rttMs).toBeDefined();
      expect(a.rtcp.remoteReport!.rttMs!).toBeLessThan(50);
      expect(a.dropped.total).toBe(0);
      expect(B.stats().dropped.total).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('RtpSession through a seeded lossy relay', () => {
  const SEED = 20240607;
  const SKIP = 3;
  const IMPAIR = 35;
  const imp = { drop: 0.1, duplicate: 0.1, reorder: 0.15 };

  /** Replays the relay's decisions for this seed, independently of the relay code. */
  function replay(): { dropped: number; duplicated: number; reordered: number } {
    const rng = seededRandom(SEED);
    let dropped = 0;
    let duplicated = 0;
    let reordered = 0;
    let held = false;
    for (let i = 0; i < IMPAIR; i++) {
      const r = rng();
      if (r < imp.drop) {
        dropped++;
        continue;
      }
      if (r < imp.drop + imp.duplicate) duplicated++;
      else if (r < imp.drop + imp.duplicate + imp.reorder && !held) {
        held = true;
        continue;
      }
      if (held) reordered++;
      held = false;
    }
    // The clean tail releases a packet still held.
    if (held) reordered++;
    return { dropped, duplicated, reordered };
  }

  test('drop / duplicate / reorder with a fixed seed → receive stats exactly as the relay counted', async () => {
    const B = await RtpSession.open({ codec: new PcmuCodec(), portPool: pool, rtcp: false, jitterBufferDepth: 3 });
    const relay = await UdpRelay.create({
      target: { address: '127.0.0.1', port: B.localPort },
      seed: SEED,
      forward: imp,
      skipFirst: SKIP,
      impairCount: IMPAIR,
      filter: (d) => !isRtcpDatagram(d),
    });
    B.setRemote({ address: '127.0.0.1', port: relay.backPort });
    const A = await RtpSession.open({ codec: new PcmuCodec(), portPool: pool, rtcp: false, remote: { address: '127.0.0.1', port: relay.frontPort } });
    try {
      A.sendAudio(tone(440, 8000, 2));
      // Enough packets for the impaired window plus a clean tail.
      await waitFor(() => relay.forward.counters.received >= SKIP + IMPAIR + 5);
      await A.close();
      await sleep(120);
      const c = relay.forward.counters;
      const want = replay();
      // The relay did what the seed says.
      expect({ dropped: c.dropped, duplicated: c.duplicated, reordered: c.reordered }).toEqual(want);
      expect(c.impaired).toBe(IMPAIR);
      expect(c.flushed).toBe(0);
      expect(want.dropped).toBeGreaterThan(0);
      expect(want.duplicated).toBeGreaterThan(0);
      expect(want.reordered).toBeGreaterThan(0);
      // And the receiver saw exactly that.
      const st = B.stats();
      expect(st.received.packets).toBe(c.forwarded);
      expect(st.received.lost).toBe(c.dropped);
      expect(st.received.duplicates).toBe(c.duplicated);
      expect(st.received.reordered).toBe(c.reordered);
      expect(st.received.expected).toBe(c.received);
      expect(st.received.lossPercent).toBeCloseTo((100 * c.dropped) / c.received, 10);
      expect(st.dropped.total).toBe(0);
      // Every forwarded packet was played, dropped as a duplicate, discarded late, or waits.
      const jb = st.jitterBuffer;
      expect(jb.played + jb.duplicates + jb.late + jb.buffered).toBe(c.forwarded);
      expect(jb.concealed).toBeGreaterThanOrEqual(c.dropped);
      // Unless an event-loop stall made packets late (a loaded machine), the jitter buffer put
      // every reordered packet back and dropped exactly the duplicates.
      if (jb.late === 0) {
        expect(jb.duplicates).toBe(c.duplicated);
        expect(jb.reordered).toBe(c.reordered);
      }
    } finally {
      await A.close();
      await B.close();
      await relay.close();
    }
  });
});
