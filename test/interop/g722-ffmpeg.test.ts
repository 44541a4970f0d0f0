import { execFileSync } from 'child_process';
import fc from 'fast-check';
import { G722Codec } from '../../src/rtp/codecs/g722';

// Live cross-check against ffmpeg's G.722 (Debian package `ffmpeg`, present in the interop
// stage). Signals are generated here from a seed, so each run checks fresh material.

function ffmpeg(args: string[], input: Uint8Array): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { input, maxBuffer: 64 << 20, timeout: 30_000 });
}

function ffmpegEncode(pcm: Int16Array): Uint8Array {
  return new Uint8Array(ffmpeg(['-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'g722', '-f', 'g722', 'pipe:1'], toS16le(pcm)));
}

function ffmpegDecode(bits: Uint8Array): Int16Array {
  const b = ffmpeg(['-f', 'g722', '-i', 'pipe:0', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'], bits);
  const out = new Int16Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

function toS16le(pcm: Int16Array): Uint8Array {
  const b = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i], 2 * i);
  return b;
}

/** Speech-ish test signal: a few partials under a syllable-rate envelope, plus noise and clipping. */
function signal(seed: number, n: number, level: number): Int16Array {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  const partials = Array.from({ length: 4 }, () => ({ f: 80 + rnd() * 7500, a: rnd(), ph: rnd() * 6.28 }));
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * 4 * i) / 16000);
    let v = 0;
    for (const p of partials) v += p.a * Math.sin((2 * Math.PI * p.f * i) / 16000 + p.ph);
    v = level * (env * v / 2 + 0.05 * (rnd() - 0.5));
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
  }
  return out;
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('G.722 interop with ffmpeg (live)', () => {
  it('ffmpeg is installed', () => {
    expect(execFileSync('ffmpeg', ['-hide_banner', '-encoders']).toString()).toMatch(/\bg722\b/);
  });

  it('ffmpeg decodes our bitstream to exactly our PCM, and encodes the input to exactly our bitstream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom(0.01, 0.3, 1.5), (seed, level) => {
        const pcm = signal(seed, 8000, level);
        const c = new G722Codec();
        const ours = new Uint8Array(4000);
        for (let i = 0; i < pcm.length; i += 320) c.encodeInto(pcm.subarray(i, i + 320), ours.subarray(i / 2));
        const ourPcm = new G722Codec().decode(ours);
        expect(firstDifference(ffmpegDecode(ours), ourPcm)).toBe(-1);
        expect(firstDifference(ffmpegEncode(pcm), ours)).toBe(-1);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('ffmpeg and we decode arbitrary bytes identically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4000 }), (junk) => {
        expect(firstDifference(ffmpegDecode(junk), new G722Codec().decode(junk))).toBe(-1);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
