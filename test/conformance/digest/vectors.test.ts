import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  computeDigestResponse,
  createAuthorization,
  DigestAlgorithm,
  normalizeDigestAlgorithm,
  parseAuthorization,
  parseChallenges,
} from '../../../src/digest';

interface Vector {
  id: string;
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string;
  cnonce?: string;
  qop?: string;
  opaque?: string;
  userhash?: boolean;
  username_star?: string | null;
  body_hex?: string;
  expected_response?: string;
  expected_userhash?: string;
  expected_response_fips_sha512_256?: string;
  expected_userhash_fips_sha512_256?: string | null;
  computed: { ha1: string; ha2: string; response: string; userhash: string | null };
}

const raw = readFileSync(join(__dirname, '../../fixtures/digest/vectors.json'));
const fixture = JSON.parse(raw.toString('utf8')) as { vectors: Vector[] };

function expectedResponse(v: Vector): string {
  // RFC 7616 §3.9.2: FIPS SHA-512/256 values (erratum 4897), not the RFC's truncated-SHA-512 ones.
  const r = v.expected_response_fips_sha512_256 ?? v.expected_response;
  if (!r) throw new Error(`vector ${v.id} has no expected response`);
  return r;
}

function expectedUserhash(v: Vector): string | undefined {
  return v.expected_userhash_fips_sha512_256 ?? v.expected_userhash ?? undefined;
}

/** The challenge a server would have sent for this vector, as header text. */
function challengeText(v: Vector): string {
  const p = [`realm="${v.realm}"`, `nonce="${v.nonce}"`];
  if (v.opaque) p.push(`opaque="${v.opaque}"`);
  p.push(`algorithm=${v.algorithm}`);
  if (v.qop) p.push(`qop="${v.qop}"`);
  if (v.userhash) p.push('userhash=true');
  return `Digest ${p.join(', ')}`;
}

describe('digest vectors (test/fixtures/digest/vectors.json)', () => {
  it('has the 24 vectors the README announces', () => {
    expect(fixture.vectors).toHaveLength(24);
  });

  describe.each(fixture.vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const body = v.body_hex !== undefined ? Buffer.from(v.body_hex, 'hex') : undefined;
    const algorithm = normalizeDigestAlgorithm(v.algorithm) as DigestAlgorithm;

    it('computeDigestResponse gives the expected HA1, HA2 and response', () => {
      const c = computeDigestResponse({
        algorithm,
        username: v.username,
        realm: v.realm,
        password: v.password,
        method: v.method,
        uri: v.uri,
        nonce: v.nonce,
        qop: v.qop as 'auth' | 'auth-int' | undefined,
        nc: v.nc,
        cnonce: v.cnonce,
        body,
      });
      expect(c.ha1).toBe(v.computed.ha1);
      expect(c.ha2).toBe(v.computed.ha2);
      expect(c.response).toBe(expectedResponse(v));
    });

    it('createAuthorization answers the parsed challenge with the expected directives', () => {
      const [challenge] = parseChallenges(challengeText(v));
      const value = createAuthorization(challenge, {
        username: v.username,
        password: v.password,
        method: v.method,
        uri: v.uri,
        body,
        cnonce: v.cnonce,
        nc: v.nc ? parseInt(v.nc, 16) : undefined,
      });
      const [creds] = parseAuthorization(value);
      expect(creds.response).toBe(expectedResponse(v));
      expect(creds.uri).toBe(v.uri);
      expect(creds.nonce).toBe(v.nonce);
      expect(creds.realm).toBe(v.realm);
      expect(creds.algorithm).toBe(v.algorithm);
      expect(creds.opaque).toBe(v.opaque);
      expect(creds.qop).toBe(v.qop);
      if (v.qop) {
        expect(creds.nc).toBe(v.nc);
        expect(creds.cnonce).toBe(v.cnonce);
        expect(value).toContain(`qop=${v.qop},`);
        expect(value).toMatch(new RegExp(`nc=${v.nc}(,|$)`));
      } else {
        expect(value).not.toMatch(/\b(qop|nc)=/);
      }
      expect(value).toContain(`algorithm=${v.algorithm}`);
      const uh = expectedUserhash(v);
      if (v.userhash) {
        expect(creds.userhash).toBe(true);
        expect(creds.username).toBe(uh);
      } else if (v.username_star) {
        expect(value).toContain(`username*=${v.username_star}`);
        expect(creds.usernameExtended).toBe(true);
        expect(creds.username).toBe(v.username);
      } else {
        expect(creds.username).toBe(v.username);
        expect(creds.userhash).toBe(false);
      }
    });
  });
});
