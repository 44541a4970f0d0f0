import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  buildRtpExtension,
  parseRtp,
  parseRtpExtensionElements,
  parseRtpInto,
  rtpHeaderLength,
  rtpParseTarget,
  rtpPacketLength,
  serializeRtp,
  tryParseRtp,
  writeRtp,
  writeRtpHeader,
  type RtpPacket,
} from '../../../src/rtp/packet';
import { RtpEncodeError, RtpPacketError } from '../../../src/rtp/errors';
import { SipprobeError } from '../../../src/errors';
import type { Expect, ManifestCase as Case } from '../../fixtures/rtp/packets/build-fixtures';

const DIR = join(__dirname, '../../fixtures/rtp/packets');

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { cases: Case[] };
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function expectFields(p: RtpPacket, e: Expect): void {
  expect({
    marker: p.marker,
    payloadType: p.payloadType,
    sequenceNumber: p.sequenceNumber,
    timestamp: p.timestamp,
    ssrc: p.ssrc,
    csrcs: [...p.csrcs],
    payloadHex: hex(p.payload),
    paddingLength: p.paddingLength,
  }).toEqual({
    marker: e.marker,
    payloadType: e.payloadType,
    sequenceNumber: e.sequenceNumber,
    timestamp: e.timestamp,
    ssrc: e.ssrc,
    csrcs: e.csrcs,
    payloadHex: e.payloadHex,
    paddingLength: e.paddingLength,
  });
  if (e.extension === null) {
    expect(p.extension).toBeNull();
  } else {
    expect(p.extension).not.toBeNull();
    expect(p.extension!.profile).toBe(e.extension.profile);
    expect(hex(p.extension!.data)).toBe(e.extension.dataHex);
  }
}

describe('RTP packet fixtures', () => {
  it('covers valid and invalid cases of every kind', () => {
    const errors = new Set(manifest.cases.map((c) => c.error).filter(Boolean));
    expect([...errors].sort()).toEqual(['RTP_BAD_PADDING', 'RTP_BAD_VERSION', 'RTP_CSRC_OVERRUN', 'RTP_EXTENSION_OVERRUN', 'RTP_TRUNCATED']);
    expect(manifest.cases.filter((c) => c.expect).length).toBeGreaterThanOrEqual(12);
  });

  for (const c of manifest.cases) {
    const bytes = readFileSync(join(DIR, c.file));
    if (c.expect) {
      const e = c.expect;
      it(`parses ${c.file}: ${c.description}`, () => {
        const p = parseRtp(bytes);
        expectFields(p, e);
        expect(tryParseRtp(bytes)).toEqual(p);
        if (c.elementsError) {
          expect(() => parseRtpExtensionElements(p.extension!)).toThrow(expect.objectContaining({ code: c.elementsError }));
        } else if (e.extension) {
          const els = parseRtpExtensionElements(p.extension!);
          expect(els === null ? null : els.map((x) => ({ id: x.id, dataHex: hex(x.data) }))).toEqual(e.extension.elements);
        }
      });
      it(`re-serializes ${c.file} to the same bytes`, () => {
        const p = parseRtp(bytes);
        const out = Buffer.alloc(bytes.length + 8, 0xee);
        expect(writeRtp(p, out, 3)).toBe(bytes.length);
        expect(out.subarray(3, 3 + bytes.length).equals(bytes)).toBe(true);
        expect(out[2]).toBe(0xee);
        expect(out[3 + bytes.length]).toBe(0xee);
        expect(rtpPacketLength(p)).toBe(bytes.length);
      });
    } else {
      it(`rejects ${c.file} with ${c.error}: ${c.description}`, () => {
        let thrown: unknown;
        try {
          parseRtp(bytes);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(RtpPacketError);
        expect(thrown).toBeInstanceOf(SipprobeError);
        expect((thrown as RtpPacketError).code).toBe(c.error);
        expect(tryParseRtp(bytes)).toBe(c.error);
      });
    }
  }
});

describe('RTP payload views', () => {
  it('returns views into the datagram, not copies', () => {
    const bytes = readFileSync(join(DIR, 'all-features.bin'));
    const p = parseRtp(bytes);
    expect(p.payload.buffer).toBe(bytes.buffer);
    expect(p.extension!.data.buffer).toBe(bytes.buffer);
    bytes[bytes.length - 5] = 0x99; // last payload byte
    expect(p.payload[2]).toBe(0x99);
  });
});

describe('RTP serialization', () => {
  const header = { payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x11223344 };

  it('writes the header so a codec can encode after it', () => {
    const out = Buffer.alloc(200);
    const n = writeRtpHeader({ ...header, marker: true }, out);
    expect(n).toBe(12);
    expect(out.subarray(0, 12).toString('hex')).toBe('80800001000000a011223344');
  });

  it('pads an extension body to whole words with zeros', () => {
    const out = Buffer.alloc(64, 0xff);
    const ext = { profile: 0xbede, data: Uint8Array.of(0x10, 0x7f) };
    const n = writeRtp({ ...header, extension: ext, payload: Uint8Array.of(1) }, out);
    expect(n).toBe(12 + 4 + 4 + 1);
    expect(out.subarray(12, 21).toString('hex')).toBe('bede0001107f000001');
    expect(rtpHeaderLength({ ...header, extension: ext })).toBe(20);
  });

  it.each([
    [{ ...header, payloadType: 128 }],
    [{ ...header, payloadType: -1 }],
    [{ ...header, sequenceNumber: 65536 }],
    [{ ...header, sequenceNumber: 1.5 }],
    [{ ...header, timestamp: 2 ** 32 }],
    [{ ...header, ssrc: -1 }],
    [{ ...header, csrcs: new Array(16).fill(1) }],
    [{ ...header, csrcs: [2 ** 32] }],
    [{ ...header, extension: { profile: 0x10000, data: new Uint8Array(0) } }],
  ])('rejects out-of-range field %#', (h) => {
    expect(() => writeRtp({ ...h, payload: new Uint8Array(1) }, Buffer.alloc(100))).toThrow(
      expect.objectContaining({ code: 'RTP_INVALID_FIELD' }),
    );
  });

  it('rejects bad padding lengths and small buffers', () => {
    expect(() => writeRtp({ ...header, payload: new Uint8Array(1), paddingLength: 256 }, Buffer.alloc(400))).toThrow(RtpEncodeError);
    expect(() => writeRtp({ ...header, payload: new Uint8Array(1) }, Buffer.alloc(12))).toThrow(
      expect.objectContaining({ code: 'RTP_BUFFER_TOO_SMALL' }),
    );
    expect(() => writeRtpHeader(header, Buffer.alloc(11))).toThrow(expect.objectContaining({ code: 'RTP_BUFFER_TOO_SMALL' }));
    expect(() => writeRtpHeader(header, Buffer.alloc(20), 9)).toThrow(expect.objectContaining({ code: 'RTP_BUFFER_TOO_SMALL' }));
  });

  it('serializeRtp allocates exactly the packet', () => {
    const b = serializeRtp({ ...header, payload: Uint8Array.of(1, 2, 3), paddingLength: 2 });
    expect(b.toString('hex')).toBe('a0000001000000a011223344' + '010203' + '0002');
  });
});

describe('RFC 8285 extension builder', () => {
  it('chooses the one-byte form when every element fits', () => {
    const ext = buildRtpExtension([
      { id: 1, data: Uint8Array.of(0x85) },
      { id: 14, data: new Uint8Array(16).fill(7) },
    ]);
    expect(ext.profile).toBe(0xbede);
    expect(ext.data.length % 4).toBe(0);
    expect(parseRtpExtensionElements(ext)!.map((e) => [e.id, hex(e.data)])).toEqual([
      [1, '85'],
      [14, '07'.repeat(16)],
    ]);
  });

  it('falls back to the two-byte form for ids > 14, empty or long values', () => {
    for (const el of [{ id: 15, data: Uint8Array.of(1) }, { id: 3, data: new Uint8Array(0) }, { id: 2, data: new Uint8Array(17) }]) {
      const ext = buildRtpExtension([el]);
      expect(ext.profile).toBe(0x1000);
      expect(parseRtpExtensionElements(ext)!.map((e) => [e.id, e.data.length])).toEqual([[el.id, el.data.length]]);
    }
  });

  it('refuses elements that cannot be encoded', () => {
    expect(() => buildRtpExtension([{ id: 15, data: Uint8Array.of(1) }], 'one-byte')).toThrow(RtpEncodeError);
    expect(() => buildRtpExtension([{ id: 0, data: Uint8Array.of(1) }], 'two-byte')).toThrow(RtpEncodeError);
    expect(() => buildRtpExtension([{ id: 256, data: Uint8Array.of(1) }])).toThrow(RtpEncodeError);
    expect(() => buildRtpExtension([{ id: 4, data: new Uint8Array(256) }])).toThrow(RtpEncodeError);
  });
});

describe('RTP properties', () => {
  const arbPacket = fc.record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    ssrc: fc.integer({ min: 0, max: 0xffffffff }),
    csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
    extension: fc.option(
      fc.record({
        profile: fc.integer({ min: 0, max: 0xffff }),
        data: fc.uint8Array({ maxLength: 40 }).map((d) => d.subarray(0, d.length & ~3)),
      }),
    ),
    payload: fc.uint8Array({ maxLength: 300 }),
    paddingLength: fc.integer({ min: 0, max: 255 }),
  });

  it('parse(serialize(p)) = p', () => {
    fc.assert(
      fc.property(arbPacket, (p) => {
        const bytes = serializeRtp(p);
        const q = parseRtp(bytes);
        expect({ ...q, payload: hex(q.payload), csrcs: [...q.csrcs], extension: q.extension && { profile: q.extension.profile, data: hex(q.extension.data) } }).toEqual({
          ...p,
          payload: hex(p.payload),
          extension: p.extension && { profile: p.extension.profile, data: hex(p.extension.data) },
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but RtpPacketError on arbitrary bytes, and tryParseRtp agrees', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, forceV2) => {
        if (forceV2 && bytes.length > 0) bytes[0] = (bytes[0] & 0x3f) | 0x80;
        const r = tryParseRtp(bytes);
        try {
          const p = parseRtp(bytes);
          expect(typeof r).toBe('object');
          expect(p.payload.length + p.paddingLength).toBeLessThanOrEqual(bytes.length);
          if (p.extension) {
            try {
              parseRtpExtensionElements(p.extension);
            } catch (err) {
              expect((err as RtpPacketError).code).toBe('RTP_EXTENSION_MALFORMED');
            }
          }
        } catch (err) {
          expect(err).toBeInstanceOf(RtpPacketError);
          expect(r).toBe((err as RtpPacketError).code);
        }
      }),
      { numRuns: 500 },
    );
  });
  it('parseRtpInto (one reused target, the payload as a range) agrees with tryParseRtp on arbitrary bytes and on valid packets', () => {
    const target = rtpParseTarget();
    const agree = (bytes: Uint8Array): void => {
      const r = tryParseRtp(bytes);
      const err = parseRtpInto(bytes, target);
      if (typeof r === 'string') {
        expect(err).toBe(r);
        return;
      }
      expect(err).toBeNull();
      const { payloadStart, payloadEnd, ...fields } = target;
      const { payload, ...expected } = r;
      expect(fields).toEqual(expected);
      expect(hex(bytes.subarray(payloadStart, payloadEnd))).toBe(hex(payload));
      expect(payloadStart).toBe(payload.byteOffset - bytes.byteOffset);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, forceV2) => {
        if (forceV2 && bytes.length > 0) bytes[0] = (bytes[0] & 0x3f) | 0x80;
        agree(bytes);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(arbPacket, (p) => agree(serializeRtp(p))),
      { numRuns: 300 },
    );
  });
});
