import fc from 'fast-check';
import { DigestParseError, DigestServer, parseAuthorization, parseChallenges } from '../../../src/digest';

const RUNS = { numRuns: 300 };

/** Parser contract: a list, or a DigestParseError — nothing else. */
function outcome(f: () => unknown): 'ok' | 'parse-error' {
  try {
    const r = f();
    if (!Array.isArray(r)) throw new Error('not an array');
    return 'ok';
  } catch (e) {
    if (e instanceof DigestParseError) return 'parse-error';
    throw e;
  }
}

const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...tchars), minLength: 1, maxLength: 12 });
const printableChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('ä', 'ø', '€', '日', '😀', '\t') },
);
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t');

function escapeQ(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}
function randomCase(s: string, mask: number): string {
  return [...s].map((ch, i) => ((mask >> i % 30) & 1 ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

/** A well-formed challenge: known + random extra params, shuffled, quoted or bare, random case and spacing. */
const challengeArb = fc
  .record({
    realm: fc.string({ unit: printableChar, maxLength: 20 }),
    nonce: fc.string({ unit: printableChar, minLength: 1, maxLength: 30 }),
    extra: fc.uniqueArray(fc.tuple(token, fc.string({ unit: printableChar, maxLength: 15 })), { selector: ([k]) => k.toLowerCase(), maxLength: 4 }),
    quoteTokens: fc.boolean(),
    caseMask: fc.integer({ min: 0, max: 2 ** 30 - 1 }),
    spaces: fc.array(ows, { minLength: 8, maxLength: 8 }),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .map((r) => {
    const extra = r.extra.filter(([k]) => !['realm', 'nonce'].includes(k.toLowerCase()));
    const params: [string, string, boolean][] = [
      ['realm', r.realm, true],
      ['nonce', r.nonce, true],
      ...extra.map(([k, v]): [string, string, boolean] => [k, v, true]),
    ];
    const withOrder = params.map((p, i) => ({ p, k: r.order[i % 8] * 10 + i })).sort((a, b) => a.k - b.k).map((x) => x.p);
    const text = withOrder
      .map(([k, v], i) => {
        const bare = r.quoteTokens === false && /^[A-Za-z0-9._~+/-]+$/.test(v);
        return `${randomCase(k, r.caseMask)}${r.spaces[i % 8]}=${r.spaces[(i + 1) % 8]}${bare ? v : escapeQ(v)}`;
      })
      .join(`${r.spaces[3]},${r.spaces[4]}`);
    return { text: `${randomCase('Digest', r.caseMask)} ${text}`, realm: r.realm, nonce: r.nonce, extra };
  });

describe('challenge parser properties', () => {
  it('parses generated challenges back to the values that were written', () => {
    fc.assert(
      fc.property(challengeArb, (c) => {
        const list = parseChallenges(c.text);
        expect(list).toHaveLength(1);
        expect(list[0].realm).toBe(c.realm);
        expect(list[0].nonce).toBe(c.nonce);
        for (const [k, v] of c.extra) expect(list[0].params[k.toLowerCase()]).toBe(v);
      }),
      RUNS,
    );
  });

  it('several generated challenges in one value, or one per line, give the same list', () => {
    fc.assert(
      fc.property(fc.array(challengeArb, { minLength: 1, maxLength: 4 }), (cs) => {
        const joined = parseChallenges(cs.map((c) => c.text).join(', '));
        const lines = parseChallenges(cs.map((c) => c.text));
        expect(joined.map((c) => [c.realm, c.nonce])).toEqual(cs.map((c) => [c.realm, c.nonce]));
        expect(lines).toEqual(joined);
      }),
      RUNS,
    );
  });

  it('mutated challenges give a result or a DigestParseError, nothing else', () => {
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'truncate', 'duplicate'), fc.constantFrom('"', '\\', ',', '=', ' ', '\r\n', '\r\n ', '\0', 'Digest ', 'ä', '\uffff', 'a'));
    fc.assert(
      fc.property(challengeArb, fc.array(mutation, { minLength: 1, maxLength: 5 }), (c, muts) => {
        let s = c.text;
        for (const [pos, kind, ch] of muts) {
          const i = s.length === 0 ? 0 : pos % (s.length + 1);
          if (kind === 'insert') s = s.slice(0, i) + ch + s.slice(i);
          else if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
          else if (kind === 'replace') s = s.slice(0, i) + ch + s.slice(i + 1);
          else if (kind === 'truncate') s = s.slice(0, i);
          else s = s + ', ' + s.slice(i);
        }
        outcome(() => parseChallenges(s));
        outcome(() => parseAuthorization(s));
        outcome(() => parseChallenges([s, c.text]));
      }),
      RUNS,
    );
  });

  it('arbitrary strings give a result or a DigestParseError; parsed values never contain CR or LF', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit: fc.constantFrom('D', 'i', 'g', 'e', 's', 't', ' ', '=', ',', '"', '\\', 'a', '\r', '\n', '\t'), maxLength: 60 })), (s) => {
        if (outcome(() => parseChallenges(s)) === 'ok') {
          for (const c of parseChallenges(s)) for (const v of Object.values(c.params)) expect(v).not.toMatch(/[\r\n]/);
        }
        outcome(() => parseAuthorization(s));
      }),
      RUNS,
    );
  });

  it('the server never throws on hostile credentials', () => {
    const server = new DigestServer({ realm: 'r', users: { u: 'p' }, algorithms: ['MD5', 'SHA-256'], qop: ['auth', 'auth-int'] });
    const nonce = server.challenge().nonce;
    const credsArb = fc
      .record({
        username: fc.string({ maxLength: 10 }),
        nonce: fc.constantFrom(nonce, '', 'x', nonce.slice(1)),
        uri: fc.string({ maxLength: 10 }),
        response: fc.string({ unit: fc.constantFrom(...'0123456789abcdefXYZ'), maxLength: 70 }),
        algorithm: fc.constantFrom('MD5', 'SHA-256', 'md5-sess', 'SHA-512-256', 'X', '"MD5"'),
        qop: fc.constantFrom(undefined, 'auth', 'auth-int', 'bogus'),
        nc: fc.string({ unit: fc.constantFrom(...'0123456789abcdefg'), maxLength: 9 }),
      })
      .map((c) => {
        const p = [`username=${escapeQ(c.username)}`, 'realm="r"', `nonce=${escapeQ(c.nonce)}`, `uri=${escapeQ(c.uri)}`, `response="${c.response}"`, `algorithm=${c.algorithm}`];
        if (c.qop) p.push(`qop=${c.qop}`, `nc=${c.nc || '0'}`, 'cnonce="c"');
        return { text: `Digest ${p.join(', ')}`, uri: c.uri };
      });
    fc.assert(
      fc.property(credsArb, anyText, (c, junk) => {
        const r1 = server.verify(c.text, { method: 'INVITE', uri: c.uri });
        expect(r1.ok).toBe(false);
        const r2 = server.verify(junk, { method: 'INVITE', uri: 'sip:x' });
        expect(r2.ok).toBe(false);
        if (!r1.ok) expect(typeof r1.reason).toBe('string');
      }),
      RUNS,
    );
  });

  it('stays linear on pathological input', () => {
    const cases = [
      'Digest ' + 'a=b, '.repeat(6000),
      'Digest realm="' + '\\"'.repeat(20000) + '", nonce=n',
      ','.repeat(60000),
      'Digest ' + 'x '.repeat(20000),
      'Digest realm="' + 'a'.repeat(60000),
    ];
    const t0 = performance.now();
    for (const s of cases) {
      outcome(() => parseChallenges(s));
      outcome(() => parseAuthorization(s));
    }
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
