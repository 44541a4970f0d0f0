import fc from 'fast-check';
import { rmsDbfs } from '../../../src/call-media/speech-tracker';

/** The definition, one sample at a time. */
function reference(pcm: Int16Array): number {
  if (pcm.length === 0) return -Infinity;
  let sum = 0;
  for (const x of pcm) sum += x * x;
  return 10 * Math.log10(sum / pcm.length / (32768 * 32768) + 1e-20);
}

describe('rmsDbfs', () => {
  test('equals the one-sum definition exactly, for every length (also those not a multiple of 4)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 970 }), (samples) => {
        const pcm = Int16Array.from(samples);
        expect(rmsDbfs(pcm)).toBe(reference(pcm));
      }),
      { numRuns: 300 },
    );
  });

  test('a full-scale constant is 0 dBFS; silence is far below any gate; empty is -Infinity', () => {
    expect(rmsDbfs(new Int16Array(161).fill(-32768))).toBeCloseTo(0, 9);
    expect(rmsDbfs(new Int16Array(160))).toBe(-200);
    expect(rmsDbfs(new Int16Array(0))).toBe(-Infinity);
  });
});
