import fc from 'fast-check';
import { SrtpContext, type SrtpCryptoSuite } from '../../../src/rtp/srtp';
import { SrtpError } from '../../../src/rtp/srtp-errors';

const SUITES: SrtpCryptoSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
const key = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 5 + 11) & 0xff));

function rtp(seq: number, ssrc: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc >>> 0, 8);
  Buffer.from(payload).copy(b, 12);
  return b;
}

type Mutation = { kind: 'flip'; pos: number; bit: number } | { kind: 'truncate'; len: number } | { kind: 'append'; extra: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), len: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(p: Buffer, m: Mutation): Buffer {
  if (m.kind === 'flip') {
    const q = Buffer.from(p);
    q[m.pos % q.length] ^= 1 << m.bit;
    return q;
  }
  if (m.kind === 'truncate') return p.subarray(0, m.len % p.length);
  return Buffer.concat([p, m.extra]);
}

/** Runs `fn`, which must throw an SrtpError (and nothing else). */
function mustRefuse(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof SrtpError) return;
    throw e;
  }
  throw new Error('mutated packet was accepted');
}

describe.each(SUITES)('%s', (suite) => {
  test('any mutation of a protected RTP packet is refused with an SrtpError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 200 }), mutation, (seq, payload, m) => {
        const tx = new SrtpContext({ suite, key });
        const rx = new SrtpContext({ suite, key });
        const ct = tx.protectRtp(rtp(seq, 77, payload));
        mustRefuse(() => rx.unprotectRtp(mutate(ct, m)));
        // the failure changed nothing: the genuine packet still goes through, once
        expect(rx.unprotectRtp(ct).equals(rtp(seq, 77, payload))).toBe(true);
        mustRefuse(() => rx.unprotectRtp(ct));
      }),
      { numRuns: 300 },
    );
  });

  test('any mutation of a protected RTCP packet is refused with an SrtpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), mutation, (body, m) => {
        const tx = new SrtpContext({ suite, key });
        const rx = new SrtpContext({ suite, key });
        const pkt = Buffer.concat([Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 9]), body]);
        const ct = tx.protectRtcp(pkt);
        mustRefuse(() => rx.unprotectRtcp(mutate(ct, m)));
        expect(rx.unprotectRtcp(ct).equals(pkt)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes never raise anything but an SrtpError, in either direction', () => {
    const ctx = new SrtpContext({ suite, key });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const b = Buffer.from(bytes);
        for (const fn of [() => ctx.unprotectRtp(b), () => ctx.unprotectRtcp(b), () => ctx.protectRtp(b), () => ctx.protectRtcp(b)]) {
          try {
            fn();
          } catch (e) {
            if (!(e instanceof SrtpError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
