/** TurnEnergyGate: the end of a turn is the last sample of the decaying tail, not the last loud frame. */
import { TurnEnergyGate } from '../../../src/agent';

const RATE = 8000;

/** 140 Hz tone that decays exponentially after `decayFromMs` (an espeak-like syllable end). */
function utterance(totalMs: number, decayFromMs: number, tauMs: number): Int16Array {
  const n = (totalMs * RATE) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * 1000) / RATE;
    const env = t < decayFromMs ? 1 : Math.exp(-(t - decayFromMs) / tauMs);
    const v = 8000 * env * Math.sin(2 * Math.PI * 140 * (i / RATE));
    out[i] = Math.abs(v) < 0.5 ? 0 : Math.round(v);
  }
  return out;
}

function run(pcm: Int16Array, gate: TurnEnergyGate): Array<{ kind: string; t: number }> {
  const events: Array<{ kind: string; t: number }> = [];
  const padded = new Int16Array(pcm.length + RATE);
  padded.set(pcm, 800); // 100 ms of silence first
  for (let i = 0; i + 160 <= padded.length; i += 160) {
    const e = gate.push(padded.subarray(i, i + 160), ((i + 160) * 1000) / RATE, 20);
    if (e) events.push(e);
  }
  return events;
}

/** Last sample above `amp` in ms (in the padded timeline). */
function lastAbove(pcm: Int16Array, amp: number): number {
  for (let i = pcm.length - 1; i >= 0; i--) if (Math.abs(pcm[i]) > amp) return 100 + ((i + 1) * 1000) / RATE;
  return -1;
}

describe('TurnEnergyGate tail', () => {
  it('ends the turn at the last sample above −60 dBFS, where the −40 dBFS frame gate ends it tens of ms early', () => {
    const pcm = utterance(1200, 800, 40);
    const tail = run(pcm, new TurnEnergyGate({ hangoverMs: 200 }));
    const frameOnly = run(pcm, new TurnEnergyGate({ hangoverMs: 200, tailDbfs: -40 }));
    const trueEnd = lastAbove(pcm, 32768 * 10 ** (-60 / 20));
    const endTail = tail.find((e) => e.kind === 'speech-end')!.t;
    const endFrame = frameOnly.find((e) => e.kind === 'speech-end')!.t;
    expect(Math.abs(endTail - trueEnd)).toBeLessThanOrEqual(0.2);
    expect(trueEnd - endFrame).toBeGreaterThan(20);
  });

  it('the tail stops at the first frame without any tail sample (noise later does not extend it)', () => {
    const pcm = utterance(600, 500, 10);
    const withClick = new Int16Array(pcm.length + 800);
    withClick.set(pcm);
    withClick[pcm.length + 400] = 2000; // a click 50 ms after the tail died, inside the hangover
    const events = run(withClick, new TurnEnergyGate({ hangoverMs: 300 }));
    const end = events.find((e) => e.kind === 'speech-end')!.t;
    expect(end).toBeLessThan(100 + (pcm.length * 1000) / RATE);
  });
});
