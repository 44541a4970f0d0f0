import fc from 'fast-check';
import {
  alawToLinear,
  decodeAlaw,
  decodeAlawInto,
  decodeMulaw,
  decodeMulawInto,
  encodeAlaw,
  encodeAlawInto,
  encodeMulaw,
  encodeMulawInto,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
  PcmaCodec,
  PcmuCodec,
} from '../../../src/rtp/codecs/g711';
import { createCodec, isCodecSupported, registerCodec, supportedCodecNames } from '../../../src/rtp/codecs/registry';
import { CodecError } from '../../../src/rtp/errors';

describe('G.711 edge values', () => {
  it('encodes A-law −1…−7 as 0x55 (−8), not −248 like npm g711', () => {
    for (let s = -7; s <= -1; s++) {
      expect(linearToAlaw(s)).toBe(0x55);
      expect(alawToLinear(linearToAlaw(s))).toBe(-8);
    }
    expect(alawToLinear(linearToAlaw(0))).toBe(8);
  });

  it('keeps silence silent and the extremes at the ends of the scale', () => {
    expect(linearToMulaw(0)).toBe(0xff);
    expect(mulawToLinear(0xff)).toBe(0);
    expect(mulawToLinear(0x7f)).toBe(0);
    expect(linearToMulaw(-1)).toBe(0x7f);
    expect(mulawToLinear(linearToMulaw(32767))).toBe(32124);
    expect(mulawToLinear(linearToMulaw(-32768))).toBe(-32124);
    expect(alawToLinear(linearToAlaw(32767))).toBe(32256);
    expect(alawToLinear(linearToAlaw(-32768))).toBe(-32256);
  });

  it('decoding then encoding any code gives the code back (except µ-law negative zero)', () => {
    for (let c = 0; c < 256; c++) {
      expect(linearToAlaw(alawToLinear(c))).toBe(c);
      if (c !== 0x7f) expect(linearToMulaw(mulawToLinear(c))).toBe(c);
    }
  });

  it('encoding is monotonic in the decoded value', () => {
    let prevU = -Infinity;
    let prevA = -Infinity;
    const bad: number[] = [];
    for (let s = -32768; s <= 32767; s++) {
      const u = mulawToLinear(linearToMulaw(s));
      const a = alawToLinear(linearToAlaw(s));
      if (u < prevU || a < prevA) bad.push(s);
      prevU = u;
      prevA = a;
    }
    expect(bad).toEqual([]);
  });

  it('quantisation error stays within the segment step (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (s) => {
        const eu = Math.abs(mulawToLinear(linearToMulaw(s)) - s);
        const ea = Math.abs(alawToLinear(linearToAlaw(s)) - s);
        // Truncation: error below one step (step = 1/16 of the segment's top) plus clipping at full scale.
        expect(eu).toBeLessThanOrEqual(Math.max(Math.abs(s) / 8 + 8, s > 32124 || s < -32124 ? 700 : 0));
        expect(ea).toBeLessThanOrEqual(Math.max(Math.abs(s) / 8 + 16, s > 32256 || s < -32256 ? 600 : 0));
      }),
      { numRuns: 500 },
    );
  });
});

describe('G.711 array APIs', () => {
  const pcm = Int16Array.from([0, 1, -1, 1000, -1000, 32767, -32768, 12345]);

  it('Into variants write into the given buffer and return the count', () => {
    const codes = new Uint8Array(16).fill(0xaa);
    expect(encodeMulawInto(pcm, codes)).toBe(8);
    expect([...codes.subarray(0, 8)]).toEqual([...encodeMulaw(pcm)]);
    expect(codes[8]).toBe(0xaa);
    const back = new Int16Array(16).fill(7);
    expect(decodeMulawInto(codes.subarray(0, 8), back)).toBe(8);
    expect([...back.subarray(0, 8)]).toEqual([...decodeMulaw(encodeMulaw(pcm))]);
    expect(back[8]).toBe(7);
    expect(encodeAlawInto(pcm, codes)).toBe(8);
    expect(decodeAlawInto(codes.subarray(0, 8), back)).toBe(8);
    expect([...back.subarray(0, 8)]).toEqual([...decodeAlaw(encodeAlaw(pcm))]);
  });

  it('refuses an output that is too small with a typed error', () => {
    for (const f of [() => encodeMulawInto(pcm, new Uint8Array(7)), () => encodeAlawInto(pcm, new Uint8Array(0))]) {
      expect(f).toThrow(CodecError);
      expect(f).toThrow(expect.objectContaining({ code: 'CODEC_BUFFER_TOO_SMALL' }));
    }
    expect(() => decodeAlawInto(new Uint8Array(3), new Int16Array(2))).toThrow(expect.objectContaining({ code: 'CODEC_BUFFER_TOO_SMALL' }));
    expect(() => decodeMulawInto(new Uint8Array(3), new Int16Array(2))).toThrow(CodecError);
  });
});

describe('G.711 codecs and registry', () => {
  it('PcmuCodec and PcmaCodec describe themselves per RFC 3551', () => {
    const u = new PcmuCodec();
    expect([u.name, u.payloadType, u.clockRate, u.sampleRate, u.channels, u.samplesPerFrame, u.ptimeMs, u.timestampStep]).toEqual(['PCMU', 0, 8000, 8000, 1, 160, 20, 160]);
    const a = new PcmaCodec({ ptimeMs: 30, payloadType: 101 });
    expect([a.name, a.payloadType, a.samplesPerFrame, a.timestampStep]).toEqual(['PCMA', 101, 240, 240]);
  });

  it('codec encode/decode match the functions', () => {
    const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const u = new PcmuCodec();
    const a = new PcmaCodec();
    expect([...u.encode(frame)]).toEqual([...encodeMulaw(frame)]);
    expect([...a.encode(frame)]).toEqual([...encodeAlaw(frame)]);
    const out = new Uint8Array(172);
    expect(u.encodeInto(frame, out.subarray(12))).toBe(160);
    expect([...u.decode(out.subarray(12))]).toEqual([...decodeMulaw(encodeMulaw(frame))]);
    const pcm = new Int16Array(160);
    expect(a.decodeInto(a.encode(frame), pcm)).toBe(160);
    expect([...pcm]).toEqual([...decodeAlaw(encodeAlaw(frame))]);
    expect(() => u.encodeInto(frame, new Uint8Array(10))).toThrow(CodecError);
  });

  it.each([{ ptimeMs: 0 }, { ptimeMs: -20 }, { ptimeMs: 0.1 }, { ptimeMs: 500 }, { ptimeMs: NaN }, { payloadType: 128 }, { payloadType: 1.5 }])(
    'rejects invalid options %o',
    (o) => {
      expect(() => new PcmuCodec(o)).toThrow(expect.objectContaining({ code: 'CODEC_INVALID_OPTION' }));
    },
  );

  it('creates codecs by SDP name, case-insensitively, each a new instance', () => {
    const a = createCodec('pcmu');
    const b = createCodec('PCMU', { payloadType: 0, ptimeMs: 10 });
    expect(a).toBeInstanceOf(PcmuCodec);
    expect(a).not.toBe(b);
    expect(b.samplesPerFrame).toBe(80);
    expect(createCodec('PcMa')).toBeInstanceOf(PcmaCodec);
    expect(isCodecSupported('PCMA')).toBe(true);
    expect(supportedCodecNames()).toEqual(expect.arrayContaining(['pcmu', 'pcma']));
  });

  it('rejects unknown names, including object-prototype names', () => {
    for (const n of ['G729', '__proto__', 'constructor', 'toString', '']) {
      expect(() => createCodec(n)).toThrow(expect.objectContaining({ code: 'CODEC_UNKNOWN' }));
      expect(isCodecSupported(n)).toBe(false);
    }
  });

  it('registers additional factories', () => {
    registerCodec('x-test-ulaw', (o) => new PcmuCodec({ ...o, payloadType: o.payloadType ?? 99 }));
    expect(createCodec('X-TEST-ULAW').payloadType).toBe(99);
    expect(() => registerCodec('bad name\r\n', (o) => new PcmuCodec(o))).toThrow(CodecError);
  });
});
