import {
  createAuthorization,
  DigestInvalidInputError,
  DigestParseError,
  formatChallenge,
  parseAuthorization,
  parseChallenges,
} from '../../../src/digest';

describe('parseChallenges', () => {
  it('reads Kamailio, Asterisk, SIPp and LiveKit style challenges', () => {
    const [k] = parseChallenges('Digest realm="interop.test", nonce="Z2lD7mdiQ7jVzOYtIRn9VtRYXoD9AsMZ", qop="auth"');
    expect(k).toMatchObject({ realm: 'interop.test', qop: ['auth'], algorithm: 'MD5', algorithmGiven: false, stale: false });
    const [sipp] = parseChallenges('Digest realm="sipp-agent.test", nonce="123x1x99", opaque="0b5ea5e1", algorithm=MD5, qop="auth"');
    expect(sipp).toMatchObject({ opaque: '0b5ea5e1', algorithm: 'MD5', algorithmGiven: true });
    const [lk] = parseChallenges('Digest realm="sip.livekit.cloud", nonce="abc", algorithm=MD5');
    expect(lk.qop).toEqual([]);
  });

  it('accepts any order, token or quoted values, case-insensitive names, and keeps unknown params', () => {
    const [c] = parseChallenges('digest QOP=auth-int , Algorithm=sha-256,NONCE=abc/+==,  Realm="a b", STALE=TRUE, X-Vendor="v\\"1", userhash=true');
    expect(c).toMatchObject({ realm: 'a b', nonce: 'abc/+==', algorithm: 'sha-256', qop: ['auth-int'], stale: true, userhash: true });
    expect(c.params['x-vendor']).toBe('v"1');
  });

  it('splits several challenges in one value and across lines; skips other schemes', () => {
    const list = parseChallenges([
      'Basic realm="x", Digest realm="a", nonce="1", algorithm=SHA-256, Digest realm="a", nonce="1", algorithm=MD5',
      'Bearer, Negotiate abc==, Digest realm="b", nonce="2", qop="auth,auth-int"',
    ]);
    expect(list.map((c) => [c.realm, c.algorithm])).toEqual([
      ['a', 'SHA-256'],
      ['a', 'MD5'],
      ['b', 'MD5'],
    ]);
    expect(list[2].qop).toEqual(['auth', 'auth-int']);
  });

  it('unfolds RFC 3261 line folding', () => {
    expect(parseChallenges('Digest realm="a",\r\n nonce="n"')[0].nonce).toBe('n');
  });

  it.each([
    ['Digest realm="a", nonce="n', 'unterminated'],
    ['Digest realm="a"', 'without nonce'],
    ['Digest nonce="n"', 'without realm'],
    ['Digest realm="a", realm="b", nonce="n"', 'duplicate'],
    ['Digest realm="a" nonce="n"', 'expected ","'],
    ['realm="a", nonce="n"', 'before an auth-scheme'],
    ['Digest realm=, nonce="n"', ''],
    ['Digest realm="a\r\nVia: evil", nonce="n"', 'control'],
    ['Digest realm="a\u0000", nonce="n"', 'control'],
    ['Digest abc==', 'token68'],
  ])('%j → DigestParseError', (value, msg) => {
    expect(() => parseChallenges(value)).toThrow(DigestParseError);
    if (msg) expect(() => parseChallenges(value)).toThrow(msg);
  });

  it('refuses absurdly long values', () => {
    expect(() => parseChallenges('Digest realm="' + 'a'.repeat(70_000) + '", nonce="n"')).toThrow(DigestParseError);
  });
});

describe('formatting', () => {
  it('challenge: quotes realm, nonce, opaque and the qop list; algorithm, stale, userhash, charset bare', () => {
    expect(
      formatChallenge({ realm: 'r', nonce: 'n', opaque: 'o', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true, userhash: true, charsetUtf8: true }),
    ).toBe('Digest realm="r", nonce="n", opaque="o", stale=true, algorithm=SHA-256, qop="auth, auth-int", charset=UTF-8, userhash=true');
  });

  it('authorization: RFC 7616 quoting (algorithm, qop, nc bare) and nonce before cnonce', () => {
    const [ch] = parseChallenges('Digest realm="r", nonce="n", opaque="o", algorithm=SHA-256, qop="auth"');
    const v = createAuthorization(ch, { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:a@b:5060;transport=tcp', cnonce: 'c', nc: 10 });
    expect(v).toMatch(
      /^Digest username="u", realm="r", nonce="n", uri="sip:a@b:5060;transport=tcp", response="[0-9a-f]{64}", algorithm=SHA-256, cnonce="c", opaque="o", qop=auth, nc=0000000a$/,
    );
  });

  it('omits algorithm when the challenge had none (RFC 2069 / Kamailio no-qop form)', () => {
    const [ch] = parseChallenges('Digest realm="r", nonce="n"');
    const v = createAuthorization(ch, { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:a' });
    expect(v).toMatch(/^Digest username="u", realm="r", nonce="n", uri="sip:a", response="[0-9a-f]{32}"$/);
  });

  it('escapes " and \\ in values and round-trips them', () => {
    const [ch] = parseChallenges('Digest realm="we \\"quote\\" \\\\ here", nonce="n\\\\1", opaque="\\"", qop=auth');
    expect(ch.realm).toBe('we "quote" \\ here');
    const v = createAuthorization(ch, { username: 'o"k\\', password: 'p', method: 'REGISTER', uri: 'sip:"x"' });
    const [c] = parseAuthorization(v);
    expect(c).toMatchObject({ username: 'o"k\\', realm: 'we "quote" \\ here', nonce: 'n\\1', opaque: '"', uri: 'sip:"x"' });
  });

  it.each(['username', 'uri', 'cnonce'])('CR/LF in %s → DigestInvalidInputError naming the field, not the value', (field) => {
    const [ch] = parseChallenges('Digest realm="r", nonce="n", qop=auth');
    const o = { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:a', cnonce: 'c', [field]: 'x\r\nX-Evil: 1' };
    let err: unknown;
    try {
      createAuthorization(ch, o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DigestInvalidInputError);
    expect(err).toMatchObject({ code: 'DIGEST_INVALID_INPUT', field });
    expect((err as Error).message).not.toContain('Evil');
  });

  it('CR/LF smuggled into a hand-built challenge object is refused too', () => {
    const [ch] = parseChallenges('Digest realm="r", nonce="n"');
    for (const bad of [{ ...ch, realm: 'r\n' }, { ...ch, nonce: 'n\r' }, { ...ch, opaque: '\r\n' }]) {
      expect(() => createAuthorization(bad, { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:a' })).toThrow(DigestInvalidInputError);
    }
    expect(() => formatChallenge({ realm: 'a\r\nb', nonce: 'n', algorithm: 'MD5' })).toThrow(DigestInvalidInputError);
  });

  it('nc is validated and formatted as 8 hex digits', () => {
    const [ch] = parseChallenges('Digest realm="r", nonce="n", qop=auth');
    const base = { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:a' };
    expect(parseAuthorization(createAuthorization(ch, { ...base, nc: 0xffffffff }))[0].nc).toBe('ffffffff');
    for (const nc of [0, -1, 1.5, 2 ** 32]) expect(() => createAuthorization(ch, { ...base, nc })).toThrow(DigestInvalidInputError);
  });
});

describe('parseAuthorization', () => {
  it('decodes username* (RFC 8187) and refuses it together with username or userhash', () => {
    expect(parseAuthorization("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=r, nonce=n, uri=u, response=ab")[0].username).toBe('Jäsøn Doe');
    expect(() => parseAuthorization("Digest username*=UTF-8''a, username=a, realm=r, nonce=n, uri=u, response=ab")).toThrow(DigestParseError);
    expect(() => parseAuthorization("Digest username*=UTF-8''%ZZ, realm=r, nonce=n, uri=u, response=ab")).toThrow(DigestParseError);
    expect(() => parseAuthorization("Digest username*=UTF-8''%C3, realm=r, nonce=n, uri=u, response=ab")).toThrow(DigestParseError);
  });

  it('requires nc and cnonce with qop, nc as 8 hex digits', () => {
    const base = 'Digest username="u", realm=r, nonce=n, uri=u, response=ab, qop=auth';
    expect(() => parseAuthorization(base)).toThrow(DigestParseError);
    expect(() => parseAuthorization(`${base}, nc=1, cnonce=c`)).toThrow('nc');
    expect(parseAuthorization(`${base}, nc=00000001, cnonce=c`)[0].nc).toBe('00000001');
  });
});
