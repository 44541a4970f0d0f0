/**
 * The caller's side of a challenged BYE: `digestAuthenticator` answers the challenge with the
 * call's digest client (a DigestServer accepts the result), `prepareInvite` wires it into the
 * INVITE options, and `byeChallengeWarning` turns a failed challenge into `BYE_AUTH_FAILED`.
 */
import { byeChallengeWarning, digestAuthenticator, prepareInvite } from '../../../src/caller/invite';
import { DigestClient } from '../../../src/digest/client';
import { DigestServer } from '../../../src/digest/server';
import { createRequest, createResponse, type SipRequest } from '../../../src/sip';
import type { SipCallEnd } from '../../../src/sip/ua/call';

const PASSWORD = 'bye-s3cret-Pw';

function bye(): SipRequest {
  return createRequest('BYE', 'sip:agent@127.0.0.1:5071;transport=tcp', { from: '<sip:probe@127.0.0.1>;tag=a', to: '<sip:agent@127.0.0.1>;tag=b', callId: 'c1', cseq: 3 });
}

describe('digestAuthenticator', () => {
  it.each([false, true])('answers a BYE challenge (proxy %s) with credentials the server verifies for BYE and the remote target', async (proxy) => {
    const server = new DigestServer({ realm: 'agents', users: { alice: PASSWORD }, proxy, qop: [] });
    const c = server.challenge();
    const req = bye();
    const res = createResponse(req, c.status, undefined, { headers: c.values.map((v) => [c.header, v] as [string, string]) });
    const headers = (await digestAuthenticator(new DigestClient({ username: 'alice', password: PASSWORD }))(res, req)) as [string, string][];
    expect(headers.map(([k]) => k)).toEqual([proxy ? 'Proxy-Authorization' : 'Authorization']);
    const ok = server.verify(headers[0][1], { method: 'BYE', uri: req.uri });
    expect(ok).toMatchObject({ ok: true, username: 'alice' });
    // bound to the method: the same value does not pass for an INVITE
    expect(server.verify(headers[0][1], { method: 'INVITE', uri: req.uri }).ok).toBe(false);
    expect(JSON.stringify(headers)).not.toContain(PASSWORD);
  });

  it('throws the digest client’s typed error when the BYE already carried rejected credentials', async () => {
    const server = new DigestServer({ realm: 'agents', users: { alice: PASSWORD } });
    const client = new DigestClient({ username: 'alice', password: 'wrong' });
    const auth = digestAuthenticator(client);
    const req = bye();
    const c = server.challenge();
    const res = createResponse(req, 401, undefined, { headers: c.values.map((v) => ['WWW-Authenticate', v] as [string, string]) });
    const first = (await auth(res, req)) as [string, string][];
    const retried = bye();
    retried.headers.add(first[0][0], first[0][1]);
    const again = createResponse(retried, 401, undefined, { headers: server.challenge().values.map((v) => ['WWW-Authenticate', v] as [string, string]) });
    expect(() => auth(again, retried)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^DIGEST_/) }));
  });
});

describe('prepareInvite with a digest client', () => {
  it('sets authenticate only when the call has credentials', () => {
    const call = { target: 'sip:agent@127.0.0.1:5070' };
    expect(prepareInvite({}, call, 'v=0\r\n').inviteOptions.authenticate).toBeUndefined();
    expect(prepareInvite({}, call, 'v=0\r\n', null).inviteOptions.authenticate).toBeUndefined();
    expect(typeof prepareInvite({}, call, 'v=0\r\n', new DigestClient({ username: 'u', password: 'p' })).inviteOptions.authenticate).toBe('function');
  });
});

describe('byeChallengeWarning', () => {
  const res = (status: number) => createResponse(bye(), status);
  it('is silent without a challenge or when the credentials were accepted', () => {
    expect(byeChallengeWarning(undefined)).toBeUndefined();
    expect(byeChallengeWarning({ reason: 'local-bye', response: res(200) })).toBeUndefined();
    expect(byeChallengeWarning({ reason: 'local-bye', response: res(200), byeChallenge: { status: 401, outcome: 'accepted' } })).toBeUndefined();
  });

  it('says BYE_AUTH_FAILED with what happened otherwise', () => {
    const cases: Array<[SipCallEnd, RegExp]> = [
      [{ reason: 'local-bye', response: res(401), byeChallenge: { status: 401, outcome: 'challenged-again' } }, /^BYE_AUTH_FAILED: the BYE was challenged \(401\) and challenged again .*\(401\); the call was ended locally$/],
      [{ reason: 'local-bye', response: res(407), byeChallenge: { status: 407, outcome: 'no-credentials' } }, /^BYE_AUTH_FAILED: .*\(407\) and not answered: no credentials for this call; /],
      [{ reason: 'local-bye', response: res(401), byeChallenge: { status: 401, outcome: 'credentials-error', code: 'DIGEST_UNSUPPORTED_ALGORITHM' } }, /could not be computed \[DIGEST_UNSUPPORTED_ALGORITHM\]/],
      [{ reason: 'local-bye', byeChallenge: { status: 401, outcome: 'no-response' } }, /no final response came; /],
      [{ reason: 'local-bye', response: res(403), byeChallenge: { status: 401, outcome: 'refused' } }, /then refused \(403\)/],
    ];
    for (const [end, re] of cases) expect(byeChallengeWarning(end)).toMatch(re);
  });
});

describe('tcpFallbackWarning', () => {
  it('names the size and the connection failure, one printable line', async () => {
    const { tcpFallbackWarning } = await import('../../../src/caller/invite');
    expect(tcpFallbackWarning(undefined)).toBeUndefined();
    expect(tcpFallbackWarning({ bytes: 1844, code: 'SIP_TRANSPORT_CONNECT', message: 'TCP connect to 127.0.0.1:5060 failed: ECONNREFUSED\r\nX' })).toBe(
      'INVITE_TCP_FALLBACK: the 1844-byte INVITE went over UDP: TCP to the same address failed (SIP_TRANSPORT_CONNECT: TCP connect to 127.0.0.1:5060 failed: ECONNREFUSED??X) (RFC 3261 §18.1.1)',
    );
  });
});
