import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WavFormatError } from '../../../src/audio/errors';
import { deinterleavePcm, interleavePcm, downmixToMono } from '../../../src/audio/pcm';
import { readWav, readWavFile } from '../../../src/audio/wav-reader';
import { encodeWav } from '../../../src/audio/wav-writer';

const FIX = join(__dirname, '../../fixtures/audio');
const bytes = (name: string): Buffer => readFileSync(join(FIX, name));
const sox16 = (name: string): Int16Array => {
  const raw = bytes(`${name}.s16le.raw`);
  const out = new Int16Array(raw.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = raw.readInt16LE(i * 2);
  return out;
};

/** Splits a RIFF/WAVE file into its chunks (id + body), for rearranging in tests. */
function chunks(wav: Buffer): { id: string; body: Buffer }[] {
  const out: { id: string; body: Buffer }[] = [];
  let off = 12;
  while (off + 8 <= wav.length) {
    const size = wav.readUInt32LE(off + 4);
    out.push({ id: wav.toString('latin1', off, off + 4), body: wav.subarray(off + 8, off + 8 + size) });
    off += 8 + size + (size & 1);
  }
  return out;
}

function riff(parts: { id: string; body: Buffer }[]): Buffer {
  const bufs = parts.map((p) => {
    const h = Buffer.alloc(8);
    h.write(p.id, 0, 'latin1');
    h.writeUInt32LE(p.body.length, 4);
    return Buffer.concat([h, p.body, Buffer.alloc(p.body.length & 1)]);
  });
  const body = Buffer.concat(bufs);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WavFormatError);
    return (e as WavFormatError).code;
  }
  throw new Error('did not throw');
}

describe('readWav against SoX-generated files', () => {
  const cases: [string, number, number, string, number, number][] = [
    ['pcm_u8_mono_8k', 8000, 1, 'pcm', 8, 800],
    ['pcm_s16_stereo_44k1', 44100, 2, 'pcm', 16, 4410],
    ['pcm_s24_mono_16k', 16000, 1, 'pcm', 24, 1600],
    ['pcm_s32_mono_48k', 48000, 1, 'pcm', 32, 2400],
    ['float32_stereo_48k', 48000, 2, 'float', 32, 2400],
    ['ulaw_8k', 8000, 1, 'mulaw', 8, 800],
    ['alaw_8k', 8000, 1, 'alaw', 8, 800],
  ];
  test.each(cases)('%s decodes sample-exactly as sox does', (name, rate, ch, enc, bits, frames) => {
    const w = readWav(bytes(`${name}.wav`));
    expect(w).toMatchObject({ sampleRate: rate, channels: ch, encoding: enc, bitsPerSample: bits, frames, truncated: false });
    expect(w.samples).toEqual(sox16(name));
  });

  test('readWavFile reads from disk and enforces maxBytes', async () => {
    const w = await readWavFile(join(FIX, 'ulaw_8k.wav'));
    expect(w.frames).toBe(800);
    await expect(readWavFile(join(FIX, 'ulaw_8k.wav'), { maxBytes: 100 })).rejects.toMatchObject({ code: 'WAV_TOO_LARGE' });
  });
});

describe('readWav chunk handling', () => {
  const src = bytes('pcm_s16_stereo_44k1.wav');
  const expected = sox16('pcm_s16_stereo_44k1');

  test('data before fmt, unknown chunks (odd-sized, padded) anywhere', () => {
    const parts = chunks(src);
    const fmt = parts.find((p) => p.id === 'fmt ')!;
    const data = parts.find((p) => p.id === 'data')!;
    const wav = riff([
      { id: 'LIST', body: Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1') },
      data,
      { id: 'junk', body: Buffer.alloc(3, 7) },
      fmt,
    ]);
    const w = readWav(wav);
    expect(w.samples).toEqual(expected);
  });

  test('streamed data size 0xFFFFFFFF takes the rest of the file, not flagged as truncated', () => {
    const wav = Buffer.from(src);
    wav.writeUInt32LE(0xffffffff, 4);
    wav.writeUInt32LE(0xffffffff, 40);
    const w = readWav(wav);
    expect(w.truncated).toBe(false);
    expect(w.samples).toEqual(expected);
  });

  test('a file cut mid-data yields the whole frames present and says truncated', () => {
    const cut = src.subarray(0, 44 + 1001); // 250 whole stereo frames + 1 byte
    const w = readWav(cut);
    expect(w.truncated).toBe(true);
    expect(w.frames).toBe(250);
    expect(w.samples).toEqual(expected.subarray(0, 500));
  });

  test('bytes past the declared RIFF end are ignored (writer died before its header update)', () => {
    const wav = Buffer.concat([src, Buffer.from('garbage after the RIFF chunk')]);
    expect(readWav(wav).samples).toEqual(expected);
  });

  test('mono-ising and de-interleaving', () => {
    const w = readWav(src);
    const [l, r] = deinterleavePcm(w.samples, 2);
    expect(l.length).toBe(4410);
    expect(interleavePcm([l, r])).toEqual(w.samples);
    const m = downmixToMono(w.samples, 2);
    for (const i of [0, 1, 100, 4409]) expect(m[i]).toBe(Math.round((l[i] + r[i]) / 2));
    expect(downmixToMono(l, 1)).toEqual(l);
    expect(() => downmixToMono(new Int16Array(3), 2)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
  });
});

describe('readWav rejects malformed input with typed errors', () => {
  const good = encodeWav(new Int16Array([1, 2, 3, 4]), { sampleRate: 8000, channels: 1 });

  test('not RIFF / WAVE, RF64, too short', () => {
    expect(code(() => readWav(Buffer.alloc(0)))).toBe('WAV_TRUNCATED');
    expect(code(() => readWav(good.subarray(0, 11)))).toBe('WAV_TRUNCATED');
    expect(code(() => readWav(Buffer.from('RIFX\0\0\0\0WAVE', 'latin1')))).toBe('WAV_UNSUPPORTED');
    expect(code(() => readWav(Buffer.from('RF64\0\0\0\0WAVE', 'latin1')))).toBe('WAV_UNSUPPORTED');
    expect(code(() => readWav(Buffer.from('RIFF\0\0\0\0AVI LIST', 'latin1')))).toBe('WAV_NOT_RIFF');
  });

  test('missing or truncated chunks', () => {
    expect(code(() => readWav(good.subarray(0, 20)))).toBe('WAV_TRUNCATED'); // cut inside fmt
    expect(code(() => readWav(good.subarray(0, 38)))).toBe('WAV_TRUNCATED'); // cut in data header
    const parts = chunks(good);
    expect(code(() => readWav(riff(parts.filter((p) => p.id !== 'fmt '))))).toBe('WAV_NO_FMT');
    expect(code(() => readWav(riff(parts.filter((p) => p.id !== 'data'))))).toBe('WAV_NO_DATA');
    expect(code(() => readWav(riff([parts[0], parts[0], parts[1]])))).toBe('WAV_BAD_FMT');
  });

  test('bad or unsupported fmt fields', () => {
    const withFmt = (edit: (f: Buffer) => void, size = 16): Buffer => {
      const f = Buffer.alloc(Math.max(size, 16));
      chunks(good)[0].body.copy(f);
      edit(f);
      return riff([{ id: 'fmt ', body: f.subarray(0, size) }, chunks(good)[1]]);
    };
    expect(code(() => readWav(withFmt(() => undefined, 14)))).toBe('WAV_BAD_FMT');
    expect(code(() => readWav(withFmt((f) => f.writeUInt16LE(0, 2))))).toBe('WAV_BAD_FMT');
    expect(code(() => readWav(withFmt((f) => f.writeUInt16LE(9, 2))))).toBe('WAV_UNSUPPORTED');
    expect(code(() => readWav(withFmt((f) => f.writeUInt32LE(0, 4))))).toBe('WAV_BAD_FMT');
    expect(code(() => readWav(withFmt((f) => f.writeUInt16LE(0x55, 0))))).toBe('WAV_UNSUPPORTED'); // MP3
    expect(code(() => readWav(withFmt((f) => f.writeUInt16LE(40, 14))))).toBe('WAV_UNSUPPORTED');
    expect(code(() => readWav(withFmt((f) => f.writeUInt16LE(0xfffe, 0))))).toBe('WAV_BAD_FMT'); // extensible, 16 bytes
    const ext = bytes('pcm_s24_mono_16k.wav');
    const badGuid = Buffer.from(ext);
    badGuid[20 + 26 + 5] ^= 0xff;
    expect(code(() => readWav(badGuid))).toBe('WAV_UNSUPPORTED');
  });

  test('hostile bytes: only WavFormatError or a bounded result, never another exception', () => {
    const seeds = ['pcm_s24_mono_16k.wav', 'ulaw_8k.wav', 'pcm_s16_stereo_44k1.wav'].map((n) => bytes(n).subarray(0, 300));
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(299), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.nat(300),
        (seed, edits, len) => {
          const b = Buffer.from(seed.subarray(0, len));
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          try {
            const w = readWav(b);
            return w.samples.length === w.frames * w.channels && w.samples.length <= b.length;
          } catch (e) {
            return e instanceof WavFormatError;
          }
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          readWav(b);
          return true;
        } catch (e) {
          return e instanceof WavFormatError;
        }
      }),
      { numRuns: 300 },
    );
  });
});
