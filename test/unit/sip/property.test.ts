/**
 * Property tests: generated messages round-trip; mutated/truncated torture fixtures give a
 * message or a SipParseError and nothing else; hostile 64 KiB inputs finish in linear time.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRequest,
  createResponse,
  parseMessage,
  serializeMessage,
  SipParseError,
  SipStreamFramer,
  validateMessage,
  type SipMessage,
  type SipRequest,
} from '../../../src/sip';

const FIX = join(__dirname, '../../fixtures/sip-torture');
const fixtures: Buffer[] = [];
for (const dir of ['rfc4475', 'rfc5118/wire']) for (const f of readdirSync(join(FIX, dir))) fixtures.push(readFileSync(join(FIX, dir, f)));

/** Touches every typed accessor: each must return or throw SipParseError. */
function exercise(m: SipMessage): void {
  const getters: (() => unknown)[] = [
    () => m.vias,
    () => m.topVia,
    () => m.from,
    () => m.to,
    () => m.callId,
    () => m.cseq,
    () => m.contacts,
    () => m.routes,
    () => m.recordRoutes,
    () => m.maxForwards,
    () => m.contentLength,
    () => m.contentType,
    () => m.expires,
    () => m.require,
    () => m.supported,
    () => (m.kind === 'request' ? m.requestUri : m.status),
    () => validateMessage(m),
    () => serializeMessage(m),
  ];
  for (const g of getters) {
    try {
      g();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
}

function parseOrParseError(data: Buffer): SipMessage | undefined {
  try {
    const m = parseMessage(data);
    exercise(m);
    return m;
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return undefined;
  }
}

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}$/);
const uriUser = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._!~*'()-]{0,11}$/);
const hostname = fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}$/);
const text = fc.string({ unit: fc.constantFrom(...Array.from('abc XYZ 019 é€😀 ,;:<>"\\/?=@[]')), maxLength: 30 });

describe('properties', () => {
  it('round-trips generated requests and their responses', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('INVITE', 'BYE', 'OPTIONS', 'REGISTER', 'X-CUSTOM'),
          user: uriUser,
          host: hostname,
          port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
          display: text,
          tag: token,
          callId: token,
          cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          branches: fc.array(token, { minLength: 1, maxLength: 4 }),
          extra: fc.array(fc.tuple(token.map((t) => 'X-' + t), text.map((t) => t.trim())), { maxLength: 5 }),
          body: fc.uint8Array({ maxLength: 300 }),
          status: fc.integer({ min: 100, max: 699 }),
        }),
        (r) => {
          const uri = `sip:${r.user}@${r.host}${r.port ? ':' + r.port : ''}`;
          const req = createRequest(r.method, uri, {
            from: `"${r.display.replace(/["\\]/g, '')}" <sip:a@${r.host}>;tag=${r.tag}`,
            to: `<${uri}>`,
            callId: r.callId,
            cseq: r.cseq,
            via: r.branches.map((b, i) => `SIP/2.0/UDP h${i}.${r.host};branch=z9hG4bK${b}`),
            headers: r.extra,
            body: Buffer.from(r.body),
            contentType: 'application/octet-stream',
          });
          const back = parseMessage(serializeMessage(req), { strict: true }) as SipRequest;
          expect(back.method).toBe(req.method);
          expect(back.uri).toBe(uri);
          expect([...back.headers].slice(0, req.headers.size)).toEqual([...req.headers]);
          expect(back.body.equals(req.body)).toBe(true);
          expect(back.vias.map((v) => v.branch)).toEqual(r.branches.map((b) => 'z9hG4bK' + b));
          expect(back.cseq).toEqual({ seq: r.cseq, method: r.method });
          expect(back.from?.tag).toBe(r.tag);
          const res = createResponse(back, r.status, undefined, { toTag: 'tt' });
          const resBack = parseMessage(serializeMessage(res));
          expect(resBack.kind === 'response' && resBack.status).toBe(r.status);
          expect(resBack.vias.map((v) => v.branch)).toEqual(back.vias.map((v) => v.branch));
          expect(resBack.to?.tag).toBe('tt');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('mutated and truncated fixtures give a message or a SipParseError only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fixtures.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (idx, edits, cut) => {
          let b = Buffer.from(fixtures[idx]);
          for (const [pos, byte, op] of edits) {
            const at = b.length === 0 ? 0 : pos % b.length;
            if (op === 'set' && b.length > 0) b[at] = byte;
            else if (op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
            else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
          }
          if (cut !== undefined && b.length > 0) b = b.subarray(0, cut % b.length);
          parseOrParseError(b);
          // the same bytes through the stream framer, in two chunks
          const f = new SipStreamFramer();
          const half = b.length >> 1;
          try {
            for (const m of [...f.push(b.subarray(0, half)), ...f.push(b.subarray(half))]) exercise(m);
          } catch (e) {
            if (!(e instanceof SipParseError)) throw e;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every truncation of every fixture parses or fails with SipParseError', () => {
    for (const fx of fixtures) for (let cut = 0; cut < fx.length; cut += 7) parseOrParseError(fx.subarray(0, cut));
  });

  it('handles 64 KiB hostile inputs quickly (linear time)', () => {
    const req = 'INVITE sip:a@b SIP/2.0\r\n';
    const K = 64 * 1024;
    const fill = (prefix: string, unit: string, suffix = '\r\n\r\n'): string => prefix + unit.repeat(Math.floor((K - prefix.length - suffix.length) / unit.length)) + suffix;
    const inputs = [
      fill(req + 'Via: ', ','),
      fill(req + 'Contact: ', '<'),
      fill(req + 'Contact: ', '"\\'),
      fill(req + 'To: "', 'x'),
      fill(req + 'Route: ', '<sip:a@b>,'),
      fill(req + 'Via: SIP/2.0/UDP h', ';a=b'),
      fill(req + 'From: ', ' '),
      fill(req, 'X: y\r\n'),
      fill(req + 'Subject: a\r\n', ' folded\r\n'),
      fill('', '\r\n', ''),
      fill(req + 'Call-ID: ', '[::'),
      fill('INVITE sip:', '%', ' SIP/2.0\r\n\r\n'),
      fill(req + 'Contact: ', '"a,b" <sip:x@y>;q=1,'),
    ];
    const limits = { maxMessageBytes: 1 << 20, maxHeaders: 100000, maxLineBytes: 1 << 20 };
    for (const input of inputs) {
      const b = Buffer.from(input);
      expect(b.length).toBeGreaterThan(60000);
      for (const opts of [undefined, limits]) {
        const t0 = process.hrtime.bigint();
        try {
          const m = parseMessage(b, opts);
          exercise(m);
          for (const name of ['via', 'contact', 'route', 'x', 'subject', 'call-id']) m.headers.getAll(name);
        } catch (e) {
          if (!(e instanceof SipParseError)) throw e;
        }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        // linear work on 64 KiB is well under a few ms; quadratic would take seconds
        expect(ms).toBeLessThan(250);
      }
    }
  });
});
