import { FakeClock } from '../../../src/clock';
import {
  computeDigestHa1,
  DIGEST_ALGORITHMS,
  DigestAlgorithm,
  DigestAuthFailedError,
  DigestClient,
  DigestQop,
  DigestServer,
  DigestServerOptions,
  parseAuthorization,
  parseChallenges,
} from '../../../src/digest';

const SDP = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n');
const INVITE = { method: 'INVITE', uri: 'sip:agent@127.0.0.1:5080;transport=udp', body: SDP };

function server(o: Partial<DigestServerOptions> = {}): DigestServer {
  return new DigestServer({ realm: 'agent.test', users: { alice: 'secret' }, ...o });
}

/** One 401/407 → credentials → verify cycle. */
function exchange(s: DigestServer, c: DigestClient, req: { method: string; uri: string; body?: Buffer | string } = INVITE, stale = false) {
  const ch = s.challenge({ stale });
  const headers = c.respond(s.proxy ? { proxy: ch.values } : { www: ch.values }, req);
  const mine = headers.filter((h) => h.header === s.credentialsHeader);
  expect(mine).toHaveLength(1);
  return { result: s.verify(mine[0].value, req), value: mine[0].value, challenge: ch };
}

describe('client ↔ server round trip', () => {
  const qops: (DigestQop | 'none')[] = ['none', 'auth', 'auth-int'];
  const cases: [DigestAlgorithm, DigestQop | 'none', boolean][] = [];
  for (const a of DIGEST_ALGORITHMS) for (const q of qops) for (const u of [false, true]) cases.push([a, q, u]);

  it.each(cases)('%s qop=%s userhash=%s', (algorithm, qop, userhash) => {
    const s = server({ algorithms: [algorithm], qop: qop === 'none' ? [] : [qop], userhash });
    const c = new DigestClient({ username: 'alice', password: 'secret' });
    const { result, value } = exchange(s, c);
    expect(result).toEqual({ ok: true, username: 'alice', realm: 'agent.test', algorithm, ...(qop === 'none' ? {} : { qop, nc: 1 }) });
    const [creds] = parseAuthorization(value);
    expect(creds.algorithm).toBe(algorithm);
    expect(creds.userhash).toBe(userhash);
    expect(creds.username === 'alice').toBe(!userhash);
    expect(creds.uri).toBe(INVITE.uri);
    if (qop === 'none') expect(creds.nc).toBeUndefined();
    else expect(creds.nc).toBe('00000001');
  });

  it.each(DIGEST_ALGORITHMS)('%s auth-int over an empty body, and a changed body is refused', (algorithm) => {
    const s = server({ algorithms: [algorithm], qop: ['auth-int'] });
    const c = new DigestClient({ username: 'alice', password: 'secret' });
    const bye = { method: 'BYE', uri: 'sip:agent@127.0.0.1:5080' };
    const { result, value } = exchange(s, c, bye);
    expect(result.ok).toBe(true);
    expect(s.verify(value, { ...bye, body: 'x' })).toMatchObject({ ok: false, reason: 'wrong-credentials' });
  });

  it('proxy mode: 407 with Proxy-Authenticate, answered in Proxy-Authorization', () => {
    const s = server({ proxy: true, algorithms: ['SHA-256'] });
    const ch = s.challenge();
    expect(ch).toMatchObject({ status: 407, reason: 'Proxy Authentication Required', header: 'Proxy-Authenticate' });
    const c = new DigestClient({ username: 'alice', password: 'secret' });
    const [h] = c.respond({ proxy: ch.values }, INVITE);
    expect(h.header).toBe('Proxy-Authorization');
    expect(s.verify(h.value, INVITE).ok).toBe(true);
  });

  it('several algorithms (one header each, like Asterisk ≥ 20.12): the client takes the strongest', () => {
    const s = server({ algorithms: ['MD5', 'SHA-256', 'SHA-512-256'] });
    const ch = s.challenge();
    expect(ch.values).toHaveLength(3);
    expect(parseChallenges(ch.values).map((x) => x.algorithm)).toEqual(['MD5', 'SHA-256', 'SHA-512-256']);
    const c = new DigestClient({ username: 'alice', password: 'secret' });
    const { result } = exchange(s, c);
    expect(result).toMatchObject({ ok: true, algorithm: 'SHA-512-256' });
  });

  it('accepts a precomputed HA1 instead of a password', () => {
    const ha1 = computeDigestHa1('SHA-256', 'alice', 'agent.test', 'secret');
    const s = server({ algorithms: ['SHA-256-sess'], users: new Map([['alice', { ha1: { 'SHA-256': ha1 } }]]) });
    expect(exchange(s, new DigestClient({ username: 'alice', password: 'secret' })).result.ok).toBe(true);
    expect(exchange(s, new DigestClient({ username: 'alice', password: 'nope' })).result).toMatchObject({ reason: 'wrong-credentials' });
  });

  it('a non-ASCII user name travels as username* and verifies', () => {
    const s = server({ algorithms: ['SHA-256'], users: { 'Jäsøn Doe': 'pw' }, charsetUtf8: true });
    const { result, value } = exchange(s, new DigestClient({ username: 'Jäsøn Doe', password: 'pw' }));
    expect(value).toContain("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
    expect(result).toMatchObject({ ok: true, username: 'Jäsøn Doe' });
  });
});

describe('server verdicts', () => {
  const alice = () => new DigestClient({ username: 'alice', password: 'secret' });

  it('wrong password → wrong-credentials', () => {
    const s = server();
    const { result } = exchange(s, new DigestClient({ username: 'alice', password: 'wrong' }));
    expect(result).toMatchObject({ ok: false, reason: 'wrong-credentials', stale: false, username: 'alice' });
  });

  it('unknown user → unknown-user (also with userhash)', () => {
    expect(exchange(server(), new DigestClient({ username: 'bob', password: 'secret' })).result).toMatchObject({ reason: 'unknown-user' });
    expect(exchange(server({ userhash: true }), new DigestClient({ username: 'bob', password: 'x' })).result).toMatchObject({ reason: 'unknown-user' });
  });

  it('uri that is not the Request-URI → uri-mismatch', () => {
    const s = server();
    const { value } = exchange(s, alice());
    expect(s.verify(value, { ...INVITE, uri: 'sip:agent@127.0.0.1:5080' })).toMatchObject({ reason: 'uri-mismatch' });
  });

  it('algorithm not offered', () => {
    const offered = server({ algorithms: ['SHA-256'] });
    const other = server({ algorithms: ['MD5'], secret: Buffer.alloc(32, 1) });
    const c = alice();
    const [h] = c.respond({ www: other.challenge().values }, INVITE);
    expect(offered.verify(h.value, INVITE)).toMatchObject({ reason: 'algorithm-not-offered', algorithm: 'MD5' });
  });

  it('qop the server did not offer, and the RFC 2069 form when qop was required', () => {
    const s = server({ qop: ['auth'] });
    const noQop = server({ qop: [], secret: Buffer.alloc(32, 2) });
    const [h] = alice().respond({ www: noQop.challenge().values }, INVITE);
    expect(s.verify(h.value, INVITE)).toMatchObject({ reason: 'qop-not-offered' });
  });

  it('nonce from another server (other secret) → invalid-nonce; opaque not echoed → opaque-mismatch', () => {
    const s = server({ opaque: 'op1', secret: Buffer.alloc(32, 3) });
    const forger = server({ opaque: 'op1', secret: Buffer.alloc(32, 4) });
    const [h] = alice().respond({ www: forger.challenge().values }, INVITE);
    expect(s.verify(h.value, INVITE)).toMatchObject({ reason: 'invalid-nonce' });
    const differentOpaque = server({ opaque: 'op2', secret: Buffer.alloc(32, 3) });
    const [h2] = alice().respond({ www: differentOpaque.challenge().values }, INVITE);
    expect(s.verify(h2.value, INVITE)).toMatchObject({ reason: 'opaque-mismatch' });
  });

  it('replayed nc → nc-replay; the next nc is accepted', () => {
    const s = server();
    const c = alice();
    const { result, value } = exchange(s, c);
    expect(result.ok).toBe(true);
    expect(s.verify(value, INVITE)).toMatchObject({ ok: false, reason: 'nc-replay' });
    const [next] = c.authorize(INVITE);
    expect(parseAuthorization(next.value)[0].nc).toBe('00000002');
    expect(s.verify(next.value, INVITE)).toMatchObject({ ok: true, nc: 2 });
    expect(s.verify(next.value, INVITE)).toMatchObject({ reason: 'nc-replay' });
  });

  it('expired nonce → stale (only with a correct digest); the stale challenge carries stale=true and the client retries', () => {
    const clock = new FakeClock(1000);
    const s = server({ clock, nonceTtlMs: 30_000 });
    const c = alice();
    const ch = s.challenge();
    const [h] = c.respond({ www: ch.values }, INVITE);
    clock.advance(30_001);
    const r = s.verify(h.value, INVITE);
    expect(r).toMatchObject({ ok: false, reason: 'stale', stale: true });
    const [bad] = new DigestClient({ username: 'alice', password: 'x' }).respond({ www: ch.values }, INVITE);
    expect(s.verify(bad.value, INVITE)).toMatchObject({ reason: 'wrong-credentials', stale: false });

    const again = s.challenge({ stale: true });
    expect(parseChallenges(again.values)[0].stale).toBe(true);
    expect(again.values[0]).toContain('stale=true');
    const retry = c.respond({ www: again.values }, { ...INVITE, authorization: [h.value] });
    expect(s.verify(retry[0].value, INVITE)).toMatchObject({ ok: true });
  });

  it('nonce still valid just before the TTL', () => {
    const clock = new FakeClock(0);
    const s = server({ clock, nonceTtlMs: 10_000 });
    const c = alice();
    const [h] = c.respond({ www: s.challenge().values }, INVITE);
    clock.advance(10_000);
    expect(s.verify(h.value, INVITE).ok).toBe(true);
  });

  it('bounded nonce tracking: an evicted nonce is treated as stale, never replayable', () => {
    // every nonce in the same millisecond (what a fast machine does): issue order must still tell them apart
    const s = server({ maxTrackedNonces: 2, clock: new FakeClock(5) });
    const c = alice();
    const first = c.respond({ www: s.challenge().values }, INVITE)[0].value;
    expect(s.verify(first, INVITE).ok).toBe(true);
    for (let i = 0; i < 3; i++) {
      const fresh = new DigestClient({ username: 'alice', password: 'secret' });
      expect(s.verify(fresh.respond({ www: s.challenge().values }, INVITE)[0].value, INVITE).ok).toBe(true);
    }
    expect(s.verify(first, INVITE)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('no or foreign credentials → no-credentials; garbage → malformed', () => {
    const s = server();
    expect(s.verify(undefined, INVITE)).toMatchObject({ reason: 'no-credentials' });
    expect(s.verify([], INVITE)).toMatchObject({ reason: 'no-credentials' });
    expect(s.verify('Basic YWxpY2U6c2VjcmV0', INVITE)).toMatchObject({ reason: 'no-credentials' });
    expect(s.verify('Digest username="alice", realm="agent.test", nonce="x', INVITE)).toMatchObject({ reason: 'malformed' });
    expect(s.verify('Digest realm="agent.test", nonce="x", uri="sip:a", response="00"', INVITE)).toMatchObject({ reason: 'malformed' });
  });
});

describe('DigestClient against a re-challenging server', () => {
  it('second challenge (not stale) after credentials were sent → DigestAuthFailedError naming realm and algorithm', () => {
    const s = server({ algorithms: ['SHA-256'] });
    const c = new DigestClient({ username: 'alice', password: 'wrong' });
    const [h] = c.respond({ www: s.challenge().values }, INVITE);
    expect(s.verify(h.value, INVITE).ok).toBe(false);
    let err: unknown;
    try {
      c.respond({ www: s.challenge().values }, { ...INVITE, authorization: [h.value] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DigestAuthFailedError);
    expect(err).toMatchObject({ code: 'DIGEST_AUTH_FAILED', realm: 'agent.test', algorithm: 'SHA-256', reason: 'rejected', header: 'Authorization' });
    expect((err as Error).message).toContain('agent.test');
    expect((err as Error).message).toContain('SHA-256');
  });

  it('stale retries are not failures, up to the retry cap', () => {
    const s = server({ proxy: true });
    const c = new DigestClient({ username: 'alice', password: 'secret', maxAttempts: 3 });
    let sent = c.respond({ proxy: s.challenge().values }, INVITE);
    sent = c.respond({ proxy: s.challenge({ stale: true }).values }, { ...INVITE, proxyAuthorization: sent.map((h) => h.value) });
    sent = c.respond({ proxy: s.challenge({ stale: true }).values }, { ...INVITE, proxyAuthorization: sent.map((h) => h.value) });
    expect(s.verify(sent[0].value, INVITE).ok).toBe(true);
    expect(() =>
      c.respond({ proxy: s.challenge({ stale: true }).values }, { ...INVITE, proxyAuthorization: sent.map((h) => h.value) }),
    ).toThrow(expect.objectContaining({ code: 'DIGEST_AUTH_FAILED', reason: 'retry-limit', header: 'Proxy-Authorization' }));
  });
});

describe('server user lookup', () => {
  it('a lookup function serves names; missing HA1 for the used hash is refused, not crashed', () => {
    const lookup = (name: string) => (name === 'alice' ? { ha1: { MD5: computeDigestHa1('MD5', 'alice', 'agent.test', 'secret') } } : undefined);
    const md5 = server({ users: lookup, algorithms: ['MD5'] });
    expect(exchange(md5, new DigestClient({ username: 'alice', password: 'secret' })).result).toMatchObject({ ok: true });
    const sha = server({ users: lookup, algorithms: ['SHA-256'] });
    expect(exchange(sha, new DigestClient({ username: 'alice', password: 'secret' })).result).toMatchObject({ ok: false, reason: 'algorithm-not-offered' });
    const hashed = server({ users: lookup, userhash: true });
    expect(exchange(hashed, new DigestClient({ username: 'alice', password: 'secret' })).result).toMatchObject({ ok: false, reason: 'unknown-user' });
  });

  it('rejects unsafe or unknown configuration with typed errors', () => {
    expect(() => server({ realm: 'a\r\nb' })).toThrow(expect.objectContaining({ code: 'DIGEST_INVALID_INPUT', field: 'realm' }));
    expect(() => server({ algorithms: ['SHA-1' as DigestAlgorithm] })).toThrow(expect.objectContaining({ field: 'algorithms' }));
    expect(() => server({ algorithms: [] })).toThrow(expect.objectContaining({ field: 'algorithms' }));
    expect(() => server({ qop: ['auth-conf' as DigestQop] })).toThrow(expect.objectContaining({ field: 'qop' }));
  });
});
