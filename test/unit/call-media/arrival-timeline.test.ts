/** ArrivalTimeline: received frames placed by RTP timestamp, anchored on the least-delayed packet. */
import fc from 'fast-check';
import { ArrivalTimeline } from '../../../src/call-media/arrival-timeline';

const frame = (ts: number, arrival: number, tick: number) => ({ kind: 'frame' as const, time: tick, rtpTimestamp: ts >>> 0, arrivalTime: arrival });

describe('ArrivalTimeline', () => {
  it('places every frame at the sender schedule + the minimum delay, whatever the playout ticks do', () => {
    const tl = new ArrivalTimeline();
    // sent every 20 ms from t = 1000; delays 3, 1 (least), 25 (a stall), 2 …; playout ticks slip by a whole frame midway
    const delays = [3, 1, 25, 2, 4, 1.5];
    const placed = delays.map((d, k) => tl.place(frame(5000 + 160 * k, 1000 + 20 * k + d, 1060 + 20 * k + (k >= 3 ? 20 : 0)), 8000));
    // before the least-delayed packet is seen the anchor is the best so far; after it, exact
    expect(placed[0]).toBeCloseTo(1003, 6);
    for (let k = 1; k < delays.length; k++) expect(placed[k]).toBeCloseTo(1001 + 20 * k, 6);
  });

  it('handles the 32-bit timestamp wrap and restarts on a jump (new source)', () => {
    const tl = new ArrivalTimeline();
    const start = 0xffffff00;
    expect(tl.place(frame(start, 500, 560), 8000)).toBeCloseTo(500, 6);
    expect(tl.place(frame(start + 160, 520, 580), 8000)).toBeCloseTo(520, 6); // wrapped past 2^32
    expect(tl.place(frame(start + 320, 540, 600), 8000)).toBeCloseTo(540, 6);
    // a new stream 10 minutes of timestamps away: re-anchored on its own first packet
    expect(tl.place(frame(start + 320 + 8000 * 600, 777, 800), 8000)).toBeCloseTo(777, 6);
  });

  it('concealed frames by their expected timestamp; idle frames continue from the last placed one', () => {
    const tl = new ArrivalTimeline();
    expect(tl.place({ kind: 'idle', time: 90, rtpTimestamp: 0 }, 8000)).toBe(90); // nothing placed yet: the tick
    tl.place(frame(0, 100, 150), 8000);
    expect(tl.place({ kind: 'concealed', time: 170, rtpTimestamp: 160 }, 8000)).toBeCloseTo(120, 6);
    expect(tl.place({ kind: 'idle', time: 230, rtpTimestamp: 0 }, 8000)).toBeCloseTo(180, 6);
  });

  it('wideband RTP clocks: G.722 runs an 8 kHz RTP clock, Opus 48 kHz', () => {
    const g722 = new ArrivalTimeline();
    g722.place(frame(0, 10, 50), 8000);
    expect(g722.place(frame(160, 30, 70), 8000)).toBeCloseTo(30, 6);
    const opus = new ArrivalTimeline();
    opus.place(frame(0, 10, 50), 48000);
    expect(opus.place(frame(960, 30, 70), 48000)).toBeCloseTo(30, 6);
  });

  it('each frame sits at its send schedule plus the least delay seen so far, for any delays', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { minLength: 1, maxLength: 200 }), (delays) => {
        const tl = new ArrivalTimeline();
        delays.forEach((d, k) => {
          expect(tl.place(frame(160 * k, 20 * k + d, 20 * k + 300), 8000)).toBeCloseTo(20 * k + d0(delays, k), 6);
        });
      }),
      { numRuns: 200 },
    );
  });
});

/** The delay of the best packet seen up to k (the anchor then). */
function d0(delays: number[], k: number): number {
  return Math.min(...delays.slice(0, k + 1));
}
