/** The digest computation (RFC 7616 §3.4.1–3.4.3, RFC 2617 §3.2.2, RFC 2069) and `createAuthorization`. */
import { algorithmInfo, DigestAlgorithm, hashHex, normalizeDigestAlgorithm } from './algorithm';
import { assertHeaderSafe, encodeExtValue, isToken, quote } from './auth-params';
import { DigestChallenge } from './challenge';
import { DigestInvalidInputError, DigestUnsupportedAlgorithmError, DigestUnsupportedQopError } from './errors';
import { randomHex } from '../random';

/** Quality of protection values sipprobe implements. */
export type DigestQop = 'auth' | 'auth-int';

/** A request body as sent; `auth-int` hashes exactly these bytes (strings as UTF-8). */
export type DigestBody = string | Uint8Array;

/** Inputs of {@link computeDigestResponse}. */
export interface DigestComputation {
  algorithm: DigestAlgorithm;
  /** The real user name (also with userhash: A1 always uses the name itself). */
  username: string;
  realm: string;
  /** Either the password or `ha1` = H(username ":" realm ":" password) for the algorithm's hash. */
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: DigestQop;
  /** 8 hex digits; required with qop. */
  nc?: string;
  /** Required with qop and for -sess algorithms. */
  cnonce?: string;
  body?: DigestBody;
}

/** Intermediate and final values of one digest computation (lower-case hex). */
export interface DigestComputed {
  readonly ha1: string;
  readonly ha2: string;
  readonly response: string;
}

/** H(username ":" realm ":" password) for the hash underlying `algorithm` (the storable HA1). */
export function computeDigestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(algorithm, username, ':', realm, ':', password);
}

/** H(username ":" realm), the `username` sent when `userhash=true` (RFC 7616 §3.4.4). */
export function computeDigestUserhash(algorithm: DigestAlgorithm, username: string, realm: string): string {
  return hashHex(algorithm, username, ':', realm);
}

/** Pure digest computation; no validation of header safety (see {@link createAuthorization}). */
export function computeDigestResponse(c: DigestComputation): DigestComputed {
  const info = algorithmInfo(c.algorithm);
  let ha1 = c.ha1 !== undefined ? c.ha1.toLowerCase() : computeDigestHa1(c.algorithm, c.username, c.realm, c.password ?? '');
  if (info.sess) ha1 = hashHex(c.algorithm, ha1, ':', c.nonce, ':', c.cnonce ?? '');
  const ha2 =
    c.qop === 'auth-int'
      ? hashHex(c.algorithm, c.method, ':', c.uri, ':', hashHex(c.algorithm, bodyBytes(c.body)))
      : hashHex(c.algorithm, c.method, ':', c.uri);
  const response = c.qop
    ? hashHex(c.algorithm, ha1, ':', c.nonce, ':', c.nc ?? '', ':', c.cnonce ?? '', ':', c.qop, ':', ha2)
    : hashHex(c.algorithm, ha1, ':', c.nonce, ':', ha2);
  return { ha1, ha2, response };
}

function bodyBytes(body: DigestBody | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Options of {@link createAuthorization}. */
export interface CreateAuthorizationOptions {
  username: string;
  password: string;
  /** SIP method of the request being authorized (an RFC 3261 token). */
  method: string;
  /** The Request-URI exactly as sent (port and `;transport=` included). */
  uri: string;
  /** Body for `auth-int`; absent means empty. */
  body?: DigestBody;
  /** Client nonce; default 16 random bytes from `crypto`, hex. */
  cnonce?: string;
  /** Nonce count (1 for the first use of a nonce); default 1. Sent as 8 hex digits. */
  nc?: number;
  /** Preferred qop when the server offers several; default `auth`. */
  qop?: DigestQop;
  /** Use `userhash` when the challenge offers it; default true. */
  userhash?: boolean;
}

/** @internal The header value plus what was chosen. */
export interface BuiltAuthorization {
  value: string;
  algorithm: DigestAlgorithm;
  qop?: DigestQop;
}

/** @internal Picks the qop to use, or throws if the server offers only unknown ones. */
export function chooseQop(challenge: DigestChallenge, preferred: DigestQop | undefined): DigestQop | undefined {
  if (challenge.qop.length === 0) return undefined;
  if (preferred && challenge.qop.includes(preferred)) return preferred;
  if (challenge.qop.includes('auth')) return 'auth';
  if (challenge.qop.includes('auth-int')) return 'auth-int';
  throw new DigestUnsupportedQopError(challenge.realm, challenge.qop);
}

// ASCII printable except `"` and `\` (which quote() escapes) can go into a quoted-string username.
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** @internal */
export function buildAuthorization(challenge: DigestChallenge, o: CreateAuthorizationOptions): BuiltAuthorization {
  const algorithm = normalizeDigestAlgorithm(challenge.algorithm);
  if (!algorithm) throw new DigestUnsupportedAlgorithmError(challenge.realm, [challenge.algorithm]);
  const qop = chooseQop(challenge, o.qop);
  assertHeaderSafe('username', o.username);
  assertHeaderSafe('uri', o.uri);
  assertHeaderSafe('realm', challenge.realm);
  assertHeaderSafe('nonce', challenge.nonce);
  if (challenge.opaque !== undefined) assertHeaderSafe('opaque', challenge.opaque);
  if (typeof o.password !== 'string') throw new DigestInvalidInputError('password', 'not a string');
  if (!isToken(o.method)) throw new DigestInvalidInputError('method', 'not a token');
  if (o.uri === '') throw new DigestInvalidInputError('uri', 'empty');
  const ncNum = o.nc ?? 1;
  if (!Number.isInteger(ncNum) || ncNum < 1 || ncNum > 0xffffffff) throw new DigestInvalidInputError('nc', 'not an integer in 1..0xffffffff');
  const nc = ncNum.toString(16).padStart(8, '0');
  const sess = algorithmInfo(algorithm).sess;
  let cnonce: string | undefined;
  if (qop || sess) {
    cnonce = o.cnonce ?? randomHex(16);
    assertHeaderSafe('cnonce', cnonce);
    if (cnonce === '') throw new DigestInvalidInputError('cnonce', 'empty');
  }
  const { response } = computeDigestResponse({
    algorithm,
    username: o.username,
    realm: challenge.realm,
    password: o.password,
    method: o.method,
    uri: o.uri,
    nonce: challenge.nonce,
    qop,
    nc,
    cnonce,
    body: o.body,
  });
  const useHash = challenge.userhash && o.userhash !== false;
  // nonce precedes cnonce: naive substring-searching parsers (SIPp's) otherwise read cnonce as nonce.
  let user: string;
  if (useHash) user = `username=${quote(computeDigestUserhash(algorithm, o.username, challenge.realm))}`;
  else if (ASCII_PRINTABLE.test(o.username)) user = `username=${quote(o.username)}`;
  else user = `username*=${encodeExtValue(o.username)}`;
  const parts = [user, `realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`, `uri=${quote(o.uri)}`, `response=${quote(response)}`];
  // Echo the algorithm token only if the server sent one (it was validated as a known name above).
  if (challenge.algorithmGiven) parts.push(`algorithm=${challenge.algorithm}`);
  if (cnonce !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`);
  if (useHash) parts.push('userhash=true');
  return { value: `Digest ${parts.join(', ')}`, algorithm, ...(qop ? { qop } : {}) };
}

/**
 * Computes the `Authorization` / `Proxy-Authorization` header value answering `challenge`.
 * Quotes what RFC 7616 §3.4 quotes; `algorithm`, `qop`, `nc` and `userhash` are bare.
 * A non-ASCII user name is sent as `username*` (RFC 8187) unless userhash is used.
 *
 * @throws DigestUnsupportedAlgorithmError, DigestUnsupportedQopError, DigestInvalidInputError
 * (CR/LF or other control characters in any input, a method that is not a token, a bad nc).
 */
export function createAuthorization(challenge: DigestChallenge, options: CreateAuthorizationOptions): string {
  return buildAuthorization(challenge, options).value;
}
