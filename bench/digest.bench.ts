/**
 * Answering a Kamailio-style 401 (MD5, qop=auth, opaque): parse the WWW-Authenticate value and
 * compute the Authorization value, sipprobe vs JsSIP (Grammar + DigestAuthentication).
 * Before timing, both contenders' values (same cnonce and nc) are parsed and their response, nc,
 * uri and opaque checked equal.
 */
import { strict as assert } from 'node:assert';
import { createAuthorization, parseAuthorization, parseChallenges } from '../src/digest';
import { compare } from './harness';

interface JsSipChallenge {
  realm: string;
  nonce: string;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const Grammar = require('jssip/lib/Grammar') as { parse(input: string, rule: string): JsSipChallenge };
const JsSipDigest = require('jssip/lib/DigestAuthentication') as new (c: { username: string; password: string }) => {
  authenticate(req: { method: string; ruri: string; body: string }, challenge: JsSipChallenge, cnonce?: string): boolean;
  toString(): string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const CHALLENGE = 'Digest realm="interop.test", nonce="Z2lD7mdiQ7jVzOYtIRn9VtRYXoD9AsMZ", opaque="0b5ea5e1", algorithm=MD5, qop="auth"';
const REQ = { method: 'INVITE', uri: 'sip:agent@127.0.0.1:15060;transport=udp' };
const CNONCE = '7f3c2a9b1e6d4c08';

function sipprobe(): string {
  const [ch] = parseChallenges(CHALLENGE);
  return createAuthorization(ch, { username: 'alice', password: 'secret', ...REQ, cnonce: CNONCE, nc: 1 });
}

function jssip(): string {
  const d = new JsSipDigest({ username: 'alice', password: 'secret' });
  d.authenticate({ method: REQ.method, ruri: REQ.uri, body: '' }, Grammar.parse(CHALLENGE, 'WWW_Authenticate'), CNONCE);
  return d.toString();
}

export default async function (): Promise<void> {
  const ours = parseAuthorization(sipprobe())[0];
  const theirs = parseAuthorization(jssip())[0];
  assert.equal(ours.response, theirs.response);
  assert.equal(ours.nc, theirs.nc);
  assert.equal(ours.uri, theirs.uri);
  assert.equal(ours.opaque, theirs.opaque);
  compare('Digest: parse 401 challenge + compute Authorization (MD5, qop=auth)', 'answers', [
    { name: 'sipprobe parseChallenges+createAuthorization', run: (n) => { let s = ''; for (let i = 0; i < n; i++) s = sipprobe(); return s; } },
    { name: 'jssip Grammar+DigestAuthentication', run: (n) => { let s = ''; for (let i = 0; i < n; i++) s = jssip(); return s; } },
  ]);
}
