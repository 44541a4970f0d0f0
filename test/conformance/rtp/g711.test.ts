import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeAlaw,
  decodeMulaw,
  encodeAlaw,
  encodeMulaw,
} from '../../../src/rtp/codecs/g711';

const G191 = join(__dirname, '../../fixtures/rtp/g711/itu-t-g191');
const SOX = join(__dirname, '../../fixtures/rtp/g711/sox');

function int16le(path: string): Int16Array {
  const b = readFileSync(path);
  const out = new Int16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(i * 2);
  return out;
}
/** Codes stored in the low byte of each 16-bit LE word (G.191 format). */
function lowBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  const out = new Uint8Array(b.length / 2);
  let highBytes = 0;
  for (let i = 0; i < out.length; i++) {
    highBytes |= b[i * 2 + 1];
    out[i] = b[i * 2];
  }
  if (highBytes !== 0) throw new Error(`${path}: code words with a non-zero high byte`);
  return out;
}
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const sweep = int16le(join(G191, 'sweep.src'));

describe('ITU-T G.191 G.711 vectors', () => {
  it('sweep.src is every int16 value in order', () => {
    expect(sweep.length).toBe(65536);
    for (let i = 0; i < 65536; i++) if (sweep[i] !== i - 32768) throw new Error(`sweep[${i}]`);
  });

  it('µ-law encode of all 65536 inputs is bit-exact with sweep-r.u', () => {
    const ref = lowBytes(join(G191, 'sweep-r.u'));
    expect(firstMismatch(encodeMulaw(sweep), ref)).toBe(-1);
    expect(firstMismatch(encodeMulaw(sweep), readFileSync(join(G191, 'derived/ulaw_from_sweep.u8')))).toBe(-1);
  });

  it('A-law encode of all 65536 inputs is bit-exact with sweep-r.a', () => {
    const ref = lowBytes(join(G191, 'sweep-r.a'));
    expect(firstMismatch(encodeAlaw(sweep), ref)).toBe(-1);
    expect(firstMismatch(encodeAlaw(sweep), readFileSync(join(G191, 'derived/alaw_from_sweep.u8')))).toBe(-1);
  });

  it('µ-law decode of the reference codes is bit-exact with sweep-r.u-u and sweep-r.reu', () => {
    const codes = lowBytes(join(G191, 'sweep-r.u'));
    expect(firstMismatch(decodeMulaw(codes), int16le(join(G191, 'sweep-r.u-u')))).toBe(-1);
    expect(firstMismatch(decodeMulaw(codes), int16le(join(G191, 'sweep-r.reu')))).toBe(-1);
  });

  it('A-law decode of the reference codes is bit-exact with sweep-r.a-a and sweep-r.rea', () => {
    const codes = lowBytes(join(G191, 'sweep-r.a'));
    expect(firstMismatch(decodeAlaw(codes), int16le(join(G191, 'sweep-r.a-a')))).toBe(-1);
    expect(firstMismatch(decodeAlaw(codes), int16le(join(G191, 'sweep-r.rea')))).toBe(-1);
  });

  it('all 256 codes decode to the G.191 decode tables', () => {
    const t = JSON.parse(readFileSync(join(G191, 'derived/decode_tables.json'), 'utf8')) as { ulaw_decode: number[]; alaw_decode: number[] };
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...decodeMulaw(all)]).toEqual(t.ulaw_decode);
    expect([...decodeAlaw(all)]).toEqual(t.alaw_decode);
  });
});

describe('SoX vectors', () => {
  const diffs = JSON.parse(readFileSync(join(SOX, 'sox_vs_itu_encode_differences.json'), 'utf8')) as {
    ulaw: { sample: number; itu: number; sox: number }[];
    alaw: { sample: number; itu: number; sox: number }[];
  };
  const ramp = int16le(join(SOX, 'pcm_s16le_ramp_all65536.raw'));

  it.each([
    ['µ-law', 'ulaw', encodeMulaw, 'ulaw_from_ramp.raw', 510],
    ['A-law', 'alaw', encodeAlaw, 'alaw_from_ramp.raw', 1020],
  ] as const)('%s: we encode like ITU (truncate), so we differ from sox (round) exactly on the listed inputs', (_n, key, encode, file, count) => {
    const list = diffs[key];
    expect(list.length).toBe(count);
    const ours = encode(ramp);
    const sox = readFileSync(join(SOX, file));
    const listed = new Map(list.map((d) => [d.sample, d]));
    const differing: number[] = [];
    for (let i = 0; i < 65536; i++) if (ours[i] !== sox[i]) differing.push(ramp[i]);
    expect(differing).toEqual(list.map((d) => d.sample));
    for (const s of differing) {
      const d = listed.get(s)!;
      expect(ours[s + 32768]).toBe(d.itu);
      expect(sox[s + 32768]).toBe(d.sox);
    }
  });

  it.each([
    ['µ-law', decodeMulaw, 'ulaw_codes_0_255.raw', 'pcm_s16le_from_ulaw_codes_0_255.raw'],
    ['A-law', decodeAlaw, 'alaw_codes_0_255.raw', 'pcm_s16le_from_alaw_codes_0_255.raw'],
  ] as const)('%s decode of all 256 codes equals sox', (_n, decode, codes, pcm) => {
    expect(firstMismatch(decode(readFileSync(join(SOX, codes))), int16le(join(SOX, pcm)))).toBe(-1);
  });

  it.each([
    ['µ-law', encodeMulaw, decodeMulaw, 'ulaw_from_sine1k.raw', 'pcm_s16le_sine1k_via_ulaw.raw'],
    ['A-law', encodeAlaw, decodeAlaw, 'alaw_from_sine1k.raw', 'pcm_s16le_sine1k_via_alaw.raw'],
  ] as const)('%s: 1 kHz sine decodes like sox and re-encodes within one code step of sox', (_n, encode, decode, coded, via) => {
    const codes = readFileSync(join(SOX, coded));
    expect(firstMismatch(decode(codes), int16le(join(SOX, via)))).toBe(-1);
    const sine = int16le(join(SOX, 'pcm_s16le_sine1k_8k_1s.raw'));
    const ours = decode(encode(sine));
    const theirs = decode(codes);
    // Where rounding and truncation pick different codes, they are neighbours: the decoded
    // values differ by at most one quantisation step of that segment (≤ 1/16 of the value + 16).
    const far = sine.filter((s, i) => Math.abs(ours[i] - theirs[i]) > Math.abs(s) / 16 + 16);
    expect(far.length).toBe(0);
    expect(firstMismatch(ours, theirs)).not.toBe(-2);
  });
});
