/**
 * G.711 encode/decode throughput, samples per second: sipprobe's 64 K-entry encode table and
 * 256-entry decode table writing into preallocated buffers, against `alawmulaw` (which allocates
 * a new array per call). Before timing, every contender's output over all 65536 inputs / 256
 * codes is checked: decoding must be identical. alawmulaw's encoder is not the ITU-T G.191 one, so
 * its codes may differ from ours only where both are equally right: µ-law inputs where it rounds
 * like sox (listed in the conformance fixture sox_vs_itu_encode_differences.json), and negative
 * A-law inputs on a decision boundary: it takes the magnitude of x < 0 as −x where G.191 takes ~x
 * (= −x − 1), i.e. it codes x as G.191 codes x − 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alaw, mulaw } from 'alawmulaw';
import { compare } from './harness';
import { decodeAlaw, decodeAlawInto, decodeMulaw, decodeMulawInto, encodeAlaw, encodeAlawInto, encodeMulaw, encodeMulawInto } from '../src/rtp/codecs/g711';

const FRAME = 160;

function checkPeers(): void {
  const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const diffs = JSON.parse(readFileSync(join(__dirname, '../test/fixtures/rtp/g711/sox/sox_vs_itu_encode_differences.json'), 'utf8')) as Record<'ulaw' | 'alaw', { sample: number }[]>;
  for (const [name, ours, theirs, oursDec, theirsDec, key] of [
    ['µ-law', encodeMulaw, mulaw.encode, decodeMulaw, mulaw.decode, 'ulaw'],
    ['A-law', encodeAlaw, alaw.encode, decodeAlaw, alaw.decode, 'alaw'],
  ] as const) {
    const a = oursDec(codes);
    const b = theirsDec(codes);
    for (let i = 0; i < 256; i++) if (a[i] !== b[i]) throw new Error(`${name} decode differs from alawmulaw at code ${i}: ${a[i]} vs ${b[i]}`);
    const soxRounding = new Set(diffs[key].map((d) => d.sample));
    const x = ours(all);
    const y = theirs(all);
    let rounding = 0;
    let ties = 0; // negative boundary cases
    for (let i = 0; i < 65536; i++) {
      if (x[i] === y[i]) continue;
      if (soxRounding.has(all[i])) rounding++;
      else if (all[i] < 0 && i > 0 && y[i] === x[i - 1]) ties++;
      else throw new Error(`${name} encode of ${all[i]} differs from alawmulaw (${x[i]} vs ${y[i]}) outside the known cases`);
    }
    console.log(
      `${name}: decode identical to alawmulaw on all 256 codes; encode identical on ${65536 - rounding - ties} of 65536 inputs ` +
        `(differs on ${rounding} sox-style rounding cases, ${ties} negative boundary cases coded as x − 1)`,
    );
  }
}

function pcmBlock(): Int16Array {
  const pcm = new Int16Array(FRAME * 50);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12000 * Math.sin(i * 0.07) + 3000 * Math.sin(i * 1.3));
  return pcm;
}

export default async function (): Promise<void> {
  checkPeers();
  const pcm = pcmBlock();
  const frames = pcm.length / FRAME;
  const frameViews = Array.from({ length: frames }, (_, f) => pcm.subarray(f * FRAME, (f + 1) * FRAME));
  const uCodes = encodeMulaw(pcm);
  const aCodes = encodeAlaw(pcm);
  const uViews = Array.from({ length: frames }, (_, f) => uCodes.subarray(f * FRAME, (f + 1) * FRAME));
  const aViews = Array.from({ length: frames }, (_, f) => aCodes.subarray(f * FRAME, (f + 1) * FRAME));
  const outCodes = new Uint8Array(FRAME);
  const outPcm = new Int16Array(FRAME);

  // One operation = one sample; work proceeds in 20 ms frames of 160 samples, as on the wire.
  const byFrames = (fn: (f: number) => number) => (n: number): number => {
    let acc = 0;
    for (let i = 0, f = 0; i < n; i += FRAME, f = f + 1 === frames ? 0 : f + 1) acc += fn(f);
    return acc;
  };

  compare('G.711 µ-law encode (20 ms frames)', 'samples', [
    { name: 'sipprobe encodeMulawInto', run: byFrames((f) => encodeMulawInto(frameViews[f], outCodes) + outCodes[7]) },
    { name: 'alawmulaw mulaw.encode', run: byFrames((f) => mulaw.encode(frameViews[f])[7]) },
    { name: 'sipprobe encodeMulaw (allocating)', run: byFrames((f) => encodeMulaw(frameViews[f])[7]) },
  ]);
  compare('G.711 µ-law decode (20 ms frames)', 'samples', [
    { name: 'sipprobe decodeMulawInto', run: byFrames((f) => decodeMulawInto(uViews[f], outPcm) + outPcm[7]) },
    { name: 'alawmulaw mulaw.decode', run: byFrames((f) => mulaw.decode(uViews[f])[7]) },
    { name: 'sipprobe decodeMulaw (allocating)', run: byFrames((f) => decodeMulaw(uViews[f])[7]) },
  ]);
  compare('G.711 A-law encode (20 ms frames)', 'samples', [
    { name: 'sipprobe encodeAlawInto', run: byFrames((f) => encodeAlawInto(frameViews[f], outCodes) + outCodes[7]) },
    { name: 'alawmulaw alaw.encode', run: byFrames((f) => alaw.encode(frameViews[f])[7]) },
    { name: 'sipprobe encodeAlaw (allocating)', run: byFrames((f) => encodeAlaw(frameViews[f])[7]) },
  ]);
  compare('G.711 A-law decode (20 ms frames)', 'samples', [
    { name: 'sipprobe decodeAlawInto', run: byFrames((f) => decodeAlawInto(aViews[f], outPcm) + outPcm[7]) },
    { name: 'alawmulaw alaw.decode', run: byFrames((f) => alaw.decode(aViews[f])[7]) },
    { name: 'sipprobe decodeAlaw (allocating)', run: byFrames((f) => decodeAlaw(aViews[f])[7]) },
  ]);
}
