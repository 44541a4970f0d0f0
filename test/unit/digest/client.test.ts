import {
  DigestClient,
  DigestInvalidInputError,
  DigestParseError,
  DigestServer,
  DigestUnsupportedAlgorithmError,
  DigestUnsupportedQopError,
  parseAuthorization,
} from '../../../src/digest';

const REQ = { method: 'INVITE', uri: 'sip:+15551234@trunk.example.com:5061;transport=tls' };
const alice = () => new DigestClient({ username: 'alice', password: 'secret' });

describe('DigestClient', () => {
  it('picks the strongest supported algorithm per realm, whatever the order (SHA-512-256 > SHA-256 > MD5)', () => {
    const www = [
      'Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"',
      'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="n1", algorithm=SHA-512-256, qop="auth"',
    ];
    expect(alice().respond({ www }, REQ).map((h) => h.algorithm)).toEqual(['SHA-512-256']);
    expect(alice().respond({ www: www.slice(0, 2) }, REQ).map((h) => h.algorithm)).toEqual(['SHA-256']);
    expect(alice().respond({ www: [www.slice(0, 2).join(', ')] }, REQ).map((h) => h.algorithm)).toEqual(['SHA-256']);
  });

  it('honours an algorithm allow-list', () => {
    const c = new DigestClient({ username: 'a', password: 'b', algorithms: ['MD5'] });
    const www = ['Digest realm="r", nonce="n", algorithm=SHA-256', 'Digest realm="r", nonce="n", algorithm=MD5'];
    expect(c.respond({ www }, REQ)[0].algorithm).toBe('MD5');
  });

  it('only unsupported algorithms → DigestUnsupportedAlgorithmError naming them', () => {
    const www = ['Digest realm="r", nonce="n", algorithm=SHA-1', 'Digest realm="r", nonce="n", algorithm="AKAv1-MD5"'];
    let err: unknown;
    try {
      alice().respond({ www }, REQ);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DigestUnsupportedAlgorithmError);
    expect(err).toMatchObject({ code: 'DIGEST_UNSUPPORTED_ALGORITHM', realm: 'r', algorithms: ['SHA-1', 'AKAv1-MD5'] });
    expect((err as Error).message).toContain('SHA-1');
    expect((err as Error).message).toContain('AKAv1-MD5');
  });

  it('only unknown qop values → DigestUnsupportedQopError', () => {
    expect(() => alice().respond({ www: 'Digest realm="r", nonce="n", qop="auth-conf"' }, REQ)).toThrow(DigestUnsupportedQopError);
  });

  it('a response without any Digest challenge → DigestParseError', () => {
    expect(() => alice().respond({ www: 'Basic realm="x"' }, REQ)).toThrow(DigestParseError);
    expect(() => alice().respond({}, REQ)).toThrow(DigestParseError);
  });

  it('answers every realm: several Proxy-Authenticate → several Proxy-Authorization, plus WWW → Authorization', () => {
    const hs = alice().respond(
      {
        proxy: ['Digest realm="p1", nonce="a", qop="auth"', 'Digest realm="p2", nonce="b", algorithm=SHA-256'],
        www: 'Digest realm="uas", nonce="c", algorithm=MD5, qop=auth',
      },
      REQ,
    );
    expect(hs.map((h) => [h.header, h.realm, h.algorithm])).toEqual([
      ['Proxy-Authorization', 'p1', 'MD5'],
      ['Proxy-Authorization', 'p2', 'SHA-256'],
      ['Authorization', 'uas', 'MD5'],
    ]);
    for (const h of hs) expect(parseAuthorization(h.value)[0].realm).toBe(h.realm);
  });

  it('keeps credentials for a realm already satisfied (proxy 407, then the agent 401), with the next nc', () => {
    const proxy = new DigestServer({ realm: 'proxy', users: { alice: 'secret' }, proxy: true });
    const agent = new DigestServer({ realm: 'agent', users: { alice: 'secret' }, algorithms: ['SHA-256'] });
    const c = alice();
    const first = c.respond({ proxy: proxy.challenge().values }, REQ);
    expect(proxy.verify(first[0].value, REQ).ok).toBe(true);
    const second = c.respond({ www: agent.challenge().values }, { ...REQ, proxyAuthorization: [first[0].value] });
    expect(second.map((h) => h.header).sort()).toEqual(['Authorization', 'Proxy-Authorization']);
    const pa = second.find((h) => h.header === 'Proxy-Authorization')!;
    const au = second.find((h) => h.header === 'Authorization')!;
    expect(parseAuthorization(pa.value)[0].nc).toBe('00000002');
    expect(proxy.verify(pa.value, REQ)).toMatchObject({ ok: true, nc: 2 });
    expect(agent.verify(au.value, REQ)).toMatchObject({ ok: true, algorithm: 'SHA-256' });
  });

  it('counts nc per nonce and starts again at 1 for a new nonce', () => {
    const c = alice();
    const nc = (v: string) => parseAuthorization(v)[0].nc;
    expect(nc(c.respond({ www: 'Digest realm="r", nonce="n1", qop="auth"' }, REQ)[0].value)).toBe('00000001');
    expect(nc(c.authorize(REQ)[0].value)).toBe('00000002');
    expect(nc(c.authorize({ method: 'BYE', uri: 'sip:x' })[0].value)).toBe('00000003');
    expect(nc(c.respond({ www: 'Digest realm="r", nonce="n2", qop="auth"' }, REQ)[0].value)).toBe('00000001');
    c.reset();
    expect(c.authorize(REQ)).toEqual([]);
  });

  it('uses a fresh crypto cnonce each time', () => {
    const c = alice();
    const cn = new Set<string>();
    c.respond({ www: 'Digest realm="r", nonce="n", qop="auth"' }, REQ);
    for (let i = 0; i < 20; i++) cn.add(parseAuthorization(c.authorize(REQ)[0].value)[0].cnonce!);
    expect(cn.size).toBe(20);
    for (const x of cn) expect(x).toMatch(/^[0-9a-f]{32}$/);
  });

  it('prefers qop=auth unless auth-int is asked for; puts the Request-URI in uri exactly as given', () => {
    const ch = 'Digest realm="r", nonce="n", qop="auth-int,auth"';
    const a = parseAuthorization(alice().respond({ www: ch }, REQ)[0].value)[0];
    expect(a.qop).toBe('auth');
    expect(a.uri).toBe(REQ.uri);
    const c = new DigestClient({ username: 'alice', password: 'secret', qop: 'auth-int' });
    expect(parseAuthorization(c.respond({ www: ch }, REQ)[0].value)[0].qop).toBe('auth-int');
  });

  it('rejects bad options and unsafe request fields with typed errors', () => {
    expect(() => new DigestClient({ username: 'a', password: 'b', maxAttempts: 0 })).toThrow(DigestInvalidInputError);
    const ch = { www: 'Digest realm="r", nonce="n"' };
    expect(() => alice().respond(ch, { method: 'INVITE', uri: 'sip:a\r\nVia: x' })).toThrow(DigestInvalidInputError);
    expect(() => alice().respond(ch, { method: 'INV ITE', uri: 'sip:a' })).toThrow(DigestInvalidInputError);
  });
});
