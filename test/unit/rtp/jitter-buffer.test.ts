import fc from 'fast-check';
import { FakeClock } from '../../../src/clock';
import { JitterBuffer, JitterBufferError, type JitterFrame } from '../../../src/rtp/jitter-buffer';
import { Pacer } from '../../../src/rtp/pacer';

const STEP = 160;

function payloadOf(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >> 8) & 0xff, 0xaa]);
}

interface Played {
  kind: JitterFrame['kind'];
  id: number | null;
  ts: number;
}

/**
 * Runs a jitter buffer on a FakeClock: a paced 20 ms tick pops one frame, packets are pushed at
 * their arrival times. Returns what was played per tick.
 */
function simulate(jb: JitterBuffer, arrivals: Array<{ at: number; n: number; seq?: number }>, durationMs: number, ts0 = 1000): Played[] {
  const clock = new FakeClock(0);
  const pacer = new Pacer({ clock });
  const played: Played[] = [];
  // Ticks at 10, 30, 50, … so that arrivals on whole 20 ms marks are unambiguous.
  pacer.add({
    ptimeMs: 20,
    startAt: 10,
    onTick: () => {
      const f = jb.pop();
      played.push({ kind: f.kind, id: f.kind === 'frame' ? f.payload[0] | (f.payload[1] << 8) : null, ts: f.timestamp });
    },
  });
  for (const a of arrivals) {
    clock.setTimeout(() => jb.push((ts0 + a.n * STEP) >>> 0, a.seq ?? a.n, payloadOf(a.n), clock.now()), a.at);
  }
  clock.advance(durationMs);
  pacer.close();
  return played;
}

describe('JitterBuffer', () => {
  test('option validation', () => {
    expect(() => new JitterBuffer({ timestampStep: 0 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, depth: -1 })).toThrow(expect.objectContaining({ code: 'JITTER_BAD_OPTION' }));
    expect(() => new JitterBuffer({ timestampStep: 160, depth: 51 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, maxPayloadBytes: 0 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, idleAfterFrames: 0 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, slotBytes: -1 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, slotBytes: 1.5 })).toThrow(JitterBufferError);
    expect(() => new JitterBuffer({ timestampStep: 160, maxPayloadBytes: 100, slotBytes: 101 })).toThrow(JitterBufferError);
  });

  test('in-order stream plays every frame, in order, after `depth` ticks of pre-roll', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 2 });
    const arrivals = Array.from({ length: 10 }, (_, n) => ({ at: n * 20, n }));
    const played = simulate(jb, arrivals, 20 * 14);
    expect(played.slice(0, 2).map((p) => p.kind)).toEqual(['idle', 'idle']);
    expect(played.slice(2, 12).map((p) => p.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(played.slice(2, 12).map((p) => p.ts)).toEqual(arrivals.map((a) => 1000 + a.n * STEP));
    const s = jb.stats();
    expect(s).toMatchObject({ played: 10, concealed: 2, late: 0, duplicates: 0, reordered: 0, talkspurts: 1 });
  });

  test('a payload given as a range of a larger buffer (a datagram) is stored as that range, also when it grows the slots', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 0, slotBytes: 4 });
    const datagram = Uint8Array.from({ length: 40 }, (_, i) => i);
    expect(jb.push(1000, 1, datagram, 0, false, 12, 15)).toBe('buffered');
    expect(Array.from(jb.pop().payload)).toEqual([12, 13, 14]);
    expect(jb.push(1000 + STEP, 2, datagram, 20, true, 12, 40)).toBe('buffered'); // 28 bytes > 4: the slots grow
    const f = jb.pop();
    expect(f).toMatchObject({ kind: 'frame', marker: true, sequenceNumber: 2 });
    expect(Array.from(f.payload)).toEqual(Array.from(datagram.subarray(12, 40)));
    expect(jb.push(1000 + 2 * STEP, 3, datagram, 40, false, 0, 40)).toBe('buffered'); // the whole buffer
    expect(Array.from(jb.pop().payload)).toEqual(Array.from(datagram));
  });

  test('reordering within the depth is undone', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 3 });
    // Frames 2 and 3 swapped, frame 6 arrives 40 ms late (still within 3 frames of depth).
    const order = [0, 1, 3, 2, 4, 5, 7, 8, 6, 9];
    const arrivals = order.map((n, i) => ({ at: i * 20, n }));
    const played = simulate(jb, arrivals, 20 * 13);
    expect(played.filter((p) => p.kind === 'frame').map((p) => p.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(jb.stats()).toMatchObject({ played: 10, late: 0, reordered: 2, concealed: 0 });
  });

  test('duplicates are dropped and counted', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 2 });
    const arrivals = [0, 1, 1, 2, 3, 3, 3, 4].map((n, i) => ({ at: i * 10, n }));
    const played = simulate(jb, arrivals, 20 * 8);
    expect(played.filter((p) => p.kind === 'frame').map((p) => p.id)).toEqual([0, 1, 2, 3, 4]);
    expect(jb.stats().duplicates).toBe(3);
  });

  test('a packet arriving after its frame was played is discarded as late; the gap was concealed', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 1 });
    // Frame 3 arrives 100 ms late: its slot was already concealed.
    const arrivals = [0, 1, 2, 4, 5, 6].map((n) => ({ at: n * 20, n }));
    arrivals.push({ at: 3 * 20 + 100, n: 3 });
    arrivals.push({ at: 7 * 20, n: 7 });
    const played = simulate(jb, arrivals, 20 * 10);
    const kinds = played.map((p) => (p.kind === 'frame' ? p.id : p.kind));
    expect(kinds.slice(0, 9)).toEqual(['idle', 0, 1, 2, 'concealed', 4, 5, 6, 7]);
    expect(jb.stats()).toMatchObject({ played: 7, late: 1 });
    expect(played[4].ts).toBe(1000 + 3 * STEP); // the concealed frame knows its timestamp
  });

  test('the first packet overtaken during pre-roll still plays, timing of later frames unchanged', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 3 });
    const arrivals = [
      { at: 0, n: 1 },
      { at: 5, n: 0 },
      { at: 20, n: 2 },
      { at: 40, n: 3 },
    ];
    const played = simulate(jb, arrivals, 20 * 6);
    expect(played.map((p) => (p.kind === 'frame' ? p.id : p.kind))).toEqual(['idle', 'idle', 0, 1, 2, 3]);
    expect(jb.stats().late).toBe(0);
  });

  test('silence suppression: the buffer goes idle, then a new talkspurt re-anchors with the full depth', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 2, idleAfterFrames: 5 });
    const arrivals = [0, 1, 2].map((n) => ({ at: n * 20, n }));
    // Sender stops for 1 s and resumes at frame 53 (its timestamps kept running).
    for (let n = 53; n < 56; n++) arrivals.push({ at: n * 20, n });
    const played = simulate(jb, arrivals, 20 * 60);
    const frames = played.filter((p) => p.kind === 'frame').map((p) => p.id);
    expect(frames).toEqual([0, 1, 2, 53, 54, 55]);
    const s = jb.stats();
    expect(s.talkspurts).toBe(2);
    expect(s.concealed).toBe(4 + 2); // 4 concealed before going idle at the 5th, then 2 after the last frame
    expect(s.resyncs).toBe(0);
    expect(s.late).toBe(0);
  });

  test('a timestamp jump beyond the window resyncs instead of counting everything late', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 2 });
    const arrivals = [0, 1, 2, 3].map((n) => ({ at: n * 20, n }));
    // The source restarts with timestamps 10 000 frames back.
    for (let k = 0; k < 4; k++) arrivals.push({ at: (4 + k) * 20, n: -10_000 + k });
    const played = simulate(jb, arrivals, 20 * 12);
    const frames = played.filter((p) => p.kind === 'frame').map((p) => p.id);
    expect(frames.slice(0, 2)).toEqual([0, 1]);
    expect(jb.stats().resyncs).toBe(1);
    expect(jb.stats().late).toBe(0);
    // After the resync the new stream plays in order.
    expect(frames.slice(-4)).toEqual([-10_000, -9_999, -9_998, -9_997].map((n) => n & 0xffff));
  });

  test('timestamp wraparound is seamless', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 1 });
    const ts0 = 0xffffffff - 3 * STEP + 1;
    const arrivals = Array.from({ length: 8 }, (_, n) => ({ at: n * 20, n }));
    const played = simulate(jb, arrivals, 20 * 10, ts0);
    expect(played.filter((p) => p.kind === 'frame').map((p) => p.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(jb.stats()).toMatchObject({ late: 0, resyncs: 0, concealed: 1 });
  });

  test('oversized payloads are refused; payloads are copied', () => {
    const jb = new JitterBuffer({ timestampStep: STEP, depth: 0, maxPayloadBytes: 4 });
    expect(jb.push(0, 0, new Uint8Array(5), 0)).toBe('too-large');
    const p = new Uint8Array([1, 2, 3]);
    expect(jb.push(0, 0, p, 0)).toBe('buffered');
    p[0] = 99;
    const f = jb.pop();
    expect(f.kind).toBe('frame');
    expect([...f.payload]).toEqual([1, 2, 3]);
    expect(jb.stats().tooLarge).toBe(1);
  });

  test('property: any arrival permutation within the depth plays every frame exactly once in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 30, maxLength: 30 }), fc.integer({ min: 0, max: 0xffffffff }), (delays, ts0) => {
        const depth = 3;
        const jb = new JitterBuffer({ timestampStep: STEP, depth });
        // Packet n is sent at n*20 and delayed by 0-2 frames (< depth): never late.
        const arrivals = delays.map((d, n) => ({ at: n * 20 + d * 20 + (n % 7), n }));
        arrivals.sort((a, b) => a.at - b.at);
        const played = simulate(jb, arrivals, 20 * 40, ts0);
        const frames = played.filter((p) => p.kind === 'frame').map((p) => p.id);
        const s = jb.stats();
        expect(s.late).toBe(0);
        expect(s.played).toBe(30);
        expect(frames).toEqual(Array.from({ length: 30 }, (_, n) => n));
        expect(s.duplicates).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  describe('slot sizing', () => {
    /** Distinct bytes per packet, so a payload moved to the wrong place or cut short shows. */
    const bytes = (n: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (n * 31 + i * 7) & 0xff);

    test('without a hint the slots take the size of the first packet', () => {
      const jb = new JitterBuffer({ timestampStep: STEP, depth: 0 });
      expect(jb.slotBytes).toBe(0);
      expect(jb.pop().payload).toHaveLength(0);
      expect(jb.push(0, 0, bytes(0, 160), 0)).toBe('buffered');
      expect(jb.slotBytes).toBe(160);
      expect([...jb.pop().payload]).toEqual([...bytes(0, 160)]);
    });

    test('a hint sized for 20 ms G.711 still delivers 60 ms G.711 and a large Opus packet intact, with what was buffered before', () => {
      const jb = new JitterBuffer({ timestampStep: STEP, depth: 6, slotBytes: 160, maxPayloadBytes: 3828 });
      expect(jb.slotBytes).toBe(160);
      // frames 0-2 of 20 ms, then a 480-byte payload (60 ms of G.711), then an 1100-byte Opus frame
      const sizes = [160, 160, 160, 480, 1100, 160];
      for (const [n, len] of sizes.entries()) expect(jb.push(n * STEP, n, bytes(n, len), n)).toBe('buffered');
      expect(jb.slotBytes).toBeGreaterThanOrEqual(1100);
      expect(jb.slotBytes).toBeLessThanOrEqual(3828);
      const got: number[][] = [];
      for (let i = 0; i < 6 + sizes.length; i++) {
        const f = jb.pop();
        if (f.kind === 'frame') got.push([...f.payload]);
      }
      expect(got).toEqual(sizes.map((len, n) => [...bytes(n, len)]));
      expect(jb.stats()).toMatchObject({ played: 6, tooLarge: 0 });
    });

    test('growth never passes maxPayloadBytes; only longer payloads are refused', () => {
      const jb = new JitterBuffer({ timestampStep: STEP, depth: 0, slotBytes: 160, maxPayloadBytes: 200 });
      expect(jb.push(0, 0, bytes(0, 160), 0)).toBe('buffered');
      expect(jb.push(STEP, 1, bytes(1, 200), 0)).toBe('buffered');
      expect(jb.slotBytes).toBe(200);
      expect(jb.push(2 * STEP, 2, bytes(2, 201), 0)).toBe('too-large');
      expect([...jb.pop().payload]).toEqual([...bytes(0, 160)]);
      expect([...jb.pop().payload]).toEqual([...bytes(1, 200)]);
      expect(jb.stats().tooLarge).toBe(1);
    });

    test('property: any payload sizes in any order within the depth come out byte for byte', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ len: fc.integer({ min: 0, max: 1500 }), delay: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 24 }),
          fc.integer({ min: 0, max: 200 }),
          (packets, hint) => {
            const jb = new JitterBuffer({ timestampStep: STEP, depth: 3, slotBytes: hint });
            const sent = packets.map((p, n) => bytes(n, p.len));
            const order = packets.map((p, n) => ({ ...p, n, at: n + p.delay + (n % 3) / 10 })).sort((a, b) => a.at - b.at);
            const out = new Map<number, Uint8Array>();
            let next = 0;
            // one pop per frame time; packets due before it are pushed first
            for (let tick = 0; tick < packets.length + 8; tick++) {
              while (next < order.length && order[next].at <= tick) {
                const p = order[next++];
                jb.push((1000 + p.n * STEP) >>> 0, p.n, sent[p.n], tick);
              }
              const f = jb.pop();
              if (f.kind === 'frame') out.set(f.sequenceNumber, f.payload.slice());
            }
            expect(jb.stats().late + jb.stats().tooLarge).toBe(0);
            expect([...out.keys()]).toEqual(packets.map((_, n) => n));
            for (const [n, payload] of out) expect(Buffer.compare(payload, sent[n])).toBe(0);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
