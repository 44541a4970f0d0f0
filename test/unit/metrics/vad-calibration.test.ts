/**
 * VAD calibration on G.711-coded espeak-ng speech with white noise at 20/10/0 dB SNR and
 * comfort-noise gaps (see calibration-signal.ts for the construction and the ground truth).
 * Prints a table of onset/offset bias, median and p95 absolute error per SNR, for the
 * energy+periodicity VAD and for the energy-only mode as the documented comparison.
 */
import { detectSpeech, type VadOptions } from '../../../src/metrics';
import { buildSignal, compareSegments, loadUtterances, summarise, type ErrorStats } from './calibration-signal';

const SEEDS = [1, 2, 3, 4];
const SNRS = [20, 10, 0];

function run(snr: number, options: VadOptions): ErrorStats {
  const utts = loadUtterances();
  const on: number[] = [];
  const off: number[] = [];
  let falseOnsets = 0;
  let n = 0;
  for (const seed of SEEDS) {
    const s = buildSignal(utts, snr, seed);
    const c = compareSegments(s.truth, detectSpeech(s.coded, 8000, options));
    on.push(...c.onsetErr);
    off.push(...c.offsetErr);
    falseOnsets += c.falseOnsets;
    n += s.truth.length;
  }
  return summarise(n, on, off, falseOnsets);
}

describe('VAD calibration (G.711 µ-law, white noise, comfort-noise gaps)', () => {
  const results = new Map<string, ErrorStats>();
  beforeAll(() => {
    for (const snr of SNRS) {
      results.set(`ep${snr}`, run(snr, {}));
      results.set(`e${snr}`, run(snr, { usePeriodicity: false }));
    }
    const f = (v: number) => (Number.isNaN(v) ? '   —' : v.toFixed(0).padStart(4));
    const lines = ['VAD calibration: errors in ms (detected − truth), 4 seeds × 6 utterances per SNR', 'vad               SNR  onsets matched false | on.bias on.med on.p95 | off.bias off.med off.p95'];
    for (const [name, key] of [['energy+periodicity', 'ep'], ['energy only       ', 'e']] as const) {
      for (const snr of SNRS) {
        const r = results.get(`${key}${snr}`)!;
        lines.push(`${name} ${String(snr).padStart(3)}  ${String(r.onsets).padStart(6)} ${String(r.matchedOnsets).padStart(7)} ${String(r.falseOnsets).padStart(5)} |    ${f(r.onsetBiasMs)}   ${f(r.onsetMedianAbsMs)}   ${f(r.onsetP95AbsMs)} |     ${f(r.offsetBiasMs)}    ${f(r.offsetMedianAbsMs)}    ${f(r.offsetP95AbsMs)}`);
      }
    }
    console.log(lines.join('\n'));
  });

  it('at 10 dB SNR: median onset error ≤ 30 ms and ≥ 80 % of onsets found', () => {
    const r = results.get('ep10')!;
    expect(r.onsetMedianAbsMs).toBeLessThanOrEqual(30);
    expect(r.matchedOnsets / r.onsets).toBeGreaterThanOrEqual(0.8);
  });

  it('at 20 dB SNR: median onset error ≤ 40 ms (the VAD hears lead-ins below the P.56 threshold), offset ≤ 30 ms, no false onsets', () => {
    const r = results.get('ep20')!;
    expect(r.onsetMedianAbsMs).toBeLessThanOrEqual(40);
    expect(r.offsetMedianAbsMs).toBeLessThanOrEqual(30);
    expect(r.matchedOnsets / r.onsets).toBeGreaterThanOrEqual(0.8);
    expect(r.falseOnsets).toBeLessThanOrEqual(1);
  });

  it('at 0 dB SNR energy-only does worse: fewer onsets found, larger median onset error', () => {
    const ep = results.get('ep0')!;
    const e = results.get('e0')!;
    expect(ep.matchedOnsets).toBeGreaterThan(e.matchedOnsets);
    expect(ep.onsetMedianAbsMs).toBeLessThan(e.onsetMedianAbsMs);
  });
});
