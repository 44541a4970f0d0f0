/**
 * Property tests: whatever comes in, the SDP layer returns a model or throws one of its typed errors,
 * and what it accepted it can write back as a fixpoint.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SipprobeError } from '../../../src/errors';
import { SdpParseError, createAnswer, parseSdp, processAnswer, serializeSdp, type Sdp } from '../../../src/sdp';

const RUNS = { numRuns: 300 };
const FIXTURE_DIR = join(__dirname, '../../fixtures/sdp');
const fixtures: string[] = ['rfc4317', 'rfc3264', 'real-world'].flatMap((d) =>
  readdirSync(join(FIXTURE_DIR, d))
    .filter((f) => f.endsWith('.sdp'))
    .map((f) => readFileSync(join(FIXTURE_DIR, d, f)).toString('utf8')),
);

/** Parse; on success the written form must be a fixpoint of parse+write. Returns the model or the error. */
function parseOrError(text: string): Sdp | SdpParseError {
  let s: Sdp;
  try {
    s = parseSdp(text);
  } catch (e) {
    if (e instanceof SdpParseError) {
      expect(typeof e.code).toBe('string');
      expect(e.line).toBeGreaterThanOrEqual(0);
      return e;
    }
    throw e;
  }
  const once = serializeSdp(s);
  expect(serializeSdp(parseSdp(once))).toBe(once);
  return s;
}

const letters = fc.constantFrom(...'vosiuepcbtrzkamx'.split(''));
const values = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('0', 'IN IP4 127.0.0.1', 'IN IP6 ::1/2', 'IN IP4 224.0.0.1/3/2', '- 1 2 IN IP4 h', 'audio 4000 RTP/AVP 0 8 96', 'audio 4000/2 RTP/AVP', 'AS:64', '0 0', 'rtpmap:96 opus/48000/2', 'fmtp:101 0-16', 'sendonly', 'ptime:20', 'rtcp:9 IN IP4 1.2.3.4', 'crypto:1 AES inline:x'),
  fc.array(fc.constantFrom('a', ' ', '\t', ':', '/', '=', '0', '9', '-', '\u00e9'), { maxLength: 20 }).map((a) => a.join('')),
);
const line = fc.oneof(
  fc.tuple(letters, values).map(([l, v]) => `${l}=${v}`),
  fc.string({ maxLength: 30 }),
  fc.constant(''),
);
const eol = fc.constantFrom('\r\n', '\n', '\r', ' \r\n');

describe('SDP property tests', () => {
  it('random lines → Sdp or SdpParseError; accepted input writes back as a fixpoint', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(line, eol), { maxLength: 25 }), fc.boolean(), (ls, withHead) => {
        const text = (withHead ? 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' : '') + ls.map(([l, e]) => l + e).join('');
        parseOrError(text);
      }),
      RUNS,
    );
  });

  it('random bytes → Sdp or SdpParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        parseOrError(Buffer.from(bytes).toString('utf8'));
        try {
          parseSdp(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpParseError);
        }
      }),
      RUNS,
    );
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('\r\n', '\n', ' ', '=', ':', '/', '0', 'm=audio 0 RTP/AVP 0\r\n', 'c=IN IP4 0.0.0.0\r\n', 'a=inactive\r\n')) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swaplines' as const), at: fc.nat(), to: fc.nat() }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(text: string, ms: Mutation[]): string {
    let t = text;
    for (const m of ms) {
      const at = t.length === 0 ? 0 : m.at % (t.length + 1);
      if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + m.len);
      else if (m.kind === 'insert') t = t.slice(0, at) + m.text + t.slice(at);
      else if (m.kind === 'truncate') t = t.slice(0, at);
      else {
        const lines = t.split('\r\n');
        const i = m.at % lines.length;
        if (m.kind === 'dupline') lines.splice(i, 0, lines[i]);
        else {
          const j = m.to % lines.length;
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        t = lines.join('\r\n');
      }
    }
    return t;
  }

  it('mutated real and RFC bodies → Sdp or SdpParseError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.array(mutation, { minLength: 1, maxLength: 4 }), (base, ms) => {
        parseOrError(mutate(base, ms));
      }),
      RUNS,
    );
  });

  it('offer/answer on mutated bodies → a result or a typed sipprobe error, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.constantFrom(...fixtures), fc.array(mutation, { maxLength: 3 }), (a, b, ms) => {
        const offer = mutate(a, ms);
        for (const f of [() => processAnswer(offer, b), () => processAnswer(b, offer), () => createAnswer(offer, { address: '127.0.0.1', port: 4000, codecs: ['PCMU', 'PCMA', 'G722', 'opus', { name: 'iLBC', clockRate: 8000 }] })]) {
          try {
            const r = f();
            expect(typeof r).toBe('object');
          } catch (e) {
            expect(e).toBeInstanceOf(SipprobeError);
          }
        }
      }),
      RUNS,
    );
  });
});
